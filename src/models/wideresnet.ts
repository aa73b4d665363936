// Wide residual networks (Zagoruyko & Komodakis) with pre-activation basic blocks, as MIMOConv uses them:
//
//   stem    conv3×3 (in → C, no bias) → BN → ReLU                         C = 16·initialWidth
//   trunk   3 stages of N = (depth − 4)/6 basic blocks, widths 16k, 32k, 64k, strides 1, 2, 2
//   block   BN → act → conv3×3(stride) → BN → act → conv3×3  (+ identity, or conv1×1(stride) → BN
//           on the input when the shape changes); no dropout, no final BN-act before pooling
//   head    global average pool → Linear(64k, classes)
//
// act is per-channel PReLU (slope 0.5 at init, "MIMONet") or ReLU ("WideResNet"). The trunk is the
// part MIMOConv runs once per superposition; WideResNet is the plain one-image-per-pass baseline.
import { F, Generator, Tensor, tidy } from '../tensor/index.js';
import { BatchNorm2d, Conv2d, Linear, Module, PReLU, ReLU, isometryPenalty } from '../nn/index.js';
import type { BatchNormOptions } from '../nn/index.js';

export type Activation = 'prelu' | 'relu';
export type WideResNetDepth = 10 | 16 | 28;

/** The stages' block counts by depth: 10, 16, 28 → [1,1,1], [2,2,2], [4,4,4]. */
export function blocksPerStage(depth: number): number {
  if (![10, 16, 28].includes(depth)) throw new RangeError(`WideResNet: depth must be 10, 16 or 28, got ${depth}`);
  return (depth - 4) / 6;
}

function checkPositiveInt(v: unknown, what: string, owner: string): void {
  if (!Number.isInteger(v) || (v as number) < 1) throw new RangeError(`${owner}: ${what} must be a positive integer, got ${String(v)}`);
}

/** PReLU with one slope per channel, initial slope 0.5 (MIMONet), or ReLU. */
export function activation(kind: Activation, channels: number): Module {
  if (kind === 'prelu') return new PReLU(channels, 0.5);
  if (kind === 'relu') return new ReLU();
  throw new RangeError(`activation must be 'prelu' or 'relu', got '${String(kind)}'`);
}

// ---- MAC counting: from layer shapes, not hard-coded numbers ----------------------------------------

/** Spatial size after a convolution. */
export function convOutput(conv: Conv2d, [h, w]: readonly [number, number]): [number, number] {
  const out = (x: number, i: 0 | 1) =>
    Math.floor((x + 2 * conv.padding[i] - conv.dilation[i] * (conv.kernelSize[i] - 1) - 1) / conv.stride[i]) + 1;
  return [out(h, 0), out(w, 1)];
}

/** Multiply-accumulates of one convolution on one input of spatial size hw: out·(in/groups)·kH·kW per output pixel. */
export function convMacs(conv: Conv2d, hw: readonly [number, number]): number {
  const [oh, ow] = convOutput(conv, hw);
  return conv.outChannels * (conv.inChannels / conv.groups) * conv.kernelSize[0] * conv.kernelSize[1] * oh * ow;
}

/** Multiply-accumulates of one Linear layer on one input vector. */
export function linearMacs(l: Linear): number {
  return l.inFeatures * l.outFeatures;
}

// ---- layers -----------------------------------------------------------------------------------------

/** Stem, run once per image: conv3×3 (in → C, stride 1, no bias) → BN → ReLU. */
export class Stem extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;

  constructor(inChannels: number, channels: number, generator?: Generator) {
    super();
    this.conv = this.registerModule('conv', new Conv2d(inChannels, channels, 3, { padding: 1, bias: false, generator }));
    this.bn = this.registerModule('bn', new BatchNorm2d(channels));
  }

  override forward(x: Tensor): Tensor {
    const { bn, conv } = this;
    if (this.training || !bn.weight || !bn.bias || !bn.runningMean || !bn.runningVar) {
      return F.relu(bn.forward(conv.forward(x)));
    }
    // Inference: BatchNorm with running statistics is a per-channel affine map, so it folds into the
    // convolution (weight·s, bias β − μ·s with s = γ/√(σ² + ε)): one pass over the per-image
    // activations instead of two. The stem runs once per input image, n times per superposition.
    const { weight, bias, runningMean, runningVar } = bn;
    return tidy(() => {
      const scale = weight.div(runningVar.add(bn.eps).sqrt());
      const w = conv.weight.mul(scale.reshape(-1, 1, 1, 1));
      const b = bias.sub(runningMean.mul(scale));
      return F.relu(F.conv2d(x, w, b, { stride: conv.stride, padding: conv.padding, dilation: conv.dilation, groups: conv.groups }));
    });
  }

  macs(hw: readonly [number, number]): number {
    return convMacs(this.conv, hw);
  }
}

/**
 * Pre-activation basic block: y = conv2(act2(bn2(conv1(act1(bn1(x)))))) + shortcut(x), conv1 with
 * the block's stride; the shortcut is the identity, or conv1×1(stride, no bias) → BN when the
 * channel count or the resolution changes.
 */
export class BasicBlock extends Module {
  readonly bn1: BatchNorm2d;
  readonly act1: Module;
  readonly conv1: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly act2: Module;
  readonly conv2: Conv2d;
  readonly shortcut?: { conv: Conv2d; bn: BatchNorm2d };

  constructor(inChannels: number, outChannels: number, stride: number, act: Activation, generator?: Generator, norm: BatchNormOptions = {}) {
    super();
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(inChannels, norm));
    this.act1 = this.registerModule('act1', activation(act, inChannels));
    this.conv1 = this.registerModule('conv1', new Conv2d(inChannels, outChannels, 3, { stride, padding: 1, bias: false, generator }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(outChannels, norm));
    this.act2 = this.registerModule('act2', activation(act, outChannels));
    this.conv2 = this.registerModule('conv2', new Conv2d(outChannels, outChannels, 3, { padding: 1, bias: false, generator }));
    if (stride !== 1 || inChannels !== outChannels) {
      this.shortcut = {
        conv: this.registerModule('shortcut_conv', new Conv2d(inChannels, outChannels, 1, { stride, bias: false, generator })),
        bn: this.registerModule('shortcut_bn', new BatchNorm2d(outChannels, norm)),
      };
    }
  }

  override forward(x: Tensor): Tensor {
    const h = this.conv1.forward(this.act1.forward(this.bn1.forward(x)) as Tensor);
    const y = this.conv2.forward(this.act2.forward(this.bn2.forward(h)) as Tensor);
    const s = this.shortcut ? this.shortcut.bn.forward(this.shortcut.conv.forward(x)) : x;
    return y.add(s);
  }

  /** MACs on one input of spatial size hw, and the output size. */
  macs(hw: readonly [number, number]): { macs: number; out: [number, number] } {
    const mid = convOutput(this.conv1, hw);
    let macs = convMacs(this.conv1, hw) + convMacs(this.conv2, mid);
    if (this.shortcut) macs += convMacs(this.shortcut.conv, hw);
    return { macs, out: convOutput(this.conv2, mid) };
  }
}

/** The WideResNet body: three stages of basic blocks, widths 16k/32k/64k, strides 1/2/2. */
export class WideResNetTrunk extends Module {
  readonly blocks: BasicBlock[] = [];
  /** Channels of the output (64k). */
  readonly outChannels: number;

  /** norm: options of every BatchNorm in the trunk (MIMOConv gives it one statistics set per operating point). */
  constructor(inChannels: number, depth: number, width: number, act: Activation, generator?: Generator, norm: BatchNormOptions = {}) {
    super();
    const perStage = blocksPerStage(depth);
    checkPositiveInt(width, 'width', 'WideResNetTrunk');
    const widths = [16 * width, 32 * width, 64 * width];
    const strides = [1, 2, 2];
    let c = inChannels;
    widths.forEach((w, s) => {
      for (let b = 0; b < perStage; b++) {
        const block = new BasicBlock(c, w, b === 0 ? strides[s] : 1, act, generator, norm);
        this.blocks.push(this.registerModule(`stage${s + 1}_block${b + 1}`, block));
        c = w;
      }
    });
    this.outChannels = c;
  }

  /** Every convolution of the trunk: each block's two 3×3 and its 1×1 shortcut, where it has one. */
  convs(): Conv2d[] {
    return this.blocks.flatMap((b) => [b.conv1, b.conv2, ...(b.shortcut ? [b.shortcut.conv] : [])]);
  }

  /** [B, C, H, W] → [B, 64k, H/4, W/4]. */
  override forward(x: Tensor): Tensor {
    let h = x;
    for (const b of this.blocks) h = b.forward(h);
    return h;
  }

  /** MACs on one input of spatial size hw (every convolution, shortcuts included), and the output size. */
  macs(hw: readonly [number, number]): { macs: number; out: [number, number] } {
    let macs = 0;
    let size: [number, number] = [hw[0], hw[1]];
    for (const b of this.blocks) {
      const r = b.macs(size);
      macs += r.macs;
      size = r.out;
    }
    return { macs, out: size };
  }
}

/** Global average pool: [B, C, H, W] → [B, C]. */
export function globalAvgPool(x: Tensor): Tensor {
  return x.mean([2, 3]);
}

/** The PReLU slopes of a model (no weight decay on these). */
export function preluParameters(m: Module): Tensor[] {
  return m.modules().filter((x): x is PReLU => x instanceof PReLU).map((p) => p.weight);
}

// ---- the plain WideResNet baseline ---------------------------------------------------------------

export interface WideResNetConfig {
  inChannels: number;
  classes: number;
  depth: WideResNetDepth;
  /** Widening factor k: stage widths 16k, 32k, 64k. */
  width: number;
  /** Stem width C = 16·initialWidth. */
  initialWidth: number;
  activation: Activation;
}

/** WRN-16-4 on CIFAR-10, with the stem of MIMOConv (initialWidth 4) and ReLU, the paper's baseline family. */
export const defaultWideResNetConfig: WideResNetConfig = { inChannels: 3, classes: 10, depth: 16, width: 4, initialWidth: 4, activation: 'relu' };

/** Checks the fields a WideResNet-shaped config shares with MIMOConvConfig. @internal */
export function checkWideResNetFields(c: WideResNetConfig, owner: string): void {
  for (const k of ['inChannels', 'classes', 'width', 'initialWidth'] as const) checkPositiveInt(c[k], k, owner);
  blocksPerStage(c.depth);
  if (c.activation !== 'prelu' && c.activation !== 'relu') throw new RangeError(`${owner}: activation must be 'prelu' or 'relu', got '${String(c.activation)}'`);
}

/** The plain baseline: stem → trunk → global average pool → Linear(64k, classes), one image per pass. */
export class WideResNet extends Module {
  readonly config: WideResNetConfig;
  readonly stem: Stem;
  readonly trunk: WideResNetTrunk;
  readonly head: Linear;

  constructor(config: Partial<WideResNetConfig> = {}, generator?: Generator) {
    super();
    const c: WideResNetConfig = { ...defaultWideResNetConfig, ...config };
    checkWideResNetFields(c, 'WideResNet');
    this.config = Object.freeze(c);
    const C = 16 * c.initialWidth;
    this.stem = this.registerModule('stem', new Stem(c.inChannels, C, generator));
    this.trunk = this.registerModule('trunk', new WideResNetTrunk(C, c.depth, c.width, c.activation, generator));
    this.head = this.registerModule('head', new Linear(this.trunk.outChannels, c.classes, { generator }));
  }

  /** x [B, inChannels, H, W] → logits [B, classes]. */
  override forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.config.inChannels) {
      throw new RangeError(`WideResNet: expected images [B, ${this.config.inChannels}, H, W], got [${x.shape}]`);
    }
    return this.head.forward(globalAvgPool(this.trunk.forward(this.stem.forward(x))));
  }

  /** PReLU slopes (empty with ReLU). */
  activationParameters(): Tensor[] {
    return preluParameters(this);
  }

  /** ISONet's isometry regulariser over the trunk's convolutions (stem excluded), as MIMOConv.isometryLoss. */
  isometryLoss(): Tensor {
    return isometryPenalty(this.trunk.convs());
  }

  /** Multiply-accumulates per image (convolutions and the Linear head; BN, activations and pooling not counted). */
  macsPerInput(imageSize: [number, number]): number {
    return this.stem.macs(imageSize) + this.trunk.macs(imageSize).macs + linearMacs(this.head);
  }
}
