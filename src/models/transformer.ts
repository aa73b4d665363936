// A post-LayerNorm Transformer encoder (the RoBERTa/BERT layer DataMUX's backbone uses):
//
//   x ← LN(x + Dropout(MultiHeadAttention(x)))
//   x ← LN(x + Dropout(W₂ GELU(W₁ x)))
//
// Attention is softmax(QKᵀ/√d_h)V per head, with an optional key padding mask: keys where the mask is
// true get a large negative score, so no query attends to them (a query row whose every key is
// masked attends uniformly instead of producing NaN).
import { F, Tensor, tidy } from '../tensor/index.js';
import { Dropout, LayerNorm, Linear, Module } from '../nn/index.js';
import type { Generator } from '../tensor/index.js';

/** Large negative score given to masked keys (finite, so a fully masked row stays finite). */
const MASKED_SCORE = -1e9;

export interface EncoderConfig {
  dim: number;
  layers: number;
  heads: number;
  ffn: number;
  dropout: number;
}

export class MultiHeadAttention extends Module {
  readonly qkv: Linear;
  readonly out: Linear;
  readonly heads: number;
  readonly dim: number;

  constructor(dim: number, heads: number, generator?: Generator) {
    super();
    if (!Number.isInteger(heads) || heads < 1 || dim % heads !== 0) {
      throw new RangeError(`MultiHeadAttention: heads (${heads}) must be a positive divisor of the width ${dim}`);
    }
    this.dim = dim;
    this.heads = heads;
    this.qkv = this.registerModule('qkv', new Linear(dim, 3 * dim, { generator }));
    this.out = this.registerModule('out', new Linear(dim, dim, { generator }));
  }

  /** x [B, L, d]; keyMask [B, L] bool (true = ignore this key) or undefined → [B, L, d]. */
  override forward(x: Tensor, keyMask?: Tensor): Tensor {
    const [B, L, d] = x.shape;
    const h = this.heads;
    const hd = d / h;
    return tidy(() => {
      const qkv = this.qkv.forward(x).reshape([B, L, 3, h, hd]).permute(2, 0, 3, 1, 4); // [3, B, h, L, hd]
      const [q, k, v] = qkv.unbind(0);
      let scores = q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(hd)); // [B, h, L, L]
      if (keyMask) scores = scores.maskedFill(keyMask.reshape([B, 1, 1, L]), MASKED_SCORE);
      const att = F.softmax(scores, -1).matmul(v); // [B, h, L, hd]
      return this.out.forward(att.permute(0, 2, 1, 3).reshape([B, L, d]));
    });
  }
}

export class EncoderLayer extends Module {
  readonly attention: MultiHeadAttention;
  readonly norm1: LayerNorm;
  readonly ff1: Linear;
  readonly ff2: Linear;
  readonly norm2: LayerNorm;
  readonly drop: Dropout;

  constructor(c: EncoderConfig, generator?: Generator) {
    super();
    this.attention = this.registerModule('attention', new MultiHeadAttention(c.dim, c.heads, generator));
    this.norm1 = this.registerModule('norm1', new LayerNorm(c.dim));
    this.ff1 = this.registerModule('ff1', new Linear(c.dim, c.ffn, { generator }));
    this.ff2 = this.registerModule('ff2', new Linear(c.ffn, c.dim, { generator }));
    this.norm2 = this.registerModule('norm2', new LayerNorm(c.dim));
    this.drop = this.registerModule('drop', new Dropout(c.dropout));
  }

  override forward(x: Tensor, keyMask?: Tensor): Tensor {
    return tidy(() => {
      const a = this.norm1.forward(x.add(this.drop.forward(this.attention.forward(x, keyMask))));
      const f = this.ff2.forward(F.gelu(this.ff1.forward(a)));
      return this.norm2.forward(a.add(this.drop.forward(f)));
    });
  }
}

/** A stack of post-LN encoder layers. */
export class TransformerEncoder extends Module {
  readonly config: EncoderConfig;
  readonly layers: EncoderLayer[];

  constructor(c: EncoderConfig, generator?: Generator) {
    super();
    for (const k of ['dim', 'layers', 'heads', 'ffn'] as const) {
      if (!Number.isInteger(c[k]) || c[k] < 1) throw new RangeError(`TransformerEncoder: ${k} must be a positive integer, got ${c[k]}`);
    }
    if (!(c.dropout >= 0 && c.dropout < 1)) throw new RangeError(`TransformerEncoder: dropout must be in [0, 1), got ${c.dropout}`);
    this.config = c;
    this.layers = Array.from({ length: c.layers }, (_, i) => this.registerModule(`layer${i}`, new EncoderLayer(c, generator)));
  }

  /** x [B, L, d], keyMask [B, L] bool (true = padding) → [B, L, d]. */
  override forward(x: Tensor, keyMask?: Tensor): Tensor {
    return tidy(() => {
      let h = x;
      for (const layer of this.layers) h = layer.forward(h, keyMask);
      return h;
    });
  }

  /** Multiply-accumulates of one sequence of length L: per layer QKV+output 4Ld², scores and mixing 2L²d, FFN 2L·d·ffn. */
  macs(length: number): number {
    const { dim: d, ffn, layers } = this.config;
    const L = length;
    return layers * (4 * L * d * d + 2 * L * L * d + 2 * L * d * ffn);
  }
}
