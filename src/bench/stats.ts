// Timing helpers for benchmarks: medians of repeated measurements, and rounding for what they print.
import { synchronize } from '../tensor/index.js';

/** x rounded to 2 and 3 decimals, for the numbers a benchmark prints. */
export const r2 = (x: number): number => Math.round(x * 100) / 100;
export const r3 = (x: number): number => Math.round(x * 1000) / 1000;

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of no values');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Milliseconds taken by fn, with a high-resolution clock. GPU kernels run asynchronously, so the
 * clock starts once the work queued before fn is done and stops once fn's own is (synchronize(); a
 * no-op without CUDA).
 */
export function timeMs(fn: () => void): number {
  synchronize();
  const t0 = process.hrtime.bigint();
  fn();
  synchronize();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Runs fn `warmup` times untimed, then returns the time of each of `runs` calls. */
export function sample(fn: () => void, runs: number, warmup = 1): number[] {
  for (let i = 0; i < warmup; i++) fn();
  return Array.from({ length: runs }, () => timeMs(fn));
}
