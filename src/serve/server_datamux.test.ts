import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadDataMUX, loadDataMUXVision, saveModelCheckpoint } from '../models/checkpoint.js';
import { DataMUX } from '../models/datamux.js';
import { cropMnist } from '../models/datamux_vision.js';
import { Vocab } from '../data/vocab.js';
import { Generator, fromBytes, noGrad, tensor, tidy } from '../tensor/index.js';
import { describeCheckpoint } from './model.js';
import { startServer } from './server.js';
import { SENTENCES, call, images, postBytes, postJson, tinyDataMUXCheckpoint, tinyDataMUXVisionCheckpoint, tinyMIMOFormerCheckpoint } from './testing.js';
import type { Out } from './testing.js';

const closeTo = (got: number[], want: number[], what: string) =>
  assert.ok(want.every((w, k) => Math.abs(w - got[k]) <= 1e-4 * (1 + Math.abs(w))), `${what}: ${got} vs ${want}`);

test('describeCheckpoint: a DataMUX serves the points it was trained at, or those given up to its N', () => {
  const file = tinyDataMUXCheckpoint();
  const m = describeCheckpoint(file);
  assert.ok(m.kind === 'datamux');
  assert.deepEqual([m.ns, m.cap, m.classes, m.instances, m.sentence.length, m.sentence.vocab.size, m.maskPadding], [[1, 2], 2, 2, 2, 12, Vocab.build(SENTENCES).size, true]);
  assert.deepEqual(describeCheckpoint(file, { points: [2] }).ns, [2]);
  assert.throws(() => describeCheckpoint(file, { points: [1, 3] }), /operating point 3: the checkpoint holds N = 2 instances/);
  assert.throws(() => describeCheckpoint(file, { grids: [[1, 1]] }), /grids apply to MIMOFormer checkpoints; this one holds a DataMUX/);
  assert.throws(() => describeCheckpoint(file, { imageSize: [28, 28] }), /image size applies to MIMOConv checkpoints; this one holds a DataMUX/);
  assert.throws(() => describeCheckpoint(tinyMIMOFormerCheckpoint('text'), { points: [1] }), /points apply to DataMUX checkpoints; this one holds a MIMOFormer/);
  // Checkpoints that do not say how their sentences were encoded.
  const dir = mkdtempSync(path.join(tmpdir(), 'mimo-serve-dmx-'));
  try {
    const vocab = Vocab.build(SENTENCES);
    const write = (name: string, padId: number, extra: Record<string, unknown>) => {
      const model = new DataMUX({ vocabSize: vocab.size, padId, maxLength: 8, instances: 2, dim: 8, layers: 1, heads: 2, ffn: 16 }, new Generator(0));
      saveModelCheckpoint(path.join(dir, name), 'datamux', model, model.config, extra);
      model.dispose();
      return path.join(dir, name);
    };
    assert.throws(() => describeCheckpoint(write('novocab.safetensors', 0, { points: [2] })), /holds no vocabulary \(mimo_extra.vocab\)/);
    assert.throws(() => describeCheckpoint(write('pad.safetensors', 1, { vocab: vocab.toJSON() })), /the model pads with id 1, its vocabulary with 0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const v = describeCheckpoint(tinyDataMUXVisionCheckpoint());
  assert.ok(v.kind === 'datamux-vision');
  assert.deepEqual([v.ns, v.cap, v.classes, v.instances, v.input.height, v.input.width], [[1, 2, 4], 4, 10, 4, 28, 28]);
});

test('a DataMUX sentence server: each sentence gets its own logits from the mix it was superposed in; n = 1 alone', async () => {
  const file = tinyDataMUXCheckpoint({ seed: 2 });
  const { model } = loadDataMUX(file);
  model.eval();
  const srv = await startServer({ checkpoint: file, port: 0, policy: { mode: 'fixed', n: 2 }, calibrate: false });
  try {
    const vocab = Vocab.build(SENTENCES);
    const row = (t: string) => vocab.encode(t, 12, { addCls: true });
    const logits = (rows: number[][], n: number) => noGrad(() => tidy(() => model.forward(tensor(rows.flat(), { shape: [rows.length, 12], dtype: 'int64' }), n).toArray() as number[][]));
    const texts = ['not good', 'the best film of the year , a fine film', 'dull and slow'];
    const r = await postJson(`${srv.url}/v1/predict`, { inputs: texts });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const outs = r.body.outputs as Out[];
    // Longest first: text 1 in slot 0, text 2 in slot 1 (one mix), text 0 in slot 2, its mix filled with itself again.
    assert.deepEqual(outs.map((o) => [o.n, o.slot]), [[2, 2], [2, 0], [2, 1]]);
    const first = logits([row(texts[1]), row(texts[2])], 2);
    const last = logits([row(texts[0]), row(texts[0])], 2);
    closeTo(outs[0].logits, last[0], 'text 0');
    closeTo(outs[1].logits, first[0], 'text 1');
    closeTo(outs[2].logits, first[1], 'text 2');
    assert.deepEqual(outs.map((o) => o.class), [last[0], first[0], first[1]].map((w) => w.indexOf(Math.max(...w))));
    assert.deepEqual(outs.map((o) => (o as Out & { label: string }).label), outs.map((o) => ['negative', 'positive'][o.class]));
    assert.equal((await call(`${srv.url}/v1/operating-point`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'fixed', n: 1 }) })).status, 200);
    const one = await postBytes(`${srv.url}/v1/predict`, new TextEncoder().encode('Not good'), 'text/plain');
    assert.equal(one.status, 200, JSON.stringify(one.body));
    closeTo(one.body.outputs[0].logits, logits([row('not good')], 1)[0], 'n = 1');
    const h = await call(`${srv.url}/v1/health`);
    assert.deepEqual([h.body.model.kind, h.body.model.instances, h.body.model.max_length, h.body.model.cap, h.body.model.length_grouping], ['datamux', 2, 12, 2, true]);
    const bad = await postJson(`${srv.url}/v1/predict`, { inputs: ['good', 7] });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /inputs\[1\] must be a sentence/);
    const wrongN = await call(`${srv.url}/v1/operating-point`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'fixed', n: 4 }) });
    assert.equal(wrongN.status, 400);
  } finally {
    await srv.close();
    model.dispose();
  }
});

test('a DataMUX MNIST server: 28×28 digits, centre-cropped as in training, four to a mix', async () => {
  const file = tinyDataMUXVisionCheckpoint(3);
  const { model } = loadDataMUXVision(file);
  model.eval();
  const srv = await startServer({ checkpoint: file, port: 0, policy: { mode: 'fixed', n: 4 }, calibrate: false });
  try {
    const digits = images(4, 9);
    const bytes = new Uint8Array(4 * 784);
    digits.forEach((d, i) => bytes.set(d, i * 784));
    const r = await postBytes(`${srv.url}/v1/predict`, bytes, 'application/octet-stream');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const want = noGrad(() => tidy(() => model.forward(cropMnist(fromBytes(bytes, [4, 28, 28], 'uint8')), 4).toArray() as number[][]));
    (r.body.outputs as Out[]).forEach((o, i) => {
      assert.deepEqual([o.n, o.slot], [4, i]);
      closeTo(o.logits, want[i], `digit ${i}`);
    });
    const small = await postJson(`${srv.url}/v1/predict`, { input: new Array(20 * 20).fill(0) });
    assert.equal(small.status, 400);
  } finally {
    await srv.close();
    model.dispose();
  }
});
