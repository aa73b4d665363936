import test from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../data/random.js';
import { splitByLength } from './length_split.js';
import { sequenceLengths } from '../data/padding.js';

/** The cost of a split, as length_split.ts defines it. */
function costOf(bounds: readonly number[], longest: readonly number[], n: number, overhead: number): number {
  let c = 0;
  for (let r = 0; r + 1 < bounds.length; r++) c += overhead + (bounds[r + 1] - bounds[r]) * n * Math.max(...longest.slice(bounds[r], bounds[r + 1]));
  return c;
}

/** Every split of G superpositions into runs (2^(G-1) of them). */
function allSplits(G: number): number[][] {
  const out: number[][] = [];
  for (let mask = 0; mask < 1 << (G - 1); mask++) {
    const b = [0];
    for (let g = 1; g < G; g++) if (mask & (1 << (g - 1))) b.push(g);
    out.push([...b, G]);
  }
  return out;
}

test('splitByLength finds the cheapest split, checked against every split of small batches', () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 200; trial++) {
    const G = 1 + rng.below(8);
    const n = [1, 2, 4, 16][rng.below(4)];
    const longest = Array.from({ length: G }, () => 1 + rng.below(2000));
    if (trial % 2) longest.sort((a, b) => b - a); // as the scheduler orders a batch
    const overhead = [0, 10, 500, 5000, 1e6][rng.below(5)];
    const got = splitByLength(longest, n, overhead);
    assert.equal(got[0], 0);
    assert.equal(got[got.length - 1], G);
    assert.ok(got.every((b, i) => i === 0 || b > got[i - 1]), `increasing: ${got}`);
    const best = Math.min(...allSplits(G).map((b) => costOf(b, longest, n, overhead)));
    assert.equal(costOf(got, longest, n, overhead), best, `lengths ${longest}, n ${n}, overhead ${overhead}`);
  }
});

test('splitByLength: equal lengths and an unmeasured overhead make one run; a free pass splits at every drop', () => {
  assert.deepEqual(splitByLength([100, 100, 100], 4, 0), [0, 3]);
  assert.deepEqual(splitByLength([900, 500, 20], 4, Infinity), [0, 3]);
  assert.deepEqual(splitByLength([900, 500, 500, 20], 4, 0), [0, 1, 3, 4]);
  // A run of the 900 with the 500s costs 3·900·4 = 10,800 tokens; apart, 900·4 + 2·500·4 + overhead.
  assert.deepEqual(splitByLength([900, 500, 500], 4, 1599), [0, 1, 3]);
  assert.deepEqual(splitByLength([900, 500, 500], 4, 3201), [0, 3]);
  assert.deepEqual(splitByLength([], 4, 0), [0]);
  assert.throws(() => splitByLength([1], 1, -1), /overheadTokens must be >= 0/);
  assert.throws(() => splitByLength([1], 1, NaN), /overheadTokens must be >= 0/);
});

test('sequenceLengths: tokens before the trailing padding; every position without a padding id', () => {
  const rows = Float32Array.of(5, 0, 7, 0, 0, /**/ 3, 3, 3, 3, 3, /**/ 0, 0, 0, 0, 0);
  assert.deepEqual(sequenceLengths(rows, 3, 5, 0), [3, 5, 0]);
  assert.deepEqual(sequenceLengths(rows, 3, 5, null), [5, 5, 5]);
});
