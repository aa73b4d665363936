import test from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { loadMIMOFormer } from '../models/checkpoint.js';
import type { MIMOFormer } from '../models/mimoformer.js';
import { byteTokens } from '../data/lra_text.js';
import { greyLevel } from '../data/lra_image.js';
import { Rng } from '../data/random.js';
import { describeCheckpoint } from './model.js';
import { startServer } from './server.js';
import type { RunningServer } from './server.js';
import { call, expectedSequenceLogits, postBytes, postJson, tinyMIMOFormerCheckpoint } from './testing.js';
import type { Out } from './testing.js';

const checkpoint = tinyMIMOFormerCheckpoint('text');
const L = 48;
let model: MIMOFormer;
let srv: RunningServer;

const setPoint = (p: unknown) => call(`${srv.url}/v1/operating-point`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(p) });
/** A text's padded ids as the server makes them. */
const row = (s: string) => Float32Array.from(byteTokens(s, L).ids);
const closeTo = (got: number[], want: number[], what: string) =>
  assert.ok(want.every((w, k) => Math.abs(w - got[k]) <= 1e-4 * (1 + Math.abs(w))), `${what}: ${got} vs ${want}`);

test.before(async () => {
  model = loadMIMOFormer(checkpoint).model;
  model.eval();
  srv = await startServer({ checkpoint, port: 0, policy: { mode: 'fixed', n: 1 }, calibrate: false });
});
test.after(async () => {
  await srv?.close();
  model?.dispose();
});

test('describeCheckpoint: a MIMOFormer serves the grids it was trained on, one per number of inputs', () => {
  const m = describeCheckpoint(checkpoint);
  assert.ok(m.kind === 'mimoformer');
  assert.deepEqual([m.ns, m.cap, m.classes, m.variant, m.sequence], [[1, 4], 4, 2, 'att', { task: 'text', length: L, vocabSize: 257, padId: 0 }]);
  assert.deepEqual(m.grids, { 1: { m: 1, n: 1 }, 4: { m: 2, n: 2 } });
  const given = describeCheckpoint(checkpoint, { grids: [[1, 1], [1, 2], [2, 2]] });
  assert.deepEqual(given.ns, [1, 2, 4]);
  assert.throws(() => describeCheckpoint(checkpoint, { grids: [[1, 2], [2, 1]] }), /grids 1x2 and 2x1 both superpose 2 inputs/);
  assert.throws(() => describeCheckpoint(checkpoint, { grids: [[4, 4]] }), /grid 4x4: the checkpoint's grid capacity is 2×2/);
  assert.throws(() => describeCheckpoint(checkpoint, { imageSize: [32, 32] }), /image size applies to MIMOConv/);
});

test('n = 1: each text gets exactly its own single-sequence logits, whatever the lengths in its batch', async () => {
  const texts = ['a fine film', 'dull', 'x'.repeat(60), 'mixed feelings about the ending'];
  const replies = await Promise.all(texts.map((t) => postJson(`${srv.url}/v1/predict`, { input: t })));
  replies.forEach((r, i) => {
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const [out] = r.body.outputs as (Out & { grid: string })[];
    assert.deepEqual([out.n, out.grid], [1, '1x1']);
    closeTo(out.logits, expectedSequenceLogits(model, [row(texts[i])], { m: 1, n: 1 })[0], `text ${i}`);
  });
});

test('n = 4: a 2×2 grid of four sequences, grouped longest first, each output unbound to its own caller; a short last group is filled', async () => {
  assert.equal((await setPoint({ mode: 'fixed', n: 4 })).status, 200);
  const rng = new Rng(3);
  const texts = Array.from({ length: 6 }, (_, i) => Array.from({ length: 3 + 7 * i }, () => String.fromCharCode(97 + rng.below(26))).join(''));
  const r = await postJson(`${srv.url}/v1/predict`, { inputs: texts });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const outs = r.body.outputs as (Out & { grid: string })[];
  // Longest first: text 5 in slot 0, ..., text 0 in slot 5.
  assert.deepEqual(outs.map((o) => [o.n, o.grid, o.slot]), texts.map((_, i) => [4, '2x2', 5 - i]));
  const rows = texts.map(row);
  // Slots 0-3 (texts 5, 4, 3, 2) are one grid; slots 4-5 (texts 1, 0) were filled with themselves again.
  const first = expectedSequenceLogits(model, [rows[5], rows[4], rows[3], rows[2]], { m: 2, n: 2 });
  const last = expectedSequenceLogits(model, [rows[1], rows[0], rows[1], rows[0]], { m: 2, n: 2 });
  const want = [last[1], last[0], first[3], first[2], first[1], first[0]];
  outs.forEach((o, i) => closeTo(o.logits, want[i], `text ${i}`));
  // Superposition changes the answer: the same text alone differs.
  const alone = expectedSequenceLogits(model, [rows[5]], { m: 1, n: 1 })[0];
  assert.ok(alone.some((w, k) => Math.abs(w - outs[5].logits[k]) > 1e-3));
});

test('operating points, health and errors of a MIMOFormer server', async () => {
  const bad = await setPoint({ mode: 'fixed', n: 2 });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /operating points \(inputs per superposition\): 1, 4; got 2/);
  const op = await call(`${srv.url}/v1/operating-point`);
  assert.deepEqual([op.body.choices, op.body.grids], [[1, 4], { 1: '1x1', 4: '2x2' }]);
  const h = await call(`${srv.url}/v1/health`);
  assert.deepEqual([h.body.model.kind, h.body.model.task, h.body.model.variant, h.body.model.max_length, h.body.model.length_grouping], ['mimoformer', 'text', 'att', L, true]);
  const png = await postBytes(`${srv.url}/v1/predict`, new Uint8Array([1, 2, 3]), 'image/png');
  assert.equal(png.status, 415);
  const empty = await postJson(`${srv.url}/v1/predict`, { inputs: ['fine', ' '] });
  assert.equal(empty.status, 400);
  assert.match(empty.body.error, /inputs\[1\]: the text is empty/);
});

test('an LRA image model: a PNG is served as its 1024 grey levels', async () => {
  const file = tinyMIMOFormerCheckpoint('image', 1);
  const image = loadMIMOFormer(file).model;
  image.eval();
  const s = await startServer({ checkpoint: file, port: 0, policy: { mode: 'fixed', n: 1 }, calibrate: false });
  try {
    const rng = new Rng(5);
    const png = new PNG({ width: 32, height: 32 });
    const rgb = Array.from({ length: 1024 }, () => [rng.below(256), rng.below(256), rng.below(256)]);
    png.data = Buffer.from(rgb.flatMap((c) => [...c, 255]));
    const r = await postBytes(`${s.url}/v1/predict`, PNG.sync.write(png), 'image/png');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const grey = Float32Array.from(rgb, ([a, b, c]) => greyLevel(a, b, c));
    closeTo(r.body.outputs[0].logits, expectedSequenceLogits(image, [grey], { m: 1, n: 1 })[0], 'image');
  } finally {
    await s.close();
    image.dispose();
  }
});
