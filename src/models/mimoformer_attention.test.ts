import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, Tensor, noGrad, randn, tensor, tidy } from '../tensor/index.js';
import { assertClose } from '../testing/assert.js';
import { Linear, maskedMean } from '../nn/index.js';
import { bipolarKeys } from '../superposition/keys.js';
import { orthogonalRandomFeatures } from './favor.js';
import {
  blockAttention, blockCore, bundledProjections, centerValueBundles, centerValues, ownValuesAttention, superposedAttention, superposedCore, superposedReadout, unbindingProjection,
} from './mimoformer_attention.js';

/**
 * Random inputs for one layer on 2 groups of an m×n grid: x [B, L, d], a padding mask (lengths
 * 1 + 3i mod L when padded), projections q, k, v, keys a, Ω, the 1/√(mn) scale, and grid() that
 * reshapes a projection [B, L, H·D] to the reference layout [B′, m, n, H, L, D].
 */
function groupFixture(m: number, n: number, padded: boolean, seed: number) {
  const g = new Generator(seed);
  const [Bp, L, d, H, D, R] = [2, 5, 6, 2, 4, 8];
  const B = Bp * m * n;
  const x = randn([B, L, d], { generator: g });
  const lengths = Array.from({ length: B }, (_, i) => (padded ? 1 + ((i * 3) % L) : L));
  const mask = tensor(lengths.flatMap((len) => Array.from({ length: L }, (_, j) => (j < len ? 1 : 0))), { shape: [B, L] });
  const lin = () => new Linear(d, H * D, { generator: g });
  const [q, k, v] = [lin(), lin(), lin()];
  const a = bipolarKeys([m, n, D], { generator: g });
  const omega = orthogonalRandomFeatures(R, D, g);
  const grid = (t: Tensor) => t.reshape([Bp, m, n, L, H, D]).permute(0, 1, 2, 4, 3, 5);
  return { g, Bp, L, d, H, D, B, x, mask, q, k, v, a, omega, s: 1 / Math.sqrt(m * n), grid, gm: mask.reshape([Bp, m, n, L]) };
}

// The fast path (binding and bundling folded into the projections) against the reference path
// (project every sequence, zero padded rows, bind, sum), on random inputs with and without padding.
for (const [m, n, kernel] of [[1, 1, 'relu'], [2, 1, 'relu'], [2, 2, 'relu'], [3, 2, 'relu'], [1, 1, 'softmax'], [2, 2, 'softmax'], [3, 2, 'softmax']] as const) {
  for (const padded of [false, true]) {
    test(`bundledProjections + cores equal project-bind-sum (${m}×${n}, ${kernel} kernel, ${padded ? 'with' : 'without'} padding)`, () => {
      noGrad(() =>
        tidy(() => {
          const { g, Bp, L, d, H, D, B, x, mask, q, k, v, a, omega, s, grid, gm } = groupFixture(m, n, padded, 10 * m + n);
          const ref = superposedAttention(grid(q.forward(x).mul(s)), grid(k.forward(x).mul(s)), grid(v.forward(x)), gm, a, omega, kernel); // [B′, m, n, H, L, D]
          const refBlock = blockAttention(grid(q.forward(x).mul(s)), grid(k.forward(x).mul(s)), grid(v.forward(x)), gm, a, omega, kernel); // [B′, n, H, L, D]
          const p = (lin: Linear) => ({ weight: lin.weight, bias: lin.bias! });
          const b = bundledProjections(x, padded ? mask : undefined, p(q), p(k), p(v), a, H);
          assert.deepEqual(b.qt.shape, [Bp, n, L, H, D]);
          assert.deepEqual(b.kt.shape, [Bp, m, L, H, D]);
          assert.equal(b.keyMask === undefined, !padded);
          const fast = superposedCore(b, a, omega, kernel); // [B′, m, n, L, H, D]
          // Compare on real query positions (the model masks the others).
          const w = gm.reshape([Bp, m, n, L, 1, 1]);
          assertClose(fast.mul(w), ref.permute(0, 1, 2, 4, 3, 5).mul(w).toFlatArray(), 1e-5, 1e-4);
          // The unbinding folded into the output projection equals projecting each unbound output.
          const out = new Linear(H * D, d, { generator: g });
          const projected = unbindingProjection(superposedReadout(b, m, omega, kernel), a, p(out)); // [B, L, d]
          assert.deepEqual(projected.shape, [B, L, d]);
          const w2 = mask.reshape([B, L, 1]);
          assertClose(projected.mul(w2), out.forward(fast.reshape([B, L, H * D])).mul(w2).toFlatArray(), 1e-5, 1e-4);
          assert.throws(() => unbindingProjection(superposedReadout(b, m, omega), bipolarKeys([m, n, D + 1], { generator: g }), p(out)), /keys a \[m, n, D\].*disagree/);
          out.dispose();
          const fastBlock = blockCore(b, omega, kernel); // [B′, n, L, H, D]
          if (kernel === 'softmax') {
            // The kernel is really the softmax one: the ReLU kernel gives other outputs.
            assert.ok(superposedCore(b, a, omega, 'relu').sub(fast).mul(w).abs().amax().item() > 1e-3);
          }
          assertClose(fastBlock, refBlock.permute(0, 1, 3, 2, 4).toFlatArray(), 1e-5, 1e-4);
          q.dispose();
          k.dispose();
          v.dispose();
        }),
      );
    });
  }
}

// Value centering: the fast path (means bundled out of the value bundles, added back per sequence)
// against the definition (center each sequence's values, bundle, unbind, add the mean).
for (const [m, n] of [[1, 1], [2, 2], [3, 2]] as const) {
  for (const padded of [false, true]) {
    test(`value centering: centerValueBundles equals center-bundle-unbind-add (${m}×${n}, ${padded ? 'with' : 'without'} padding)`, () => {
      noGrad(() =>
        tidy(() => {
          const { Bp, L, H, D, x, mask, q, k, v, a, omega, s, grid, gm } = groupFixture(m, n, padded, 100 + 10 * m + n);
          const [gq, gk, gv] = [grid(q.forward(x).mul(s)), grid(k.forward(x).mul(s)), grid(v.forward(x))];
          const c = centerValues(gv, gm);
          const ref = superposedAttention(gq, gk, c.v, gm, a, omega).add(c.mean); // [B′, m, n, H, L, D]
          const p = (lin: Linear) => ({ weight: lin.weight, bias: lin.bias! });
          const vMean = v.forward(maskedMean(x, mask)).reshape([Bp, m, n, H * D]);
          const b = centerValueBundles(bundledProjections(x, padded ? mask : undefined, p(q), p(k), p(v), a, H), vMean, a, padded ? mask : undefined);
          const fast = superposedCore(b, a, omega).add(vMean.reshape([Bp, m, n, 1, H, D])); // [B′, m, n, L, H, D]
          const w = gm.reshape([Bp, m, n, L, 1, 1]);
          assertClose(fast.mul(w), ref.permute(0, 1, 2, 4, 3, 5).mul(w).toFlatArray(), 1e-5, 1e-4);
          const plain = superposedAttention(gq, gk, gv, gm, a, omega).permute(0, 1, 2, 4, 3, 5);
          if (m * n === 1) {
            // One sequence: its attention weights sum to 1, so centering changes nothing.
            assertClose(fast.mul(w), plain.mul(w).toFlatArray(), 1e-5, 1e-4);
          } else {
            assert.ok(fast.sub(plain).mul(w).abs().amax().item() > 1e-3, 'in superposition, centering changes the outputs');
          }
          assert.throws(() => centerValueBundles(b, vMean.reshape([Bp, m * n, H * D]), a, undefined), /mean values must be \[B′, m, n, H·D\]/);
          q.dispose();
          k.dispose();
          v.dispose();
        }),
      );
    });
  }
}

test('value centering: values constant along each sequence come back exactly, free of crosstalk; uncentered they do not', () => {
  noGrad(() =>
    tidy(() => {
      const g = new Generator(7);
      const [Bp, m, n, H, L, D, R] = [2, 2, 2, 2, 6, 8, 16];
      const q = randn([Bp, m, n, H, L, D], { generator: g }).mul(0.5);
      const k = randn([Bp, m, n, H, L, D], { generator: g }).mul(0.5);
      const level = randn([Bp, m, n, H, 1, D], { generator: g });
      const v = level.expand([Bp, m, n, H, L, D]);
      const mask = tensor(Array.from({ length: Bp * m * n * L }, (_, i) => (i % L < L - (Math.floor(i / L) % 3) ? 1 : 0)), { shape: [Bp, m, n, L] });
      const a = bipolarKeys([m, n, D], { generator: g });
      const omega = orthogonalRandomFeatures(R, D, g);
      const w = mask.unsqueeze(3).unsqueeze(5);
      const want = level.expand([Bp, m, n, H, L, D]).mul(w);
      const c = centerValues(v, mask);
      assertClose(c.v, new Array(Bp * m * n * H * L * D).fill(0), 1e-6, 0);
      assertClose(superposedAttention(q, k, c.v, mask, a, omega).add(c.mean).mul(w), want.toFlatArray(), 1e-5, 1e-5);
      const plain = superposedAttention(q, k, v, mask, a, omega).mul(w);
      assert.ok(plain.sub(want).abs().amax().item() > 0.1, 'without centering the other sequences\' levels leak in');
    }),
  );
});

for (const kernel of ['relu', 'softmax'] as const) {
  test(`ownValuesAttention is superposedAttention with every other sequence's values zeroed (${kernel} kernel, padded 2×2)`, () => {
    noGrad(() =>
      tidy(() => {
        const { x, q, k, v, a, omega, s, grid, gm } = groupFixture(2, 2, true, 77);
        const [gq, gk, gv] = [grid(q.forward(x).mul(s)), grid(k.forward(x).mul(s)), grid(v.forward(x))];
        const got = ownValuesAttention(gq, gk, gv, gm, a, omega, kernel); // [B′, 2, 2, H, L, D]
        const w = gm.unsqueeze(3).unsqueeze(5);
        for (let i = 0; i < 2; i++) {
          for (let j = 0; j < 2; j++) {
            const only = tensor([0, 0, 0, 0].map((_, c) => (c === 2 * i + j ? 1 : 0)), { shape: [1, 2, 2, 1, 1, 1] });
            const want = superposedAttention(gq, gk, gv.mul(only), gm, a, omega, kernel).mul(w).select(1, i).select(1, j);
            assertClose(got.mul(w).select(1, i).select(1, j), want.toFlatArray(), 1e-5, 1e-4);
          }
        }
        assert.ok(got.sub(superposedAttention(gq, gk, gv, gm, a, omega, kernel)).mul(w).abs().amax().item() > 1e-3, 'the others\' values do reach the full output');
        q.dispose();
        k.dispose();
        v.dispose();
      }),
    );
  });
}
