import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, Tensor, randn, tensor, tidy } from '../tensor/index.js';
import { assertClose, jsRandom } from '../testing/assert.js';
import { RELU_FEATURE_EPS, linearAttention, orthogonalRandomFeatures, reluFeatures, softmaxAttention, softmaxFeatures } from './favor.js';

test('favor: Ω rows are orthogonal within each block of D, with chi-distributed norms', () => {
  tidy(() => {
    const R = 40;
    const D = 16;
    const omega = orthogonalRandomFeatures(R, D, new Generator(3));
    assert.deepEqual(omega.shape, [R, D]);
    const rows = omega.toArray() as number[][];
    const norms = rows.map((r) => Math.hypot(...r));
    for (let i = 0; i < R; i++) {
      for (let j = i + 1; j < R; j++) {
        if (Math.floor(i / D) !== Math.floor(j / D)) continue;
        const dot = rows[i].reduce((s, x, t) => s + x * rows[j][t], 0);
        assert.ok(Math.abs(dot) / (norms[i] * norms[j]) < 1e-5, `rows ${i}, ${j} of one block: cosine ${dot / (norms[i] * norms[j])}`);
      }
    }
    // Rows of different blocks are not orthogonal in general.
    const cross = rows[0].reduce((s, x, t) => s + x * rows[D][t], 0) / (norms[0] * norms[D]);
    assert.ok(Math.abs(cross) > 1e-3, `rows 0 and ${D} (different blocks) happen to be orthogonal: ${cross}`);
    // Norms are not all equal and E‖ω‖² = D (chi² with D degrees of freedom: mean D, sd √(2D) per row).
    assert.ok(Math.max(...norms) - Math.min(...norms) > 0.5);
    const meanSq = norms.reduce((s, n) => s + n * n, 0) / R;
    assert.ok(Math.abs(meanSq - D) < 4 * Math.sqrt((2 * D) / R), `mean ‖ω‖² ${meanSq}, expected about ${D}`);
  });
});

test('favor: the ReLU features equal ReLU(x·D^(-1/4)·Ωᵀ) + 1e-3 computed in JS', () => {
  tidy(() => {
    const [L, D, R] = [3, 4, 5];
    const xs = jsRandom(L * D, 7);
    const os = jsRandom(R * D, 8);
    const got = reluFeatures(tensor(xs, { shape: [L, D] }), tensor(os, { shape: [R, D] })).toFlatArray();
    const want: number[] = [];
    for (let l = 0; l < L; l++) {
      for (let r = 0; r < R; r++) {
        let s = 0;
        for (let d = 0; d < D; d++) s += xs[l * D + d] * D ** -0.25 * os[r * D + d];
        want.push(Math.max(s, 0) + RELU_FEATURE_EPS);
      }
    }
    assertClose(got, want, 1e-6);
  });
});

/** RMS(FAVOR+ − exact softmax attention)/RMS(exact), averaged over `draws` Ω draws, float64. */
function favorError(R: number, draws: number): number {
  return tidy(() => {
    const g = new Generator(11);
    const [B, L, D] = [4, 64, 16];
    const q = randn([B, L, D], { generator: g, dtype: 'float64' }).mul(0.5);
    const k = randn([B, L, D], { generator: g, dtype: 'float64' }).mul(0.5);
    const v = randn([B, L, D], { generator: g, dtype: 'float64' });
    const exact = softmaxAttention(q, k, v);
    const scale = exact.square().mean().sqrt().item();
    let sum = 0;
    for (let s = 0; s < draws; s++) {
      const omega = orthogonalRandomFeatures(R, D, new Generator(100 + s), 'float64');
      const approx = linearAttention(softmaxFeatures(q, omega, true), softmaxFeatures(k, omega, false), v);
      sum += approx.sub(exact).square().mean().sqrt().item() / scale;
    }
    return sum / draws;
  });
}

// Measured (D = 16, L = 64, q, k ~ N(0, 0.5²), v ~ N(0, 1), mean of 4 Ω draws), relative RMS error:
// R = 16: 0.438, 64: 0.264, 256: 0.196, 1024: 0.083. The estimator's variance grows like
// exp(‖q'+k'‖²): with q, k ~ N(0, 1) the same R give 1.32, 1.15, 1.10, 0.84, hence the smaller inputs.
export const FAVOR_ERROR_BOUND_R1024 = 0.15;

test('favor: with positive random features FAVOR+ approaches exact softmax attention as R grows', () => {
  const errors = [16, 64, 256, 1024].map((R) => favorError(R, 4));
  console.log(`FAVOR+ relative RMS error vs softmax attention, R = 16, 64, 256, 1024: ${errors.map((e) => e.toFixed(3)).join(', ')}`);
  for (let i = 1; i < errors.length; i++) assert.ok(errors[i] < errors[i - 1], `error did not decrease from R index ${i - 1} to ${i}: ${errors}`);
  assert.ok(errors[3] < FAVOR_ERROR_BOUND_R1024, `error at R = 1024: ${errors[3]}`);
  assert.ok(errors[0] > 2 * errors[3], 'R = 16 should be clearly worse than R = 1024');
});

test('favor: linearAttention equals a naive loop over queries and keys, and padded keys have no influence', () => {
  tidy(() => {
    const [B, Lq, Lk, R, Dv] = [2, 3, 4, 5, 2];
    const pq = jsRandom(B * Lq * R, 1).map((x) => x + 1.5); // positive features
    const pk = jsRandom(B * Lk * R, 2).map((x) => x + 1.5);
    const vs = jsRandom(B * Lk * Dv, 3);
    const maskJs = [1, 1, 0, 1, 1, 0, 0, 1];
    const mask = tensor(maskJs, { shape: [B, Lk] }).to('bool');
    const phiQ = tensor(pq, { shape: [B, Lq, R] });
    const phiK = tensor(pk, { shape: [B, Lk, R] });
    const v = tensor(vs, { shape: [B, Lk, Dv] });
    const got = linearAttention(phiQ, phiK, v, mask);
    const want: number[] = [];
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < Lq; i++) {
        const num = new Array(Dv).fill(0);
        let den = 0;
        for (let j = 0; j < Lk; j++) {
          if (!maskJs[b * Lk + j]) continue;
          let w = 0; // φ(q_i)ᵀφ(k_j)
          for (let r = 0; r < R; r++) w += pq[(b * Lq + i) * R + r] * pk[(b * Lk + j) * R + r];
          den += w;
          for (let e = 0; e < Dv; e++) num[e] += w * vs[(b * Lk + j) * Dv + e];
        }
        for (let e = 0; e < Dv; e++) want.push(num[e] / den);
      }
    }
    assertClose(got, want, 1e-5, 1e-5);
    // Changing padded keys' features and values changes nothing.
    const noise = (t: Tensor, seed: number) => t.add(randn(t.shape, { generator: new Generator(seed) }).abs().mul(mask.logicalNot().unsqueeze(-1).to('float32')));
    assertClose(linearAttention(phiQ, noise(phiK, 4), noise(v, 5), mask), want, 1e-5, 1e-5);
    // Without the mask the padded keys do count.
    const unmasked = linearAttention(phiQ, phiK, v).toFlatArray();
    assert.ok(unmasked.some((x, i) => Math.abs(x - want[i]) > 1e-3));
  });
});
