import test from 'node:test';
import assert from 'node:assert/strict';
import { Generator, eye, fft, gradCheck, qr, randn, tensor, tidy } from '../tensor/index.js';
import { assertClose, jsRandom } from '../testing/assert.js';
import { bipolarKeys, gaussianKeys, hadamardKeys, keyRegularizer, uniformKeys, unitaryKeys } from './keys.js';

/** The regulariser in plain JS, straight from the formula. */
function jsRegularizer(rows: number[][]): number {
  const cap = rows.length;
  const norms = rows.map((r) => Math.sqrt(r.reduce((a, v) => a + v * v, 0)));
  const unit = rows.map((r, j) => r.map((v) => v / norms[j]));
  let off = 0;
  for (let i = 0; i < cap; i++) for (let j = i + 1; j < cap; j++) off += unit[i].reduce((a, v, c) => a + v * unit[j][c], 0) ** 2;
  const normTerm = norms.reduce((a, n) => a + (n - 1) ** 2, 0) / cap;
  return cap > 1 ? off / ((cap * (cap - 1)) / 2) + normTerm : normTerm;
}

test('key regulariser is 0 for orthonormal keys (identity rows, a QR factor) and > 0 otherwise', () => {
  tidy(() => {
    assert.ok(Math.abs(keyRegularizer(eye(4, 8)).item()) < 1e-6);
    const { q } = qr(randn([16, 8], { generator: new Generator(1) })); // q [16, 8]: orthonormal columns
    assert.ok(Math.abs(keyRegularizer(q.t()).item()) < 1e-6, 'rows of a QR factor');
    assert.ok(keyRegularizer(randn([4, 8], { generator: new Generator(2) })).item() > 0.01);
    // orthogonal but not unit norm: only the norm term
    assertClose(keyRegularizer(eye(3, 5).mul(2)), 1, 1e-6);
    // unit norm but not orthogonal: only the pair term, cos² = ½ for each of the 1 pair
    assertClose(keyRegularizer(tensor([[1, 0], [Math.SQRT1_2, Math.SQRT1_2]])), 0.5, 1e-6);
  });
});

test('key regulariser equals a plain-JS computation; cap = 1 keeps only the norm term', () => {
  tidy(() => {
    const [cap, C] = [5, 7];
    const vs = jsRandom(cap * C, 3);
    const rows = Array.from({ length: cap }, (_, j) => vs.slice(j * C, (j + 1) * C));
    assertClose(keyRegularizer(tensor(vs, { shape: [cap, C], dtype: 'float64' })), jsRegularizer(rows), 1e-12, 1e-12);
    assertClose(keyRegularizer(tensor([[3, 4]], { dtype: 'float64' })), 16, 1e-12); // (‖k‖ − 1)² = 4²
    assert.throws(() => keyRegularizer(tensor([1, 2, 3])), /keys must be a 2-D tensor \[cap, C\], got shape \[3\]/);
  });
});

test('key regulariser is differentiable (finite differences, float64)', () => {
  const k = tensor(jsRandom(12, 4), { shape: [3, 4], dtype: 'float64', requiresGrad: true });
  const r = gradCheck((x) => keyRegularizer(x), [k]);
  assert.ok(r.ok, `worst ${r.worst}`);
  k.dispose();
});

test('bipolar keys are ±1, balanced, reproducible from a seed; a Generator stream advances', () => {
  tidy(() => {
    const k = bipolarKeys([8, 256], { generator: 5 });
    const v = k.toFlatArray();
    assert.ok(v.every((x) => x === 1 || x === -1));
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    assert.ok(Math.abs(mean) < 0.05, `mean ${mean}`);
    assert.deepEqual(bipolarKeys([8, 256], { generator: 5 }).toFlatArray(), v);
    const g = new Generator(5);
    assert.deepEqual(bipolarKeys([8, 256], { generator: g }).toFlatArray(), v);
    assert.notDeepEqual(bipolarKeys([8, 256], { generator: g }).toFlatArray(), v);
    assert.equal(bipolarKeys([2, 3], { dtype: 'float64' }).dtype, 'float64');
  });
});

test('Hadamard keys are ±1 and exactly orthogonal; products of two keys are keys of the group, and vanish on block-constant vectors', () => {
  tidy(() => {
    const D = 32;
    const k = hadamardKeys(16, D, { generator: 7 });
    assert.deepEqual(k.shape, [16, D]);
    const v = k.toFlatArray();
    assert.ok(v.every((x) => x === 1 || x === -1));
    assertClose(k.matmul(k.t()).toFlatArray(), eye(16).mul(D).toFlatArray(), 0); // Gram matrix D·I: exactly orthogonal
    assert.deepEqual(hadamardKeys(16, D, { generator: 7 }).toFlatArray(), v);
    assert.notDeepEqual(hadamardKeys(16, D, { generator: 8 }).toFlatArray(), v);
    // key_i ⊙ key_j is the same for every sign vector s: the Hadamard row i xor j (computed here from popcounts)
    const row = (i: number) => Array.from({ length: D }, (_, c) => { let b = i & c, p = 0; while (b) { p ^= b & 1; b >>= 1; } return p ? -1 : 1; });
    for (const [i, j] of [[3, 5], [0, 9], [12, 12]]) {
      assert.deepEqual(k.select(0, i).mul(k.select(0, j)).toFlatArray(), row(i ^ j));
    }
    // a vector constant on aligned blocks of 16 coordinates has no component along key_i ⊙ key_j, i ≠ j < 16
    const blocks = tensor(Array.from({ length: D }, (_, c) => (c < 16 ? 0.7 : -1.3)));
    for (let i = 0; i < 16; i++) for (let j = 0; j < 16; j++) {
      if (i !== j) assertClose(k.select(0, i).mul(k.select(0, j)).mul(blocks).sum().item(), 0, 1e-6);
    }
    assert.throws(() => hadamardKeys(4, 24), /power of 2/);
    assert.throws(() => hadamardKeys(33, 32), /rows must be an integer in 1\.\.D = 32/);
  });
});

test('Gaussian keys have std 1/√D, uniform keys stay within ±1/√D, unitary keys have |rfft| = 1', () => {
  tidy(() => {
    const D = 256;
    const g = gaussianKeys([64, D], { generator: 1 });
    assertClose(g.std().item(), 1 / Math.sqrt(D), 0, 0.03);
    assertClose(gaussianKeys([64, D], { generator: 1, std: 2 }).std().item(), 2, 0, 0.03);
    const u = uniformKeys([64, D], { generator: 2 }).toFlatArray();
    assert.ok(u.every((v) => Math.abs(v) <= 1 / Math.sqrt(D)));
    assert.ok(uniformKeys([4, 4], { bound: 3 }).abs().amax().item() <= 3);
    for (const n of [8, 9]) {
      const k = unitaryKeys([3, n], { generator: 3, dtype: 'float64' });
      assertClose(fft.rfft(k).abs(), new Array(3 * (Math.floor(n / 2) + 1)).fill(1), 1e-12);
    }
    assert.throws(() => gaussianKeys([0, 4]), /shape must be a non-empty array of positive integers/);
    assert.throws(() => uniformKeys([4], { bound: -1 }), /bound must be a positive number/);
  });
});
