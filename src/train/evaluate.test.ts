import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, arange, tensor } from '../tensor/index.js';
import { Module } from '../nn/index.js';
import { evaluatePoints, filledRows, groupingOrder, selectRows } from './evaluate.js';

test('filledRows cycles a short last batch, even one shorter than half a group; selectRows picks them', () => {
  const order = [3, 0, 2, 1, 4];
  assert.deepEqual(filledRows(order, 0, 2, 2), [3, 0]);
  assert.deepEqual(filledRows(order, 4, 1, 4), [4, 4, 4, 4]);
  assert.deepEqual(filledRows(order, 2, 3, 8), [2, 1, 4, 2, 1, 4, 2, 1]);
  const t = arange(0, 10).mul(10).reshape([5, 2]);
  assert.deepEqual(selectRows(t, [4, 0, 4]).toFlatArray(), [80, 90, 0, 10, 80, 90]);
});

test('groupingOrder: given is the stored order; random is a seeded permutation', () => {
  assert.deepEqual(groupingOrder(5, 'given'), [0, 1, 2, 3, 4]);
  const a = groupingOrder(100, 'random', 0);
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  assert.notDeepEqual(a, groupingOrder(100, 'given'));
  assert.deepEqual(a, groupingOrder(100, 'random', 0));
  assert.notDeepEqual(a, groupingOrder(100, 'random', 1));
  assert.throws(() => groupingOrder(3, 'sorted' as never), /grouping must be one of random, given, length, got 'sorted'/);
});

test("groupingOrder 'length': the seeded random order sorted by length, equal lengths in their random order", () => {
  const lengths = Array.from({ length: 60 }, (_, i) => 10 + (i % 4) * 7); // four lengths, 15 examples each
  const order = groupingOrder(60, 'length', 3, Int32Array.from(lengths));
  assert.deepEqual([...order].sort((x, y) => x - y), Array.from({ length: 60 }, (_, i) => i));
  for (let i = 1; i < 60; i++) assert.ok(lengths[order[i - 1]] <= lengths[order[i]]);
  const random = groupingOrder(60, 'random', 3);
  for (const L of [10, 17, 24, 31]) assert.deepEqual(order.filter((i) => lengths[i] === L), random.filter((i) => lengths[i] === L));
  assert.notDeepEqual(order.slice(0, 15), groupingOrder(60, 'length', 4, lengths).slice(0, 15));
  assert.throws(() => groupingOrder(3, 'length'), /grouping 'length' needs each example's length/);
  assert.throws(() => groupingOrder(3, 'length', 0, [1, 2]), /grouping 'length': 2 lengths for 3 examples/);
});

class Probe extends Module {
  forward(): Tensor {
    throw new Error('unused');
  }
}

test('evaluatePoints: counts only the real rows, groups every batch, restores the training mode', () => {
  // 11 examples; the "model" predicts class = example index mod 3 and the label is index mod 2, so the
  // right answers are the indices where i mod 3 = i mod 2 (0, 1, 6, 7): 4 of 11 at every point,
  // whichever order the examples are grouped in.
  const labels = tensor(Array.from({ length: 11 }, (_, i) => i % 2), { dtype: 'int64' });
  const model = new Probe();
  model.train();
  for (const grouping of ['given', 'random'] as const) {
    const seen: [number, number[]][] = [];
    const r = evaluatePoints(model, [1, 4, 16], labels, { group: (p) => p, batch: () => 8, grouping }, (p, rows) => {
      assert.equal(model.training, false);
      assert.equal(rows.length % p, 0);
      seen.push([p, rows]);
      return tensor(rows.flatMap((i) => [0, 1, 2].map((c) => (c === i % 3 ? 1 : 0))), { shape: [rows.length, 3] });
    });
    assert.equal(model.training, true);
    assert.deepEqual(r.map((x) => [x.point, x.correct, x.total]), [[1, 4, 11], [4, 4, 11], [16, 4, 11]]);
    // batches: 8 (a multiple of 1 and 4), at least one group of 16; every example once per point
    // before the filler, which repeats the batch's own examples
    assert.deepEqual(seen.map(([p, rows]) => [p, rows.length]), [[1, 8], [1, 3], [4, 8], [4, 4], [16, 16]]);
    const order = groupingOrder(11, grouping);
    assert.deepEqual(seen[0][1].concat(seen[1][1]), order);
    assert.deepEqual(seen[3][1], [...order.slice(8), order[8]]);
    assert.deepEqual(seen[4][1], [...order, ...order.slice(0, 5)]);
  }
});
