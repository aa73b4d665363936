// The recent arrival rate: events counted in time buckets over a sliding window.

export class RateMeter {
  private readonly counts: number[];
  private readonly bucketMs: number;
  /** Index (time / bucketMs, floored) of the newest bucket. */
  private head = -Infinity;

  constructor(
    readonly windowMs = 1000,
    buckets = 10,
  ) {
    if (!(windowMs > 0) || !Number.isInteger(buckets) || buckets < 1) throw new RangeError(`RateMeter: window ${windowMs} ms and ${buckets} buckets must be positive`);
    this.counts = new Array<number>(buckets).fill(0);
    this.bucketMs = windowMs / buckets;
  }

  private advance(nowMs: number): void {
    const idx = Math.floor(nowMs / this.bucketMs);
    if (idx <= this.head) return;
    const steps = Math.min(this.counts.length, idx - this.head);
    for (let i = 1; i <= steps; i++) this.counts[(((idx - steps + i) % this.counts.length) + this.counts.length) % this.counts.length] = 0;
    this.head = idx;
  }

  /** Counts `count` events at time nowMs (times must not go backwards by more than a bucket). */
  add(count: number, nowMs: number): void {
    this.advance(nowMs);
    const idx = Math.floor(nowMs / this.bucketMs);
    if (idx <= this.head - this.counts.length) return; // older than the window
    this.counts[((idx % this.counts.length) + this.counts.length) % this.counts.length] += count;
  }

  /** Events per second over the last window. */
  perSecond(nowMs: number): number {
    this.advance(nowMs);
    return (1000 * this.counts.reduce((a, b) => a + b, 0)) / this.windowMs;
  }
}
