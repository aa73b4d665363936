// Masked mean pooling over token positions, as sequence classifiers pool a padded batch.
import { Tensor, tidy } from '../tensor/index.js';

/**
 * Mean of x [..., L, d] over the positions L where mask [..., L] is 1 (a 0/1 mask, bool or float):
 * [..., d]. A row with no position kept gives 0. One batched matmul with the mask, so padded
 * positions are never copied out.
 */
export function maskedMean(x: Tensor, mask: Tensor): Tensor {
  const lead = x.shape.slice(0, -1);
  if (x.ndim < 2 || mask.ndim !== x.ndim - 1 || mask.shape.some((s, i) => s !== lead[i])) {
    throw new RangeError(`maskedMean: mask must be [${lead}] for x [${x.shape}] (x [..., L, d], mask [..., L]), got [${mask.shape}]`);
  }
  return tidy(() => {
    const w = mask.to(x.dtype);
    return w.unsqueeze(-2).matmul(x).squeeze(-2).div(w.sum(-1, true).clamp(1));
  });
}
