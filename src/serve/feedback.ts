// Auto's check against reality: the p99 of the latencies the server actually measured. The cost
// model (cost.ts) sees only the worker's batches; what else takes time (HTTP parsing and replies on
// the server's thread, other processes on the same cores) it does not see. So auto keeps a floor
// under its choice of n, moved by measured latency:
//   - raise one operating point when the p99 of the last window exceeds RAISE_AT × target (at
//     least a quarter window after the last move);
//   - after a hold time, lower it one point when the window's p99 is under LOWER_AT × target (or the
//     traffic is too thin to tell);
//   - the floor remembers the arrival rate at which each operating point proved too slow, and does
//     not go back down to it while the rate is at least RETRY_RATE × that (for FAIL_MEMORY_MS);
//   - a raise soon after a lowering means the lowering was premature: the hold time doubles (to at
//     most MAX_HOLD_MS), so the floor settles instead of oscillating.
// Each move starts a fresh window, so only latencies of the new floor decide the next move.
import { quantile } from './quantile.js';

export const RAISE_AT = 0.8;
export const LOWER_AT = 0.4;
export const MIN_SAMPLES = 20;
export const MIN_HOLD_MS = 1000;
export const MAX_HOLD_MS = 16_000;
export const RETRY_RATE = 0.8;
export const FAIL_MEMORY_MS = 30_000;
/** The floor is re-evaluated at most this often (ms). */
export const EVERY_MS = 50;

export class LatencyFloor {
  private level = 0;
  private samples: number[] = [];
  private times: number[] = [];
  private windowStart: number;
  private holdMs = MIN_HOLD_MS;
  private holdUntil = -Infinity;
  private lastLower = -Infinity;
  private lastEval = -Infinity;
  /** Per level: the arrival rate at which it proved too slow, and when. */
  private readonly failed: { rate: number; at: number }[] = [];

  constructor(
    private readonly ns: readonly number[],
    now: number,
    private readonly windowMs = 1000,
  ) {
    this.windowStart = now;
  }

  /** The floor: auto runs at this n or above. */
  get n(): number {
    return this.ns[this.level];
  }

  /** A request's measured latency (ms) at time now. */
  record(ms: number, now: number): void {
    this.samples.push(ms);
    this.times.push(now);
  }

  private restart(now: number): void {
    this.samples = [];
    this.times = [];
    this.windowStart = now;
  }

  /** Moves the floor by the latencies measured in the last window (arrivalRate: inputs/s now); returns the floor's n. */
  update(targetMs: number, now: number, arrivalRate: number): number {
    if (now - this.lastEval < EVERY_MS) return this.n;
    this.lastEval = now;
    // Keep the last windowMs of samples.
    let drop = 0;
    while (drop < this.times.length && this.times[drop] < now - this.windowMs) drop++;
    if (drop > 0) {
      this.samples.splice(0, drop);
      this.times.splice(0, drop);
    }
    const enough = this.samples.length >= MIN_SAMPLES;
    const p99 = enough ? quantile(this.samples, 0.99) : 0;
    const age = now - this.windowStart;
    if (enough && p99 > RAISE_AT * targetMs && this.level < this.ns.length - 1 && age >= this.windowMs / 4) {
      if (now - this.lastLower < 2 * this.holdMs) this.holdMs = Math.min(MAX_HOLD_MS, 2 * this.holdMs);
      this.failed[this.level] = { rate: arrivalRate, at: now };
      this.level++;
      this.holdUntil = now + this.holdMs;
      this.restart(now);
    } else if (this.level > 0 && now >= this.holdUntil && age >= this.windowMs && (!enough || p99 < LOWER_AT * targetMs) && !this.stillTooSlow(this.level - 1, now, arrivalRate)) {
      this.level--;
      this.lastLower = now;
      this.holdUntil = now + this.holdMs;
      this.restart(now);
    }
    return this.n;
  }

  private stillTooSlow(level: number, now: number, arrivalRate: number): boolean {
    const f = this.failed[level];
    return f !== undefined && now - f.at < FAIL_MEMORY_MS && arrivalRate >= RETRY_RATE * f.rate;
  }
}
