import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, Tensor, cat, einsum, full, gradCheck, noGrad, randint, randn, tensor, tidy } from '../tensor/index.js';
import { assertClose } from '../testing/assert.js';
import { MIMOFormer } from './mimoformer.js';
import type { MIMOFormerConfig, MIMOFormerVariant } from './mimoformer.js';
import { linearAttention, reluFeatures } from './favor.js';
import { bundle, ownValuesAttention, superposedAttention } from './mimoformer_attention.js';
import { mimoformerMacs } from './mimoformer_macs.js';

const tiny: Partial<MIMOFormerConfig> = { vocabSize: 20, maxLength: 16, classes: 3, dim: 16, ffn: 24, heads: 2, headDim: 8, layers: 2, features: 16, dropout: 0.1 };
const ids = (B: number, L: number, seed: number) => randint(1, 20, [B, L], { generator: new Generator(seed) });
const lengths = (B: number, L: number) => Array.from({ length: B }, (_, i) => L - (i % 4));

/** The state dict of `from` as `to` expects it: buffers `to` lacks dropped, Ω replaced by Ω·diag(a_00). */
function asPerformer(from: MIMOFormer): Map<string, Tensor> {
  const sd = from.stateDict();
  for (const [k, t] of [...sd]) {
    if (!k.endsWith('.attention.omega')) continue;
    const a = sd.get(k.replace(/omega$/, 'keys'))!.select(0, 0).select(0, 0); // a_00 [D]
    sd.set(k, t.mul(a.unsqueeze(0)));
  }
  for (const k of [...sd.keys()]) if (k.endsWith('.attention.keys')) sd.delete(k);
  return sd;
}

test('mimoformer: logits [B, classes] for every variant, grid and operating point', () => {
  const cases: [MIMOFormerVariant, number, number, [number, number][]][] = [
    ['softmax', 1, 1, [[1, 1]]],
    ['performer', 1, 1, [[1, 1]]],
    ['att', 4, 4, [[4, 4], [2, 2], [2, 1], [1, 1]]],
    ['att-mlp', 2, 2, [[2, 2], [2, 1], [1, 2], [1, 1]]],
  ];
  for (const [variant, M, N, points] of cases) {
    const model = new MIMOFormer({ ...tiny, variant, m: M, n: N }, new Generator(1));
    tidy(() => {
      for (const [m, n] of points) {
        const y = model.forward(ids(2 * m * n, 12, 2), lengths(2 * m * n, 12), { m, n });
        assert.deepEqual(y.shape, [2 * m * n, 3], `${variant} ${m}×${n}`);
        assert.ok(y.isfinite().all().item(), `${variant} ${m}×${n}: finite`);
      }
    });
    model.dispose();
  }
  const dual = new MIMOFormer({ ...tiny, variant: 'att', m: 2, n: 2, dual: true }, new Generator(1));
  tidy(() => assert.deepEqual(dual.forwardPair(ids(8, 10, 3), undefined, ids(8, 12, 4), undefined).shape, [8, 3]));
  assert.throws(() => dual.forward(ids(4, 4, 1)), /dual .* call forwardPair/);
  dual.dispose();
});

test('mimoformer: att at M = N = 1 is exactly the Performer with Ω·diag(a), also as the 1×1 point of a 2×2 model, with either kernel or Hadamard keys', () => {
  for (const [M, N, kernel, keys] of [[1, 1, 'relu', 'random'], [2, 2, 'relu', 'random'], [2, 2, 'softmax', 'random'], [2, 2, 'relu', 'hadamard']] as const) {
    const att = new MIMOFormer({ ...tiny, variant: 'att', m: M, n: N, kernel, keys }, new Generator(5)).eval();
    const perf = new MIMOFormer({ ...tiny, variant: 'performer', m: 1, n: 1, kernel }, new Generator(6)).eval();
    tidy(() => {
      const x = ids(4, 12, 7);
      const before = noGrad(() => perf.forward(x, lengths(4, 12)).toFlatArray());
      perf.loadStateDict(asPerformer(att));
      const want = noGrad(() => perf.forward(x, lengths(4, 12)).toFlatArray());
      assert.ok(want.some((v, i) => Math.abs(v - before[i]) > 1e-4), 'loading the weights changed the performer');
      assertClose(noGrad(() => att.forward(x, lengths(4, 12), { m: 1, n: 1 })), want, 2e-6, 1e-5);
      // The same weights with the plain Ω (a not folded in) differ: the key really enters.
      if (M === 2) {
        const sd = att.stateDict();
        for (const k of [...sd.keys()]) if (k.endsWith('.attention.keys')) sd.delete(k);
        perf.loadStateDict(sd);
        const plain = noGrad(() => perf.forward(x, lengths(4, 12)).toFlatArray());
        assert.ok(plain.some((v, i) => Math.abs(v - want[i]) > 1e-4));
      }
    });
    att.dispose();
    perf.dispose();
  }
});

// Measured (d 16, D 4, L 16, 8 sequences, initial weights): relative RMS error 0.170 at R 8, 0.075 at
// R 2048; the ReLU kernel at R 2048: 0.273 (it estimates another kernel).
test('mimoformer: the softmax kernel makes the Performer approach exact softmax attention with the same weights as R grows; the ReLU kernel does not', () => {
  const exact = new MIMOFormer({ ...tiny, variant: 'softmax', m: 1, n: 1, layers: 1, headDim: 4 }, new Generator(40)).eval();
  const h = randn([8, 16, tiny.dim!], { generator: new Generator(41) }); // a layer input (normalised scale)
  const want = noGrad(() => exact.layers[0].attention.forward(h, undefined, { m: 1, n: 1 }));
  const error = (kernel: 'relu' | 'softmax', features: number) => {
    const perf = new MIMOFormer({ ...tiny, variant: 'performer', m: 1, n: 1, layers: 1, headDim: 4, features, kernel }, new Generator(42)).eval();
    const sd = exact.stateDict();
    sd.set('layer0.attention.omega', perf.layers[0].attention.omega);
    perf.loadStateDict(sd);
    const got = noGrad(() => perf.layers[0].attention.forward(h, undefined, { m: 1, n: 1 }));
    const e = got.sub(want).square().mean().sqrt().item() / want.square().mean().sqrt().item();
    got.dispose();
    perf.dispose();
    return e;
  };
  const [small, large, relu] = [error('softmax', 8), error('softmax', 2048), error('relu', 2048)];
  console.log(`attention output error against exact softmax, relative RMS: softmax kernel R 8 ${small.toFixed(3)}, R 2048 ${large.toFixed(3)}; ReLU kernel R 2048 ${relu.toFixed(3)}`);
  assert.ok(large < 0.1 && large < small / 2 && relu > 2 * large, `${small} ${large} ${relu}`);
  h.dispose();
  want.dispose();
  exact.dispose();
});

test('mimoformer: value centering leaves the 1×1 point exactly as it was and changes the superposed points', () => {
  const plain = new MIMOFormer({ ...tiny, variant: 'att', m: 2, n: 2 }, new Generator(5)).eval();
  const centered = new MIMOFormer({ ...tiny, variant: 'att', m: 2, n: 2, centerValues: true }, new Generator(6)).eval();
  assert.equal(centered.config.centerValues, true);
  assert.equal('centerValues' in plain.config, false, 'absent when off, so configs of older checkpoints still match');
  centered.loadStateDict(plain.stateDict());
  tidy(() => {
    for (const len of [lengths(8, 12), undefined]) {
      const x = ids(8, 12, 9);
      const one = (mdl: MIMOFormer) => noGrad(() => mdl.forward(x, len, { m: 1, n: 1 }));
      assertClose(one(centered), one(plain).toFlatArray(), 2e-6, 1e-5);
      const both = (mdl: MIMOFormer) => noGrad(() => mdl.forward(x, len, { m: 2, n: 2 }));
      assert.ok(both(centered).sub(both(plain)).abs().amax().item() > 1e-4, `2×2 (${len ? 'padded' : 'unpadded'}): centering changes the logits`);
    }
  });
  plain.dispose();
  centered.dispose();
  assert.throws(() => new MIMOFormer({ ...tiny, variant: 'performer', m: 1, n: 1, centerValues: true }), /centerValues applies to the att variant only, got 'performer'/);
  assert.throws(() => new MIMOFormer({ ...tiny, variant: 'att', centerValues: 'yes' as unknown as boolean }), /centerValues must be a boolean, got yes/);
});

/** Separate Performers: sequence (m, n) alone, with Ω·diag(a_mn): [B′, M, N, H, L, D]. */
function separate(q: Tensor, k: Tensor, v: Tensor, mask: Tensor, a: Tensor, omega: Tensor): Tensor {
  const [Bp, M, N, H, L] = q.shape;
  const rows: Tensor[] = [];
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      const om = omega.mul(a.select(0, i).select(0, j).unsqueeze(0));
      const c = (t: Tensor) => t.select(1, i).select(1, j);
      rows.push(linearAttention(reluFeatures(c(q), om), reluFeatures(c(k), om), c(v), c(mask).unsqueeze(1).expand([Bp, H, L])));
    }
  }
  return cat(rows.map((r) => r.unsqueeze(1)), 1).reshape(q.shape);
}

// Measured on random inputs (q, k, v ~ N(0, 1) scaled as the model scales them, D = 32, R = 64, L = 24):
// RMS(o_superposed − o_separate)/RMS(o_separate) = 1.04 (2×1), 1.80 (2×2), 4.06 (4×4), i.e. about
// √(MN−1): with near-uniform attention every other sequence's value leaks in with the weight of the
// sequence's own (sign-scrambled by a_mn⊙a_m′n′, so zero-mean). Bound asserted: [0.7, 1.2]·√(MN−1).
test('mimoformer: unbinding recovers each sequence’s Performer output, exactly when it is alone, else with crosstalk ≈ √(MN−1)', () => {
  tidy(() => {
    const model = new MIMOFormer({ ...tiny, variant: 'att', m: 4, n: 4, headDim: 32, features: 64 }, new Generator(9));
    const att = model.layers[0].attention;
    const g = new Generator(10);
    for (const [M, N] of [[2, 1], [2, 2], [4, 4]]) {
      const shape = [3, M, N, 2, 24, 32];
      const s = 1 / Math.sqrt(M * N);
      const q = randn(shape, { generator: g }).mul(s);
      const k = randn(shape, { generator: g }).mul(s);
      const v = randn(shape, { generator: g });
      const mask = full([3, M, N, 24], 1);
      const a = att.keysAt({ m: M, n: N });
      const want = separate(q, k, v, mask, a, att.omega);
      const got = superposedAttention(q, k, v, mask, a, att.omega);
      const rel = got.sub(want).square().mean().sqrt().item() / want.square().mean().sqrt().item();
      console.log(`superposed vs separate Performer outputs, ${M}×${N}: relative RMS crosstalk ${rel.toFixed(3)} (√(MN−1) = ${Math.sqrt(M * N - 1).toFixed(3)})`);
      assert.ok(rel > 0.7 * Math.sqrt(M * N - 1) && rel < 1.2 * Math.sqrt(M * N - 1), `${M}×${N}: ${rel}`);
      // Only cell (1, 0) non-zero (the others' q, k, v are 0): its output is recovered exactly.
      const only = full([1, M, N, 1, 1, 1], 0);
      noGrad(() => only.select(1, 1).select(1, 0).fill_(1));
      const [q1, k1, v1] = [q, k, v].map((t) => t.mul(only));
      const exact = superposedAttention(q1, k1, v1, mask, a, att.omega).select(1, 1).select(1, 0);
      assertClose(exact, separate(q1, k1, v1, mask, a, att.omega).select(1, 1).select(1, 0).toFlatArray(), 1e-5, 1e-4);
    }
    model.dispose();
  });
});

test('mimoformer: extra padding changes no logits and masked tokens contribute nothing, for every variant', () => {
  const cases: [MIMOFormerVariant, number, number][] = [['softmax', 1, 1], ['performer', 1, 1], ['att', 2, 2], ['att-mlp', 2, 2]];
  for (const [variant, m, n] of cases) {
    const model = new MIMOFormer({ ...tiny, variant, m, n }, new Generator(3)).eval();
    tidy(() => {
      const B = 4 * m * n;
      const x = ids(B, 10, 4);
      const len = Array.from({ length: B }, (_, i) => 10 - (i % 5));
      const mask = tensor(len.flatMap((l) => Array.from({ length: 10 }, (_, j) => (j < l ? 1 : 0))), { shape: [B, 10] });
      const base = noGrad(() => model.forward(x, mask).toFlatArray());
      // 1. The same sequences with 5 more padding columns (ids = padId, from the mask via ids ≠ padId).
      const padded = noGrad(() => cat([x.mul(mask.to('int64')), full([B, 5], 0, { dtype: 'int64' })], 1));
      assertClose(noGrad(() => model.forward(padded)), base, 1e-5, 1e-4);
      // 2. Other tokens under the mask.
      const scrambled = noGrad(() => x.mul(mask.to('int64')).add(ids(B, 10, 99).mul(mask.logicalNot().to('int64'))));
      assertClose(noGrad(() => model.forward(scrambled, mask)), base, 1e-5, 1e-4);
      // 3. A changed real token does change the logits of its own row.
      const changed = noGrad(() => x.clone());
      noGrad(() => changed.narrow(0, 0, 1).narrow(1, 0, 1).fill_(x.narrow(0, 0, 1).narrow(1, 0, 1).item() === 1 ? 2 : 1));
      const after = noGrad(() => model.forward(changed, mask).toFlatArray());
      assert.ok(after.slice(0, 3).some((v, i) => Math.abs(v - base[i]) > 1e-6), `${variant}: row 0 did not change`);
    });
    model.dispose();
  }
});


test('mimoformer: with padId null every id is a token (LRA Image pixels: grey level 0 is not padding)', () => {
  const model = new MIMOFormer({ ...tiny, padId: null, variant: 'performer', m: 1, n: 1 }, new Generator(4)).eval();
  tidy(() => {
    const x = noGrad(() => ids(4, 10, 5).mul(tensor([0, 1], { dtype: 'int64' }).repeat(5).reshape([1, 10]))); // every other id 0
    const all = full([4, 10], 1);
    assertClose(noGrad(() => model.forward(x)), noGrad(() => model.forward(x, all)).toFlatArray(), 1e-6, 1e-6);
  });
  model.dispose();
  const withPad = new MIMOFormer({ ...tiny, padId: 0, variant: 'performer', m: 1, n: 1 }, new Generator(4)).eval();
  tidy(() => {
    const x = noGrad(() => ids(4, 10, 5).mul(tensor([0, 1], { dtype: 'int64' }).repeat(5).reshape([1, 10])));
    const a = noGrad(() => withPad.forward(x).toFlatArray());
    const b = noGrad(() => withPad.forward(x, full([4, 10], 1)).toFlatArray());
    assert.ok(a.some((v, i) => Math.abs(v - b[i]) > 1e-6), 'padId 0: the zeros are masked, so the logits differ from all-token ones');
  });
  withPad.dispose();
  assert.throws(() => new MIMOFormer({ ...tiny, padId: -1 }), /padId must be null or in \[0, /);
});

test('mimoformer: groups are independent and logits come back in input order', () => {
  for (const variant of ['att', 'att-mlp'] as const) {
    const model = new MIMOFormer({ ...tiny, variant, m: 2, n: 2 }, new Generator(4)).eval();
    tidy(() => {
      const x = ids(12, 8, 5); // three groups of 4
      const y = noGrad(() => model.forward(x)).toArray() as number[][];
      const group = (t: Tensor, i: number) => t.narrow(0, 4 * i, 4);
      const perm = [2, 0, 1];
      const yp = noGrad(() => model.forward(cat(perm.map((i) => group(x, i)), 0))).toArray() as number[][];
      assertClose(yp.flat(), perm.flatMap((i) => y.slice(4 * i, 4 * i + 4)).flat(), 1e-5, 1e-4);
      for (let i = 0; i < 3; i++) assertClose(noGrad(() => model.forward(group(x, i))), y.slice(4 * i, 4 * i + 4).flat(), 1e-5, 1e-4);
      // Within a group the position is the grid cell: swapping two rows does not just swap their logits.
      const swapped = noGrad(() => model.forward(cat([x.narrow(0, 1, 1), x.narrow(0, 0, 1), x.narrow(0, 2, 10)], 0))).toArray() as number[][];
      assert.ok(swapped[0].some((v, j) => Math.abs(v - y[1][j]) > 1e-6), `${variant}: the grid cell should matter`);
    });
    model.dispose();
  }
});

test('mimoformer: Hadamard keys leave a subspace free of crosstalk (block-constant values and scores are exact); random keys leak into it', () => {
  tidy(() => {
    const [M, N, D, blk] = [4, 4, 32, 16]; // Hadamard rows m·4 + n < 16: their products vanish on vectors constant over blocks of 16
    const hadamard = new MIMOFormer({ ...tiny, variant: 'att', m: M, n: N, headDim: D, features: 64, keys: 'hadamard' }, new Generator(3));
    const random = new MIMOFormer({ ...tiny, variant: 'att', m: M, n: N, headDim: D, features: 64 }, new Generator(3));
    assert.equal(hadamard.config.keys, 'hadamard');
    assert.equal(random.config.keys, undefined, 'random keys are the default and are not written into the config');
    const a = hadamard.layers[0].attention.keysAt({ m: M, n: N });
    assert.ok(a.abs().eq(1).all().item(), 'bipolar');
    const flat = a.reshape([M * N, D]);
    assertClose(flat.matmul(flat.t()).toFlatArray(), Array.from({ length: 256 }, (_, i) => (i % 17 === 0 ? D : 0)), 0); // exactly orthogonal
    assert.ok(hadamard.layers[1].attention.keys.sub(hadamard.layers[0].attention.keys).abs().sum().item() > 0, 'each layer has its own keys');
    const g = new Generator(11);
    const shape = [2, M, N, 2, 10, D];
    const blocky = () => randn([2, M, N, 2, 10, D / blk, 1], { generator: g }).expand([2, M, N, 2, 10, D / blk, blk]).reshape(shape);
    const blockMean = (t: Tensor) => t.reshape([...t.shape.slice(0, -1), D / blk, blk]).mean(-1, true).expand([...t.shape.slice(0, -1), D / blk, blk]).reshape(t.shape);
    const mask = full([2, M, N, 10], 1);
    const [q, k] = [randn(shape, { generator: g }).mul(0.25), randn(shape, { generator: g }).mul(0.25)];
    const v = blocky();
    for (const [model, name] of [[hadamard, 'hadamard'], [random, 'random']] as const) {
      const keys = model.layers[0].attention.keysAt({ m: M, n: N });
      const omega = model.layers[0].attention.omega;
      // Values: the block-constant part of every unbound output is the sequence's own values under the bundles' pattern.
      const got = blockMean(superposedAttention(q, k, v, mask, keys, omega));
      const own = ownValuesAttention(q, k, v, mask, keys, omega);
      const leak = got.sub(own).square().mean().sqrt().item() / own.square().mean().sqrt().item();
      if (name === 'hadamard') assert.ok(leak < 1e-5, `hadamard: values leak ${leak}`);
      else assert.ok(leak > 0.5, `random keys: values leak ${leak}`);
      // Scores: with block-constant q and k every bundle score q̃_n(l)·k̃_m(l′) is the sequence's own q_mn(l)·k_mn(l′).
      const [qb, kb] = [blocky(), blocky()];
      const { qt, kt } = bundle(qb, kb, v, mask, keys);
      const bundled = einsum('bnhld,bmhkd->bmnhlk', qt, kt);
      const wanted = einsum('bmnhld,bmnhkd->bmnhlk', qb, kb);
      const crosstalk = bundled.sub(wanted).square().mean().sqrt().item() / wanted.square().mean().sqrt().item();
      if (name === 'hadamard') assert.ok(crosstalk < 1e-5, `hadamard: score crosstalk ${crosstalk}`);
      else assert.ok(crosstalk > 0.5, `random keys: score crosstalk ${crosstalk}`);
    }
    hadamard.dispose();
    random.dispose();
  });
});

test('mimoformer: cleanInit starts q, k, v and W_o in the Hadamard keys\' clean subspace: the projected attention output has no value crosstalk', () => {
  tidy(() => {
    const [M, N, D, B] = [4, 4, 32, 16];
    const cfg = { ...tiny, variant: 'att' as const, m: M, n: N, headDim: D, features: 64, keys: 'hadamard' as const };
    const clean = new MIMOFormer({ ...cfg, cleanInit: true }, new Generator(4));
    const plain = new MIMOFormer(cfg, new Generator(4));
    assert.equal(clean.config.cleanInit, true);
    assert.equal(plain.config.cleanInit, undefined);
    const att = clean.layers[0].attention;
    // Every head's output rows of W_q/W_k/W_v (and input columns of W_o) are constant over blocks of 16, at about the initial scale.
    const blocky = (w: Tensor) => w.reshape([-1, B]).sub(w.reshape([-1, B]).mean(-1, true)).abs().amax().item();
    for (const lin of [att.q, att.k, att.v]) {
      assert.ok(blocky(lin.weight.t().contiguous()) < 1e-6 && blocky(lin.bias!) < 1e-6);
    }
    assert.ok(blocky(att.out.weight) < 1e-6);
    const ratio = att.v.weight.std().item() / plain.layers[0].attention.v.weight.std().item();
    assert.ok(ratio > 0.7 && ratio < 1.3, `scale ratio ${ratio}`);
    // Through W_o, the superposed output equals the sequence's own values under the bundles' pattern (no value crosstalk).
    const x = randn([2 * M * N, 10, 16], { generator: new Generator(5) });
    for (const [model, name] of [[clean, 'clean'], [plain, 'plain']] as const) {
      const a = model.layers[0].attention;
      const { q, k, v, mask } = a.projectGrid(x, full([2 * M * N, 10], 1), { m: M, n: N });
      const keys = a.keysAt({ m: M, n: N });
      const read = (o: Tensor) => o.permute(0, 1, 2, 4, 3, 5).reshape([2 * M * N, 10, 2 * D]).matmul(a.out.weight.t());
      const got = read(superposedAttention(q, k, v, mask, keys, a.omega));
      const own = read(ownValuesAttention(q, k, v, mask, keys, a.omega));
      const leak = got.sub(own).square().mean().sqrt().item() / own.square().mean().sqrt().item();
      if (name === 'clean') assert.ok(leak < 1e-4, `clean init: value crosstalk after W_o ${leak}`);
      else assert.ok(leak > 0.3, `Hadamard keys without clean init: value crosstalk after W_o ${leak}`);
    }
    assert.throws(() => new MIMOFormer({ ...cfg, keys: 'random', cleanInit: true }), /cleanInit needs keys 'hadamard'/);
    clean.dispose();
    plain.dispose();
  });
});

test('mimoformer: invalid configs, grids and batch sizes fail with messages naming the problem', () => {
  assert.throws(() => new MIMOFormer({ ...tiny, variant: 'performer', m: 2, n: 1 }), /performer variant has no superposition grid; m and n must be 1, got 2×1/);
  assert.throws(() => new MIMOFormer({ ...tiny, headDim: 0 }), /headDim must be a positive integer, got 0/);
  assert.throws(() => new MIMOFormer({ ...tiny, variant: 'linear' as MIMOFormerVariant }), /variant must be one of softmax, performer, att, att-mlp, got 'linear'/);
  assert.throws(() => new MIMOFormer({ ...tiny, dropout: 1 }), /dropout must be in \[0, 1\), got 1/);
  assert.throws(() => new MIMOFormer({ ...tiny, padId: 20 }), /padId must be null or in \[0, 20\), got 20/);
  assert.throws(() => new MIMOFormer({ ...tiny, kernel: 'exp' as 'relu' }), /kernel must be one of relu, softmax, got 'exp'/);
  assert.throws(() => new MIMOFormer({ ...tiny, variant: 'softmax', m: 1, n: 1, kernel: 'softmax' }), /kernel applies to the FAVOR\+ variants/);
  assert.throws(() => new MIMOFormer({ ...tiny, variant: 'performer', m: 1, n: 1, keys: 'hadamard' }), /keys apply to the att and att-mlp variants .*got 'performer'/);
  assert.throws(() => new MIMOFormer({ ...tiny, variant: 'att', m: 2, n: 2, headDim: 12, keys: 'hadamard' }), /power of 2 and at least M·N′ = 4 .*got headDim 12/);
  assert.throws(() => new MIMOFormer({ ...tiny, variant: 'att', m: 3, n: 3, headDim: 8, keys: 'hadamard' }), /at least M·N′ = 12 \(grid 3×3, N′ = N rounded up/);
  assert.throws(() => new MIMOFormer({ ...tiny, variant: 'att', m: 2, n: 2, keys: 'walsh' as 'random' }), /keys must be one of random, hadamard, got 'walsh'/);
  const model = new MIMOFormer({ ...tiny, variant: 'att', m: 2, n: 2 });
  const perf = new MIMOFormer({ ...tiny, variant: 'performer', m: 1, n: 1 });
  tidy(() => {
    const x = ids(8, 6, 1);
    assert.throws(() => model.forward(x, undefined, { m: 0, n: 2 }), /grid m = 0 must be an integer in 1..2, the model's capacity 2×2/);
    assert.throws(() => model.forward(x, undefined, { m: 2, n: 3 }), /grid n = 3 must be an integer in 1..2/);
    assert.throws(() => model.forward(x, undefined, { m: 1.5, n: 2 }), /grid m = 1.5 must be an integer/);
    assert.throws(() => perf.forward(x, undefined, { m: 2, n: 1 }), /grid m = 2 .* \(the performer variant has no superposition grid\)/);
    assert.throws(() => model.forward(ids(6, 6, 1)), /batch of 6 sequences must be a positive multiple of m·n = 2·2 = 4/);
    assert.doesNotThrow(() => model.forward(ids(6, 6, 1), undefined, { m: 2, n: 1 }));
    assert.throws(() => model.forward(ids(4, 17, 1)), /sequence length 17 must be in 1..maxLength 16/);
    assert.throws(() => model.forward(x, [6, 6, 6]), /lengths must be 8 integers in 0..6/);
    assert.throws(() => model.forward(x.add(20)), /token ids must be in \[0, 20\)/);
  });
  model.dispose();
  perf.dispose();
});

test('mimoformer: gradients are finite for every variant and match finite differences in float64', () => {
  for (const [variant, m, n] of [['softmax', 1, 1], ['performer', 1, 1], ['att', 2, 2], ['att-mlp', 2, 2]] as const) {
    const model = new MIMOFormer({ ...tiny, variant, m, n }, new Generator(8));
    tidy(() => {
      model.forward(ids(4 * m * n, 8, 2), lengths(4 * m * n, 8)).square().sum().backward();
      for (const [name, p] of model.namedParameters()) {
        if (name.startsWith('token_embedding') || name.startsWith('position_embedding')) continue;
        assert.ok(p.grad, `${variant}: ${name} has no gradient`);
        assert.ok(p.grad.isfinite().all().item(), `${variant}: ${name} has non-finite gradients`);
      }
      assert.ok(model.layers[0].attention.q.weight.grad!.abs().sum().item() > 0, `${variant}: Wq gets no gradient`);
    });
    model.dispose();
  }
  for (const [variant, centerValues] of [['att', false], ['att', true], ['att-mlp', false]] as const) {
    const model = new MIMOFormer({ ...tiny, variant, centerValues, m: 2, n: 2, dim: 8, ffn: 8, headDim: 4, features: 8, layers: 1, dropout: 0 }, new Generator(12)).to('float64');
    tidy(() => {
      const x = ids(4, 5, 13);
      const params = ['layer0.attention.q.bias', 'layer0.attention.k.weight', 'layer0.attention.v.bias', 'layer0.ff1.bias', 'head1.bias'];
      const byName = new Map(model.namedParameters());
      // With padding (the biases ride in the bundled matmuls) and without (they are added per bundle).
      for (const len of [[5, 4, 3, 5], [5, 5, 5, 5]]) {
        for (const name of params) {
          const p = byName.get(name)!;
          const r = gradCheck(() => model.forward(x, len), [p], { atol: 1e-6, rtol: 1e-4 });
          assert.ok(r.ok, `${variant}${centerValues ? ' centered' : ''} ${name} (lengths ${len.join(', ')}): worst ${r.worst}, max error ${r.maxAbsError}`);
        }
      }
    });
    model.dispose();
  }
});

test('mimoformer: MAC counts match a hand count and the digest’s Transformer FLOP-share speedups', () => {
  // Hand count, att 2×2, L 10, d 16, F 24, H 2, D 8, R 16, 1 layer, 3 classes, per sequence:
  //   QKV 3·10·16·16 = 7680; output 10·16·16 = 2560; MLP 2·10·16·24 = 7680; head 16·24 + 24·3 = 456
  //   core per group: H·[2·(2+2)·10·16·8 (10240) + z 2·10·16 (320) + den 4·10·16 (640) + binding 4·4·10·8 (1280)]
  //        = 2·12480 = 24960, so 6240 per sequence.
  const c = { ...(tiny as MIMOFormerConfig), variant: 'att' as const, m: 2, n: 2, layers: 1, vocabSize: 20, padId: 0, dual: false };
  assert.deepEqual(mimoformerMacs(c, { m: 2, n: 2 }, 10), { core: 6240, total: 6240 + 7680 + 2560 + 7680 + 456 });
  // Value centering adds per sequence: mean 10·16 = 160, W_v·x̄ and W_o·v̄ 2·16·16 = 512, the bundled mean 10·16 = 160.
  assert.equal(mimoformerMacs({ ...c, centerValues: true }, { m: 2, n: 2 }, 10).core, 6240 + 832);
  // Performer: 2·(4·10·16·8 + 2·10·16) = 10880 core. att-mlp 2×2: core 2·(10240 + 320 + 2·10·16 + 3·4·10·8)/4 = 5920;
  // output and MLP halved (÷m), residual keys 2·10·16.
  assert.deepEqual(mimoformerMacs({ ...c, variant: 'performer', m: 1, n: 1 }, { m: 1, n: 1 }, 10).core, 10880);
  assert.deepEqual(mimoformerMacs({ ...c, variant: 'att-mlp' }, { m: 2, n: 2 }, 10), { core: 5920, total: 5920 + 7680 + (2560 + 7680) / 2 + 320 + 456 });
  assert.equal(mimoformerMacs({ ...c, variant: 'softmax', m: 1, n: 1 }, { m: 1, n: 1 }, 10).core, 2 * 2 * 10 * 10 * 8);
  // Dual: the head reads 4d and runs once per pair.
  assert.equal(mimoformerMacs({ ...c, dual: true }, { m: 2, n: 2 }, 10).total - mimoformerMacs(c, { m: 2, n: 2 }, 10).total, (64 * 24 + 72) / 2 - 456);

  // The digest's §2 figures (per-token MACs of QKV, core, output projection and MLP).
  const lra = (o: Partial<MIMOFormerConfig>): MIMOFormerConfig => ({ ...(c as MIMOFormerConfig), features: 256, classes: 10, dual: false, ...o });
  const speedup = (cfg: MIMOFormerConfig, variant: 'att' | 'att-mlp', M: number, N: number) => {
    const L = cfg.maxLength;
    return mimoformerMacs({ ...cfg, variant: 'performer', m: 1, n: 1 }, { m: 1, n: 1 }, L).total / mimoformerMacs({ ...cfg, variant, m: M, n: N }, { m: M, n: N }, L).total;
  };
  const listopsWide = lra({ maxLength: 2048, dim: 512, ffn: 2048, headDim: 64, heads: 48, layers: 1 });
  const textDeep = lra({ maxLength: 1024, dim: 512, ffn: 2048, headDim: 64, heads: 8, layers: 6, classes: 2 });
  const imageWide = lra({ maxLength: 1024, dim: 64, ffn: 128, headDim: 64, heads: 12, layers: 1 });
  const pathWide = lra({ maxLength: 1024, dim: 128, ffn: 128, headDim: 128, heads: 32, layers: 1, classes: 2 });
  const got = {
    listopsAtt: speedup(listopsWide, 'att', 4, 4), textAtt: speedup(textDeep, 'att', 4, 4), listopsMlp: speedup(listopsWide, 'att-mlp', 2, 2),
    textMlp: speedup(textDeep, 'att-mlp', 2, 2), imageAtt: speedup(imageWide, 'att', 4, 4), pathAtt: speedup(pathWide, 'att', 4, 4),
  };
  const want = { listopsAtt: 1.26, textAtt: 1.12, listopsMlp: 1.42, textMlp: 1.65, imageAtt: 2.44, pathAtt: 1.99 };
  // The digest counts only QKV, the core's four L·R·D products, output and MLP; the normaliser and
  // key products counted here cost 1 % more where attention dominates (wide Image: 2.414 vs 2.44).
  for (const [k, v] of Object.entries(want)) {
    const x = got[k as keyof typeof got];
    assert.ok(Math.abs(x / v - 1) < 0.015, `${k}: ${x} vs ${v}`);
  }
  // The core alone: 4MN/(2(M+N)) = 4× at 4×4 (minus the normaliser and binding terms).
  const core = mimoformerMacs({ ...imageWide, variant: 'performer', m: 1, n: 1 }, { m: 1, n: 1 }).core / mimoformerMacs({ ...imageWide, variant: 'att', m: 4, n: 4 }, { m: 4, n: 4 }).core;
  assert.ok(core > 3.8 && core < 4, `core speedup ${core}`);
});

test('mimoformer: makeAttentionUniform makes every attention output its sequence’s mean value W_o·v̄ + b_o (att centred: at every grid)', () => {
  // The last case, plain att at 2×2, is the one that must not match: the other sequences' means leak in.
  const cases: [Partial<MIMOFormerConfig>, { m: number; n: number }, boolean][] = [
    [{ variant: 'softmax', m: 1, n: 1 }, { m: 1, n: 1 }, true],
    [{ variant: 'performer', m: 1, n: 1 }, { m: 1, n: 1 }, true],
    [{ variant: 'att', m: 2, n: 2 }, { m: 1, n: 1 }, true],
    [{ variant: 'att', m: 2, n: 2, centerValues: true }, { m: 2, n: 2 }, true],
    [{ variant: 'att', m: 2, n: 2 }, { m: 2, n: 2 }, false],
  ];
  for (const [c, p, uniform] of cases) {
    const model = new MIMOFormer({ ...tiny, ...c }, new Generator(21));
    model.eval();
    model.makeAttentionUniform();
    tidy(() => {
      const B = 8;
      const L = 12;
      const lens = lengths(B, L);
      const h = randn([B, L, tiny.dim!], { generator: new Generator(22) });
      const mask = tensor(lens.map((n) => Array.from({ length: L }, (_, l) => (l < n ? 1 : 0))));
      const att = model.layers[0].attention;
      const got = noGrad(() => att.forward(h, mask, p)); // [B, L, d]
      // By hand: the mean over a sequence's tokens of W_v·h + b_v, then W_o· + b_o, at every real position.
      const v = h.matmul(att.v.weight.t()).add(att.v.bias!);
      const vMean = v.mul(mask.unsqueeze(2)).sum(1).div(mask.sum(1, true));
      const want = vMean.matmul(att.out.weight.t()).add(att.out.bias!).unsqueeze(1).expand([B, L, tiny.dim!]);
      if (uniform) assertClose(got.mul(mask.unsqueeze(2)), want.mul(mask.unsqueeze(2)).flatten().toArray() as number[], 1e-5, 1e-4);
      else assert.ok(got.sub(want).mul(mask.unsqueeze(2)).abs().amax().item() > 0.05, 'plain att at 2×2: the means of the others leak in');
    });
    model.dispose();
  }
});
