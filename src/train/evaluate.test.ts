import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, arange, tensor } from '../tensor/index.js';
import { Module } from '../nn/index.js';
import { evaluatePoints, filledRowIndices, fillRows } from './evaluate.js';

test('fillRows and filledRowIndices cycle a short last batch, even one shorter than half a group', () => {
  const t = arange(0, 10).reshape([10, 1]);
  assert.deepEqual(fillRows(t, 8, 2, 2).toFlatArray(), [8, 9]);
  assert.deepEqual(fillRows(t, 9, 1, 4).toFlatArray(), [9, 9, 9, 9]);
  assert.deepEqual(fillRows(t, 7, 3, 8).toFlatArray(), [7, 8, 9, 7, 8, 9, 7, 8]);
  assert.deepEqual(filledRowIndices(16, 1, 4), [16, 16, 16, 16]);
  assert.deepEqual(filledRowIndices(7, 3, 5), [7, 8, 9, 7, 8]);
});

class Probe extends Module {
  forward(): Tensor {
    throw new Error('unused');
  }
}

test('evaluatePoints: counts only the real rows, groups every batch, restores the training mode', () => {
  // 11 examples; the "model" predicts class = example index mod 3 and the label is index mod 2, so the
  // right answers are the indices where i mod 3 = i mod 2 (0, 1, 6, 7): 4 of 11 at every point.
  const labels = tensor(Array.from({ length: 11 }, (_, i) => i % 2), { dtype: 'int64' });
  const model = new Probe();
  model.train();
  const seen: [number, number, number, number][] = [];
  const r = evaluatePoints(model, [1, 4, 16], labels, { group: (p) => p, batch: () => 8 }, (p, start, len, rows) => {
    assert.equal(model.training, false);
    assert.equal(rows % p, 0);
    seen.push([p, start, len, rows]);
    const idx = filledRowIndices(start, len, rows);
    return tensor(idx.flatMap((i) => [0, 1, 2].map((c) => (c === i % 3 ? 1 : 0))), { shape: [rows, 3] });
  });
  assert.equal(model.training, true);
  assert.deepEqual(r.map((x) => [x.point, x.correct, x.total]), [[1, 4, 11], [4, 4, 11], [16, 4, 11]]);
  // batches: 8 (multiple of 1 and 4), at least one group of 16
  assert.deepEqual(seen, [[1, 0, 8, 8], [1, 8, 3, 3], [4, 0, 8, 8], [4, 8, 3, 4], [16, 0, 11, 16]]);
});
