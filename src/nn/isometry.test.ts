import test from 'node:test';
import assert from 'node:assert/strict';
import { gradCheck, tensor, tidy } from '../tensor/index.js';
import { Conv2d } from './layers/conv.js';
import { isometryPenalty, kernelGram, kernelIsometryPenalty } from './isometry.js';
import { assertClose } from './testing.js';

/** Deterministic values in [−1, 1). */
function jsRandom(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 30) - 1);
}

/** The gram by its definition, in plain JS loops: [c, c, gh, gw] flat, over the smaller channel side. */
function jsGram(w: number[], [O, I, kh, kw]: number[], s: number): { values: number[]; shape: number[] } {
  const swap = I < O;
  const [A, B] = swap ? [I, O] : [O, I]; // gram channels, summed channels
  const at = (a: number, b: number, u: number, v: number) => {
    if (u < 0 || u >= kh || v < 0 || v >= kw) return 0;
    const [o, i] = swap ? [b, a] : [a, b];
    return w[((o * I + i) * kh + u) * kw + v];
  };
  const gh = Math.floor((2 * kh - 2) / s) + 1, gw = Math.floor((2 * kw - 2) / s) + 1;
  const values: number[] = [];
  for (let a = 0; a < A; a++) for (let b = 0; b < A; b++) for (let p = 0; p < gh; p++) for (let q = 0; q < gw; q++) {
    let sum = 0;
    for (let i = 0; i < B; i++) for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) {
      sum += at(a, i, s * p + u - (kh - 1), s * q + v - (kw - 1)) * at(b, i, u, v);
    }
    values.push(sum);
  }
  return { values, shape: [A, A, gh, gw] };
}

/** ½‖G − δ‖², δ the identity at the centre offset. */
function jsPenalty(g: { values: number[]; shape: number[] }): number {
  const [A, , gh, gw] = g.shape;
  let sum = 0;
  g.values.forEach((x, k) => {
    const q = k % gw, p = Math.floor(k / gw) % gh, b = Math.floor(k / (gw * gh)) % A, a = Math.floor(k / (gw * gh * A));
    const target = a === b && p === (gh - 1) / 2 && q === (gw - 1) / 2 ? 1 : 0;
    sum += (x - target) ** 2;
  });
  return sum / 2;
}

test('kernelGram and the isometry penalty equal a plain-JS computation (more or fewer outputs than inputs, strides 1 and 2)', () => {
  tidy(() => {
    for (const [shape, s] of [[[3, 2, 3, 3], 1], [[2, 3, 3, 3], 2], [[4, 4, 1, 1], 2], [[2, 5, 3, 1], 1], [[5, 3, 3, 3], 2]] as const) {
      const values = jsRandom(shape.reduce((a: number, b: number) => a * b, 1), shape.length + shape[0] * 7 + s);
      const w = tensor(values, { shape: [...shape], dtype: 'float64' });
      const want = jsGram(values, [...shape], s);
      const got = kernelGram(w, s);
      assert.deepEqual(got.shape, want.shape, `[${shape}] stride ${s}: gram shape`);
      assertClose(got.toFlatArray(), want.values, 1e-12, 1e-12, `[${shape}] stride ${s}: gram`);
      assertClose([kernelIsometryPenalty(w, s).item()], [jsPenalty(want)], 1e-12, 1e-12, `[${shape}] stride ${s}: penalty`);
    }
  });
});

test('the isometry penalty is 0 for orthogonal and dirac kernels and grows with their scale', () => {
  tidy(() => {
    const h = [[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]].map((r) => r.map((x) => x / 2)); // orthogonal
    const oneByOne = tensor(h, { dtype: 'float64' }).reshape([4, 4, 1, 1]);
    assert.ok(kernelIsometryPenalty(oneByOne).item() < 1e-24, 'orthogonal 1×1');
    assert.ok(kernelIsometryPenalty(oneByOne, 2).item() < 1e-24, 'orthogonal 1×1 at stride 2');
    // 4 outputs from 2 inputs with orthonormal columns: an isometry (the gram is taken over the inputs)
    const tall = tensor(h.map((r) => r.slice(0, 2)), { dtype: 'float64' }).reshape([4, 2, 1, 1]);
    assert.ok(kernelIsometryPenalty(tall).item() < 1e-24, 'isometric 4×2');
    // 3×3 dirac kernel with an orthogonal centre: zero off-centre, identity at the centre
    const dirac = new Array(4 * 4 * 9).fill(0);
    for (let o = 0; o < 4; o++) for (let i = 0; i < 4; i++) dirac[(o * 4 + i) * 9 + 4] = h[o][i];
    const d = tensor(dirac, { shape: [4, 4, 3, 3], dtype: 'float64' });
    assert.ok(kernelIsometryPenalty(d).item() < 1e-24, 'dirac');
    // 2× the kernel: the centre gram is 4·I, so ½·4·(4 − 1)² = 18
    assertClose([kernelIsometryPenalty(d.mul(2)).item()], [18], 1e-12, 0, '2 × dirac');
    // a neighbour tap breaks it
    const shifted = dirac.slice();
    shifted[3] = 0.5;
    assert.ok(kernelIsometryPenalty(tensor(shifted, { shape: [4, 4, 3, 3], dtype: 'float64' })).item() > 0.1, 'off-centre tap');
  });
});

test('the isometry penalty is differentiable (finite differences, float64)', () => {
  for (const [shape, s] of [[[3, 2, 3, 3], 2], [[2, 3, 3, 3], 1]] as const) {
    const w = tensor(jsRandom(shape.reduce((a: number, b: number) => a * b, 1), 11), { shape: [...shape], dtype: 'float64', requiresGrad: true });
    const r = gradCheck((x) => kernelIsometryPenalty(x, s), [w]);
    assert.ok(r.ok, `[${shape}] stride ${s}: worst ${r.worst}`);
    w.dispose();
  }
});

test('isometryPenalty sums over convolutions at their strides; bad kernels and layers fail clearly', () => {
  tidy(() => {
    const a = new Conv2d(3, 5, 3, { stride: 2, padding: 1, bias: false, dtype: 'float64' });
    const b = new Conv2d(5, 5, 1, { bias: false, dtype: 'float64' });
    const want = kernelIsometryPenalty(a.weight, 2).item() + kernelIsometryPenalty(b.weight, 1).item();
    assertClose([isometryPenalty([a, b]).item()], [want], 1e-12, 1e-12, 'sum');
    assert.notEqual(kernelIsometryPenalty(a.weight, 2).item(), kernelIsometryPenalty(a.weight, 1).item());
    assert.throws(() => isometryPenalty([]), /no convolutions given/);
    assert.throws(() => isometryPenalty([new Conv2d(4, 4, 3, { groups: 2 })]), /grouped convolutions \(groups = 2\)/);
    assert.throws(() => isometryPenalty([new Conv2d(4, 4, 3, { dilation: 2 })]), /dilated convolutions/);
    assert.throws(() => kernelGram(tensor([1, 2, 3])), /expected a convolution kernel \[O, I, kH, kW\], got shape \[3\]/);
    assert.throws(() => kernelGram(tensor(new Array(16).fill(1), { shape: [2, 2, 2, 2] }), 2), /2×2 kernel at stride \[2, 2\] never meets itself/);
    [a, b].forEach((m) => m.dispose());
  });
});
