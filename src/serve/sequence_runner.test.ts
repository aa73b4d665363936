import test from 'node:test';
import assert from 'node:assert/strict';
import { loadDataMUX, loadMIMOFormer } from '../models/checkpoint.js';
import { noGrad, tensor, tidy } from '../tensor/index.js';
import { Vocab } from '../data/vocab.js';
import { byteTokens } from '../data/lra_text.js';
import { Rng } from '../data/random.js';
import { SequenceRunner, dataMUXSequences, mimoformerSequences } from './sequence_runner.js';
import { SENTENCES, expectedSequenceLogits, tinyDataMUXCheckpoint, tinyMIMOFormerCheckpoint } from './testing.js';

const L = 48;
const grids = { 1: { m: 1, n: 1 }, 4: { m: 2, n: 2 } };
const closeTo = (got: ArrayLike<number>, want: number[], what: string) =>
  assert.ok(want.every((w, k) => Math.abs(w - got[k]) <= 1e-4 * (1 + Math.abs(w))), `${what}: ${Array.from(got)} vs ${want}`);

test('SequenceRunner: passes cut to their own longest sequence give the full-length logits of each superposition', () => {
  const { model } = loadMIMOFormer(tinyMIMOFormerCheckpoint('text'));
  model.eval();
  try {
    const rng = new Rng(7);
    // Three 2×2 superpositions, longest first as the scheduler orders them: lengths 40-48, 20-23, 3-6.
    const sizes = [48, 44, 41, 40, 23, 22, 21, 20, 6, 5, 4, 3];
    const rows = sizes.map((k) => Float32Array.from(byteTokens(Array.from({ length: k }, () => String.fromCharCode(97 + rng.below(26))).join(''), L).ids));
    const data = new Float32Array(rows.length * L);
    rows.forEach((r, i) => data.set(r, i * L));
    const want = [0, 1, 2].flatMap((g) => expectedSequenceLogits(model, rows.slice(4 * g, 4 * g + 4), grids[4]));
    const runner = new SequenceRunner(mimoformerSequences(model, grids), L);
    const check = (what: string) => {
      const out = runner.forward(4, rows.length, data);
      want.forEach((w, i) => closeTo(out.subarray(2 * i, 2 * i + 2), w, `${what}, row ${i}`));
    };
    check('one pass (overhead not measured)');
    assert.deepEqual(runner.lastRuns, [0, 3]);
    runner.setOverheadTokens(4, 0);
    check('a pass per superposition');
    assert.deepEqual(runner.lastRuns, [0, 1, 2, 3]);
    runner.setOverheadTokens(4, 100); // the 3-6 group alone saves 4·(23-6) = 68 < 100 tokens: it joins the 20s
    check('two passes');
    assert.deepEqual(runner.lastRuns, [0, 1, 3]);
    // n = 1 is its own grid: every sequence alone.
    runner.setOverheadTokens(1, 0);
    const one = runner.forward(1, 3, data.subarray(0, 3 * L));
    rows.slice(0, 3).forEach((r, i) => closeTo(one.subarray(2 * i, 2 * i + 2), expectedSequenceLogits(model, [r], grids[1])[0], `n = 1, row ${i}`));
    runner.calibrate(4, 1);
    const measured = runner.overheadTokens(4);
    assert.ok(measured >= 0 && !Number.isNaN(measured), `measured overhead ${measured}`);
    assert.throws(() => runner.forward(4, 6, data.subarray(0, 6 * L)), /a batch at n = 4 needs a multiple of 4 inputs, got 6/);
    assert.throws(() => runner.forward(2, 2, data.subarray(0, 2 * L)), /n = 2 is not served \(served: 1, 4\)/);
  } finally {
    model.dispose();
  }
});

test('SequenceRunner: a model with no padding id (LRA Image) has nothing to cut and stays at one pass', () => {
  const { model } = loadMIMOFormer(tinyMIMOFormerCheckpoint('image', 1));
  model.eval();
  try {
    const runner = new SequenceRunner(mimoformerSequences(model, grids), 1024);
    runner.calibrate(4, 1);
    assert.equal(runner.overheadTokens(4), Infinity);
    const rng = new Rng(2);
    const rows = Array.from({ length: 4 }, () => Float32Array.from({ length: 1024 }, () => rng.below(256)));
    const data = new Float32Array(4 * 1024);
    rows.forEach((r, i) => data.set(r, i * 1024));
    const out = runner.forward(4, 4, data);
    assert.deepEqual(runner.lastRuns, [0, 1]);
    const C = model.config.classes;
    expectedSequenceLogits(model, rows, grids[4]).forEach((w, i) => closeTo(out.subarray(C * i, C * i + C), w, `image row ${i}`));
  } finally {
    model.dispose();
  }
});

test('SequenceRunner on a DataMUX: with masked padding, passes cut to their mixes\' longest sentence give the full-length logits; unmasked, it never cuts', () => {
  for (const maskPadding of [true, false]) {
    const { model } = loadDataMUX(tinyDataMUXCheckpoint({ maskPadding }));
    model.eval();
    try {
      const vocab = Vocab.build(SENTENCES);
      const sentences = ['a fine and moving film of the year', 'the best film', 'dull', 'not good', 'an odd mix of styles , too long', 'slow'];
      const rows = sentences.map((t) => Float32Array.from(vocab.encode(t, 12, { addCls: true })));
      const data = new Float32Array(rows.length * 12);
      rows.forEach((r, i) => data.set(r, i * 12));
      const full = noGrad(() => tidy(() => model.forward(tensor(data, { shape: [6, 12], dtype: 'int64' }), 2).toArray() as number[][]));
      const runner = new SequenceRunner(dataMUXSequences(model, [1, 2]), 12);
      runner.setOverheadTokens(2, 0); // a pass per mix: each cut to its own longest sentence when cutting is exact
      const out = runner.forward(2, 6, data);
      assert.deepEqual(runner.lastRuns, maskPadding ? [0, 1, 2, 3] : [0, 3], `maskPadding ${maskPadding}`);
      full.forEach((w, i) => closeTo(out.subarray(2 * i, 2 * i + 2), w, `maskPadding ${maskPadding}, row ${i}`));
      const fresh = new SequenceRunner(dataMUXSequences(model, [1, 2]), 12);
      fresh.calibrate(2, 1);
      const measured = fresh.overheadTokens(2);
      assert.ok(maskPadding ? measured >= 0 : measured === Infinity, `maskPadding ${maskPadding}: overhead ${measured}`);
      assert.throws(() => runner.forward(4, 4, data.subarray(0, 4 * 12)), /n = 4 is not served \(served: 1, 2\)/);
    } finally {
      model.dispose();
    }
  }
});
