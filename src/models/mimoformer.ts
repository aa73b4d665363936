// MIMOFormer (Menet et al., "MIMONets", NeurIPS 2023): the LRA classifier of the reference (the
// Nyströmformer LRA code base) with four attention variants, one class.
//
//   ids, mask     [B, L]              mask 1 = token (given, from lengths, or ids ≠ padId; padId null: all)
//   embed         tok(ids) + pos(l), both N(0, 0.02²), dropout                         → X [B, L, d]
//   layer ×L      pre-LN:  X += Drop(MHA(LN X));  X += MLP(LN X),
//                 MLP = Lin(d,F) → ReLU → Drop → Lin(F,d) → Drop
//                 MHA: Wq, Wk, Wv Lin(d, H·D) with bias → attention core → Lin(H·D, d)
//   final         LN(X) ⊙ mask, masked mean over L                                      → [B, d]
//   head          Lin(d,F) → ReLU → Lin(F,classes); dual (two-sequence tasks): input
//                 [x0, x1, x0⊙x1, x0−x1] of the two pooled encodings (4d)              → [B, classes]
//
// Attention cores (per head; q, k, v [B, H, L, D]):
//   softmax    softmax(qkᵀ/√D)v with the key padding mask (short sequences only: O(L²))
//   performer  FAVOR+ with the ReLU kernel φ(x) = ReLU(x·D^(-1/4)·Ωᵀ) + 1e-3 (favor.ts), one fixed Ω
//              buffer [R, D] per layer (never redrawn); padded keys zeroed in φ(K) and V. Option
//              kernel 'softmax' (beyond the reference; performer, att, att-mlp): positive random
//              features of exp(⟨q, k⟩/√D) instead
//   att        FAVOR+S (mimoformer_attention.ts): a group of M·N consecutive batch rows, row
//              i ↦ (b′, m, n) with m = ⌊i/N⌋ mod M, n = i mod N, shares one attention state; q and k
//              scaled by 1/√(MN), bound by fixed Rademacher keys a [M, N, D] per layer (buffers),
//              bundled, and each output unbound by its own key. Embeddings, QKV, output projection
//              and MLP run per sequence. Option centerValues (beyond the reference): each
//              sequence's mean value is bundled out and added back after unbinding, crosstalk-free.
//              Option keys 'hadamard' (beyond the reference; att, att-mlp): exactly orthogonal
//              Walsh–Hadamard keys, under which a subspace free of crosstalk exists (see the config).
//   att-mlp    BLOCKFormer layer (the reference's model.py + attention_blockformer.py): the same
//              bundles with the normaliser shared over m give N outputs still in superposition;
//              with second keys e [M, N, d] per layer,
//                X̃_n = Drop(W_o·Att_n) + Σ_m e_mn⊙X_mn     (LN and QKV ran per sequence)
//                X̃_n += MLP(LN X̃_n)                       (output projection and MLP on N streams)
//                X_mn = e_mn⊙X̃_n                           (retrieval at the end of every layer)
//              The attention output is not unbound by a: W_o learns to read the a-bound superposition
//              (the reference returns numerator/denominator as it is, reshaped to B′·N rows).
//              Deviation: X_mn is multiplied by its padding mask before the residual superposition;
//              the reference superposes padded positions' hidden states too, so a padded position of
//              one sequence leaks into the other sequences at that position through e_mn⊙X̃_n.
//
// Scaling note: the reference divides q and k by D^(1/4) before its kernel, which multiplies by
// D^(-1/4) again (performer-pytorch's data_normalizer), in the Performer and the MIMOFormer alike.
// Here the kernel's D^(-1/4) is the only one. The ReLU kernel is positively homogeneous, so the two
// differ only in the weight of the +1e-3 constant relative to the features.
//
// Operating points. forward(ids, mask, point) with point = {m, n} ≤ the capacity {M, N} uses the
// keys' [:m, :n] slice and the 1/√(mn) scale of that grid, so one set of weights serves several
// grid sizes (the reference's half-grid warm-up is point = {M/2, N/2}). The batch must be a multiple
// of m·n; logits come back in input order.
import { F, Tensor, arange, cat, full, noGrad, stack, tensor, tidy } from '../tensor/index.js';
import type { Generator } from '../tensor/index.js';
import { Dropout, Embedding, LayerNorm, Linear, Module, maskedMean } from '../nn/index.js';
import { bipolarKeys, hadamardKeys } from '../superposition/keys.js';
import { FAVOR_KERNELS, orthogonalRandomFeatures, softmaxAttention } from './favor.js';
import type { FavorKernel } from './favor.js';
import { blockCore, bundledProjections, centerValueBundles, performerCore, superposedReadout, unbindingProjection } from './mimoformer_attention.js';
import type { Bundles, Projection } from './mimoformer_attention.js';
import { mimoformerMacs } from './mimoformer_macs.js';
import type { MIMOFormerMacs } from './mimoformer_macs.js';

export type MIMOFormerVariant = 'softmax' | 'performer' | 'att' | 'att-mlp';
export const MIMOFORMER_VARIANTS: readonly MIMOFormerVariant[] = ['softmax', 'performer', 'att', 'att-mlp'];
/** Standard deviation of the token and position embeddings. */
export const MIMOFORMER_EMBEDDING_STD = 0.02;

export interface MIMOFormerConfig {
  vocabSize: number;
  /** The padding id (masked when forward gets no mask), or null when every id is a token (LRA Image's pixels). */
  padId: number | null;
  /** Rows of the position table: the longest sequence. */
  maxLength: number;
  classes: number;
  /** Model width d. */
  dim: number;
  /** MLP hidden width F (also the head's hidden width). */
  ffn: number;
  heads: number;
  /** Head dimension D (the QKV projections are d → H·D). */
  headDim: number;
  layers: number;
  /** Random features R of the FAVOR+ kernel (unused by softmax). */
  features: number;
  dropout: number;
  variant: MIMOFormerVariant;
  /** Grid capacity M × N (1 × 1 for softmax and performer). */
  m: number;
  n: number;
  /** Two-sequence head (retrieval): use forwardPair. */
  dual: boolean;
  /**
   * att only, beyond the reference: take each sequence's mean value out before binding and add it
   * back after unbinding (mimoformer_attention.ts, "Value centering"). Kept only when true, so
   * configs of models without it read as before.
   */
  centerValues?: boolean;
  /**
   * Beyond the reference, a no-attention baseline: every layer's key projection is set to zero and
   * frozen (makeAttentionUniform), so each attention output is its sequence's mean value
   * W_o·v̄ + b_o. The same model at the same cost, without attention patterns: what a trained model
   * reaches without attention at equal budget. Kept only when true.
   */
  uniformAttention?: boolean;
  /**
   * The FAVOR+ kernel of performer, att and att-mlp: 'relu' (the reference's; the default) or
   * 'softmax' (positive random features of exp(⟨q, k⟩/√D), beyond the reference: the ReLU kernel
   * sees only the bundles' angles, so superposition flattens its attention by about 1/√(MN), while
   * the softmax kernel's crosstalk only multiplies the weights by exp(ε); on LRA Image it kept the
   * pattern but did not raise accuracy: docs/results.md). Kept only when 'softmax'.
   */
  kernel?: FavorKernel;
  /**
   * The attention keys a_mn of att and att-mlp: 'random' (Rademacher, the reference's; the default) or
   * 'hadamard' (beyond the reference): Walsh–Hadamard rows times one random sign vector per layer
   * (superposition/keys.ts, hadamardKeys), cell (m, n) taking row m·N′ + n with N′ = N rounded up to
   * a power of 2. Still fixed and bipolar, but exactly orthogonal, and every product a_mn⊙a_m′n′ of
   * two cells is a Hadamard row below M·N′: on the subspace of vectors constant over aligned blocks
   * of M·N′ coordinates the crosstalk of scores and values is exactly zero, so a model can learn to
   * trade head width for clean channels; random keys leave it none. Needs D a power of 2 and
   * M·N′ ≤ D. Kept only when 'hadamard'.
   */
  keys?: MIMOFormerKeys;
  /**
   * With keys 'hadamard', beyond the reference: initialise each head's query, key and value
   * projections inside the crosstalk-free subspace C (every output row block-averaged over the M·N′
   * coordinates of a block, rescaled by √(M·N′) to keep the initial scale) and the output projection
   * reading only C. At initialisation every bundle score ⟨q̃_n, k̃_m⟩ is then the sequence's own
   * ⟨q_mn, k_mn⟩ and W_o reads none of the other sequences' values (the ReLU kernel still flattens
   * the pattern through the bundles' norms; the softmax kernel does not); training may move the
   * model out of C where that helps. Kept only when true.
   */
  cleanInit?: boolean;
}

export type MIMOFormerKeys = 'random' | 'hadamard';
export const MIMOFORMER_KEYS: readonly MIMOFormerKeys[] = ['random', 'hadamard'];

/** Rows of the Hadamard key table for a capacity M × N: cell (m, n) takes row m·N′ + n, N′ = N rounded up to a power of 2. */
export function hadamardKeyRows(M: number, N: number): { rows: number; stride: number } {
  const stride = 2 ** Math.ceil(Math.log2(N));
  return { rows: M * stride, stride };
}

/** A small default: d 64, F 128, 2 heads of 32, 1 layer, R 256, att on a 2×2 grid. */
export const defaultMIMOFormerConfig: MIMOFormerConfig = Object.freeze({
  vocabSize: 32, padId: 0, maxLength: 256, classes: 2, dim: 64, ffn: 128, heads: 2, headDim: 32, layers: 1, features: 256, dropout: 0.1,
  variant: 'att', m: 2, n: 2, dual: false,
}) as MIMOFormerConfig;

/** A grid size (operating point) m × n. */
export interface GridPoint {
  m: number;
  n: number;
}

export function checkMIMOFormerConfig(c: MIMOFormerConfig): void {
  const ints: (keyof MIMOFormerConfig)[] = ['vocabSize', 'maxLength', 'classes', 'dim', 'ffn', 'heads', 'headDim', 'layers', 'features', 'm', 'n'];
  for (const k of ints) {
    const v = c[k];
    if (!Number.isInteger(v) || (v as number) < 1) throw new RangeError(`MIMOFormer: ${k} must be a positive integer, got ${String(v)}`);
  }
  if (c.padId !== null && (!Number.isInteger(c.padId) || c.padId < 0 || c.padId >= c.vocabSize)) {
    throw new RangeError(`MIMOFormer: padId must be null or in [0, ${c.vocabSize}), got ${String(c.padId)}`);
  }
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new RangeError(`MIMOFormer: dropout must be in [0, 1), got ${String(c.dropout)}`);
  if (!MIMOFORMER_VARIANTS.includes(c.variant)) throw new RangeError(`MIMOFormer: variant must be one of ${MIMOFORMER_VARIANTS.join(', ')}, got '${String(c.variant)}'`);
  if ((c.variant === 'softmax' || c.variant === 'performer') && (c.m !== 1 || c.n !== 1)) {
    throw new RangeError(`MIMOFormer: the ${c.variant} variant has no superposition grid; m and n must be 1, got ${c.m}×${c.n}`);
  }
  if (typeof c.dual !== 'boolean') throw new TypeError(`MIMOFormer: dual must be a boolean, got ${String(c.dual)}`);
  if (c.centerValues !== undefined && typeof c.centerValues !== 'boolean') throw new TypeError(`MIMOFormer: centerValues must be a boolean, got ${String(c.centerValues)}`);
  if (c.centerValues && c.variant !== 'att') throw new RangeError(`MIMOFormer: centerValues applies to the att variant only, got '${c.variant}'`);
  if (c.kernel !== undefined && !FAVOR_KERNELS.includes(c.kernel)) throw new RangeError(`MIMOFormer: kernel must be one of ${FAVOR_KERNELS.join(', ')}, got '${String(c.kernel)}'`);
  if (c.kernel === 'softmax' && c.variant === 'softmax') throw new RangeError("MIMOFormer: kernel applies to the FAVOR+ variants (performer, att, att-mlp); the softmax variant is exact attention");
  if (c.keys !== undefined && !MIMOFORMER_KEYS.includes(c.keys)) throw new RangeError(`MIMOFormer: keys must be one of ${MIMOFORMER_KEYS.join(', ')}, got '${String(c.keys)}'`);
  if (c.keys === 'hadamard') {
    if (c.variant !== 'att' && c.variant !== 'att-mlp') throw new RangeError(`MIMOFormer: keys apply to the att and att-mlp variants (the performer and softmax variants bind nothing), got '${c.variant}'`);
    const { rows } = hadamardKeyRows(c.m, c.n);
    if ((c.headDim & (c.headDim - 1)) !== 0 || rows > c.headDim) {
      throw new RangeError(`MIMOFormer: Hadamard keys need a head dimension that is a power of 2 and at least M·N′ = ${rows} (grid ${c.m}×${c.n}, N′ = N rounded up to a power of 2), got headDim ${c.headDim}`);
    }
  }
  if (c.cleanInit !== undefined && typeof c.cleanInit !== 'boolean') throw new TypeError(`MIMOFormer: cleanInit must be a boolean, got ${String(c.cleanInit)}`);
  if (c.cleanInit && c.keys !== 'hadamard') throw new RangeError("MIMOFormer: cleanInit needs keys 'hadamard' (random keys have no crosstalk-free subspace)");
  if (c.uniformAttention !== undefined && typeof c.uniformAttention !== 'boolean') throw new TypeError(`MIMOFormer: uniformAttention must be a boolean, got ${String(c.uniformAttention)}`);
}

/** Hadamard keys a [M, N, D] of a grid: cell (m, n) is row m·N′ + n of hadamardKeys (see MIMOFormerConfig.keys). */
function hadamardGridKeys(M: number, N: number, D: number, generator?: Generator): Tensor {
  const { rows, stride } = hadamardKeyRows(M, N);
  return tidy(() => hadamardKeys(rows, D, { generator }).reshape([M, stride, D]).narrow(1, 0, N).contiguous());
}

const projection = (lin: Linear): Projection => ({ weight: lin.weight, bias: lin.bias! });

/** The per-layer attention: projections, the core of the variant and its fixed buffers (Ω, keys a, residual keys e). */
export class MIMOFormerAttention extends Module {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly out: Linear;

  constructor(readonly config: MIMOFormerConfig, generator?: Generator) {
    super();
    const { dim: d, heads: H, headDim: D, features: R, variant, m: M, n: N } = config;
    const g = { generator };
    this.q = this.registerModule('q', new Linear(d, H * D, g));
    this.k = this.registerModule('k', new Linear(d, H * D, g));
    this.v = this.registerModule('v', new Linear(d, H * D, g));
    this.out = this.registerModule('out', new Linear(H * D, d, g));
    if (variant !== 'softmax') this.registerBuffer('omega', orthogonalRandomFeatures(R, D, generator));
    if (variant === 'att' || variant === 'att-mlp') this.registerBuffer('keys', config.keys === 'hadamard' ? hadamardGridKeys(M, N, D, generator) : bipolarKeys([M, N, D], { generator }));
    if (variant === 'att-mlp') this.registerBuffer('residual_keys', bipolarKeys([M, N, d], { generator }));
    if (config.cleanInit) this.initCrosstalkFree();
  }

  /** Moves q, k, v (outputs) and W_o (inputs) into the crosstalk-free subspace of the Hadamard keys (MIMOFormerConfig.cleanInit). */
  private initCrosstalkFree(): void {
    const { heads: H, headDim: D, dim: d, m: M, n: N } = this.config;
    const B = hadamardKeyRows(M, N).rows;
    // x [..., H·D] along its last dim → its block means over aligned blocks of B coordinates, times √B.
    const clean = (x: Tensor, lead: number[]) => {
      const blocks = x.reshape([...lead, H * (D / B), B]);
      return blocks.mean(-1, true).expand([...lead, H * (D / B), B]).reshape([...lead, H * D]).mul(Math.sqrt(B));
    };
    noGrad(() =>
      tidy(() => {
        for (const lin of [this.q, this.k, this.v]) {
          lin.weight.copy_(clean(lin.weight.t(), [d]).t());
          lin.bias!.copy_(clean(lin.bias!, []));
        }
        this.out.weight.copy_(clean(this.out.weight, [d]));
      }),
    );
  }

  /** The FAVOR+ kernel. */
  get kernel(): FavorKernel {
    return this.config.kernel ?? 'relu';
  }

  /** Ω [R, D] (not for softmax). */
  get omega(): Tensor {
    return this.getBuffer('omega');
  }
  /** The attention keys a [M, N, D] of the full grid (att, att-mlp). */
  get keys(): Tensor {
    return this.getBuffer('keys');
  }
  /** The residual keys e [M, N, d] of the full grid (att-mlp). */
  get residualKeys(): Tensor {
    return this.getBuffer('residual_keys');
  }

  /** The keys' [:m, :n] slice: a [m, n, D]. */
  keysAt(p: GridPoint): Tensor {
    return this.keys.narrow(0, 0, p.m).narrow(1, 0, p.n);
  }
  residualKeysAt(p: GridPoint): Tensor {
    return this.residualKeys.narrow(0, 0, p.m).narrow(1, 0, p.n);
  }

  /**
   * q, k, v [B′, m, n, H, L, D] of x [B, L, d] (already normalised), q and k scaled by 1/√(mn) as
   * the core sees them; mask [B, L] → [B′, m, n, L].
   */
  projectGrid(x: Tensor, mask: Tensor, p: GridPoint): { q: Tensor; k: Tensor; v: Tensor; mask: Tensor } {
    const [B, L] = x.shape;
    const { heads: H, headDim: D } = this.config;
    return tidy(() => {
      const grid = (t: Tensor) => t.reshape([B / (p.m * p.n), p.m, p.n, L, H, D]).permute(0, 1, 2, 4, 3, 5);
      const s = 1 / Math.sqrt(p.m * p.n);
      return { q: grid(this.q.forward(x).mul(s)), k: grid(this.k.forward(x).mul(s)), v: grid(this.v.forward(x)), mask: mask.reshape([B / (p.m * p.n), p.m, p.n, L]) };
    });
  }

  /**
   * The core's output before the output projection, of x [B, L, d] (normalised); mask [B, L] (1 =
   * token) or undefined when nothing is padded. Performer, softmax: [B, L, H·D]; att-mlp: the n
   * bundled streams per group, [B′·n, L, H·D]. (att: see superposed.)
   */
  core(x: Tensor, mask: Tensor | undefined, p: GridPoint): Tensor {
    const [B, L] = x.shape;
    const { heads: H, headDim: D, variant } = this.config;
    return tidy(() => {
      if (variant === 'performer') {
        const [q, k, v] = [this.q, this.k, this.v].map((lin) => lin.forward(x).reshape([B, L, H, D]));
        return performerCore(q, k, v, mask, this.omega, this.kernel);
      }
      if (variant === 'softmax') {
        const heads = (t: Tensor) => t.reshape([B, L, H, D]).transpose(1, 2); // [B, H, L, D]
        const [q, k, v] = [this.q, this.k, this.v].map((lin) => heads(lin.forward(x)));
        return softmaxAttention(q, k, v, mask?.unsqueeze(1).expand([B, H, L])).transpose(1, 2).reshape([B, L, H * D]);
      }
      if (variant === 'att') throw new Error('MIMOFormer: the att core is superposed(), which also unbinds');
      const b = bundledProjections(x, mask, projection(this.q), projection(this.k), projection(this.v), this.keysAt(p), H);
      return blockCore(b, this.omega, this.kernel).reshape([(B / (p.m * p.n)) * p.n, L, H * D]); // [B′, n, L, H, D] → [B′·n, L, H·D]
    });
  }

  /**
   * att: every sequence's attention block output W_o·o_mn + b_o [B, L, d] of x [B, L, d]
   * (normalised), the readout unbound by the keys inside the output projection. With centerValues
   * the value bundles hold the deviations from each sequence's mean value v̄_mn, which is added
   * back here, after unbinding, as W_o·v̄_mn.
   */
  superposed(x: Tensor, mask: Tensor | undefined, p: GridPoint): Tensor {
    return tidy(() => {
      const a = this.keysAt(p);
      const b = bundledProjections(x, mask, projection(this.q), projection(this.k), projection(this.v), a, this.config.heads);
      if (!this.config.centerValues) return unbindingProjection(superposedReadout(b, p.m, this.omega, this.kernel), a, projection(this.out));
      const { readout, meanOut } = this.centeredReadout(b, x, mask, p);
      return unbindingProjection(readout, a, projection(this.out)).add(meanOut.unsqueeze(1));
    });
  }

  /**
   * att's core with value centering: the readout of the bundles b (of x [B, L, d], normalised) with
   * each sequence's bundled mean value v̄_mn = W_v·x̄_mn + b_v taken out of the value bundles, and
   * W_o·v̄_mn [B, d], to add back after unbinding.
   */
  centeredReadout(b: Bundles, x: Tensor, mask: Tensor | undefined, p: GridPoint): { readout: Tensor; meanOut: Tensor } {
    const [B] = x.shape;
    const HD = this.config.heads * this.config.headDim;
    return tidy(() => {
      const vMean = this.v.forward(mask ? maskedMean(x, mask) : x.mean(1)); // v̄ = W_v·x̄ + b_v [B, H·D]
      const centred = centerValueBundles(b, vMean.reshape([B / (p.m * p.n), p.m, p.n, HD]), this.keysAt(p), mask);
      return { readout: superposedReadout(centred, p.m, this.omega, this.kernel), meanOut: vMean.matmul(this.out.weight.t()) };
    });
  }

  /** Σ_m e_mn⊙X_mn: x [B, L, d] → [B′·n, L, d]. */
  superposeResidual(x: Tensor, p: GridPoint): Tensor {
    const [B, L, d] = x.shape;
    return tidy(() => x.reshape([B / (p.m * p.n), p.m, p.n, L, d]).mul(this.residualKeysAt(p).reshape([1, p.m, p.n, 1, d])).sum(1).reshape([(B / (p.m * p.n)) * p.n, L, d]));
  }

  /** X_mn = e_mn⊙X̃_n: x̃ [B′·n, L, d] → [B, L, d] (row order of the input). */
  retrieve(xt: Tensor, p: GridPoint): Tensor {
    const [rows, L, d] = xt.shape;
    const Bp = rows / p.n;
    return tidy(() => xt.reshape([Bp, 1, p.n, L, d]).mul(this.residualKeysAt(p).reshape([1, p.m, p.n, 1, d])).reshape([Bp * p.m * p.n, L, d]));
  }

  /** The attention block's output [B, L, d] (att-mlp: [B′·n, L, d]); mask [B, L] or undefined when nothing is padded. */
  override forward(x: Tensor, mask: Tensor | undefined, p: GridPoint): Tensor {
    return tidy(() => (this.config.variant === 'att' ? this.superposed(x, mask, p) : this.out.forward(this.core(x, mask, p))));
  }
}

/** Called once per layer with the layer's input to the attention (after LN), for probes. */
export type LayerTap = (layer: number, attention: MIMOFormerAttention, normed: Tensor, mask: Tensor) => void;

export class MIMOFormerLayer extends Module {
  readonly norm1: LayerNorm;
  readonly attention: MIMOFormerAttention;
  readonly norm2: LayerNorm;
  readonly ff1: Linear;
  readonly ff2: Linear;
  readonly drop: Dropout;

  constructor(readonly config: MIMOFormerConfig, generator?: Generator) {
    super();
    const g = { generator };
    this.norm1 = this.registerModule('norm1', new LayerNorm(config.dim));
    this.attention = this.registerModule('attention', new MIMOFormerAttention(config, generator));
    this.norm2 = this.registerModule('norm2', new LayerNorm(config.dim));
    this.ff1 = this.registerModule('ff1', new Linear(config.dim, config.ffn, g));
    this.ff2 = this.registerModule('ff2', new Linear(config.ffn, config.dim, g));
    this.drop = this.registerModule('drop', new Dropout(config.dropout));
  }

  private mlp(x: Tensor): Tensor {
    return this.drop.forward(this.ff2.forward(this.drop.forward(F.relu(this.ff1.forward(this.norm2.forward(x))))));
  }

  /** x [B, L, d]; mask [B, L] (1 = token) or undefined when nothing is padded. */
  override forward(x: Tensor, mask: Tensor | undefined, p: GridPoint, tap?: (normed: Tensor) => void): Tensor {
    return tidy(() => {
      const h = this.norm1.forward(x);
      tap?.(h);
      if (this.config.variant !== 'att-mlp') {
        const y = x.add(this.drop.forward(this.attention.forward(h, mask, p)));
        return y.add(this.mlp(y));
      }
      const att = this.attention;
      // Padded positions' hidden states are zeroed before the residual superposition (see the header).
      let xt = this.drop.forward(att.forward(h, mask, p)).add(att.superposeResidual(mask ? x.mul(mask.unsqueeze(2)) : x, p)); // [B′·n, L, d]
      xt = xt.add(this.mlp(xt));
      return att.retrieve(xt, p);
    });
  }
}

export class MIMOFormer extends Module {
  readonly config: MIMOFormerConfig;
  readonly tokenEmbedding: Embedding;
  readonly positionEmbedding: Embedding;
  readonly layers: MIMOFormerLayer[];
  readonly norm: LayerNorm;
  readonly head1: Linear;
  readonly head2: Linear;
  readonly drop: Dropout;

  constructor(config: Partial<MIMOFormerConfig> = {}, generator?: Generator) {
    super();
    const c: MIMOFormerConfig = { ...defaultMIMOFormerConfig, ...config };
    checkMIMOFormerConfig(c);
    if (!c.centerValues) delete c.centerValues; // absent, not false, in the saved config
    if (!c.uniformAttention) delete c.uniformAttention;
    if (c.kernel === 'relu') delete c.kernel;
    if (c.keys === 'random') delete c.keys;
    if (!c.cleanInit) delete c.cleanInit;
    this.config = Object.freeze(c);
    const g = { generator };
    this.tokenEmbedding = this.registerModule('token_embedding', new Embedding(c.vocabSize, c.dim, g));
    this.positionEmbedding = this.registerModule('position_embedding', new Embedding(c.maxLength, c.dim, g));
    this.drop = this.registerModule('drop', new Dropout(c.dropout));
    this.layers = Array.from({ length: c.layers }, (_, i) => this.registerModule(`layer${i}`, new MIMOFormerLayer(this.config, generator)));
    this.norm = this.registerModule('norm', new LayerNorm(c.dim));
    this.head1 = this.registerModule('head1', new Linear(c.dual ? 4 * c.dim : c.dim, c.ffn, g));
    this.head2 = this.registerModule('head2', new Linear(c.ffn, c.classes, g));
    noGrad(() => {
      for (const e of [this.tokenEmbedding, this.positionEmbedding]) e.weight.normal_(0, MIMOFORMER_EMBEDDING_STD, generator);
    });
    if (c.uniformAttention) {
      this.makeAttentionUniform();
      for (const { attention } of this.layers) for (const p of attention.k.parameters()) p.requiresGrad_(false);
    }
  }

  /**
   * Ablation for measurements, in place: every layer's key projection set to zero. φ(k) (and every
   * softmax score) is then the same for each token, so each query weighs its sequence's tokens
   * equally and every attention output becomes the sequence's mean value, W_o·v̄ + b_o: what the model
   * does without its attention patterns. The att variant with centerValues then has no crosstalk at
   * any grid (the mean bypasses the bundles); without centering the other sequences' means still leak.
   */
  makeAttentionUniform(): void {
    noGrad(() => {
      for (const { attention } of this.layers) {
        attention.k.weight.fill_(0);
        attention.k.bias?.fill_(0);
      }
    });
  }

  /** The capacity {m: M, n: N}. */
  get capacity(): GridPoint {
    return { m: this.config.m, n: this.config.n };
  }

  /** Checks an operating point against the capacity (default: the capacity). */
  checkPoint(point?: GridPoint): GridPoint {
    const p = point ?? this.capacity;
    const { m: M, n: N, variant } = this.config;
    for (const k of ['m', 'n'] as const) {
      const v = p[k];
      const cap = k === 'm' ? M : N;
      if (!Number.isInteger(v) || v < 1 || v > cap) {
        const why = cap === 1 && (variant === 'softmax' || variant === 'performer') ? ` (the ${variant} variant has no superposition grid)` : '';
        throw new RangeError(`MIMOFormer: grid ${k} = ${String(v)} must be an integer in 1..${cap}, the model's capacity ${M}×${N}${why}`);
      }
    }
    return { m: p.m, n: p.n };
  }

  /** The padding mask [B, L] (float 0/1) from a mask tensor, lengths, or ids ≠ padId. */
  private toMask(ids: Tensor, mask: Tensor | readonly number[] | undefined): Tensor {
    const [B, L] = ids.shape;
    return tidy(() => {
      if (mask === undefined) return this.config.padId === null ? full([B, L], 1, { device: ids.device }) : ids.ne(this.config.padId).to('float32');
      if (mask instanceof Tensor) {
        if (mask.ndim !== 2 || mask.shape[0] !== B || mask.shape[1] !== L) throw new RangeError(`MIMOFormer: mask must be [${B}, ${L}] like the ids, got [${mask.shape}]`);
        return mask.to('float32');
      }
      if (mask.length !== B || mask.some((n) => !Number.isInteger(n) || n < 0 || n > L)) {
        throw new RangeError(`MIMOFormer: lengths must be ${B} integers in 0..${L}, got [${mask.join(', ')}]`);
      }
      return arange(0, L, 1, { device: ids.device }).unsqueeze(0).lt(tensor([...mask], { dtype: 'int64', device: ids.device }).unsqueeze(1)).to('float32');
    });
  }

  private checkIds(ids: Tensor, p: GridPoint): void {
    const { maxLength } = this.config;
    if (ids.ndim !== 2 || (ids.dtype !== 'int64' && ids.dtype !== 'int32')) throw new RangeError(`MIMOFormer: expected token ids int64 [B, L], got ${ids.dtype} [${ids.shape}]`);
    const [B, L] = ids.shape;
    const g = p.m * p.n;
    if (B === 0 || B % g !== 0) throw new RangeError(`MIMOFormer: the batch of ${B} sequences must be a positive multiple of m·n = ${p.m}·${p.n} = ${g} (the grid ${p.m}×${p.n}); truncate or pad the batch`);
    if (L < 1 || L > maxLength) throw new RangeError(`MIMOFormer: sequence length ${L} must be in 1..maxLength ${maxLength}`);
  }

  /**
   * Checks the ids' range and tells whether the mask pads anything, with one read from the device
   * (one synchronisation per forward pass on a GPU, not three).
   */
  private checkRangeAndPadding(ids: Tensor, w: Tensor): { padded: boolean } {
    const { vocabSize } = this.config;
    const [lo, hi, wMin] = noGrad(() => tidy(() => stack([ids.amin(), ids.amax(), w.amin()].map((t) => t.to('float64'))).toFlatArray()));
    if (lo < 0 || hi >= vocabSize) throw new RangeError(`MIMOFormer: token ids must be in [0, ${vocabSize}), got ids from ${lo} to ${hi}`);
    return { padded: wMin < 1 };
  }

  /**
   * The pooled encodings [B, d] of ids [B, L] at an operating point; `tap` sees each layer's
   * attention input (after LN) and the padding mask (for probes).
   */
  encode(ids: Tensor, mask?: Tensor | readonly number[], point?: GridPoint, tap?: LayerTap): Tensor {
    const p = this.checkPoint(point);
    this.checkIds(ids, p);
    return tidy(() => {
      const L = ids.shape[1];
      const w = this.toMask(ids, mask); // [B, L]
      const { padded } = this.checkRangeAndPadding(ids, w); // the layers skip masking when nothing is padded
      let x = this.drop.forward(this.tokenEmbedding.forward(ids).add(this.positionEmbedding.forward(arange(0, L, 1, { dtype: 'int64', device: ids.device }))));
      this.layers.forEach((layer, i) => {
        x = layer.forward(x, padded ? w : undefined, p, tap ? (h) => tap(i, layer.attention, h, w) : undefined);
      });
      return maskedMean(this.norm.forward(x), w);
    });
  }

  private head(x: Tensor): Tensor {
    return this.head2.forward(F.relu(this.head1.forward(x)));
  }

  /** Logits [B, classes] of ids [B, L] (rows in input order); mask: [B, L] (1 = token), lengths, or ids ≠ padId. */
  override forward(ids: Tensor, mask?: Tensor | readonly number[], point?: GridPoint): Tensor {
    if (this.config.dual) throw new Error('MIMOFormer: this is a dual (two-sequence) model; call forwardPair(ids0, mask0, ids1, mask1, point)');
    return tidy(() => this.head(this.encode(ids, mask, point)));
  }

  /**
   * Dual model: logits [B, classes] for the pairs (ids0[i], ids1[i]). Each side is encoded as its own
   * batch (grouped into grids of m·n rows in order), then the head reads [x0, x1, x0⊙x1, x0−x1].
   */
  forwardPair(ids0: Tensor, mask0: Tensor | readonly number[] | undefined, ids1: Tensor, mask1: Tensor | readonly number[] | undefined, point?: GridPoint): Tensor {
    if (!this.config.dual) throw new Error('MIMOFormer: forwardPair needs a dual model (config.dual = true); call forward(ids, mask, point)');
    if (ids0.shape[0] !== ids1.shape[0]) throw new RangeError(`MIMOFormer: the two sides must have as many sequences, got ${ids0.shape[0]} and ${ids1.shape[0]}`);
    return tidy(() => {
      const x0 = this.encode(ids0, mask0, point);
      const x1 = this.encode(ids1, mask1, point);
      return this.head(cat([x0, x1, x0.mul(x1), x0.sub(x1)], 1));
    });
  }

  /** Multiply-accumulates per input sequence at an operating point (see mimoformer_macs.ts). */
  macs(point?: GridPoint, length: number = this.config.maxLength): MIMOFormerMacs {
    return mimoformerMacs(this.config, this.checkPoint(point), length);
  }
}
