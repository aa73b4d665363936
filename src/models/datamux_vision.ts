// The DataMUX MNIST family (DataMUX's vision notebook, docs/datamux.md §1 "Vision"): n images of
// 20×20 pixels (MNIST cropped, scaled to [0, 1]) pass each through its own convolutional
// multiplexer, are **summed**, and go once through a tanh LeNet; a per-instance dense layer
// demultiplexes the shared 84-vector and a shared head classifies.
//
//   mux        per instance i: gaussian  one fixed random 3×3 kernel        [1 → 1 channel]
//                              learnable one learned 3×3 kernel
//                              nonlinear conv 1→16 (3×3), tanh, conv 16→1, tanh
//                              nonlinear-expand  the same with 8 output channels
//              (padding 1 keeps 20×20; all instances at once as one grouped convolution), summed
//   backbone   C1 conv(C→10, 3×3) tanh, maxpool 2, C3 conv(10→16, 4×4) tanh, maxpool 2,
//              C5 conv(16→120, 3×3) tanh, F6 Linear(120→84) tanh            → [B, 84]
//   demux      per instance: Linear(84→84) tanh                            → [B, n, 84]
//   head       shared Linear(84→10)                                        → [B·n, 10] (scores; the
//              reference squashes them with tanh and regresses ±1 targets with MSE)
//
// forward(x, n) uses the first n instance multiplexers and demultiplexers (n ≤ N), so one set of
// weights serves every n ≤ N once trained at those n.
import { F, Tensor, einsum, empty, noGrad, tidy } from '../tensor/index.js';
import type { Generator } from '../tensor/index.js';
import { Conv2d, Linear, Module, init } from '../nn/index.js';
import { MAX_INSTANCES } from './datamux.js';

export type ConvMuxKind = 'gaussian' | 'learnable' | 'nonlinear' | 'nonlinear-expand';
export const CONV_MUX_KINDS: readonly ConvMuxKind[] = ['gaussian', 'learnable', 'nonlinear', 'nonlinear-expand'];
export const VISION_IMAGE_SIZE = 20;

export interface DataMUXVisionConfig {
  instances: number;
  mux: ConvMuxKind;
  classes: number;
}

export const defaultDataMUXVisionConfig: DataMUXVisionConfig = Object.freeze({ instances: 2, mux: 'nonlinear-expand', classes: 10 }) as DataMUXVisionConfig;

const HIDDEN = 16;

/** Kaiming-uniform like torch's Conv2d, per instance block of a grouped weight. */
function convWeight(shape: number[], generator?: Generator): Tensor {
  const w = empty(shape);
  noGrad(() => init.kaimingUniform_(w, { a: Math.sqrt(5), generator }));
  return w;
}

export class DataMUXVision extends Module {
  readonly config: DataMUXVisionConfig;
  /** Channels of each instance's multiplexed image (8 for nonlinear-expand, else 1). */
  readonly muxChannels: number;
  readonly c1: Conv2d;
  readonly c3: Conv2d;
  readonly c5: Conv2d;
  readonly f6: Linear;
  readonly head: Linear;

  constructor(config: Partial<DataMUXVisionConfig> = {}, generator?: Generator) {
    super();
    const c = { ...defaultDataMUXVisionConfig, ...config };
    if (!Number.isInteger(c.instances) || c.instances < 1 || c.instances > MAX_INSTANCES) throw new RangeError(`DataMUXVision: instances N must be an integer in 1..${MAX_INSTANCES}, got ${c.instances}`);
    if (!CONV_MUX_KINDS.includes(c.mux)) throw new RangeError(`DataMUXVision: mux must be one of ${CONV_MUX_KINDS.join(', ')}, got '${String(c.mux)}'`);
    if (!Number.isInteger(c.classes) || c.classes < 1) throw new RangeError(`DataMUXVision: classes must be a positive integer, got ${c.classes}`);
    this.config = Object.freeze(c);
    const N = c.instances;
    const C = (this.muxChannels = c.mux === 'nonlinear-expand' ? 8 : 1);
    if (c.mux === 'gaussian') this.registerBuffer('mux_weight', noGrad(() => convWeight([N, 1, 3, 3], generator).normal_(0, 1 / 3, generator)));
    else if (c.mux === 'learnable') this.registerParameter('mux_weight', convWeight([N, 1, 3, 3], generator));
    else {
      this.registerParameter('mux_weight1', convWeight([N * HIDDEN, 1, 3, 3], generator));
      this.registerParameter('mux_bias1', noGrad(() => empty([N * HIDDEN]).uniform_(-1 / 3, 1 / 3, generator)));
      this.registerParameter('mux_weight2', convWeight([N * C, HIDDEN, 3, 3], generator));
      this.registerParameter('mux_bias2', noGrad(() => empty([N * C]).uniform_(-1 / 12, 1 / 12, generator)));
    }
    const g = { generator };
    this.c1 = this.registerModule('c1', new Conv2d(C, 10, 3, g));
    this.c3 = this.registerModule('c3', new Conv2d(10, 16, 4, g));
    this.c5 = this.registerModule('c5', new Conv2d(16, 120, 3, g));
    this.f6 = this.registerModule('f6', new Linear(120, 84, g));
    const bound = 1 / Math.sqrt(84);
    this.registerParameter('demux_weight', noGrad(() => empty([N, 84, 84]).uniform_(-bound, bound, generator)));
    this.registerParameter('demux_bias', noGrad(() => empty([N, 84]).uniform_(-bound, bound, generator)));
    this.head = this.registerModule('head', new Linear(84, c.classes, g));
  }

  private tensorNamed(name: string): Tensor {
    return this.findParameter(name) ?? this.getBuffer(name);
  }

  private checkN(n: number): void {
    const N = this.config.instances;
    if (!Number.isInteger(n) || n < 1 || n > N) throw new RangeError(`DataMUXVision: n = ${String(n)} must be an integer in 1..N = ${N}`);
  }

  /** The mix of n images x [B·n, 1, 20, 20] → [B, C, 20, 20]: per-instance conv multiplexers, summed. */
  multiplex(x: Tensor, n: number): Tensor {
    const S = VISION_IMAGE_SIZE;
    const B = x.shape[0] / n;
    const C = this.muxChannels;
    return tidy(() => {
      const grouped = x.reshape([B, n, S, S]); // instance i of mix b in channel i
      let y: Tensor;
      if (this.config.mux === 'gaussian' || this.config.mux === 'learnable') {
        y = F.conv2d(grouped, this.tensorNamed('mux_weight').narrow(0, 0, n), undefined, { padding: 1, groups: n });
      } else {
        const h = F.conv2d(grouped, this.tensorNamed('mux_weight1').narrow(0, 0, n * HIDDEN), this.tensorNamed('mux_bias1').narrow(0, 0, n * HIDDEN), { padding: 1, groups: n }).tanh();
        y = F.conv2d(h, this.tensorNamed('mux_weight2').narrow(0, 0, n * C), this.tensorNamed('mux_bias2').narrow(0, 0, n * C), { padding: 1, groups: n }).tanh();
      }
      return y.reshape([B, n, C, S, S]).sum(1);
    });
  }

  /** Images x float [B·n, 1, 20, 20] (values in [0, 1]) → scores [B·n, classes], in input order. */
  override forward(x: Tensor, n: number = this.config.instances): Tensor {
    this.checkN(n);
    const S = VISION_IMAGE_SIZE;
    if (x.ndim !== 4 || x.shape[1] !== 1 || x.shape[2] !== S || x.shape[3] !== S) throw new RangeError(`DataMUXVision: expected images [B·n, 1, ${S}, ${S}], got [${x.shape}]`);
    if (x.shape[0] === 0 || x.shape[0] % n !== 0) throw new RangeError(`DataMUXVision: the number of images ${x.shape[0]} must be a positive multiple of n = ${n}`);
    return tidy(() => {
      let h = this.multiplex(x, n);
      h = F.maxPool2d(this.c1.forward(h).tanh(), 2);
      h = F.maxPool2d(this.c3.forward(h).tanh(), 2);
      h = this.c5.forward(h).tanh().flatten(1); // [B, 120]
      const z = this.f6.forward(h).tanh(); // [B, 84]
      const w = this.tensorNamed('demux_weight').narrow(0, 0, n);
      const b = this.tensorNamed('demux_bias').narrow(0, 0, n);
      const perInstance = einsum('bd,ned->bne', z, w).add(b).tanh(); // [B, n, 84]
      return this.head.forward(perInstance).reshape([x.shape[0], this.config.classes]);
    });
  }

  /** Multiply-accumulates per image at n: [n·mux + backbone + n·(demux + head)] / n. */
  macsPerInput(n: number = this.config.instances): number {
    this.checkN(n);
    const S = VISION_IMAGE_SIZE;
    const C = this.muxChannels;
    const mux = this.config.mux === 'gaussian' || this.config.mux === 'learnable' ? 9 * S * S : S * S * 9 * HIDDEN + S * S * 9 * HIDDEN * C;
    const backbone = 18 * 18 * 10 * C * 9 + 6 * 6 * 16 * 10 * 16 + 120 * 16 * 9 + 120 * 84;
    return (n * mux + backbone + n * (84 * 84 + 84 * this.config.classes)) / n;
  }
}

/** Images [B, C, H, W] → their centre [B, C, 20, 20], the size the model takes. */
export function centreCrop(x: Tensor): Tensor {
  const [H, W] = x.shape.slice(2);
  if (!(H >= VISION_IMAGE_SIZE && W >= VISION_IMAGE_SIZE)) throw new RangeError(`centreCrop: images of ${H}×${W} are smaller than the model's ${VISION_IMAGE_SIZE}×${VISION_IMAGE_SIZE}`);
  return tidy(() => x.narrow(2, (H - VISION_IMAGE_SIZE) >> 1, VISION_IMAGE_SIZE).narrow(3, (W - VISION_IMAGE_SIZE) >> 1, VISION_IMAGE_SIZE).contiguous());
}

/** MNIST uint8 images [M, 28, 28] → float [M, 1, 20, 20] in [0, 1] (the centre crop of the reference). */
export function cropMnist(images: Tensor): Tensor {
  return tidy(() => centreCrop(images.unsqueeze(1)).to('float32').div(255));
}
