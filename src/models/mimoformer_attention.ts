// The attention cores of MIMOFormer (Menet et al., NeurIPS 2023): FAVOR+ with the generalized ReLU
// kernel computed on M·N sequences in superposition ("FAVOR+S"); every core also takes the softmax
// kernel (favor.ts; beyond the reference), whose key stabiliser is shared by a whole group. Shapes, per group of M·N sequences:
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
import { Tensor, cat, einsum, tidy } from '../tensor/index.js';
import { favorFeatures, linearAttention } from './favor.js';
import type { FavorKernel } from './favor.js';

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
function bundledFeatures(qt: Tensor, kt: Tensor, bundleMask: Tensor, omega: Tensor, kernel: FavorKernel): { fq: Tensor; fk: Tensor } {
  return tidy(() => ({ fq: favorFeatures(kernel, qt, omega, true), fk: favorFeatures(kernel, kt, omega, false).mul(bundleMask) }));
}

/** att: every sequence's own attention output, unbound: [B', M, N, H, L, D]. */
export function superposedAttention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor, a: Tensor, omega: Tensor, kernel: FavorKernel = 'relu'): Tensor {
  return tidy(() => {
    const { qt, kt, vt, bundleMask } = bundle(q, k, v, mask, a);
    const { fq, fk } = bundledFeatures(qt, kt, bundleMask, omega, kernel);
    const S = einsum('bmhlr,bmhld->bhrd', fk, vt);
    const z = fk.sum(3); // [B', M, H, R]
    const num = einsum('bnhlr,bhrd->bnhld', fq, S).unsqueeze(1); // [B', 1, N, H, L, D]
    const den = einsum('bnhlr,bmhr->bmnhl', fq, z).unsqueeze(5); // [B', M, N, H, L, 1]
    const [M, N, D] = a.shape;
    return num.div(den).mul(a.reshape([1, M, N, 1, 1, D]));
  });
}

/**
 * att with each sequence's own values only: ô_mn(l) = [φ(q̃_n(l))ᵀ Σ_l′ φ(k̃_m(l′)) v_mn(l′)ᵀ] / [φ(q̃_n(l))ᵀz_m],
 * what superposedAttention gives sequence (m, n) when every other sequence's values are zero
 * (a_mn⊙(a_mn⊙v) = v): its values under the bundles' attention pattern. [B', M, N, H, L, D] (probes).
 */
export function ownValuesAttention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor, a: Tensor, omega: Tensor, kernel: FavorKernel = 'relu'): Tensor {
  return tidy(() => {
    const { qt, kt, bundleMask } = bundle(q, k, v, mask, a);
    const { fq, fk } = bundledFeatures(qt, kt, bundleMask, omega, kernel);
    const own = v.mul(mask.to(v.dtype).unsqueeze(3).unsqueeze(5)); // padded rows zeroed, as bundle() does
    const S = einsum('bmhlr,bmnhld->bmnhrd', fk, own); // one state per sequence, from its bundle's keys
    const num = einsum('bnhlr,bmnhrd->bmnhld', fq, S);
    const den = einsum('bnhlr,bmhr->bmnhl', fq, fk.sum(3)).unsqueeze(5);
    return num.div(den);
  });
}

/** att+MLP: the N bundled outputs with the normaliser shared over m, left in superposition: [B', N, H, L, D]. */
export function blockAttention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor, a: Tensor, omega: Tensor, kernel: FavorKernel = 'relu'): Tensor {
  return tidy(() => {
    const { qt, kt, vt, bundleMask } = bundle(q, k, v, mask, a);
    const { fq, fk } = bundledFeatures(qt, kt, bundleMask, omega, kernel);
    const S = einsum('bmhlr,bmhld->bhrd', fk, vt);
    const z = fk.sum([1, 3]); // [B', H, R]
    const num = einsum('bnhlr,bhrd->bnhld', fq, S);
    const den = einsum('bnhlr,bhr->bnhl', fq, z).unsqueeze(4);
    return num.div(den);
  });
}

// ---- The fast path the model runs: bundles straight from the layer input ---------------------------
//
// Binding and bundling are linear, so they fold into the projections: with the per-cell weights
// W_mn = s·W·diag(a_mn) (a_mn repeated over the H heads), the query bundle is
//
//   q̃_n(l) = Σ_m a_mn ⊙ s(W x_mn(l) + b) = [W_1n … W_Mn] · [x_1n(l); …; x_Mn(l)] + Σ_m s·a_mn⊙b,
//
// one matmul over the concatenated inputs (the same multiply-adds as M separate projections) whose
// output is already bundle-sized: no per-sequence q, k, v is ever written, bound or summed. Keys and
// values share their input arrangement, so they are one matmul with both weights side by side.
// Without padding the bias bundle Σ_m s·a_mn⊙b is one vector per bundle, added in place. With
// padding it rides in the matmul as one more input feature, 1 at a token and 0 at padding, so padded
// tokens (whose inputs are zeroed) add neither input nor bias: the same as zeroing their q, k, v rows
// as bundle() does. Layout [B′, ·, L, H, D] throughout, so the output reshapes to [B, L, H·D]
// without a copy.

export interface Projection {
  weight: Tensor; // [H·D, d]
  bias: Tensor; // [H·D]
}

export interface Bundles {
  /** Query bundles [B′, n, L, H, D]. */
  qt: Tensor;
  /** Key and value bundles [B′, m, L, H, D] (may be strided views). */
  kt: Tensor;
  vt: Tensor;
  /** [B′, m, L, 1, 1]: 1 where some sequence of key bundle m has a token at l; undefined without padding. */
  keyMask?: Tensor;
}

/**
 * The bundles of x [B, L, d] (the layer's normalised input; rows in grid order) at grid p with keys
 * a [m, n, D]; q and k scaled by s = 1/√(mn). mask [B, L] (1 = token), or undefined when nothing is
 * padded.
 */
export function bundledProjections(x: Tensor, mask: Tensor | undefined, q: Projection, k: Projection, v: Projection, a: Tensor, heads: number): Bundles {
  const [B, L, d] = x.shape;
  const [m, n, D] = a.shape;
  const G = m * n;
  if (B % G !== 0) throw new RangeError(`MIMOFormer attention: ${B} rows are not a whole number of ${m}×${n} grids`);
  const Bp = B / G;
  const HD = heads * D;
  const s = 1 / Math.sqrt(G);
  return tidy(() => {
    const aH = a.unsqueeze(2).expand([m, n, heads, D]).reshape([m, n, 1, HD]); // a_mn repeated per head
    const w = mask?.to(x.dtype).unsqueeze(2); // [B, L, 1]
    const e = w ? d + 1 : d; // input features (and the bias feature with padding)
    const xe = (w ? cat([x.mul(w), w], 2) : x).reshape([Bp, m, n, L, e]);
    // Per-cell weights s·[Wᵀ; b]·diag(a_mn) (the bias row only with padding): [m, n, e, HD].
    const cellWeights = (p: Projection, scale: number) => (w ? cat([p.weight.t(), p.bias.unsqueeze(0)], 0) : p.weight.t()).mul(scale).unsqueeze(0).unsqueeze(0).mul(aH);
    // q̃_n(l) = [x_1n(l), …, x_mn(l)]·[W_1n; …; W_mn]: rows (b′, n, l), features (m, e).
    const xq = xe.permute(0, 2, 3, 1, 4).reshape([Bp, n, L, m * e]);
    const qt = xq.matmul(cellWeights(q, s).transpose(0, 1).reshape([n, m * e, HD])); // [B′, n, L, HD]
    // [k̃_m(l), ṽ_m(l)]: rows (b′, m, l), features (n, e).
    const xkv = xe.permute(0, 1, 3, 2, 4).reshape([Bp, m, L, n * e]);
    const kv = xkv.matmul(cat([cellWeights(k, s), cellWeights(v, 1)], 3).reshape([m, n * e, 2 * HD])); // [B′, m, L, 2·HD]
    if (!w) {
      qt.add_(aH.mul(q.bias.mul(s)).sum(0).reshape([1, n, 1, HD])); // Σ_m s·a_mn⊙b_q
      kv.add_(cat([aH.mul(k.bias.mul(s)), aH.mul(v.bias)], 3).sum(1).reshape([1, m, 1, 2 * HD])); // Σ_n a_mn⊙[s·b_k, b_v]
    }
    const kvt = kv.reshape([Bp, m, L, 2, heads, D]);
    return {
      qt: qt.reshape([Bp, n, L, heads, D]),
      kt: kvt.select(3, 0),
      vt: kvt.select(3, 1),
      keyMask: mask?.reshape([Bp, m, n, L]).amax(2).reshape([Bp, m, L, 1, 1]).to(x.dtype),
    };
  });
}

/**
 * φ of the bundles with heads before positions: φq̃ [B′, n, H, L, R], φk̃ [B′, m, H, L, R]
 * (contiguous: the matmuls below then read them without copies; only the small q̃, k̃ are reordered).
 */
function features(b: Bundles, omega: Tensor, kernel: FavorKernel): { fq: Tensor; fk: Tensor } {
  return { fq: favorFeatures(kernel, b.qt.transpose(2, 3), omega, true), fk: favorFeatures(kernel, b.kt.transpose(2, 3), omega, false) };
}

/**
 * S = Σ_m Σ_l φk̃_m(l) ṽ_m(l)ᵀ [B′, 1, H, R, D] and z_m = Σ_l φk̃_m(l) [B′, m, H, R] over the key
 * positions that hold a token in bundle m. ṽ is already zero where the whole bundle is padding, so
 * only z needs the mask (a matmul with it, instead of zeroing rows of φk̃).
 */
function state(fk: Tensor, b: Bundles): { S: Tensor; z: Tensor } {
  const S = fk.transpose(-2, -1).matmul(b.vt.transpose(2, 3)).sum(1, true);
  if (!b.keyMask) return { S, z: fk.sum(3) };
  const [Bp, m, L] = b.keyMask.shape;
  return { S, z: b.keyMask.reshape([Bp, m, 1, 1, L]).matmul(fk).squeeze(3) };
}

/**
 * att on bundles, up to the keys: r_mn(l) = [φ(q̃_n(l))ᵀS] / [φ(q̃_n(l))ᵀz_m] for the grid's m rows,
 * [B′, m, n, L, H, D]. Sequence (m, n)'s attention output is a_mn ⊙ r_mn: superposedCore, or, in the
 * model, unbindingProjection, which folds that product into the output projection.
 */
export function superposedReadout(b: Bundles, m: number, omega: Tensor, kernel: FavorKernel = 'relu'): Tensor {
  return tidy(() => {
    const { fq, fk } = features(b, omega, kernel);
    const { S, z } = state(fk, b);
    // num and den are reordered to [B′, ·, n, L, H, ·] while they are still small (num n-sized, den
    // without D), so the one m·n-sized pass (the division by the normaliser) writes a contiguous
    // [B′, m, n, L, H, D] that the output projection reads without a copy.
    const num = fq.matmul(S).transpose(2, 3).contiguous().unsqueeze(1); // [B′, 1, n, L, H, D]
    const den = fq.matmul(z.permute(0, 2, 3, 1).unsqueeze(1)).permute(0, 4, 1, 3, 2).contiguous().unsqueeze(5); // [B′, m, n, L, H, 1]
    if (den.shape[1] !== m) throw new RangeError(`MIMOFormer attention: the key bundles hold ${den.shape[1]} rows, expected m = ${m}`);
    return num.div(den);
  });
}

// ---- Value centering (an option beyond the reference) ---------------------------------------------
//
// A sequence's mean value v̄_mn is the same at every position, and so is its key a_mn: unbinding
// sequence (m, n) reads the other M·N − 1 sequences' means, each with the signs a_mn⊙a_m′n′, and
// averaging over positions does not shrink them. Where attention is broad an output is mostly its
// own mean, so this coherent crosstalk dominates (ListOps; a value bias adds to every mean).
// Centering takes each sequence's mean value (over its tokens) out of its values before binding and
// adds it back after unbinding. The attention weights of one query sum to 1 over the tokens, so for one sequence
// Σ_l w_l (v_l − v̄) + v̄ = Σ_l w_l v_l: with M = N = 1 (and in the Performer) nothing changes; in
// superposition the mean passes without crosstalk and only the deviations are bundled.

/** v [B′, m, n, H, L, D] with each sequence's mean over its tokens (mask [B′, m, n, L]) taken out (padding stays 0), and that mean [B′, m, n, H, 1, D]. */
export function centerValues(v: Tensor, mask: Tensor): { v: Tensor; mean: Tensor } {
  return tidy(() => {
    const w = mask.to(v.dtype).unsqueeze(3).unsqueeze(5); // [B′, m, n, 1, L, 1]
    const mean = v.mul(w).sum(4, true).div(w.sum(4, true).clamp(1));
    return { v: v.sub(mean).mul(w), mean };
  });
}

/**
 * The fast path's centering: the value bundles ṽ_m(l) less Σ_n a_mn⊙v̄_mn over the sequences with a
 * token at l. vMean [B′, m, n, H·D] (each sequence's mean value), a [m, n, D], mask [B, L] (1 =
 * token; rows in grid order) or undefined when nothing is padded.
 */
export function centerValueBundles(b: Bundles, vMean: Tensor, a: Tensor, mask: Tensor | undefined): Bundles {
  const [Bp, m, L, H, D] = b.vt.shape;
  const n = a.shape[1];
  if (vMean.ndim !== 4 || vMean.shape[0] !== Bp || vMean.shape[1] !== m || vMean.shape[2] !== n || vMean.shape[3] !== H * D) {
    throw new RangeError(`MIMOFormer attention: mean values must be [B′, m, n, H·D] = [${Bp}, ${m}, ${n}, ${H * D}], got [${vMean.shape}]`);
  }
  return tidy(() => {
    const bound = vMean.mul(a.unsqueeze(2).expand([m, n, H, D]).reshape([1, m, n, H * D])); // a_mn⊙v̄_mn
    const bundledMeans = mask
      ? mask.to(vMean.dtype).reshape([Bp, m, n, L]).transpose(2, 3).matmul(bound).reshape([Bp, m, L, H, D]) // Σ_n over the sequences with a token at l
      : bound.sum(2).reshape([Bp, m, 1, H, D]);
    return { ...b, vt: b.vt.sub(bundledMeans) };
  });
}

/** att on bundles: every sequence's own attention output, unbound by a [m, n, D]: [B′, m, n, L, H, D]. */
export function superposedCore(b: Bundles, a: Tensor, omega: Tensor, kernel: FavorKernel = 'relu'): Tensor {
  return tidy(() => {
    const [m, n, D] = a.shape;
    return superposedReadout(b, m, omega, kernel).mul(a.reshape([1, m, n, 1, 1, D]));
  });
}

/**
 * The output projection of the unbound outputs, W_o(a_mn ⊙ r_mn) + b, with the unbinding folded into
 * per-cell weights W_o·diag(a_mn) (a_mn repeated over the heads): r [B′, m, n, L, H, D] (from
 * superposedReadout) → [B, L, d], rows in grid order. The same multiply-adds as projecting each
 * sequence's output, without writing a_mn ⊙ r_mn first.
 */
export function unbindingProjection(r: Tensor, a: Tensor, out: Projection): Tensor {
  const [Bp, m, n, L, H, D] = r.shape;
  if (r.ndim !== 6 || a.ndim !== 3 || a.shape[0] !== m || a.shape[1] !== n || a.shape[2] !== D || out.weight.shape[1] !== H * D) {
    throw new RangeError(`MIMOFormer attention: readout r [B′, m, n, L, H, D], keys a [m, n, D] and W_o [d, H·D] disagree: r [${r.shape}], a [${a.shape}], W_o [${out.weight.shape}]`);
  }
  const d = out.weight.shape[0];
  const HD = H * D;
  return tidy(() => {
    const aH = a.unsqueeze(2).expand([m, n, H, D]).reshape([1, m, n, HD, 1]);
    const cellWeights = out.weight.t().reshape([1, 1, 1, HD, d]).mul(aH).expand([Bp, m, n, HD, d]).reshape([Bp * m * n, HD, d]);
    return r.reshape([Bp * m * n, L, HD]).matmul(cellWeights).add_(out.bias);
  });
}

/** att+MLP on bundles: the n outputs with the normaliser shared over m, left in superposition: [B′, n, L, H, D]. */
export function blockCore(b: Bundles, omega: Tensor, kernel: FavorKernel = 'relu'): Tensor {
  return tidy(() => {
    const { fq, fk } = features(b, omega, kernel);
    const { S, z } = state(fk, b);
    const num = fq.matmul(S); // [B′, n, H, L, D]
    const den = fq.matmul(z.sum(1).unsqueeze(1).unsqueeze(4)); // [B′, n, H, L, 1]
    return num.div(den).transpose(2, 3).contiguous();
  });
}

/**
 * The Performer's core as the model runs it: q, k, v [B, L, H, D] (views of the projections),
 * keyMask [B, L] (1 = token) or undefined → [B, L, H·D], ready for the output projection.
 */
export function performerCore(q: Tensor, k: Tensor, v: Tensor, keyMask: Tensor | undefined, omega: Tensor, kernel: FavorKernel = 'relu'): Tensor {
  const [B, L, H, D] = q.shape;
  return tidy(() => {
    const heads = (t: Tensor) => t.transpose(1, 2); // [B, H, L, D]
    const o = linearAttention(favorFeatures(kernel, heads(q), omega, true), favorFeatures(kernel, heads(k), omega, false), heads(v), keyMask?.unsqueeze(1).expand([B, H, L]));
    return o.transpose(1, 2).reshape([B, L, H * D]);
  });
}
