// Multiply-accumulates of MIMOFormer per input sequence, counted by hand from the shapes.
//
// Per layer, for a group of G = m·n sequences of length L (H heads of D, R features, width d, MLP F):
//   QKV              3·L·d·HD per sequence (every variant)
//   output proj.     L·HD·d per sequence; att-mlp: on n streams of the group, so ÷m
//   MLP              2·L·d·F per sequence; att-mlp: ÷m
//   core, per head:
//     softmax        QKᵀ and AV: 2·L²·D per sequence
//     performer      φ(Q), φ(K), S = φ(K)ᵀV, φ(Q)S: 4·L·R·D; z = Σ_l φ(k) and φ(Q)z: 2·L·R
//     att            per group: φ of n query and m key bundles, m states summed, n numerators:
//                    2(m+n)·L·R·D; z: m·L·R; one denominator per sequence: m·n·L·R;
//                    binding q, k, v and unbinding: 4·m·n·L·D
//                    centerValues, per sequence: mean input L·d, its value and output projections
//                    2·d·HD, the bound mean out of the value bundles L·HD
//     att-mlp        per group: 2(m+n)·L·R·D; z: m·L·R; n shared denominators: n·L·R;
//                    binding q, k, v: 3·m·n·L·D; plus the residual keys (superpose and retrieve):
//                    2·m·n·L·d (counted in total, not in core)
// Head: Lin(d or 4d, F) and Lin(F, C) per sequence (dual: per pair, so half per sequence).
// Not counted: embedding lookups, LayerNorm, ReLU, residual adds, masks, pooling (all O(L·d)
// element-wise) — so a 1×1 att equals the performer plus its key products. The same counts hold for
// both FAVOR+ kernels: the softmax kernel's extra work (a squared norm per token, an exp per feature
// and the stabiliser's maximum) is element-wise too, L·(R + D) per feature map against its L·R·D,
// though not free: measured, the softmax-kernel Performer takes 1.3× the ReLU one's time at R = 256
// (docs/results.md, "The softmax kernel" under MIMOFormer throughput).
//
// The "Transformer FLOP share" speedups of the digest (att 4×4: wide ListOps 1.26×, deep Text
// 1.12×, wide Image 2.44×; att-mlp 2×2: 1.42×, 1.65×) follow from these counts (mimoformer.test.ts).
import type { GridPoint, MIMOFormerConfig } from './mimoformer.js';

export interface MIMOFormerMacs {
  /** The attention cores of all layers (the part superposition shares). */
  core: number;
  /** The whole model. */
  total: number;
}

/** MACs per input sequence of length L at grid point p for a config (the variant's own counts). */
export function mimoformerMacs(c: MIMOFormerConfig, p: GridPoint, length: number = c.maxLength): MIMOFormerMacs {
  const { dim: d, ffn: F, heads: H, headDim: D, features: R, layers, classes: C, variant } = c;
  const L = length;
  const G = p.m * p.n;
  const HD = H * D;
  let core: number; // per sequence, one layer, all heads
  let perLayerRest: number;
  const qkv = 3 * L * d * HD;
  const outMlp = L * HD * d + 2 * L * d * F;
  switch (variant) {
    case 'softmax':
      core = H * 2 * L * L * D;
      perLayerRest = qkv + outMlp;
      break;
    case 'performer':
      core = H * (4 * L * R * D + 2 * L * R);
      perLayerRest = qkv + outMlp;
      break;
    case 'att':
      core = (H * (2 * (p.m + p.n) * L * R * D + p.m * L * R + G * L * R + 4 * G * L * D)) / G + (c.centerValues ? L * d + 2 * d * HD + L * HD : 0);
      perLayerRest = qkv + outMlp;
      break;
    case 'att-mlp':
      core = (H * (2 * (p.m + p.n) * L * R * D + p.m * L * R + p.n * L * R + 3 * G * L * D)) / G;
      perLayerRest = qkv + outMlp / p.m + 2 * L * d;
      break;
  }
  const head = ((c.dual ? 4 * d : d) * F + F * C) / (c.dual ? 2 : 1);
  return { core: layers * core, total: layers * (core + perLayerRest) + head };
}
