import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { loadDataMUX, loadMIMOConv, loadMIMOFormer } from '../../models/checkpoint.js';
import { byteTokens } from '../../data/lra_text.js';
import { Vocab } from '../../data/vocab.js';
import { noGrad, tensor, tidy } from '../../tensor/index.js';
import { SENTENCES, expectedLogits, expectedSequenceLogits, images, tinyCheckpoint, tinyDataMUXCheckpoint, tinyMIMOFormerCheckpoint } from '../../serve/testing.js';
import { predictCommand } from './predict.js';
import { UsageError } from '../output.js';
import { captureCommand, runCommand } from '../../testing/cli.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/mimo.js');
let tmp: string;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mimo-predict-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Output { input: string; class: number; label?: string; probability: number; logits: number[]; group: number }
const closeTo = (got: number[], want: number[], what: string) =>
  assert.ok(want.every((w, k) => Math.abs(w - got[k]) <= 1e-4 * (1 + Math.abs(w))), `${what}: ${got} vs ${want}`);

/** A grey PNG of a 28×28 image. */
function png(pixels: Uint8Array, file: string): string {
  const p = new PNG({ width: 28, height: 28 });
  p.data = Buffer.from(Array.from(pixels).flatMap((v) => [v, v, v, 255]));
  writeFileSync(file, PNG.sync.write(p));
  return file;
}

test('mimo predict: PNG digits share superpositions in the order given, the last filled with its own inputs', async () => {
  const checkpoint = tinyCheckpoint(5);
  const digits = images(3, 21);
  const files = digits.map((d, i) => png(d, path.join(tmp, `digit${i}.png`)));
  const r = JSON.parse(await runCommand(predictCommand(), [checkpoint, ...files, '--n', '4', '--json']));
  assert.deepEqual([r.model, r.n], ['mimoconv', 4]);
  const { model } = loadMIMOConv(checkpoint);
  model.eval();
  try {
    const want = expectedLogits(model, [digits[0], digits[1], digits[2], digits[0]], 4);
    (r.outputs as Output[]).forEach((o, i) => {
      closeTo(o.logits, want[i], `digit ${i}`);
      assert.deepEqual([o.input, o.group, o.class, o.label], [files[i], 0, want[i].indexOf(Math.max(...want[i])), String(want[i].indexOf(Math.max(...want[i])))]);
      assert.ok(o.probability > 0 && o.probability <= 1);
    });
    // n = 1 by default: each digit alone.
    const one = JSON.parse(await runCommand(predictCommand(), [checkpoint, files[1], '--json']));
    assert.equal(one.n, 1);
    closeTo(one.outputs[0].logits, expectedLogits(model, [digits[1]], 1)[0], 'n = 1');
  } finally {
    model.dispose();
  }
});

test('mimo predict: sentences for a DataMUX, from the arguments or stdin', async () => {
  const checkpoint = tinyDataMUXCheckpoint({ seed: 4 });
  const texts = ['a fine and moving film', 'not good at all', 'dull'];
  const r = JSON.parse(await runCommand(predictCommand(), [checkpoint, ...texts, '--n', '2', '--json']));
  const { model } = loadDataMUX(checkpoint);
  model.eval();
  try {
    const vocab = Vocab.build(SENTENCES);
    const ids = [texts[0], texts[1], texts[2], texts[2]].flatMap((t) => vocab.encode(t, 12, { addCls: true }));
    const want = noGrad(() => tidy(() => model.forward(tensor(ids, { shape: [4, 12], dtype: 'int64' }), 2).toArray() as number[][]));
    (r.outputs as Output[]).forEach((o, i) => {
      closeTo(o.logits, want[i], `sentence ${i}`);
      assert.deepEqual([o.group, o.label], [Math.floor(i / 2), ['negative', 'positive'][o.class]]);
    });
  } finally {
    model.dispose();
  }
  // 70 sentences at n = 2: 35 superpositions, more than one forward pass holds.
  const many = Array.from({ length: 70 }, (_, i) => SENTENCES[i % SENTENCES.length].split(' ').slice(0, 1 + (i % 4)).join(' '));
  const all = JSON.parse(await runCommand(predictCommand(), [checkpoint, ...many, '--n', '2', '--json']));
  const again = loadDataMUX(checkpoint).model;
  again.eval();
  try {
    const vocab = Vocab.build(SENTENCES);
    const ids = many.flatMap((t) => vocab.encode(t, 12, { addCls: true }));
    const want = noGrad(() => tidy(() => again.forward(tensor(ids, { shape: [70, 12], dtype: 'int64' }), 2).toArray() as number[][]));
    (all.outputs as Output[]).forEach((o, i) => closeTo(o.logits, want[i], `sentence ${i} of 70`));
  } finally {
    again.dispose();
  }
  // '-': one input per line of stdin, through the mimo command.
  const child = spawn(process.execPath, [bin, 'predict', checkpoint, '-', '--n', '2', '--json'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  child.stdin.end(`${texts.join('\n')}\n\n`);
  assert.equal(await new Promise((resolve) => child.on('exit', resolve)), 0, err);
  const piped = JSON.parse(out);
  assert.deepEqual(piped.outputs.map((o: Output) => o.input), texts);
  piped.outputs.forEach((o: Output, i: number) => closeTo(o.logits, r.outputs[i].logits, `stdin sentence ${i}`));
});

test('mimo predict: LRA texts for a MIMOFormer, four to a 2×2 grid', async () => {
  const checkpoint = tinyMIMOFormerCheckpoint('text', 2);
  const texts = ['a fine film', 'dull', 'x'.repeat(30), 'mixed feelings'];
  const r = JSON.parse(await runCommand(predictCommand(), [checkpoint, ...texts, '--n', '4', '--json']));
  assert.deepEqual([r.model, r.n, r.grid], ['mimoformer', 4, '2x2']);
  const { model } = loadMIMOFormer(checkpoint);
  model.eval();
  try {
    const want = expectedSequenceLogits(model, texts.map((t) => Float32Array.from(byteTokens(t, 48).ids)), { m: 2, n: 2 });
    (r.outputs as Output[]).forEach((o, i) => {
      closeTo(o.logits, want[i], `text ${i}`);
      assert.equal(o.label, ['negative', 'positive'][o.class]);
    });
  } finally {
    model.dispose();
  }
});

test('mimo predict: missing files, bad operating points and bad inputs are usage errors that name them', async () => {
  const usage = async (args: string[], message: RegExp) => {
    const r = await captureCommand(predictCommand(), args);
    assert.ok(r.error instanceof UsageError && message.test(r.error.message), String(r.error));
  };
  const conv = tinyCheckpoint();
  await usage([conv, path.join(tmp, 'none.png')], /none\.png: no such file \(this model takes PNG images\)/);
  await usage([conv, tmp], /: not a file \(this model takes PNG images\)/);
  const text = path.join(tmp, 'not-a-png.png');
  writeFileSync(text, 'hello');
  await usage([conv, text], /not-a-png\.png: .*PNG/);
  await usage([conv, png(images(1, 3)[0], path.join(tmp, 'ok.png')), '--n', '3'], /--n: n must be one of the model's operating points \(inputs per superposition\): 1, 2, 4; got 3/);
  await usage([path.join(tmp, 'missing.safetensors'), 'x'], /checkpoint not found/);
  const dmx = tinyDataMUXCheckpoint();
  await usage([dmx, 'good', '   '], /"   ": the sentence has no words/);
  await usage([dmx, 'good', '--grids', '2x2'], /grids apply to MIMOFormer checkpoints; this one holds a DataMUX/);
  await usage([dmx, 'good', '--points', '1,3'], /operating point 3: the checkpoint holds N = 2 instances/);
});
