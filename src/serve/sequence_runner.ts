// The inference worker's sequence models (MIMOFormer, DataMUX): batches of padded token ids run in
// passes cut to their sequences' lengths (length_split.ts says which superpositions share a pass).
import type { GridPoint, MIMOFormer } from '../models/mimoformer.js';
import type { DataMUX } from '../models/datamux.js';
import { noGrad, tensor, tidy } from '../tensor/index.js';
import type { Tensor } from '../tensor/index.js';
import { splitByLength } from './length_split.js';
import { sequenceLengths } from '../data/padding.js';

/** What the runner needs of a model on padded token ids. */
export interface SequenceModel {
  /** The padding id, or null when padding must not be cut (every position counts). */
  readonly padId: number | null;
  readonly classes: number;
  /** Operating points served. */
  readonly ns: readonly number[];
  /** Logits [k, classes] of ids [k, top] (int64, k a multiple of n) at n; `lengths` are the rows' real lengths. */
  logits(n: number, ids: Tensor, lengths: number[]): Tensor;
}

/** A MIMOFormer serving one grid per operating point n = m·n; its padding mask makes a cut exact. */
export function mimoformerSequences(model: MIMOFormer, grids: Readonly<Record<number, GridPoint>>): SequenceModel {
  return {
    padId: model.config.padId,
    classes: model.config.classes,
    ns: Object.keys(grids).map(Number).sort((a, b) => a - b),
    logits: (n, ids, lengths) => model.forward(ids, lengths, grids[n]),
  };
}

/**
 * A DataMUX (n instances per mix, n ≤ N). With maskPadding a padded position adds nothing to the
 * mix and is masked as a key, so a cut is exact; without it (the reference's behaviour) padding is
 * embedded like a word, and every pass runs at full length.
 */
export function dataMUXSequences(model: DataMUX, ns: readonly number[]): SequenceModel {
  return {
    padId: model.config.maskPadding ? model.config.padId : null,
    classes: model.config.classes,
    ns: [...ns].sort((a, b) => a - b),
    logits: (n, ids) => model.forward(ids, n),
  };
}

/**
 * A sequence model on padded token ids, run as splitByLength says: runs of consecutive
 * superpositions, each cut to its longest real sequence (the logits are those of the full length).
 * Until calibrate(n) has measured a pass's overhead at n, a batch is one run.
 */
export class SequenceRunner {
  private readonly overhead = new Map<number, number>();
  /** The last batch's runs, as splitByLength's boundaries (in superpositions). */
  lastRuns: number[] = [];

  constructor(
    private readonly model: SequenceModel,
    private readonly L: number,
  ) {}

  /** Logits [count, classes] of `count` padded rows at n (count a multiple of n). */
  forward(n: number, count: number, data: Float32Array): Float32Array {
    if (!this.model.ns.includes(n)) throw new RangeError(`n = ${n} is not served (served: ${this.model.ns.join(', ')})`);
    if (count % n !== 0) throw new RangeError(`a batch at n = ${n} needs a multiple of ${n} inputs, got ${count}`);
    const lengths = sequenceLengths(data, count, this.L, this.model.padId);
    const longest = Array.from({ length: count / n }, (_, g) => Math.max(1, ...lengths.slice(g * n, (g + 1) * n)));
    this.lastRuns = splitByLength(longest, n, this.overhead.get(n) ?? Infinity);
    const classes = this.model.classes;
    const out = new Float32Array(count * classes);
    for (let r = 0; r + 1 < this.lastRuns.length; r++) {
      const [a, b] = [this.lastRuns[r] * n, this.lastRuns[r + 1] * n];
      out.set(this.pass(n, data.subarray(a * this.L, b * this.L), lengths.slice(a, b)), a * classes);
    }
    return out;
  }

  /** One forward pass over rows [k, L], cut to their longest sequence. */
  private pass(n: number, rows: Float32Array, lengths: number[]): Float32Array {
    const k = lengths.length;
    const top = Math.max(1, ...lengths);
    const ids = new Float32Array(k * top);
    for (let i = 0; i < k; i++) ids.set(rows.subarray(i * this.L, i * this.L + top), i * top);
    return noGrad(() => tidy(() => Float32Array.from(this.model.logits(n, tensor(ids, { shape: [k, top], dtype: 'int64' }), lengths).data() as Float32Array)));
  }

  /**
   * Measures a pass's fixed cost at n in tokens: one superposition of full-length rows of `filler`
   * against one of an eighth of the length (the faster of `rounds` timings each), as the intercept
   * over the slope of time against tokens. A model with no padding id has nothing to split.
   */
  calibrate(n: number, filler: number, rounds = 2): void {
    const padId = this.model.padId;
    if (padId === null) return;
    const time = (len: number) => {
      const rows = new Float32Array(n * this.L).fill(padId);
      for (let i = 0; i < n; i++) rows.fill(filler, i * this.L, i * this.L + len);
      const lengths = new Array<number>(n).fill(len);
      let best = Infinity;
      for (let r = 0; r < rounds; r++) {
        const t0 = performance.now();
        this.pass(n, rows, lengths);
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
