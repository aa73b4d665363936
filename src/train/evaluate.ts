// Accuracy and throughput at each operating point: the evaluation loop every trainer and `mimo eval`
// share (MIMOConv's n, DataMUX's n, MIMOFormer's grids). The model runs in eval mode without
// gradients; each point's examples go in batches whose size is a multiple of the point's group (the
// inputs computed in one superposition), and a last partial group is completed with copies of its
// batch's own rows, whose predictions are not counted.
import { Tensor, cat, noGrad, tensor, tidy } from '../tensor/index.js';
import type { Module } from '../nn/index.js';

export interface PointResult<P> {
  point: P;
  accuracy: number;
  correct: number;
  total: number;
  seconds: number;
  /** Examples per second over the timed loop. */
  perSecond: number;
}

export interface EvaluatePointsOptions<P> {
  /** Inputs per superposition at a point (m·n, or n). */
  group: (p: P) => number;
  /** Rows per batch at a point, rounded down to a multiple of the group (at least one group). */
  batch: (p: P) => number;
  /** One untimed batch per point first (for throughput measurements). */
  warmup?: boolean;
}

/**
 * Runs `logits(point, start, len, rows)` (the logits [rows, classes] of examples start … start+len−1
 * followed by rows − len filler copies; see fillRows) over `total` examples at each point, against
 * labels [total].
 */
export function evaluatePoints<P>(
  model: Module,
  points: readonly P[],
  labels: Tensor,
  o: EvaluatePointsOptions<P>,
  logits: (p: P, start: number, len: number, rows: number) => Tensor,
): PointResult<P>[] {
  const total = labels.shape[0];
  const wasTraining = model.training;
  model.eval();
  const out: PointResult<P>[] = [];
  try {
    noGrad(() => {
      for (const p of points) {
        const g = o.group(p);
        const bs = Math.max(g, Math.floor(o.batch(p) / g) * g);
        const run = (s: number): number =>
          tidy(() => {
            const len = Math.min(bs, total - s);
            const pred = logits(p, s, len, Math.ceil(len / g) * g).argmax(1).narrow(0, 0, len);
            return pred.eq(labels.narrow(0, s, len)).sum().item();
          });
        if (o.warmup && total > 0) run(0);
        const t0 = performance.now();
        let correct = 0;
        for (let s = 0; s < total; s += bs) correct += run(s);
        const seconds = (performance.now() - t0) / 1000;
        out.push({ point: p, accuracy: total ? correct / total : NaN, correct, total, seconds, perSecond: seconds > 0 ? total / seconds : NaN });
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return out;
}

/** Rows start … start+len−1 of t, then copies of those rows, cycled, up to `rows` rows in all. */
export function fillRows(t: Tensor, start: number, len: number, rows: number): Tensor {
  const b = t.narrow(0, start, len);
  if (rows === len) return b;
  return tidy(() => cat([b, b.indexSelect(0, tensor(fillerIndices(len, rows), { dtype: 'int64' }))], 0));
}

/** The row numbers start … start+len−1, then those rows cycled up to `rows` entries. */
export function filledRowIndices(start: number, len: number, rows: number): number[] {
  return Array.from({ length: rows }, (_, i) => start + (i % len));
}

const fillerIndices = (len: number, rows: number) => Array.from({ length: rows - len }, (_, i) => i % len);
