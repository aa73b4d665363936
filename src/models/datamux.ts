// DataMUX (Murahari et al., NeurIPS 2022): a Transformer that processes N sentences in one pass.
//
//   ids        n consecutive rows form one mix                           [B·n, L] → [B, n, L]
//   prefix     (index demux) N+1 tokens in front of each instance: ε_i at slot i, pad elsewhere,
//              a shared CLS at slot N                                    → [B, n, L' = N+1+L]
//   embed      token + position embeddings, LayerNorm, dropout, per instance → [B, n, L', d]
//   mux        φⁱ per instance (Gaussian Hadamard / random orthogonal / binary Hadamard), combined
//              position by position                                      → [B, L', d]
//   re-embed   + shared position embedding, LayerNorm, dropout (the reference passes the mix through
//              the backbone's embedding block a second time)
//   encoder    post-LN Transformer                                      → H [B, L', d]
//   demux      index / mlp / rsa (datamux_demux.ts)                      → [B, n, (L,) d]
//   head       sentence: Linear → GELU → Linear(d, C)                    → [B·n, C]
//              token:    Linear(d, C)                                    → [B·n, L, C]
//   retrieval  (training) Linear(d, V) on instance I_j's features at each content position j, I_j
//              drawn uniformly from the n instances; target: instance I_j's token at j.
//
// Padding. maskPadding: true (default) zeroes every instance's padding embeddings before the mux (a
// padded position contributes nothing to the mix) and masks, as attention keys, the mixed positions
// where all n instances are padding. maskPadding: false is the reference's behaviour: padding
// tokens are embedded and mixed like words and nothing is masked.
//
// Operating points. The weights hold N instances (mux transforms, prefix tokens, demux weights);
// forward(ids, n) uses the first n ≤ N of them, so one model serves every n ≤ N (with the index
// prefix still N+1 long; slots n..N−1 are padding). Every mux/demux combination allows it; it
// gives sensible outputs at n ≠ N only for a model trained at those n (see train/datamux.ts).
import { F, Tensor, arange, cat, einsum, noGrad, randint, stack, tensor, tidy } from '../tensor/index.js';
import type { Generator } from '../tensor/index.js';
import { Dropout, Embedding, LayerNorm, Linear, Module, maskedMean } from '../nn/index.js';
import { BinaryHadamard, GaussianHadamard, RandomOrthogonal } from '../superposition/index.js';
import type { Multiplexer } from '../superposition/index.js';
import { TransformerEncoder } from './transformer.js';
import { IndexDemux, MLPDemux, RSADemux } from './datamux_demux.js';
import type { DemuxKind, Demultiplexer } from './datamux_demux.js';

export type MuxKind = 'gaussian' | 'orthogonal' | 'binary';
export type TaskLevel = 'sentence' | 'token';
export type SentencePooling = 'cls' | 'mean';
export const SENTENCE_POOLINGS: readonly SentencePooling[] = ['cls', 'mean'];
export const MUX_KINDS: readonly MuxKind[] = ['gaussian', 'orthogonal', 'binary'];
export const DEMUX_KINDS: readonly DemuxKind[] = ['index', 'mlp', 'rsa'];
export const MAX_INSTANCES = 40;
/** Standard deviation of the initial embeddings (RoBERTa's initializer_range). */
export const EMBEDDING_STD = 0.02;

export interface DataMUXConfig {
  /** Word vocabulary size V (ids 0..V−1; the index prefix tokens get ids of their own after V). */
  vocabSize: number;
  /** The padding id (masked, and ignored by the retrieval loss). */
  padId: number;
  /** Longest content sequence L (the position table holds L plus the prefix). */
  maxLength: number;
  /** N, 1..40: instances per mix. */
  instances: number;
  dim: number;
  layers: number;
  heads: number;
  ffn: number;
  dropout: number;
  mux: MuxKind;
  /** Train the mux transforms (learn_muxing). */
  learnMux: boolean;
  /** ‖vⁱ‖ of the Gaussian Hadamard vectors. */
  muxNorm: number;
  demux: DemuxKind;
  /** Layers of the RSA demux MLP (the first included). */
  demuxLayers: number;
  task: TaskLevel;
  classes: number;
  maskPadding: boolean;
  /**
   * Sentence features of each instance: 'cls' = the demux's own choice (index: the prefix CLS slot;
   * mlp, rsa: position 0), the reference's; 'mean' = the mean of the instance's token features over
   * its non-padding content positions (the features the retrieval loss trains).
   */
  pooling: SentencePooling;
}

/** The CPU default: 2 layers, d = 128, 4 heads, FFN 512, L = 64, N = 2, Gaussian Hadamard + index. */
export const defaultDataMUXConfig: DataMUXConfig = Object.freeze({
  vocabSize: 16000, padId: 0, maxLength: 64, instances: 2, dim: 128, layers: 2, heads: 4, ffn: 512, dropout: 0.1,
  mux: 'gaussian', learnMux: false, muxNorm: Math.sqrt(128), demux: 'index', demuxLayers: 2, task: 'sentence', classes: 2, maskPadding: true, pooling: 'cls',
}) as DataMUXConfig;

/** The paper's backbone: RoBERTa-base shape (12 layers, d = 768, 12 heads, FFN 3072), L = 128. */
export const paperDataMUXConfig: Partial<DataMUXConfig> = Object.freeze({ dim: 768, layers: 12, heads: 12, ffn: 3072, maxLength: 128, muxNorm: 20 });

export interface DataMUXOutput {
  /** Task logits: [B·n, C] (sentence) or [B·n, L, C] (token), rows in input order. */
  logits: Tensor;
  /** With retrieval: logits [K, V] of the sampled instance at each of the K content positions whose target is not padding. */
  retrievalLogits?: Tensor;
  /** With retrieval: the K target tokens. */
  retrievalTargets?: Tensor;
}

function checkConfig(c: DataMUXConfig): void {
  const ints: (keyof DataMUXConfig)[] = ['vocabSize', 'maxLength', 'instances', 'dim', 'layers', 'heads', 'ffn', 'demuxLayers', 'classes'];
  for (const k of ints) {
    const v = c[k];
    if (!Number.isInteger(v) || (v as number) < 1) throw new RangeError(`DataMUX: ${k} must be a positive integer, got ${String(v)}`);
  }
  if (c.instances > MAX_INSTANCES) throw new RangeError(`DataMUX: instances N must be in 1..${MAX_INSTANCES}, got ${c.instances}`);
  if (!Number.isInteger(c.padId) || c.padId < 0 || c.padId >= c.vocabSize) throw new RangeError(`DataMUX: padId must be in [0, ${c.vocabSize}), got ${c.padId}`);
  if (!MUX_KINDS.includes(c.mux)) throw new RangeError(`DataMUX: mux must be one of ${MUX_KINDS.join(', ')}, got '${String(c.mux)}'`);
  if (!DEMUX_KINDS.includes(c.demux)) throw new RangeError(`DataMUX: demux must be one of ${DEMUX_KINDS.join(', ')}, got '${String(c.demux)}'`);
  if (c.task !== 'sentence' && c.task !== 'token') throw new RangeError(`DataMUX: task must be 'sentence' or 'token', got '${String(c.task)}'`);
  if (c.mux === 'binary' && c.dim < c.instances) throw new RangeError(`DataMUX: the binary Hadamard mux needs dim ≥ N, got dim ${c.dim}, N ${c.instances}`);
  if (!SENTENCE_POOLINGS.includes(c.pooling)) throw new RangeError(`DataMUX: pooling must be one of ${SENTENCE_POOLINGS.join(', ')}, got '${String(c.pooling)}'`);
  for (const k of ['learnMux', 'maskPadding'] as const) if (typeof c[k] !== 'boolean') throw new TypeError(`DataMUX: ${k} must be a boolean, got ${String(c[k])}`);
}

export class DataMUX extends Module {
  readonly config: DataMUXConfig;
  readonly tokenEmbedding: Embedding;
  readonly positionEmbedding: Embedding;
  readonly embeddingNorm: LayerNorm;
  readonly multiplexer: Multiplexer;
  readonly mixPosition: Embedding;
  readonly mixNorm: LayerNorm;
  readonly encoder: TransformerEncoder;
  readonly demultiplexer: Demultiplexer;
  readonly head: Linear[];
  readonly retrievalHead: Linear;
  readonly drop: Dropout;

  constructor(config: Partial<DataMUXConfig> = {}, generator?: Generator) {
    super();
    const c: DataMUXConfig = { ...defaultDataMUXConfig, muxNorm: Math.sqrt(config.dim ?? defaultDataMUXConfig.dim), ...config };
    checkConfig(c);
    this.config = Object.freeze(c);
    const { instances: N, dim: d } = c;
    const g = { generator };
    // Index demux: ids V..V+N−1 are the index tokens ε_i, V+N the prefix CLS.
    const extra = c.demux === 'index' ? N + 1 : 0;
    this.tokenEmbedding = this.registerModule('token_embedding', new Embedding(c.vocabSize + extra, d, g));
    this.positionEmbedding = this.registerModule('position_embedding', new Embedding(this.totalLength, d, g));
    this.embeddingNorm = this.registerModule('embedding_norm', new LayerNorm(d));
    const mo = { learnable: c.learnMux, generator };
    this.multiplexer = this.registerModule(
      'mux',
      c.mux === 'gaussian' ? new GaussianHadamard(N, d, { ...mo, norm: c.muxNorm }) : c.mux === 'orthogonal' ? new RandomOrthogonal(N, d, mo) : new BinaryHadamard(N, d, mo),
    );
    this.mixPosition = this.registerModule('mix_position', new Embedding(this.totalLength, d, g));
    this.mixNorm = this.registerModule('mix_norm', new LayerNorm(d));
    this.encoder = this.registerModule('encoder', new TransformerEncoder(c, generator));
    this.demultiplexer = this.registerModule(
      'demux',
      c.demux === 'index' ? new IndexDemux(N, d, generator) : c.demux === 'mlp' ? new MLPDemux(N, d, c.dropout, generator) : new RSADemux(N, d, c.demuxLayers, generator),
    );
    this.head =
      c.task === 'sentence'
        ? [this.registerModule('head_dense', new Linear(d, d, g)), this.registerModule('head_out', new Linear(d, c.classes, g))]
        : [this.registerModule('head_out', new Linear(d, c.classes, g))];
    this.retrievalHead = this.registerModule('retrieval_head', new Linear(d, c.vocabSize, g));
    this.drop = this.registerModule('drop', new Dropout(c.dropout));
    // Embeddings start from N(0, 0.02²) (RoBERTa's initializer_range) rather than torch's N(0, 1):
    // measured on SST-2 at N = 2 (1 layer, d = 64, 500 steps), dev accuracy 74 % against 50 % (the
    // majority class) with N(0, 1).
    noGrad(() => {
      for (const e of [this.tokenEmbedding, this.positionEmbedding, this.mixPosition]) e.weight.normal_(0, EMBEDDING_STD, generator);
    });
  }

  /** Prefix length (N+1 for the index demux, else 0). */
  get prefixLength(): number {
    return this.config.demux === 'index' ? this.config.instances + 1 : 0;
  }
  /** Rows of the position tables: maxLength + prefix. */
  get totalLength(): number {
    return this.config.maxLength + (this.config.demux === 'index' ? this.config.instances + 1 : 0);
  }

  private checkN(n: number): void {
    const N = this.config.instances;
    if (!Number.isInteger(n) || n < 1 || n > N) throw new RangeError(`DataMUX: n = ${String(n)} must be an integer in 1..N = ${N} (the instances the model was built for)`);
  }

  private checkIds(ids: Tensor, n: number): void {
    const { maxLength, vocabSize } = this.config;
    if (ids.ndim !== 2 || ids.dtype !== 'int64') throw new RangeError(`DataMUX: expected token ids int64 [B·n, L], got ${ids.dtype} [${ids.shape}]`);
    const [rows, L] = ids.shape;
    if (rows === 0 || rows % n !== 0) throw new RangeError(`DataMUX: the number of sequences ${rows} must be a positive multiple of n = ${n}; truncate or pad the batch`);
    if (L < 1 || L > maxLength) throw new RangeError(`DataMUX: sequence length ${L} is beyond the position table (maxLength ${maxLength}); cut the sequences or build the model with a larger maxLength`);
    const [lo, hi] = noGrad(() => tidy(() => stack([ids.amin(), ids.amax()]).toFlatArray())); // one read from the device
    if (lo < 0 || hi >= vocabSize) throw new RangeError(`DataMUX: token ids must be in [0, ${vocabSize}), got ids from ${lo} to ${hi}`);
  }

  /** The ids with the index prefix in front (index demux): [B·n, N+1+L]. */
  private withPrefix(ids: Tensor, n: number): Tensor {
    const { instances: N, vocabSize: V, padId } = this.config;
    const rows = ids.shape[0];
    return tidy(() => {
      const prefix = new Int32Array(n * (N + 1)).fill(padId);
      for (let i = 0; i < n; i++) {
        prefix[i * (N + 1) + i] = V + i; // ε_i at slot i
        prefix[i * (N + 1) + N] = V + N; // the shared CLS
      }
      const p = intTensor(prefix, [n, N + 1], ids.device).repeat(rows / n, 1);
      return cat([p, ids], 1);
    });
  }

  /** The mixed encoder output H [B, L', d] and the key mask [B, L'] (undefined when maskPadding is off). */
  encode(ids: Tensor, n: number = this.config.instances): { H: Tensor; keyMask?: Tensor } {
    this.checkN(n);
    this.checkIds(ids, n);
    const c = this.config;
    return tidy(() => {
      const full = this.prefixLength > 0 ? this.withPrefix(ids, n) : ids; // [B·n, L']
      const [rows, L] = full.shape;
      const B = rows / n;
      const positions = arange(0, L, 1, { dtype: 'int64', device: full.device });
      let e = this.drop.forward(this.embeddingNorm.forward(this.tokenEmbedding.forward(full).add(this.positionEmbedding.forward(positions)))); // [B·n, L', d]
      let keyMask: Tensor | undefined;
      if (c.maskPadding) {
        const isPad = full.eq(c.padId); // [B·n, L']
        e = e.mul(isPad.logicalNot().unsqueeze(2).to(e.dtype));
        keyMask = isPad.reshape([B, n, L]).logicalNot().sum(1).eq(0); // every instance is padding here
      }
      const mixed = this.mux(e.reshape([B, n, L, c.dim]), n); // [B, L', d]
      const x = this.drop.forward(this.mixNorm.forward(mixed.add(this.mixPosition.forward(positions))));
      const H = this.encoder.forward(x, keyMask);
      return keyMask ? { H, keyMask } : { H };
    });
  }

  /** The multiplexer applied with its first n instance transforms: x [B, n, L, d] → [B, L, d]. */
  private mux(x: Tensor, n: number): Tensor {
    const m = this.multiplexer;
    if (n === m.instances) return m.forward(x);
    return tidy(() => {
      const t = m.instanceEmbedding.narrow(0, 0, n);
      if (m instanceof RandomOrthogonal) return einsum('ied,bild->ble', t, x).div(Math.sqrt(n));
      return x.mul(t.unsqueeze(1)).mean(1);
    });
  }

  /**
   * ids int64 [B·n, L] (row b·n + i is instance i of mix b) → task logits in input order, and with
   * `retrieval` the retrieval logits and targets (instances drawn with `generator`).
   */
  run(ids: Tensor, n: number = this.config.instances, o: { retrieval?: boolean; generator?: Generator } = {}): DataMUXOutput {
    return tidy(() => {
      const { H } = this.encode(ids, n);
      const [rows, L] = ids.shape;
      const B = rows / n;
      const C = this.config.classes;
      const dm = this.demultiplexer;
      const mean = this.config.task === 'sentence' && this.config.pooling === 'mean';
      const needTokens = this.config.task === 'token' || o.retrieval || mean;
      const tokens = needTokens ? dm.tokens(H, n) : undefined; // [B, n, L, d]
      let logits: Tensor;
      if (this.config.task === 'sentence') {
        const s = mean ? maskedMean(tokens!, ids.reshape([B, n, L]).ne(this.config.padId)) : dm.sentence(H, n); // [B, n, d]
        logits = this.head[1].forward(this.drop.forward(F.gelu(this.head[0].forward(s)))).reshape([rows, C]);
      } else logits = this.head[0].forward(tokens!).reshape([rows, L, C]);
      if (!o.retrieval) return { logits };
      const d = this.config.dim;
      const pick = randint(0, n, [B, 1, L], { generator: o.generator }).to(ids.device); // I_j per mix and position (drawn on the CPU: the same on every device)
      const feats = tokens!.gather(1, pick.unsqueeze(3).expand([B, 1, L, d])).reshape([B * L, d]);
      const tok = ids.reshape([B, n, L]).gather(1, pick).reshape([B * L]);
      // Decode only the positions whose target is a word (padding targets are ignored anyway): the
      // vocabulary projection is the largest matrix of the model.
      const valid = tok.ne(this.config.padId);
      const k = valid.sum().item();
      if (k === 0) return { logits, retrievalLogits: this.retrievalHead.forward(feats.narrow(0, 0, 0)), retrievalTargets: tok.narrow(0, 0, 0) };
      const wordRows = valid.to('float32').sort(0, true).indices.narrow(0, 0, k);
      return { logits, retrievalLogits: this.retrievalHead.forward(feats.indexSelect(0, wordRows)), retrievalTargets: tok.indexSelect(0, wordRows) };
    });
  }

  /** Task logits of ids [B·n, L] at operating point n (default N), rows in input order. */
  override forward(ids: Tensor, n: number = this.config.instances): Tensor {
    return this.run(ids, n).logits;
  }

  /**
   * Multiply-accumulates per input sequence of content length L at operating point n:
   * [mux + encoder(L') + demux + head(s)] / n, with L' = L + prefix. Embedding lookups cost none;
   * the retrieval head (training only) is not counted.
   */
  macsPerInput(n: number = this.config.instances, length: number = this.config.maxLength): number {
    this.checkN(n);
    const { dim: d, classes: C, task, mux } = this.config;
    const Lp = length + this.prefixLength;
    const muxMacs = mux === 'orthogonal' ? n * Lp * d * d : n * Lp * d;
    const enc = this.encoder.macs(Lp);
    const dem = this.demultiplexer.macs(n, length, task === 'sentence' && this.config.pooling === 'mean' ? 'token' : task);
    const head = task === 'sentence' ? n * (d * d + d * C) : n * length * d * C;
    return (muxMacs + enc + dem + head) / n;
  }
}

function intTensor(values: Int32Array, shape: number[], device: string): Tensor {
  return tensor(Array.from(values), { shape, dtype: 'int64', device });
}
