// FAVOR+ (Choromanski et al., "Rethinking Attention with Performers", ICLR 2021): linear attention
// through random features.
//
//   Ω            [R, D]   orthogonal random features: ⌈R/D⌉ blocks, each the D orthonormal rows of the
//                         Q factor of a Gaussian D×D matrix (the last block cut to R mod D rows), every
//                         row then rescaled to the norm of its own Gaussian D-vector (chi with D degrees
//                         of freedom), so the rows are marginally Gaussian but orthogonal within a block.
//   x'           [..., L, D] = x · D^(-1/4)   (on queries and on keys: their product carries 1/√D)
//   reluFeatures    φ(x) = ReLU(x' Ωᵀ) + 1e-3                       the generalized ReLU kernel (MIMOFormer)
//   softmaxFeatures φ(x) = (exp(x' Ωᵀ − ‖x'‖²/2 − c) + 1e-20)/√R    positive random features:
//                         E[φ(q)ᵀφ(k)] ∝ exp(qᵀk/√D), the softmax kernel; c is a stabiliser (the row
//                         maximum for queries; for keys one maximum per batch row, over everything
//                         else, so every key that enters one normalised sum, of a sequence or of a
//                         superposition group, shares it: it cancels in the attention). The 1e-20
//                         keeps a normaliser from vanishing when a bundle's keys all lie far below
//                         the maximum.
//   favorFeatures   φ of the kernel named: 'relu' (the reference's) or 'softmax'
//   linearAttention  out = φQ (φKᵀ V) / (φQ φKᵀ 𝟏)                 [..., Lq, Dv], in O(L·R·D)
//
// Padding: a key with keyMask 0 has its φK row and V row zeroed, so it adds to neither the state
// φKᵀV nor the normaliser φKᵀ𝟏 (φ(0) = 1e-3 for the ReLU kernel, so zeroing the key alone would not do).
import { F, Tensor, cat, isGradEnabled, noGrad, qr, randn, tidy } from '../tensor/index.js';
import type { DType, Generator } from '../tensor/index.js';

/** The constant added to the ReLU features (performer-pytorch's kernel_epsilon). */
export const RELU_FEATURE_EPS = 1e-3;
/**
 * The constant added to the softmax features before the 1/√R: it only keeps a normaliser from being
 * exactly 0 (a bundle whose keys all underflow against the group's maximum). performer-pytorch adds
 * 1e-4; with one maximum over a whole group's keys and features a typical feature can lie near
 * e^(−10) ≈ 5e-5, where 1e-4 could act as a floor that flattens the attention, so the constant here is
 * negligible.
 */
export const SOFTMAX_FEATURE_EPS = 1e-20;

/** The FAVOR+ kernels: the generalized ReLU kernel (MIMOFormer's) and the softmax kernel exp(⟨q, k⟩/√D) (the Performer paper's). */
export type FavorKernel = 'relu' | 'softmax';
export const FAVOR_KERNELS: readonly FavorKernel[] = ['relu', 'softmax'];

function checkPositiveInt(v: number, name: string, op: string): void {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${op}: ${name} must be a positive integer, got ${String(v)}`);
}

/** Ω [R, D]: stacked blocks of orthonormal rows, each row scaled to the norm of a Gaussian D-vector. */
export function orthogonalRandomFeatures(R: number, D: number, generator?: Generator, dtype: DType = 'float32'): Tensor {
  checkPositiveInt(R, 'R (features)', 'orthogonalRandomFeatures');
  checkPositiveInt(D, 'D (head dimension)', 'orthogonalRandomFeatures');
  return noGrad(() =>
    tidy(() => {
      const blocks: Tensor[] = [];
      for (let rows = 0; rows < R; rows += D) {
        const { q } = qr(randn([D, D], { generator, dtype: 'float64' })); // q: D×D orthogonal
        blocks.push(q.t().narrow(0, 0, Math.min(D, R - rows)));
      }
      const norms = randn([R, D], { generator, dtype: 'float64' }).norm(2, 1, true); // chi(D) samples
      return cat(blocks, 0).mul(norms).to(dtype).contiguous();
    }),
  );
}

function checkFeatures(x: Tensor, omega: Tensor, op: string): void {
  if (omega.ndim !== 2 || x.shape[x.ndim - 1] !== omega.shape[1]) {
    throw new RangeError(`${op}: x [..., D] and Ω [R, D] must agree in D, got x [${x.shape}] and Ω [${omega.shape}]`);
  }
}

/** φ(x) = ReLU(x·D^(-1/4) Ωᵀ) + 1e-3: x [..., D] → [..., R]. */
export function reluFeatures(x: Tensor, omega: Tensor): Tensor {
  checkFeatures(x, omega, 'reluFeatures');
  const D = omega.shape[1];
  return tidy(() => {
    // The D^(-1/4) scale rides on the small Ω; without gradients the ReLU and the constant work in
    // place (two allocations of the [..., R] features fewer).
    const f = x.matmul(omega.mul(D ** -0.25).t());
    return isGradEnabled() ? f.relu().add(RELU_FEATURE_EPS) : f.clamp_(0).add_(RELU_FEATURE_EPS);
  });
}

/**
 * Positive random features of the softmax kernel: x [..., L, D] → [..., L, R] with
 * φ(x) = (exp(x'Ωᵀ − ‖x'‖²/2 − c) + 1e-20)/√R, x' = x·D^(-1/4). Queries (isQuery) take c per row; keys
 * take one c per index of the first dimension (the maximum over all the others), shared by every
 * key that a normalised sum adds up, so it cancels in the attention.
 */
export function softmaxFeatures(x: Tensor, omega: Tensor, isQuery: boolean): Tensor {
  checkFeatures(x, omega, 'softmaxFeatures');
  if (x.ndim < 2) throw new RangeError(`softmaxFeatures: x must be [..., L, D], got [${x.shape}]`);
  const [R, D] = omega.shape;
  return tidy(() => {
    const xs = x.mul(D ** -0.25);
    const proj = xs.matmul(omega.t()); // [..., L, R]
    const half = xs.square().sum(-1, true).mul(0.5); // [..., L, 1]
    const logits = proj.sub(half);
    const rest = logits.ndim > 2 ? Array.from({ length: logits.ndim - 1 }, (_, i) => i + 1) : [0, 1];
    const c = noGrad(() => (isQuery ? logits.amax(-1, true) : logits.amax(rest, true)));
    return logits.sub(c).exp().add(SOFTMAX_FEATURE_EPS).mul(1 / Math.sqrt(R));
  });
}

/** φ(x) of the kernel: reluFeatures, or softmaxFeatures (which treats queries and keys differently). */
export function favorFeatures(kernel: FavorKernel, x: Tensor, omega: Tensor, isQuery: boolean): Tensor {
  return kernel === 'relu' ? reluFeatures(x, omega) : softmaxFeatures(x, omega, isQuery);
}

/**
 * φQ (φKᵀV) / (φQ φKᵀ𝟏), batched over leading dims: φQ [..., Lq, R], φK [..., Lk, R], v [..., Lk, Dv]
 * → [..., Lq, Dv]. keyMask [..., Lk] (bool or 0/1; true/1 = a real key, 0 = padding) zeroes the φK
 * and V rows of padded keys.
 */
export function linearAttention(phiQ: Tensor, phiK: Tensor, v: Tensor, keyMask?: Tensor): Tensor {
  if (phiQ.ndim < 2 || phiK.ndim !== phiQ.ndim || v.ndim !== phiQ.ndim) {
    throw new RangeError(`linearAttention: φQ, φK and V must have the same rank ≥ 2, got [${phiQ.shape}], [${phiK.shape}], [${v.shape}]`);
  }
  const r = phiQ.ndim;
  if (phiQ.shape[r - 1] !== phiK.shape[r - 1] || phiK.shape[r - 2] !== v.shape[r - 2]) {
    throw new RangeError(`linearAttention: need φQ [..., Lq, R], φK [..., Lk, R], V [..., Lk, Dv], got [${phiQ.shape}], [${phiK.shape}], [${v.shape}]`);
  }
  return tidy(() => {
    // Padded keys: zero rows of V (enough for the state) and weigh φK by the mask in the normaliser;
    // both are products with small tensors, no pass over φK.
    const w = keyMask?.to(phiK.dtype).unsqueeze(-2); // [..., 1, Lk]
    const vv = w ? v.mul(w.transpose(-2, -1)) : v;
    const state = phiK.transpose(-2, -1).matmul(vv); // [..., R, Dv]
    const z = w ? w.matmul(phiK) : phiK.sum(-2, true); // [..., 1, R]
    const num = phiQ.matmul(state); // [..., Lq, Dv]
    const den = phiQ.matmul(z.transpose(-2, -1)); // [..., Lq, 1]
    return num.div(den);
  });
}

/** Exact softmax attention softmax(QKᵀ/√D)V with a key mask (true/1 = real key): the reference FAVOR+ approximates. */
export function softmaxAttention(q: Tensor, k: Tensor, v: Tensor, keyMask?: Tensor): Tensor {
  const D = q.shape[q.ndim - 1];
  return tidy(() => {
    let scores = q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(D)); // [..., Lq, Lk]
    if (keyMask) scores = scores.maskedFill(keyMask.to('bool').logicalNot().unsqueeze(-2), -1e9);
    return F.softmax(scores, -1).matmul(v);
  });
}
