import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, randn, tensor } from '../tensor/index.js';
import { maskedMean } from './pooling.js';
import { assertClose } from './testing.js';

test('maskedMean averages the kept positions of each row, 0 for a row with none', () => {
  const [B, n, L, d] = [2, 3, 4, 5];
  const x = randn([B, n, L, d], { generator: new Generator(1) });
  const lengths = [4, 1, 0, 2, 3, 4];
  const mask = tensor(lengths.flatMap((k) => Array.from({ length: L }, (_, l) => (l < k ? 1 : 0))), { shape: [B, n, L] }).gt(0);
  const xs = x.toFlatArray();
  const expected: number[] = [];
  lengths.forEach((k, row) => {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += xs[(row * L + l) * d + j];
      expected.push(k === 0 ? 0 : s / k);
    }
  });
  const y = maskedMean(x, mask);
  assert.deepEqual(y.shape, [B, n, d]);
  assertClose(y.toFlatArray(), expected, 1e-6, 1e-5);
  // A float mask gives the same, and a 3-D x with a 2-D mask works alike.
  assertClose(maskedMean(x.reshape([B * n, L, d]), mask.reshape([B * n, L]).to('float32')).toFlatArray(), expected, 1e-6, 1e-5);
});

test('maskedMean names a mask that does not match x', () => {
  const x = randn([2, 4, 3]);
  assert.throws(() => maskedMean(x, tensor([1, 1, 1, 1], { shape: [1, 4] })), /maskedMean: mask must be \[2,4\] for x \[2,4,3\]/);
  assert.throws(() => maskedMean(x, tensor([1, 1, 1], { shape: [3] })), /maskedMean: mask must be/);
});
