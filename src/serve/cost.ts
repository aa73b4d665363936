// How long a batch takes at each operating point n, as the scheduler's policy sees it: a fixed cost
// per batch (messages to and from the worker, tensor set-up, the result copy, waiting for a core)
// plus a cost per superposition (one trunk pass over n inputs):
//
//   batchMs(n, inputs) = sA · overheadMs[n] + sB · perGroupMs[n] · ⌈inputs / n⌉
//
// overheadMs[n] and perGroupMs[n] come from calibration: fit() draws a least-squares line per n
// through batches of a few sizes timed at start-up. Their ratios across n are a property of the
// model. The machine's load is not: observe() takes every real batch, whatever its n, and refits the
// two load factors sA and sB shared by all n (least squares with exponential forgetting, FORGET per
// batch, pulled towards 1 by a prior worth PRIOR_WEIGHT batches). Sharing them matters: while auto
// serves at n = 4, the batches it sees also tell how slow n = 1 would be now. While the recent
// batches are all small (low load), the prior keeps sB and the extra time shows as overhead (sA).

/** One timed batch: `groups` superpositions at operating point n took `ms` milliseconds. */
export interface CostSample {
  n: number;
  groups: number;
  ms: number;
}

export interface CostSnapshot {
  overhead_ms: Record<string, number>;
  per_group_ms: Record<string, number>;
  load_factors: { overhead: number; per_group: number };
}

const EPS_MS = 1e-3;
/** Weight left to the past at each new batch (about the last 20 batches count). */
export const FORGET = 0.95;
/** The prior's weight, in batches, at factors 1. */
export const PRIOR_WEIGHT = 1;
/** Superpositions of the prior's per-superposition point. */
const PRIOR_GROUPS = 4;
const MIN_FACTOR = 0.05;

export class CostModel {
  private readonly a = new Map<number, number>();
  private readonly b = new Map<number, number>();
  /** Load factors of the overhead and of the per-superposition cost. */
  private sA = 1;
  private sB = 1;
  // Exponentially weighted normal equations of ms ≈ sA·x1 + sB·x2 (x1 = overhead, x2 = perGroup·groups).
  private s11 = 0;
  private s12 = 0;
  private s22 = 0;
  private t1 = 0;
  private t2 = 0;

  /** A model from calibrated costs (overheadMs: the same for every n, or per n). */
  constructor(
    readonly ns: readonly number[],
    overheadMs: number | Readonly<Record<number, number>>,
    perGroupMs: Readonly<Record<number, number>>,
  ) {
    for (const n of ns) {
      const a = typeof overheadMs === 'number' ? overheadMs : overheadMs[n];
      const b = perGroupMs[n];
      if (!(a >= 0 && Number.isFinite(a))) throw new RangeError(`CostModel: overheadMs at n = ${n} must be a finite number >= 0, got ${a}`);
      if (!(b > 0 && Number.isFinite(b))) throw new RangeError(`CostModel: perGroupMs[${n}] must be a positive number, got ${b}`);
      this.a.set(n, a);
      this.b.set(n, b);
    }
  }

  /** Fits each n's line to timed batches (every n needs batches of at least two sizes). */
  static fit(ns: readonly number[], samples: readonly CostSample[]): CostModel {
    const a: Record<number, number> = {};
    const b: Record<number, number> = {};
    for (const n of ns) {
      const s = samples.filter((x) => x.n === n);
      if (new Set(s.map((x) => x.groups)).size < 2) throw new RangeError(`CostModel.fit: n = ${n} needs timed batches of at least two sizes`);
      const mg = s.reduce((acc, x) => acc + x.groups, 0) / s.length;
      const mm = s.reduce((acc, x) => acc + x.ms, 0) / s.length;
      const slope = s.reduce((acc, x) => acc + (x.groups - mg) * (x.ms - mm), 0) / s.reduce((acc, x) => acc + (x.groups - mg) ** 2, 0);
      b[n] = Math.max(EPS_MS, slope);
      a[n] = Math.max(0, mm - b[n] * mg);
    }
    return new CostModel(ns, a, b);
  }

  private check(n: number): void {
    if (!this.a.has(n)) throw new RangeError(`CostModel: no cost for n = ${n} (known: ${this.ns.join(', ')})`);
  }

  /** Overhead of one batch at n now (calibrated × load factor). */
  overheadMs(n: number): number {
    this.check(n);
    return this.sA * this.a.get(n)!;
  }

  /** Cost of one superposition at n now (calibrated × load factor). */
  perGroupMs(n: number): number {
    this.check(n);
    return Math.max(EPS_MS, this.sB * this.b.get(n)!);
  }

  /** Expected milliseconds of one batch of `inputs` inputs at n (the last superposition padded). */
  batchMs(n: number, inputs: number): number {
    return this.overheadMs(n) + this.perGroupMs(n) * Math.ceil(inputs / n);
  }

  /** Inputs per second at n when every batch holds `groups` superpositions. */
  inputsPerSecond(n: number, groups: number): number {
    return (1000 * groups * n) / this.batchMs(n, groups * n);
  }

  /** Takes a real batch into the load factors (older batches weigh FORGET times less each time). */
  observe(n: number, groups: number, ms: number): void {
    this.check(n);
    if (!(groups > 0) || !Number.isFinite(ms) || ms < 0) return;
    const x1 = this.a.get(n)!, x2 = this.b.get(n)! * groups;
    const f = FORGET;
    this.s11 = f * this.s11 + x1 * x1;
    this.s12 = f * this.s12 + x1 * x2;
    this.s22 = f * this.s22 + x2 * x2;
    this.t1 = f * this.t1 + x1 * ms;
    this.t2 = f * this.t2 + x2 * ms;
    // The prior: one point of pure overhead and one of pure superposition cost, each at factor 1.
    const pa = this.ns.reduce((acc, k) => acc + this.a.get(k)!, 0) / this.ns.length;
    const pb = (PRIOR_GROUPS * this.ns.reduce((acc, k) => acc + this.b.get(k)!, 0)) / this.ns.length;
    const w = PRIOR_WEIGHT;
    const m11 = this.s11 + w * pa * pa, m22 = this.s22 + w * pb * pb, m12 = this.s12;
    const r1 = this.t1 + w * pa * pa, r2 = this.t2 + w * pb * pb;
    const det = m11 * m22 - m12 * m12;
    if (det > 1e-9 * m11 * m22) {
      this.sA = Math.max(MIN_FACTOR, (r1 * m22 - r2 * m12) / det);
      this.sB = Math.max(MIN_FACTOR, (m11 * r2 - m12 * r1) / det);
    } else if (m22 > 0) this.sB = Math.max(MIN_FACTOR, r2 / m22); // no overhead to speak of
  }

  snapshot(): CostSnapshot {
    const r = (v: number) => Number(v.toPrecision(4));
    return {
      overhead_ms: Object.fromEntries(this.ns.map((n) => [String(n), r(this.overheadMs(n))])),
      per_group_ms: Object.fromEntries(this.ns.map((n) => [String(n), r(this.perGroupMs(n))])),
      load_factors: { overhead: r(this.sA), per_group: r(this.sB) },
    };
  }
}
