// `mimo interference --model CHECKPOINT`: the attention-score interference inside a MIMOFormer (att or
// att-mlp), layer by layer and for each grid, in the trained model and in an untrained one of the
// same configuration, next to the theory of docs/mimonets.md §5.
import { Generator } from '../../tensor/index.js';
import { loadLraTask, resolveDataDir, takeSubset } from '../../data/index.js';
import type { LraTask } from '../../data/index.js';
import { loadMIMOFormer, readCheckpointInfo } from '../../models/checkpoint.js';
import { MIMOFormer } from '../../models/mimoformer.js';
import type { GridPoint } from '../../models/mimoformer.js';
import { interferenceProbe } from '../../models/mimoformer_interference.js';
import type { InterferenceRow } from '../../models/mimoformer_interference.js';
import { lraBatch } from '../../train/mimoformer.js';
import { UsageError, formatTable, printJson } from '../output.js';

export interface ModelInterferenceOptions {
  model: string;
  grids?: [number, number][];
  sequences: number;
  positions: number;
  data?: string;
  listopsDir?: string;
  seed: number;
  /** Which sequences share a group: 'random' (the dev subset's seeded random order, default) or 'length' (that order sorted by length). */
  grouping?: ProbeGrouping;
  json?: boolean;
}

export type ProbeGrouping = 'random' | 'length';
export const PROBE_GROUPINGS: readonly ProbeGrouping[] = ['random', 'length'];

export type ModelInterferenceRow = InterferenceRow & { weights: 'trained' | 'untrained'; grouping: ProbeGrouping };

/** Square grids 1×1, 2×2, 4×4, … within the capacity, and the capacity itself. */
export function defaultGrids(M: number, N: number): GridPoint[] {
  const out: GridPoint[] = [];
  for (let g = 1; g <= Math.min(M, N); g *= 2) out.push({ m: g, n: g });
  if (!out.some((p) => p.m === M && p.n === N)) out.push({ m: M, n: N });
  return out;
}

export async function modelInterference(o: ModelInterferenceOptions): Promise<ModelInterferenceRow[]> {
  const info = readCheckpointInfo(o.model);
  if (info.model !== 'mimoformer') throw new UsageError(`--model: ${o.model} is a ${info.model} checkpoint; the model probe reads MIMOFormer (att or att-mlp) checkpoints`);
  const extra = (info.extra ?? {}) as { task?: LraTask };
  if (!extra.task) throw new UsageError(`${o.model} does not say which LRA task it was trained on`);
  const { model: trained } = loadMIMOFormer(o.model);
  const c = trained.config;
  if (c.variant !== 'att' && c.variant !== 'att-mlp') {
    trained.dispose();
    throw new UsageError(`--model: the ${c.variant} variant has no channels in superposition (use an att or att-mlp checkpoint)`);
  }
  const grids = o.grids ? o.grids.map(([m, n]) => ({ m, n })) : defaultGrids(c.m, c.n);
  const bad = grids.filter((p) => p.m > c.m || p.n > c.n);
  if (bad.length) {
    trained.dispose();
    throw new UsageError(`--grids ${bad.map((p) => `${p.m}x${p.n}`).join(',')}: the checkpoint's grid capacity is ${c.m}×${c.n}`);
  }
  const untrained = new MIMOFormer(c, new Generator(o.seed));
  const data = takeSubset(await loadLraTask(extra.task, resolveDataDir(o.data), 'dev', { length: c.maxLength, listopsDir: o.listopsDir }), o.sequences, o.seed);
  const grouping = o.grouping ?? 'random';
  const rows: ModelInterferenceRow[] = [];
  try {
    for (const p of grids) {
      const g = p.m * p.n;
      const count = Math.floor(Math.min(o.sequences, data.labels.shape[0]) / g) * g;
      if (count === 0) throw new UsageError(`--sequences ${o.sequences}: the grid ${p.m}×${p.n} needs at least ${g} sequences`);
      const order = Array.from({ length: count }, (_, i) => i);
      if (grouping === 'length') order.sort((a, b) => data.lengths[a] - data.lengths[b]); // stable: equal lengths keep the random order
      const b = lraBatch(data, order);
      try {
        for (const [weights, model] of [['trained', trained], ['untrained', untrained]] as const) {
          for (const r of interferenceProbe(model, b.ids, b.mask, p, { maxPositions: o.positions })) rows.push({ weights, grouping, ...r });
        }
      } finally {
        for (const t of [b.ids, b.mask, b.labels]) t.dispose();
      }
    }
  } finally {
    data.inputs.dispose();
    data.labels.dispose();
    trained.dispose();
    untrained.dispose();
  }
  return rows;
}

const num = (v: number, d: number) => (Number.isFinite(v) ? v.toFixed(d) : v > 0 ? 'inf' : '-');

export async function printModelInterference(o: ModelInterferenceOptions): Promise<void> {
  const rows = await modelInterference(o);
  if (o.json) return printJson(rows);
  if (rows[0]?.grouping === 'length') console.log('groups of similar length (the probed sequences sorted by length, as eval --grouping length)');
  console.log(formatTable(
    ['weights', 'layer', 'grid', 'D', 'signal', 'crosstalk', 'SIR', 'pred SIR', 'SIR vs |q||k|', 'sqrt(D/(MN-1))', 'out rel err', 'after W_o', 'vs attention (after W_o)', 'pattern / values', 'kept', 'q/k/v in means'],
    rows.map((r) => [
      r.weights, String(r.layer), `${r.m}×${r.n}`, String(r.head_dim), num(r.signal_rms, 4), num(r.crosstalk_rms, 4), num(r.sir, 3), num(r.predicted_sir, 3),
      num(r.sir_aligned, 2), num(r.theory_sir_aligned, 2), num(r.output_rel_error, 3), num(r.projected_output_rel_error, 3),
      `${num(r.deviation_rel_error, 2)} (${num(r.projected_deviation_rel_error, 2)})`,
      `${num(r.pattern_error_rms / r.output_rms, 3)} / ${num(r.value_crosstalk_rms / r.output_rms, 3)}`, num(r.deviation_kept, 3),
      [r.q_mean_share, r.k_mean_share, r.v_mean_share].map((v) => num(v, 2)).join('/'),
    ]),
  ));
  console.log([
    'signal: RMS of <q_mn, k_mn> over real (query, key) pairs; crosstalk: RMS of <q~_n, k~_m> - <q_mn, k_mn> (what binding and bundling add).',
    'pred SIR: signal over the crosstalk predicted from the actual q, k (Var = sum over other pairs of q^2 k^2, random keys).',
    'SIR vs |q||k|: the aligned score over the crosstalk; theory for random-like q, k: sqrt(D/(MN-1)).',
    'out rel err: RMS(att output in superposition - the same sequence through its own Performer) / RMS(own Performer output);',
    'after W_o: the same ratio after the layer\'s output projection (a trained W_o can reject crosstalk outside its sequence\'s values).',
    'vs attention: the output crosstalk over RMS(own Performer output - the sequence\'s mean value), what its attention pattern adds to the mean.',
    'pattern / values: the crosstalk in two, over RMS(own Performer output): the sequence\'s own values under the bundles\' attention pattern',
    '  against its own Performer\'s, and the other sequences\' values let through by unbinding (the two add up to the crosstalk as vectors).',
    'kept: how much of what its own attention adds to the mean value the sequence keeps in superposition (1: all, 0: none); the ReLU',
    '  kernel sees only the angle of the bundles, diluted MN-fold, so for random-like q, k about 1/sqrt(MN).',
    'q/k/v in means: share of their power in each sequence\'s own mean over its tokens; in superposition a mean leaks into the other sequences coherently over positions (--center-values removes v\'s).',
  ].join('\n'));
}
