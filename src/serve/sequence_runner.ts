// The inference worker's MIMOFormer: batches of padded token ids run in passes cut to their sequences'
// lengths (length_split.ts says which superpositions share a pass).
import type { GridPoint, MIMOFormer } from '../models/mimoformer.js';
import { noGrad, tensor, tidy } from '../tensor/index.js';
import { sequenceLengths, splitByLength } from './length_split.js';

/**
 * A MIMOFormer on padded token ids, run as splitByLength says: runs of consecutive superpositions,
 * each cut to its longest real sequence (the padding mask makes the cut exact: the logits are those
 * of the full length). Until calibrate(n) has measured a pass's overhead at n, a batch is one run.
 */
export class SequenceRunner {
  private readonly overhead = new Map<number, number>();
  /** The last batch's runs, as splitByLength's boundaries (in superpositions). */
  lastRuns: number[] = [];

  constructor(
    private readonly model: MIMOFormer,
    private readonly grids: Readonly<Record<number, GridPoint>>,
    private readonly L: number,
  ) {}

  /** Logits [count, classes] of `count` padded rows at n (count a multiple of n). */
  forward(n: number, count: number, data: Float32Array): Float32Array {
    const grid = this.grids[n];
    if (!grid) throw new RangeError(`no grid serves n = ${n} (served: ${Object.keys(this.grids).join(', ')})`);
    if (count % n !== 0) throw new RangeError(`a batch at n = ${n} needs a multiple of ${n} inputs, got ${count}`);
    const lengths = sequenceLengths(data, count, this.L, this.model.config.padId);
    const longest = Array.from({ length: count / n }, (_, g) => Math.max(1, ...lengths.slice(g * n, (g + 1) * n)));
    this.lastRuns = splitByLength(longest, n, this.overhead.get(n) ?? Infinity);
    const classes = this.model.config.classes;
    const out = new Float32Array(count * classes);
    for (let r = 0; r + 1 < this.lastRuns.length; r++) {
      const [a, b] = [this.lastRuns[r] * n, this.lastRuns[r + 1] * n];
      out.set(this.pass(grid, data.subarray(a * this.L, b * this.L), lengths.slice(a, b)), a * classes);
    }
    return out;
  }

  /** One forward pass over rows [k, L], cut to their longest sequence. */
  private pass(grid: GridPoint, rows: Float32Array, lengths: number[]): Float32Array {
    const k = lengths.length;
    const top = Math.max(1, ...lengths);
    const ids = new Float32Array(k * top);
    for (let i = 0; i < k; i++) ids.set(rows.subarray(i * this.L, i * this.L + top), i * top);
    return noGrad(() => tidy(() => Float32Array.from(this.model.forward(tensor(ids, { shape: [k, top], dtype: 'int64' }), lengths, grid).data() as Float32Array)));
  }

  /**
   * Measures a pass's fixed cost at n in tokens: one superposition of full-length rows of `filler`
   * against one of an eighth of the length (the faster of `rounds` timings each), as the intercept
   * over the slope of time against tokens. A model with no padding id has nothing to split.
   */
  calibrate(n: number, filler: number, rounds = 2): void {
    if (this.model.config.padId === null) return;
    const grid = this.grids[n];
    const time = (len: number) => {
      const rows = new Float32Array(n * this.L).fill(this.model.config.padId as number);
      for (let i = 0; i < n; i++) rows.fill(filler, i * this.L, i * this.L + len);
      const lengths = new Array<number>(n).fill(len);
      let best = Infinity;
      for (let r = 0; r < rounds; r++) {
        const t0 = performance.now();
        this.pass(grid, rows, lengths);
        best = Math.min(best, performance.now() - t0);
      }
      return best;
    };
    const short = Math.max(1, Math.round(this.L / 8));
    const [tLong, tShort] = [time(this.L), time(short)];
    const perToken = (tLong - tShort) / (n * (this.L - short));
    const fixed = tShort - perToken * n * short;
    this.overhead.set(n, perToken > 0 ? Math.max(0, fixed / perToken) : Infinity);
  }

  /** The measured fixed cost of a pass at n, in tokens (Infinity before calibrate or when unmeasurable). */
  overheadTokens(n: number): number {
    return this.overhead.get(n) ?? Infinity;
  }

  /** Sets the fixed cost of a pass at n, in tokens (tests; calibrate measures it). */
  setOverheadTokens(n: number, tokens: number): void {
    this.overhead.set(n, tokens);
  }
}
