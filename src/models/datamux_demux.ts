// DataMUX demultiplexers: from the encoder output of one mixed sequence H [B, L', d] back to one
// feature vector per (instance i, position j). Every demux gives token features [B, n, L, d] over
// the content positions (retrieval and token-level tasks) and sentence features [B, n, d] (sentence
// classification). Each holds weights for N instances and uses the first n ≤ N of them.
//
//   index  (DataMUX)  N+1 prefix positions; prefix position i carries instance i's identity and
//                     position N a shared CLS. hⁱ_j = LN(GELU(W[H_i ; H_j])); sentence: j = N.
//   mlp    (DataMUX)  no prefix; instance i's own dense layer: hⁱ_j = LN_i(GELU(W_i drop(H_j)));
//                     sentence: j = 0 (the CLS every instance starts with).
//   rsa    (MUX-PLMs) no prefix; learned keys k_i: hⁱ_j = MLP([k_i ; H_j]), the MLP a
//                     Linear(2d→d)+GELU+LN and then residual Linear+GELU+LN blocks; sentence: j = 0.
//
// W[a ; b] is computed as W_a a + W_b b (the two halves of W's columns): equal to the concatenation,
// without materialising n·L concatenated 2d-vectors.
import { F, Tensor, einsum, empty, noGrad, randn, tidy } from '../tensor/index.js';
import { Dropout, LayerNorm, Linear, Module, init } from '../nn/index.js';
import type { Generator } from '../tensor/index.js';

export type DemuxKind = 'index' | 'mlp' | 'rsa';

export abstract class Demultiplexer extends Module {
  constructor(readonly instances: number, readonly dim: number) {
    super();
  }
  /** Positions in front of the content (N + 1 for index, 0 otherwise). */
  abstract get prefixLength(): number;
  /** Token features [B, n, L, d] of the content positions of H [B, prefix + L, d]. */
  abstract tokens(H: Tensor, n: number): Tensor;
  /** Sentence features [B, n, d]. */
  abstract sentence(H: Tensor, n: number): Tensor;
  /** Multiply-accumulates per mixed row: token features of L content positions, or sentence features. */
  abstract macs(n: number, length: number, level: 'token' | 'sentence'): number;
  /** forward(H, n) = tokens(H, n). */
  override forward(H: Tensor, n: number = this.instances): Tensor {
    return this.tokens(H, n);
  }
}

/** y = W_a a + W_b b + bias for W = lin.weight [d, 2d]: a [..., d] and b [..., d] broadcast together. */
function pairLinear(lin: Linear, a: Tensor, b: Tensor): Tensor {
  const d = lin.outFeatures;
  return tidy(() => F.linear(a, lin.weight.narrow(1, 0, d), lin.bias).add(F.linear(b, lin.weight.narrow(1, d, d))));
}

/** DataMUX's index demux (prefix of N+1 tokens). */
export class IndexDemux extends Demultiplexer {
  readonly pair: Linear;
  readonly norm: LayerNorm;

  constructor(instances: number, dim: number, generator?: Generator) {
    super(instances, dim);
    this.pair = this.registerModule('pair', new Linear(2 * dim, dim, { generator }));
    this.norm = this.registerModule('norm', new LayerNorm(dim));
  }
  get prefixLength(): number {
    return this.instances + 1;
  }
  /** hⁱ_j for the n index positions i against positions `at` [B, L, d]. */
  private features(H: Tensor, n: number, at: Tensor): Tensor {
    return tidy(() => {
      const idx = H.narrow(1, 0, n).unsqueeze(2); // [B, n, 1, d]
      return this.norm.forward(F.gelu(pairLinear(this.pair, idx, at.unsqueeze(1)))); // [B, n, L, d]
    });
  }
  tokens(H: Tensor, n: number): Tensor {
    const P = this.prefixLength;
    return tidy(() => this.features(H, n, H.narrow(1, P, H.shape[1] - P)));
  }
  sentence(H: Tensor, n: number): Tensor {
    return tidy(() => this.features(H, n, H.narrow(1, this.instances, 1)).squeeze(2));
  }
  macs(n: number, length: number, level: 'token' | 'sentence'): number {
    const d = this.dim;
    return n * d * d + (level === 'token' ? length : 1) * d * d + (level === 'token' ? n * length * d : n * d);
  }
}

/** DataMUX's MLP demux: one dense layer and LayerNorm per instance. */
export class MLPDemux extends Demultiplexer {
  readonly drop: Dropout;

  constructor(instances: number, dim: number, dropout: number, generator?: Generator) {
    super(instances, dim);
    const w = empty([instances, dim, dim]);
    const b = empty([instances, dim]);
    noGrad(() => {
      const bound = 1 / Math.sqrt(dim);
      init.uniform_(w, -bound, bound, generator); // torch Linear's default range, per instance
      init.uniform_(b, -bound, bound, generator);
    });
    this.registerParameter('weight', w);
    this.registerParameter('bias', b);
    this.registerParameter('norm_weight', noGrad(() => empty([instances, dim]).fill_(1)));
    this.registerParameter('norm_bias', noGrad(() => empty([instances, dim]).zero_()));
    this.drop = this.registerModule('drop', new Dropout(dropout));
  }
  get prefixLength(): number {
    return 0;
  }
  tokens(H: Tensor, n: number): Tensor {
    return tidy(() => {
      const first = (name: string) => this.getParameter(name).narrow(0, 0, n);
      const y = einsum('bld,ned->bnle', this.drop.forward(H), first('weight')).add(first('bias').unsqueeze(1)); // [B, n, L, d]
      const z = F.layerNorm(F.gelu(y), [this.dim]);
      return z.mul(first('norm_weight').unsqueeze(1)).add(first('norm_bias').unsqueeze(1));
    });
  }
  sentence(H: Tensor, n: number): Tensor {
    return tidy(() => this.tokens(H.narrow(1, 0, 1), n).squeeze(2));
  }
  macs(n: number, length: number, level: 'token' | 'sentence'): number {
    return n * (level === 'token' ? length : 1) * this.dim * this.dim;
  }
}

/** MUX-PLMs' RSA demux: learned instance keys, an MLP over [k_i ; h_j]. */
export class RSADemux extends Demultiplexer {
  readonly first: Linear;
  readonly firstNorm: LayerNorm;
  readonly blocks: Linear[];
  readonly blockNorms: LayerNorm[];

  constructor(instances: number, dim: number, layers: number, generator?: Generator) {
    super(instances, dim);
    if (!Number.isInteger(layers) || layers < 1) throw new RangeError(`RSADemux: layers must be a positive integer, got ${layers}`);
    this.registerParameter('keys', randn([instances, dim], { generator }));
    this.first = this.registerModule('first', new Linear(2 * dim, dim, { generator }));
    this.firstNorm = this.registerModule('first_norm', new LayerNorm(dim));
    this.blocks = Array.from({ length: layers - 1 }, (_, i) => this.registerModule(`block${i}`, new Linear(dim, dim, { generator })));
    this.blockNorms = Array.from({ length: layers - 1 }, (_, i) => this.registerModule(`block${i}_norm`, new LayerNorm(dim)));
  }
  get prefixLength(): number {
    return 0;
  }
  /** The instance keys [N, d]. */
  get keys(): Tensor {
    return this.getParameter('keys');
  }
  tokens(H: Tensor, n: number): Tensor {
    return tidy(() => {
      const k = this.keys.narrow(0, 0, n).reshape([1, n, 1, this.dim]);
      let x = this.firstNorm.forward(F.gelu(pairLinear(this.first, k, H.unsqueeze(1)))); // [B, n, L, d]
      this.blocks.forEach((lin, i) => (x = this.blockNorms[i].forward(x.add(F.gelu(lin.forward(x))))));
      return x;
    });
  }
  sentence(H: Tensor, n: number): Tensor {
    return tidy(() => this.tokens(H.narrow(1, 0, 1), n).squeeze(2));
  }
  macs(n: number, length: number, level: 'token' | 'sentence'): number {
    const d = this.dim;
    const L = level === 'token' ? length : 1;
    return n * d * d + L * d * d + this.blocks.length * n * L * d * d;
  }
}
