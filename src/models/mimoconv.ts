// MIMOConv (Menet et al., MIMONets, NeurIPS 2023): a WideResNet that classifies n images in one pass.
//
//   stem     conv3×3 → BN → ReLU, once per image                          [B, 3, H, W] → [B, C, H, W]
//   group    n consecutive images per group                               → [G, n, C, H, W],  G = B/n
//   repeat   tile the n inputs over the cap slots (slot j holds input j mod n, r = cap/n replicas)
//   bind     slot j's channel vector ⊛ key k_j at every pixel (position-wise HRR; or MBAT M_j; or none)
//   sum      superpose the cap bound slots (no 1/cap: the next pre-activation BN absorbs the scale)
//   trunk    WideResNet body, once per group                              → [G, 64k, H/4, W/4]
//   pool     global average                                               → [G, 64k]
//   unbind   Linear(64k, cap·64k) → ReLU, viewed [G, r, n, 64k], mean over the r replicas → [B, 64k]
//   head     one shared Linear(64k, classes)                              → [B, classes]
//
// Repeat, bind and sum run as one linear map. Binding is linear in each slot and summation adds the
// slots, so Σ_j B_j x_{j mod n} = Σ_i (Σ_{j ≡ i mod n} B_j) x_i: the r replicas' binding maps are
// summed first (for HRR the keys themselves, since the circulant is linear in the key), and the n
// inputs of a group, laid side by side as n·C channels (a free reshape of the stem output), go
// through one 1×1 convolution with the weight [C, n·C] = [M_0 | … | M_{n−1}]. This equals the
// slot-by-slot computation (tested against it) with no slot copies and n, not cap, C×C products per
// pixel. Above 128 channels HRR binds the n folded keys by FFT instead.
import { F, Generator, Tensor, noGrad, tidy, zeros } from '../tensor/index.js';
import { BatchNorm2d, Linear, Module, isometryPenalty } from '../nn/index.js';
import { CIRCULANT_MAX_CHANNELS, MBAT, PositionWiseHRR, averageReplicas, bind as hrrBind, circulant, groupInputs, keyRegularizer } from '../superposition/index.js';
import {
  Activation, Stem, WideResNetDepth, WideResNetTrunk, checkWideResNetFields, globalAvgPool, linearMacs, preluParameters,
} from './wideresnet.js';

export type Binding = 'hrr' | 'mbat' | 'none';

export interface MIMOConvConfig {
  /** 3 for CIFAR-10, 1 for MNIST. */
  inChannels: number;
  classes: number;
  /** WideResNet depth: blocks per stage [1,1,1], [2,2,2], [4,4,4]. */
  depth: WideResNetDepth;
  /** Widening factor k: stage widths 16k, 32k, 64k. */
  width: number;
  /** Stem width C = 16·initialWidth (MIMONets: initial_width 4 → C = 64). */
  initialWidth: number;
  /** Superposition capacity (slots). */
  cap: number;
  /** 'hrr' = position-wise HRR (default), 'mbat' = one C×C matrix per slot, 'none' = plain sum. */
  binding: Binding;
  activation: Activation;
  trainableKeys: boolean;
  /**
   * One set of BatchNorm running statistics per operating point in the trunk (affine weights stay
   * shared). The trunk's input distribution depends on n: at n = 1 a superposition holds one image
   * repeated cap times, at n = cap it holds cap different images, so a single set of running
   * statistics averages two distributions and fits neither (measured on MNIST: 41 % at n = 1 in
   * eval mode against 86 % with batch statistics, docs/results.md). Default true; false keeps
   * PyTorch's single set (checkpoints from before this option).
   */
  normPerPoint: boolean;
}

/** WRN-16-4, cap 4, position-wise HRR, PReLU, initialWidth 4, CIFAR-10. */
export const defaultMIMOConvConfig: MIMOConvConfig = Object.freeze({
  inChannels: 3, classes: 10, depth: 16, width: 4, initialWidth: 4, cap: 4, binding: 'hrr', activation: 'prelu', trainableKeys: true, normPerPoint: true,
}) as MIMOConvConfig;

function divisors(m: number): number[] {
  return Array.from({ length: m }, (_, i) => i + 1).filter((d) => m % d === 0);
}

/** The trunk BatchNorms' statistics set of operating point n (buffers running_mean_n4, ...). */
const statisticsSet = (n: number) => `n${n}`;

/** The parts of MIMOConv's cost at one operating point, in multiply-accumulates. */
export interface MIMOConvMacs {
  /** Per image: stem convolution. */
  stem: number;
  /** Per image: the shared classifier. */
  head: number;
  /** Per group: binding and superposition as computed (n folded C×C maps per pixel; 0 for 'none'). */
  bind: number;
  /** Per group: the same done slot by slot (cap C×C maps per pixel), the digest's cap·c_bind, for comparison. */
  bindPerSlot: number;
  /** Per group: every trunk convolution. */
  trunk: number;
  /** Per group: the unbinding Linear(W, cap·W). */
  unbind: number;
  /** Per input image: [n(stem + head) + bind + trunk + unbind] / n. */
  perInput: number;
}

/**
 * MIMOConv. One set of weights serves every operating point n | cap: n images share one trunk pass
 * (speed about n×); n < cap repeats each image over r = cap/n slots and averages the r unbound
 * replicas (an in-network ensemble). Switch with `model.n = …` or per call with forward(x, n).
 */
export class MIMOConv extends Module {
  readonly config: MIMOConvConfig;
  readonly stem: Stem;
  /** PositionWiseHRR or MBAT (state-dict name `bind.keys`); undefined for binding 'none'. */
  readonly binder?: PositionWiseHRR | MBAT;
  readonly trunk: WideResNetTrunk;
  readonly unbinder: Linear;
  readonly head: Linear;
  /** Stem width C. */
  readonly channels: number;
  private nNow: number;
  /** The trunk's BatchNorms (their statistics set follows the operating point when normPerPoint). */
  private readonly trunkNorms: BatchNorm2d[];

  constructor(config: Partial<MIMOConvConfig> = {}, generator?: Generator) {
    super();
    const c: MIMOConvConfig = { ...defaultMIMOConvConfig, ...config };
    checkWideResNetFields(c, 'MIMOConv');
    if (!Number.isInteger(c.cap) || c.cap < 1) throw new RangeError(`MIMOConv: cap must be a positive integer, got ${c.cap}`);
    if (!['hrr', 'mbat', 'none'].includes(c.binding)) throw new RangeError(`MIMOConv: binding must be 'hrr', 'mbat' or 'none', got '${String(c.binding)}'`);
    if (typeof c.trainableKeys !== 'boolean') throw new TypeError(`MIMOConv: trainableKeys must be a boolean, got ${String(c.trainableKeys)}`);
    if (typeof c.normPerPoint !== 'boolean') throw new TypeError(`MIMOConv: normPerPoint must be a boolean, got ${String(c.normPerPoint)}`);
    this.config = Object.freeze(c);
    const C = (this.channels = 16 * c.initialWidth);
    this.stem = this.registerModule('stem', new Stem(c.inChannels, C, generator));
    if (c.binding === 'hrr') this.binder = this.registerModule('bind', new PositionWiseHRR(c.cap, C, { trainable: c.trainableKeys, generator }));
    // MIMOConv's MBAT is a grouped 1×1 conv: PyTorch's default init, U(±1/√C).
    if (c.binding === 'mbat') this.binder = this.registerModule('bind', new MBAT(c.cap, C, { trainable: c.trainableKeys, init: 'uniform', generator }));
    const norm = c.normPerPoint ? { statisticsSets: divisors(c.cap).map(statisticsSet) } : {};
    this.trunk = this.registerModule('trunk', new WideResNetTrunk(C, c.depth, c.width, c.activation, generator, norm));
    this.trunkNorms = this.trunk.modules().filter((m): m is BatchNorm2d => m instanceof BatchNorm2d);
    const W = this.trunk.outChannels;
    this.unbinder = this.registerModule('unbind', new Linear(W, c.cap * W, { generator }));
    this.head = this.registerModule('head', new Linear(W, c.classes, { generator }));
    this.nNow = c.cap;
  }

  /** The operating point: inputs superposed per trunk pass (default cap). Changing it touches no weight. */
  get n(): number {
    return this.nNow;
  }
  set n(v: number) {
    this.checkN(v);
    this.nNow = v;
  }

  private checkN(n: number): void {
    const cap = this.config.cap;
    if (!Number.isInteger(n) || n < 1 || cap % n !== 0) {
      throw new RangeError(`MIMOConv: n = ${String(n)} must divide the capacity cap = ${cap} (n in {${divisors(cap).join(', ')}})`);
    }
  }

  /** The binding keys ([cap, C] for HRR, [cap, C, C] for MBAT), or undefined for 'none'. */
  get keys(): Tensor | undefined {
    return this.binder?.keys;
  }

  /** x [B, inChannels, H, W] float32 → logits [B, classes], in input order. B must be a multiple of n. */
  override forward(x: Tensor, n: number = this.nNow): Tensor {
    this.checkN(n);
    const { inChannels } = this.config;
    if (x.ndim !== 4 || x.shape[1] !== inChannels) throw new RangeError(`MIMOConv: expected images [B, ${inChannels}, H, W], got [${x.shape}]`);
    if (x.shape[0] % n !== 0 || x.shape[0] === 0) {
      throw new RangeError(`MIMOConv: the batch size ${x.shape[0]} must be a positive multiple of n = ${n}; truncate or pad the batch`);
    }
    if (this.config.normPerPoint) for (const bn of this.trunkNorms) bn.statistics = statisticsSet(n);
    return tidy(() => {
      const s = this.superpose(this.stem.forward(x), n); // [G, C, H, W]
      const pooled = globalAvgPool(this.trunk.forward(s)); // [G, W]
      const W = pooled.shape[1];
      const slots = this.unbinder.forward(pooled).relu().reshape([pooled.shape[0], this.config.cap, W]); // [G, cap, W]
      const perInput = averageReplicas(slots, n).reshape([x.shape[0], W]); // [B, W]
      return this.head.forward(perInput);
    });
  }

  /** Repeat + bind + sum as one map (see the file's header): h [B, C, H, W] → [B/n, C, H, W]. */
  superpose(h: Tensor, n: number): Tensor {
    const [B, C, H, W] = h.shape;
    const { cap, binding } = this.config;
    const r = cap / n;
    return tidy(() => {
      if (binding === 'none') {
        const sum = groupInputs(h, n).sum(1);
        return r === 1 ? sum : sum.mul(r);
      }
      if (binding === 'hrr' && C > CIRCULANT_MAX_CHANNELS) return hrrBind(groupInputs(h, n), this.foldedKeys(n), 2).sum(1);
      const weight = this.foldedMaps(n).permute(1, 0, 2).reshape([C, n * C, 1, 1]); // weight[t, i·C + u] = M_i[t, u]
      return F.conv2d(h.reshape([B / n, n * C, H, W]), weight);
    });
  }

  /** HRR keys summed over the replicas: [n, C], row i = Σ_ρ k_{ρn+i}. */
  private foldedKeys(n: number): Tensor {
    const keys = this.binder!.keys;
    const r = this.config.cap / n;
    return r === 1 ? keys : keys.reshape([r, n, this.channels]).sum(0);
  }

  /** The binding maps summed over the replicas: [n, C, C], M_i = Σ_ρ B_{ρn+i} (circulants for HRR). */
  private foldedMaps(n: number): Tensor {
    if (this.config.binding === 'hrr') return circulant(this.foldedKeys(n));
    const maps = this.binder!.keys;
    const r = this.config.cap / n;
    const C = this.channels;
    return r === 1 ? maps : maps.reshape([r, n, C, C]).sum(0);
  }

  /**
   * Re-estimates the trunk's BatchNorm running statistics at operating point n from images x
   * [B, inChannels, H, W] (normalised like the training inputs), as the exact average over batches
   * of `batchSize` images (a multiple of n; "precise BN"), with the weights untouched. With
   * normPerPoint only n's set changes; without it the single set is overwritten. The stem keeps its
   * statistics (it sees single images at every n).
   */
  recalibrate(x: Tensor, n: number, o: { batchSize?: number } = {}): void {
    this.checkN(n);
    const bs = Math.max(n, Math.floor((o.batchSize ?? 64 * n) / n) * n);
    const usable = Math.floor(x.shape[0] / n) * n;
    if (usable === 0) throw new RangeError(`MIMOConv.recalibrate: needs at least n = ${n} images, got ${x.shape[0]}`);
    const wasTraining = this.training;
    const saved = this.trunkNorms.map((bn) => bn.momentum);
    try {
      this.eval();
      this.trunk.train();
      if (this.config.normPerPoint) for (const bn of this.trunkNorms) bn.statistics = statisticsSet(n);
      for (const bn of this.trunkNorms) {
        bn.resetRunningStats();
        bn.momentum = null; // cumulative average over the batches
      }
      noGrad(() => {
        for (let s = 0; s < usable; s += bs) tidy(() => void this.forward(x.narrow(0, s, Math.min(bs, usable - s)), n));
      });
    } finally {
      this.trunkNorms.forEach((bn, i) => (bn.momentum = saved[i]));
      this.train(wasTraining);
    }
  }

  /** The key regulariser (HRR keys only; a zero scalar for 'mbat' and 'none'). Weight 0.1 in MIMONets. */
  keyLoss(): Tensor {
    if (this.config.binding === 'hrr') return keyRegularizer(this.binder!.keys);
    return zeros([], { device: this.parameters()[0].device });
  }

  /** PReLU slopes: no weight decay on these. */
  activationParameters(): Tensor[] {
    return preluParameters(this);
  }

  /**
   * ISONet's isometry regulariser, ½‖conv(W, W) − δ‖² summed over the trunk's convolutions (not the
   * stem, not the binding, not the unbinding): weight 1e-4 in the MIMONets reference.
   */
  isometryLoss(): Tensor {
    return isometryPenalty(this.trunk.convs());
  }

  /** The cost at operating point n on images of imageSize, counted from the layer shapes. */
  macs(n: number, imageSize: [number, number]): MIMOConvMacs {
    this.checkN(n);
    const { cap, binding } = this.config;
    const C = this.channels;
    const pixels = imageSize[0] * imageSize[1];
    const stem = this.stem.macs(imageSize);
    const head = linearMacs(this.head);
    const perMap = C * C * pixels; // one C×C map (circulant or MBAT matrix) at every pixel
    let bind = 0;
    if (binding === 'mbat' || (binding === 'hrr' && C <= CIRCULANT_MAX_CHANNELS)) bind = n * perMap;
    else if (binding === 'hrr') {
      // FFT path: rfft of n·C-vectors, complex products (4 real MACs per bin), one irfft; ≈ 2.5·D·log2 D MACs per real FFT.
      const fftMacs = 2.5 * C * Math.log2(C);
      bind = pixels * ((n + 1) * fftMacs + n * 4 * (Math.floor(C / 2) + 1));
    }
    const bindPerSlot = binding === 'none' ? 0 : cap * perMap;
    const trunk = this.trunk.macs(imageSize).macs;
    const unbind = linearMacs(this.unbinder);
    const perInput = (n * (stem + head) + bind + trunk + unbind) / n;
    return { stem, head, bind, bindPerSlot, trunk, unbind, perInput };
  }

  /** Multiply-accumulates per input image at operating point n: [n(stem + head) + bind + trunk + unbind] / n. */
  macsPerInput(n: number, imageSize: [number, number]): number {
    return this.macs(n, imageSize).perInput;
  }
}
