// The attention cores of MIMOFormer (Menet et al., NeurIPS 2023): FAVOR+ with the generalized ReLU
// kernel computed on M·N sequences in superposition ("FAVOR+S"). Shapes, per group of M·N sequences:
//
//   q, k, v    [B', M, N, H, L, D]   sequence (m, n) of group b' (q and k already scaled by 1/√(MN))
//   mask       [B', M, N, L]         1 = a token, 0 = padding (q, k and v rows are zeroed by it here)
//   a          [M, N, D]             bipolar keys, one per grid cell, shared by heads and positions
//   Ω          [R, D]                the layer's fixed random features
//
//   q̃_n = Σ_m a_mn⊙q_mn    [B', N, H, L, D]        k̃_m = Σ_n a_mn⊙k_mn,  ṽ_m = Σ_n a_mn⊙v_mn   [B', M, H, L, D]
//   S   = Σ_m Σ_l φ(k̃_m(l)) ṽ_m(l)ᵀ                 [B', H, R, D]   one state per group
//   z_m = Σ_l φ(k̃_m(l))                             [B', M, H, R]
//
//   att     (superposedAttention): o_mn(l) = a_mn ⊙ [φ(q̃_n(l))ᵀS] / [φ(q̃_n(l))ᵀz_m]   → [B', M, N, H, L, D]
//   att+MLP (blockAttention):      o_n(l)  = [φ(q̃_n(l))ᵀS] / [φ(q̃_n(l))ᵀ Σ_m z_m]      → [B', N, H, L, D]
//
// In att+MLP the output stays a superposition: it is not multiplied by a key (a_mn differs per m, and
// o_n mixes every m), the output projection runs on it as it is, and the streams are separated only
// by the residual keys e at the end of the layer (see mimoformer.ts). This is what the reference's
// BlockformerAttention does: numerator over the normaliser summed over m and l, returned unbound.
//
// Padding: k and v of padded tokens are zeroed before bundling (as the reference does), and so are
// the queries (the reference does not: there a padded position's query leaks into the query bundle
// that the other sequences at that position read, as crosstalk). The feature row φ(k̃_m(l)) is
// zeroed where every sequence of bundle m is padding at l: the reference keeps it, and φ(0) = 1e-3·𝟏
// then adds to the normaliser, so extra padding changes its outputs. Here padding has no influence
// (with M = N = 1 this is exactly the Performer's key padding; padded queries give outputs that the
// model masks anyway).
import { Tensor, einsum, tidy } from '../tensor/index.js';
import { reluFeatures } from './favor.js';

/** The bundles q̃ [B', N, H, L, D], k̃ and ṽ [B', M, H, L, D], and the bundle mask [B', M, 1, L, 1] (1 where some sequence of bundle m has a token). */
export function bundle(q: Tensor, k: Tensor, v: Tensor, mask: Tensor, a: Tensor): { qt: Tensor; kt: Tensor; vt: Tensor; bundleMask: Tensor } {
  if (q.ndim !== 6 || a.ndim !== 3 || q.shape[1] !== a.shape[0] || q.shape[2] !== a.shape[1] || q.shape[5] !== a.shape[2]) {
    throw new RangeError(`MIMOFormer attention: q [B', M, N, H, L, D] and keys a [M, N, D] disagree: q [${q.shape}], a [${a.shape}]`);
  }
  return tidy(() => {
    const [M, N, D] = a.shape;
    const key = a.reshape([1, M, N, 1, 1, D]);
    const w = mask.to(k.dtype).unsqueeze(3).unsqueeze(5); // [B', M, N, 1, L, 1]
    const qt = q.mul(w).mul(key).sum(1);
    const kt = k.mul(w).mul(key).sum(2);
    const vt = v.mul(w).mul(key).sum(2);
    const bundleMask = mask.to(k.dtype).amax(2).unsqueeze(2).unsqueeze(4); // [B', M, 1, L, 1]
    return { qt, kt, vt, bundleMask };
  });
}

/** φ of the bundles, with the rows of all-padding key positions zeroed: φq̃ [B', N, H, L, R], φk̃ [B', M, H, L, R]. */
function bundledFeatures(qt: Tensor, kt: Tensor, bundleMask: Tensor, omega: Tensor): { fq: Tensor; fk: Tensor } {
  return tidy(() => ({ fq: reluFeatures(qt, omega), fk: reluFeatures(kt, omega).mul(bundleMask) }));
}

/** att: every sequence's own attention output, unbound: [B', M, N, H, L, D]. */
export function superposedAttention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor, a: Tensor, omega: Tensor): Tensor {
  return tidy(() => {
    const { qt, kt, vt, bundleMask } = bundle(q, k, v, mask, a);
    const { fq, fk } = bundledFeatures(qt, kt, bundleMask, omega);
    const S = einsum('bmhlr,bmhld->bhrd', fk, vt);
    const z = fk.sum(3); // [B', M, H, R]
    const num = einsum('bnhlr,bhrd->bnhld', fq, S).unsqueeze(1); // [B', 1, N, H, L, D]
    const den = einsum('bnhlr,bmhr->bmnhl', fq, z).unsqueeze(5); // [B', M, N, H, L, 1]
    const [M, N, D] = a.shape;
    return num.div(den).mul(a.reshape([1, M, N, 1, 1, D]));
  });
}

/** att+MLP: the N bundled outputs with the normaliser shared over m, left in superposition: [B', N, H, L, D]. */
export function blockAttention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor, a: Tensor, omega: Tensor): Tensor {
  return tidy(() => {
    const { qt, kt, vt, bundleMask } = bundle(q, k, v, mask, a);
    const { fq, fk } = bundledFeatures(qt, kt, bundleMask, omega);
    const S = einsum('bmhlr,bmhld->bhrd', fk, vt);
    const z = fk.sum([1, 3]); // [B', H, R]
    const num = einsum('bnhlr,bhrd->bnhld', fq, S);
    const den = einsum('bnhlr,bhr->bnhl', fq, z).unsqueeze(4);
    return num.div(den);
  });
}
