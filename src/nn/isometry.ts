// The isometry regulariser of ISONet (Qi et al., "Deep Isometric Learning for Visual Recognition",
// ICML 2020), which MIMONets adds to MIMOConv's loss (coefficient 1e-4, every trunk convolution).
//
// A convolution is an isometry (or a co-isometry, when it has fewer output channels than input
// channels) when its kernel, correlated with itself over every spatial offset, gives the identity
// at offset 0 and zero at every other offset. For a kernel W [O, I, kH, kW] with O ≤ I:
//
//   gram[a, b, p, q] = Σ_i Σ_{u,v} W[a, i, s·p + u − (kH−1), s·q + v − (kW−1)] · W[b, i, u, v]
//
// (outside the kernel W is zero; s is the convolution's stride), which is conv2d(W, W) with padding
// k − 1. With O > I the same is done on the transposed kernel [I, O, kH, kW], so the gram is taken
// over the smaller side (an O > I map cannot be a co-isometry). The penalty is ½‖gram − δ‖²_F, δ the
// identity at the centre offset.
import { F, Tensor, tidy } from '../tensor/index.js';
import { Conv2d } from './layers/conv.js';

/**
 * The self-correlation of a convolution kernel weight [O, I, kH, kW] at every offset a stride reaches:
 * [c, c, 2⌊(kH−1)/s⌋ + 1, 2⌊(kW−1)/s⌋ + 1], c = min(O, I).
 */
export function kernelGram(weight: Tensor, stride: number | readonly [number, number] = 1): Tensor {
  if (weight.ndim !== 4) throw new RangeError(`kernelGram: expected a convolution kernel [O, I, kH, kW], got shape [${weight.shape}]`);
  const [O, I, kh, kw] = weight.shape;
  const [sh, sw] = typeof stride === 'number' ? [stride, stride] : stride;
  if ((kh - 1) % sh !== 0 || (kw - 1) % sw !== 0) {
    throw new RangeError(`kernelGram: a ${kh}×${kw} kernel at stride [${sh}, ${sw}] never meets itself at offset 0 ((k − 1) must be a multiple of the stride)`);
  }
  return tidy(() => {
    const w = I < O ? weight.transpose(0, 1) : weight;
    return F.conv2d(w, w, undefined, { stride, padding: [kh - 1, kw - 1] });
  });
}

/** ½‖kernelGram(weight, stride) − δ‖²_F: 0 exactly when the convolution is an isometry (or co-isometry) at its stride. */
export function kernelIsometryPenalty(weight: Tensor, stride: number | readonly [number, number] = 1): Tensor {
  return tidy(() => {
    const gram = kernelGram(weight, stride);
    const [c, , gh, gw] = gram.shape;
    // ‖G − δ‖² = ‖G‖² − 2·tr(G at the centre offset) + c
    const centre = gram.select(2, (gh - 1) / 2).select(2, (gw - 1) / 2);
    return gram.square().sum().sub(centre.diagonal().sum().mul(2)).add(c).mul(0.5);
  });
}

/** Σ kernelIsometryPenalty over one or more (ungrouped, undilated) convolutions, each at its stride. */
export function isometryPenalty(convs: readonly Conv2d[]): Tensor {
  if (convs.length === 0) throw new RangeError('isometryPenalty: no convolutions given');
  for (const c of convs) {
    if (c.groups !== 1) throw new RangeError(`isometryPenalty: grouped convolutions (groups = ${c.groups}) are not supported`);
    if (c.dilation.some((d) => d !== 1)) throw new RangeError(`isometryPenalty: dilated convolutions (dilation [${c.dilation}]) are not supported`);
  }
  return tidy(() => convs.map((c) => kernelIsometryPenalty(c.weight, c.stride)).reduce((a, b) => a.add(b)));
}
