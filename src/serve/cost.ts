// How long a batch takes at each operating point n, as the scheduler's policy sees it: a fixed cost
// per batch (messages to and from the worker, tensor set-up, the result copy) plus a cost per
// superposition (one trunk pass over n inputs):
//
//   batchMs(n, inputs) = overheadMs + perGroupMs[n] · ⌈inputs / n⌉
//
// fit() estimates both from timed calibration batches of a few sizes (a least-squares line per n;
// the overhead is the mean intercept); observe() then follows the per-superposition cost of real
// batches with an exponentially weighted moving average, so the model tracks the machine's load.

/** One timed batch: `groups` superpositions at operating point n took `ms` milliseconds. */
export interface CostSample {
  n: number;
  groups: number;
  ms: number;
}

export interface CostSnapshot {
  overhead_ms: number;
  per_group_ms: Record<string, number>;
}

const EPS_MS = 1e-3;

export class CostModel {
  private readonly perGroup = new Map<number, number>();

  constructor(
    readonly ns: readonly number[],
    public overheadMs: number,
    perGroupMs: Readonly<Record<number, number>>,
  ) {
    if (!(overheadMs >= 0 && Number.isFinite(overheadMs))) throw new RangeError(`CostModel: overheadMs must be a finite number >= 0, got ${overheadMs}`);
    for (const n of ns) {
      const v = perGroupMs[n];
      if (!(v > 0 && Number.isFinite(v))) throw new RangeError(`CostModel: perGroupMs[${n}] must be a positive number, got ${v}`);
      this.perGroup.set(n, v);
    }
  }

  /** Fits the model to timed batches; every n needs at least one sample. */
  static fit(ns: readonly number[], samples: readonly CostSample[]): CostModel {
    const lines = ns.map((n) => {
      const s = samples.filter((x) => x.n === n);
      if (s.length === 0) throw new RangeError(`CostModel.fit: no calibration sample at n = ${n}`);
      const mg = s.reduce((a, x) => a + x.groups, 0) / s.length;
      const mm = s.reduce((a, x) => a + x.ms, 0) / s.length;
      const sgg = s.reduce((a, x) => a + (x.groups - mg) ** 2, 0);
      if (sgg === 0) return { n, a: 0, b: mm / mg };
      const b = s.reduce((a, x) => a + (x.groups - mg) * (x.ms - mm), 0) / sgg;
      return { n, a: mm - b * mg, b };
    });
    const overhead = Math.max(0, lines.reduce((a, l) => a + l.a, 0) / lines.length);
    // With the shared overhead fixed, each n's per-superposition cost is refitted through its samples.
    const perGroup: Record<number, number> = {};
    for (const { n } of lines) {
      const s = samples.filter((x) => x.n === n);
      const b = s.reduce((a, x) => a + (x.ms - overhead) * x.groups, 0) / s.reduce((a, x) => a + x.groups * x.groups, 0);
      perGroup[n] = Math.max(EPS_MS, b);
    }
    return new CostModel(ns, overhead, perGroup);
  }

  perGroupMs(n: number): number {
    const v = this.perGroup.get(n);
    if (v === undefined) throw new RangeError(`CostModel: no cost for n = ${n} (known: ${this.ns.join(', ')})`);
    return v;
  }

  /** Expected milliseconds of one batch of `inputs` inputs at n (the last superposition padded). */
  batchMs(n: number, inputs: number): number {
    return this.overheadMs + this.perGroupMs(n) * Math.ceil(inputs / n);
  }

  /** Inputs per second at n when every batch holds `groups` superpositions. */
  inputsPerSecond(n: number, groups: number): number {
    return (1000 * groups * n) / this.batchMs(n, groups * n);
  }

  /** Follows a real batch: moves n's per-superposition cost towards what this batch showed. */
  observe(n: number, groups: number, ms: number, weight = 0.2): void {
    if (!(groups > 0) || !Number.isFinite(ms)) return;
    const seen = Math.max(EPS_MS, (ms - this.overheadMs) / groups);
    this.perGroup.set(n, (1 - weight) * this.perGroupMs(n) + weight * seen);
  }

  snapshot(): CostSnapshot {
    const r = (v: number) => Number(v.toPrecision(4));
    return { overhead_ms: r(this.overheadMs), per_group_ms: Object.fromEntries(this.ns.map((n) => [String(n), r(this.perGroupMs(n))])) };
  }
}
