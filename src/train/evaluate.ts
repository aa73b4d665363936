// Accuracy and throughput at each operating point: the evaluation loop every trainer and `mimo eval`
// share (MIMOConv's n, DataMUX's n, MIMOFormer's grids). The model runs in eval mode without
// gradients; each point's examples go in batches whose size is a multiple of the point's group (the
// inputs computed in one superposition), and a last partial group is completed with copies of its
// batch's own rows, whose predictions are not counted.
//
// Which examples share a superposition matters to a superposed model's accuracy: its crosstalk comes
// from the other members of the group. A split stored sorted (LRA Text's test reviews: all negative,
// then all positive) puts same-label examples together in every group, which no stream of independent
// requests does; a Text model measured 4.3 points lower that way. So by default the examples are
// grouped in a seeded random order ('random'); 'given' keeps the stored order. 'length' (sequences of
// variable length only) sorts the random order by length, so each group holds sequences of similar
// length, as a server that buckets its queue by length would: a short sequence in a group with long
// ones is otherwise read out over the long ones' tails, where the bundles hold only their keys.
import { Tensor, noGrad, tensor, tidy } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import { Rng, deriveSeed } from '../data/random.js';

/** How the examples are assigned to superposition groups: a seeded random order, the stored order, or the random order sorted by length. */
export type Grouping = 'random' | 'given' | 'length';
export const GROUPINGS: readonly Grouping[] = ['random', 'given', 'length'];
export const DEFAULT_GROUPING: Grouping = 'random';

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
  /** Default DEFAULT_GROUPING, 'random' (see the header). */
  grouping?: Grouping;
  /** Seed of the random grouping (default 0): the same order at every point. */
  seed?: number;
  /** Each example's length (needed by the 'length' grouping). */
  lengths?: ArrayLike<number>;
}

/** The order in which examples 0 … total−1 are batched and grouped ('length' needs each example's length). */
export function groupingOrder(total: number, grouping: Grouping = DEFAULT_GROUPING, seed = 0, lengths?: ArrayLike<number>): number[] {
  if (!GROUPINGS.includes(grouping)) throw new RangeError(`grouping must be one of ${GROUPINGS.join(', ')}, got '${String(grouping)}'`);
  if (grouping === 'given') return Array.from({ length: total }, (_, i) => i);
  const random = Array.from(new Rng(deriveSeed(seed, 0x6e0be5)).permutation(total));
  if (grouping === 'random') return random;
  if (!lengths) throw new RangeError("grouping 'length' needs each example's length (sequences of variable length: MIMOFormer's LRA tasks)");
  if (lengths.length !== total) throw new RangeError(`grouping 'length': ${lengths.length} lengths for ${total} examples`);
  return random.sort((a, b) => lengths[a] - lengths[b]); // stable: equal lengths keep the random order
}

/**
 * Runs `logits(point, rows)` over the `total` examples of labels [total] at each point: `rows` holds
 * the example indices of one batch (a multiple of the point's group) whose first `len` are distinct
 * and counted, the rest filler copies of those (cycled); logits [rows.length, classes].
 */
export function evaluatePoints<P>(
  model: Module,
  points: readonly P[],
  labels: Tensor,
  o: EvaluatePointsOptions<P>,
  logits: (p: P, rows: number[]) => Tensor,
): PointResult<P>[] {
  const total = labels.shape[0];
  const order = groupingOrder(total, o.grouping, o.seed, o.lengths);
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
            const rows = filledRows(order, s, len, Math.ceil(len / g) * g);
            const pred = logits(p, rows).argmax(1).narrow(0, 0, len);
            return pred.eq(labels.indexSelect(0, tensor(rows.slice(0, len), { dtype: 'int64', device: labels.device }))).sum().item();
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

/** order[start … start+len−1], then those entries cycled up to `rows` entries in all. */
export function filledRows(order: readonly number[], start: number, len: number, rows: number): number[] {
  return Array.from({ length: rows }, (_, i) => order[start + (i % len)]);
}

/** Rows `rows` of t (along dim 0): the batch evaluatePoints asks for. */
export function selectRows(t: Tensor, rows: readonly number[]): Tensor {
  return t.indexSelect(0, tensor(rows as number[], { dtype: 'int64', device: t.device }));
}
