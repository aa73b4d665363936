// Training MIMOFormer (and its Performer / softmax baselines) on an LRA task (docs/mimonets.md §2–3):
// AdamW (β = 0.9/0.999, eps 1e-6) with OneCycle (linear anneal, warm-up share pctStart), gradient
// clipping, cross-entropy on the class logits.
//
// Design decisions:
//
// * Steps, not epochs. A step draws `batch` sequences uniformly with replacement from the training
//   split and one operating point (grid m×n) from `points`; the batch is laid out as batch/(m·n)
//   groups of m·n sequences (MIMOFormer's layout). Every `evalEvery` steps and at the end, the run
//   evaluates every point on the dev split, appends a metrics line and checkpoints.
// * Curriculum (the reference's MIMO warm-up): during the first `curriculumSteps` steps every point
//   is replaced by its half grid (⌈m/2⌉ × ⌈n/2⌉), using a slice of the same keys. Beyond the
//   reference, `curriculumStages` K > 1 splits those steps into K equal stages that halve the grid
//   K, K−1, …, 1 times (8×8 with K = 2: 2×2, then 4×4, then 8×8), so a large grid starts from a
//   model that has already learned on a smaller one.
// * Dynamic operating points: training several points (`points`) gives one set of weights that
//   serves each grid; MIMOFormer.forward takes the grid, the keys are sliced.
// * Batches are cut to their longest sequence (lengths are known), which changes nothing for a
//   model that masks its padding and saves most of the cost on ListOps and Text.
// * groupByLength batches sequences of similar length (trainingRows); the dev evaluation then groups
//   its superposition groups by length too (evaluate.ts, 'length'), the inference such a model is
//   trained for. Otherwise it groups at random. Each metrics line names the grouping.
// * Randomness: step s draws its rows from deriveSeed(seed, 3s), its point from 3s+1 and seeds the
//   global generator (dropout) from 3s+2; the model is initialised from Generator(seed). A resume
//   needs only the step (the scheduler's state is saved) and reproduces the uninterrupted run.
// * Device: the model, its optimizer state and both splits live on one device ('cpu' or 'cuda'),
//   so batches are cut there; it is not part of the config (a run may resume on another device).
// * Run directory (train/run_dir.ts): model.safetensors ('mimoformer' checkpoint, extra {step, task,
//   points, length, eval_accuracy}), train_state.safetensors, metrics.jsonl, and best.safetensors:
//   the checkpoint of the evaluation with the best dev score (mean accuracy over the points), as the
//   reference selects its model; evaluations during the curriculum do not count (the reference saves
//   no best checkpoint during its warm-up). model.safetensors stays the last step's (for --resume).
import { existsSync } from 'node:fs';
import { F, Generator, Tensor, checkDevice, manualSeed, noGrad, tensor, tidy } from '../tensor/index.js';
import { LRA_TASKS, LRA_TASK_INFO, Rng, deriveSeed, loadLraTask, resolveDataDir, takeSubset, toDevice } from '../data/index.js';
import type { LraData, LraTask } from '../data/index.js';
import { AdamW, OneCycleLR, clipGradNorm_ } from '../nn/optim/index.js';
import type { SchedulerStateDict } from '../nn/optim/index.js';
import { appendLineAtomic } from '../io/index.js';
import { MIMOFormer, MIMOFORMER_VARIANTS, checkMIMOFormerConfig } from '../models/mimoformer.js';
import type { GridPoint, MIMOFormerConfig, MIMOFormerKeys, MIMOFormerVariant } from '../models/mimoformer.js';
import { loadMIMOFormer, readCheckpointInfo, saveModelCheckpoint } from '../models/checkpoint.js';
import { FAVOR_KERNELS } from '../models/favor.js';
import type { FavorKernel } from '../models/favor.js';
import { TrainConfigError } from './mimoconv.js';
import { disposeState, openRun, readRunConfig, restoreOptimizer, saveState } from './run_dir.js';
import { evaluatePoints } from './evaluate.js';
import type { Grouping } from './evaluate.js';

export interface MIMOFormerTrainConfig {
  task: LraTask;
  variant: MIMOFormerVariant;
  /** Grid capacity M × N (1 × 1 for the baselines). */
  m: number;
  n: number;
  /** Grids trained, [m, n] each ≤ the capacity (each step draws one); default [[M, N]]. */
  points: [number, number][];
  /** Steps at the start that use each point's half grid. */
  curriculumSteps: number;
  /** Stages of the curriculum: stage j of K (0-based) halves each grid K − j times. */
  curriculumStages: number;
  dim: number;
  ffn: number;
  heads: number;
  headDim: number;
  layers: number;
  features: number;
  dropout: number;
  /** att: bundle each sequence's mean value out and add it back after unbinding (MIMOFormerConfig.centerValues). */
  centerValues: boolean;
  /** No-attention baseline: key projections held at zero, every attention output its sequence's mean value (MIMOFormerConfig.uniformAttention). */
  uniformAttention: boolean;
  /** The FAVOR+ kernel (MIMOFormerConfig.kernel): 'relu' (the reference's) or 'softmax'. */
  kernel: FavorKernel;
  /** The attention keys of att and att-mlp (MIMOFormerConfig.keys): 'random' (the reference's) or 'hadamard'. */
  keys: MIMOFormerKeys;
  /** With Hadamard keys: start the attention projections in the crosstalk-free subspace (MIMOFormerConfig.cleanInit). */
  cleanInit: boolean;
  /** Tokens per sequence (longer inputs are cut; default the task's LRA length). */
  length: number;
  steps: number;
  /** Sequences per step (a multiple of m·n for every point). */
  batch: number;
  /** Batches of sequences of similar length (trainingRows): less padding, and superposition groups of similar length. */
  groupByLength: boolean;
  lr: number;
  pctStart: number;
  weightDecay: number;
  clipNorm: number;
  evalEvery: number;
  /** Use only a random subset of this many training sequences. */
  limit: number | null;
  /** Evaluate on a random subset of this many dev sequences. */
  evalLimit: number | null;
  seed: number;
}

/**
 * The CPU default, a 1-layer "wide" model at reduced width (the reference's wide configs have one
 * layer; d 64, F 128 as its Image config, 4 heads of D = 64, R = 64 random features). Points default
 * to the capacity; lengths to LRA's.
 */
export const defaultMIMOFormerTrainConfig: MIMOFormerTrainConfig = {
  task: 'listops', variant: 'performer', m: 1, n: 1, points: [[1, 1]], curriculumSteps: 0, curriculumStages: 1, dim: 64, ffn: 128, heads: 4, headDim: 64, layers: 1,
  features: 64, dropout: 0.1, centerValues: false, uniformAttention: false, kernel: 'relu', keys: 'random', cleanInit: false, length: 2000, steps: 2000, batch: 32, groupByLength: false, lr: 1e-3, pctStart: 0.1, weightDecay: 0, clipNorm: 1, evalEvery: 250,
  limit: null, evalLimit: 2000, seed: 0,
};

export function validateMIMOFormerTrainConfig(c: MIMOFormerTrainConfig): void {
  const bad = (msg: string): never => {
    throw new TrainConfigError(msg);
  };
  if (!LRA_TASKS.includes(c.task)) bad(`task must be one of ${LRA_TASKS.join(', ')}, got '${String(c.task)}'`);
  if (!MIMOFORMER_VARIANTS.includes(c.variant)) bad(`variant must be one of ${MIMOFORMER_VARIANTS.join(', ')}, got '${String(c.variant)}'`);
  const posInt = (v: number, name: string) => (Number.isInteger(v) && v >= 1) || bad(`${name} must be a positive integer, got ${v}`);
  for (const k of ['m', 'n', 'curriculumStages', 'dim', 'ffn', 'heads', 'headDim', 'layers', 'features', 'length', 'steps', 'batch', 'evalEvery'] as const) posInt(c[k], k);
  if ((c.variant === 'performer' || c.variant === 'softmax') && (c.m !== 1 || c.n !== 1)) bad(`the ${c.variant} baseline has a 1×1 grid, got ${c.m}×${c.n}`);
  if (!Array.isArray(c.points) || c.points.length === 0) bad(`points must be a non-empty list, got ${JSON.stringify(c.points)}`);
  for (const p of c.points) {
    if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => Number.isInteger(v) && v >= 1)) bad(`a point must be [m, n] of positive integers, got ${JSON.stringify(p)}`);
    if (p[0] > c.m || p[1] > c.n) bad(`point ${formatPoint(p)} exceeds the grid capacity ${c.m}×${c.n}`);
    if (c.batch % (p[0] * p[1]) !== 0) bad(`batch (${c.batch}) must be a multiple of m·n = ${p[0] * p[1]} for point ${formatPoint(p)}`);
  }
  if (!Number.isInteger(c.curriculumSteps) || c.curriculumSteps < 0 || c.curriculumSteps > c.steps) bad(`curriculumSteps must be an integer in 0..steps (${c.steps}), got ${c.curriculumSteps}`);
  if (c.curriculumStages > 1 && c.curriculumSteps < c.curriculumStages) bad(`curriculumStages (${c.curriculumStages}) needs at least as many curriculumSteps, got ${c.curriculumSteps}`);
  if (c.curriculumSteps > 0) {
    for (const p of c.points) {
      let g: GridPoint = { m: p[0], n: p[1] };
      for (let h = 1; h <= c.curriculumStages; h++) {
        g = halfGrid([g.m, g.n]);
        if (c.batch % (g.m * g.n) !== 0) bad(`batch (${c.batch}) must be a multiple of m·n = ${g.m * g.n} for the curriculum grid ${g.m}×${g.n} of point ${formatPoint(p)}`);
      }
    }
  }
  if (c.task === 'image' && c.length !== LRA_TASK_INFO.image.length) bad(`image: length must be ${LRA_TASK_INFO.image.length} (32×32 pixels), got ${c.length}`);
  if (!(c.lr > 0 && Number.isFinite(c.lr))) bad(`lr must be a positive number, got ${c.lr}`);
  if (!(c.pctStart >= 0 && c.pctStart <= 1)) bad(`pctStart must be in [0, 1], got ${c.pctStart}`);
  if (!(c.dropout >= 0 && c.dropout < 1)) bad(`dropout must be in [0, 1), got ${c.dropout}`);
  if (typeof c.centerValues !== 'boolean') bad(`centerValues must be a boolean, got ${String(c.centerValues)}`);
  if (c.centerValues && c.variant !== 'att') bad(`centerValues applies to the att variant only, got '${c.variant}'`);
  if (typeof c.uniformAttention !== 'boolean') bad(`uniformAttention must be a boolean, got ${String(c.uniformAttention)}`);
  if (typeof c.groupByLength !== 'boolean') bad(`groupByLength must be a boolean, got ${String(c.groupByLength)}`);
  if (c.groupByLength && c.task === 'image') bad(`groupByLength: every LRA Image sequence has ${LRA_TASK_INFO.image.length} tokens, there are no lengths to group by`);
  if (!FAVOR_KERNELS.includes(c.kernel)) bad(`kernel must be one of ${FAVOR_KERNELS.join(', ')}, got '${String(c.kernel)}'`);
  if (c.kernel !== 'relu' && c.variant === 'softmax') bad(`kernel applies to the FAVOR+ variants (performer, att, att-mlp), not to exact softmax attention`);
  if (typeof c.cleanInit !== 'boolean') bad(`cleanInit must be a boolean, got ${String(c.cleanInit)}`);
  for (const k of ['weightDecay', 'clipNorm'] as const) if (!(c[k] >= 0 && Number.isFinite(c[k]))) bad(`${k} must be a non-negative number, got ${c[k]}`);
  if (c.limit !== null) posInt(c.limit, 'limit');
  if (c.evalLimit !== null) posInt(c.evalLimit, 'evalLimit');
  if (!Number.isSafeInteger(c.seed) || c.seed < 0) bad(`seed must be a non-negative integer, got ${c.seed}`);
  // What the model itself rejects (e.g. Hadamard keys on a head dimension that is not a power of 2) must fail before the run directory exists.
  try {
    checkMIMOFormerConfig(mimoFormerModelConfig(c));
  } catch (e) {
    bad((e as Error).message.replace(/^MIMOFormer: /, ''));
  }
}

/** The model configuration of a training configuration. */
export function mimoFormerModelConfig(c: MIMOFormerTrainConfig): MIMOFormerConfig {
  const info = LRA_TASK_INFO[c.task];
  return {
    vocabSize: info.vocabSize, padId: info.padId, maxLength: c.length, classes: info.classes, dim: c.dim, ffn: c.ffn, heads: c.heads,
    headDim: c.headDim, layers: c.layers, features: c.features, dropout: c.dropout, variant: c.variant, m: c.m, n: c.n, dual: false,
    ...(c.centerValues ? { centerValues: true } : {}),
    ...(c.uniformAttention ? { uniformAttention: true } : {}),
    ...(c.kernel !== 'relu' ? { kernel: c.kernel } : {}),
    ...(c.keys !== 'random' ? { keys: c.keys } : {}),
    ...(c.cleanInit ? { cleanInit: true } : {}),
  };
}

/** groupByLength draws each batch from a pool of this many batches' worth of sequences. */
export const LENGTH_POOL_BATCHES = 32;

/**
 * The training rows of step s (0-based), a function of the seed and the step only (so a resumed run
 * draws what an uninterrupted one would): `batch` uniform draws from the n training sequences. With
 * groupByLength, LENGTH_POOL_BATCHES·batch uniform draws are sorted by length and one of their
 * LENGTH_POOL_BATCHES consecutive slices, chosen uniformly, is the batch (in length order), as
 * length-grouped samplers do: every sequence is still drawn with the same probability, but a batch
 * pads less and each superposition group in it (consecutive rows) holds sequences of similar length.
 */
export function trainingRows(s: number, c: Pick<MIMOFormerTrainConfig, 'seed' | 'batch' | 'groupByLength'>, lengths: ArrayLike<number>): number[] {
  const n = lengths.length;
  const rng = new Rng(deriveSeed(c.seed, 3 * s));
  const draw = (k: number) => Array.from({ length: k }, () => Math.min(n - 1, Math.floor(rng.random() * n)));
  if (!c.groupByLength) return draw(c.batch);
  const pool = draw(LENGTH_POOL_BATCHES * c.batch).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const slice = Math.min(LENGTH_POOL_BATCHES - 1, Math.floor(rng.random() * LENGTH_POOL_BATCHES));
  return pool.slice(slice * c.batch, (slice + 1) * c.batch);
}

/** A grid as written in metrics and tables: 'm×n'. */
export const formatPoint = (p: readonly [number, number]): string => `${p[0]}×${p[1]}`;

/** The half grid the curriculum trains first. */
export const halfGrid = (p: readonly [number, number]): GridPoint => ({ m: Math.ceil(p[0] / 2), n: Math.ceil(p[1] / 2) });

/** The grid that step s (0-based) trains for point p: p itself after the curriculum, else p halved once per remaining stage. */
export function curriculumGrid(p: readonly [number, number], s: number, c: Pick<MIMOFormerTrainConfig, 'curriculumSteps' | 'curriculumStages'>): GridPoint {
  if (s >= c.curriculumSteps) return { m: p[0], n: p[1] };
  const stage = Math.floor((s * c.curriculumStages) / c.curriculumSteps);
  let g: GridPoint = { m: p[0], n: p[1] };
  for (let h = c.curriculumStages - stage; h > 0; h--) g = halfGrid([g.m, g.n]);
  return g;
}

/**
 * The grids the curriculum trains on the way to the points, smallest first, except those that are
 * points themselves: one set of weights has seen them, and often still serves them (`eval --grids`).
 */
export function warmupGrids(c: Pick<MIMOFormerTrainConfig, 'points' | 'curriculumSteps' | 'curriculumStages'>): [number, number][] {
  if (c.curriculumSteps === 0) return [];
  const key = (m: number, n: number) => `${m}x${n}`;
  const points = new Set(c.points.map(([m, n]) => key(m, n)));
  const seen = new Map<string, [number, number]>();
  for (const p of c.points) {
    for (let stage = 0; stage < c.curriculumStages; stage++) {
      const g = curriculumGrid(p, Math.ceil((stage * c.curriculumSteps) / c.curriculumStages), c);
      if (!points.has(key(g.m, g.n))) seen.set(key(g.m, g.n), [g.m, g.n]);
    }
  }
  return [...seen.values()].sort((a, b) => a[0] * a[1] - b[0] * b[1] || a[0] - b[0]);
}

/** Rows `pick` of a split as a batch cut to its longest sequence: ids int64 [B, L'], mask [B, L'] (true = real token), labels. */
export function lraBatch(data: LraData, pick: readonly number[], trim = true): { ids: Tensor; mask: Tensor; labels: Tensor } {
  return tidy(() => {
    const full = data.inputs.shape[1];
    const L = trim ? Math.max(1, ...pick.map((i) => data.lengths[i])) : full;
    const device = data.inputs.device; // the batch is made where the data lives
    const idx = tensor(pick as number[], { shape: [pick.length], dtype: 'int64', device });
    const ids = data.inputs.indexSelect(0, idx).narrow(1, 0, L).to('int64').contiguous();
    const lens = tensor(pick.map((i) => data.lengths[i]), { shape: [pick.length, 1], dtype: 'int64', device });
    const mask = tensor(Array.from({ length: L }, (_, j) => j), { shape: [1, L], dtype: 'int64', device }).lt(lens);
    return { ids, mask, labels: data.labels.indexSelect(0, idx) };
  });
}

export interface MIMOFormerEvalPoint {
  m: number;
  n: number;
  accuracy: number;
  correct: number;
  total: number;
  seconds: number;
  sequencesPerS: number;
}

/**
 * Accuracy and throughput at each grid on a split (eval mode, no gradients). Batches of `batch`
 * sequences (rounded down to a multiple of m·n); a last partial group is completed with copies of
 * its batch's rows, whose predictions are not counted. Sequences share a grid in a seeded random
 * order unless grouping is 'given' (see evaluate.ts).
 */
export function evaluateMIMOFormer(model: MIMOFormer, data: LraData, points: readonly GridPoint[], o: { batch?: number; warmup?: boolean; grouping?: Grouping; groupingSeed?: number } = {}): MIMOFormerEvalPoint[] {
  const logits = (p: GridPoint, rows: number[]) => {
    const b = lraBatch(data, rows);
    return model.forward(b.ids, b.mask, p);
  };
  return evaluatePoints(model, points, data.labels, { group: (p) => p.m * p.n, batch: () => o.batch ?? 32, warmup: o.warmup, grouping: o.grouping, seed: o.groupingSeed, lengths: data.lengths }, logits).map(
    (r) => ({ m: r.point.m, n: r.point.n, accuracy: r.accuracy, correct: r.correct, total: r.total, seconds: r.seconds, sequencesPerS: r.perSecond }),
  );
}

export interface MIMOFormerStepProgress {
  step: number;
  totalSteps: number;
  point: string;
  loss: number;
  accuracy: number;
  sequencesPerS: number;
  lr: number;
}

export interface MIMOFormerMetrics {
  step: number;
  lr: number;
  train_loss: number;
  train_accuracy: number;
  eval_split: 'dev';
  eval_sequences: number;
  /** How the dev sequences were put in superposition groups: 'length' for groupByLength runs, else 'random'. */
  eval_grouping: Grouping;
  /** Accuracy per grid, keyed 'm×n'. */
  eval_accuracy: Record<string, number>;
  sequences_per_s: number;
  seconds: number;
  eval_seconds: number;
}

export interface TrainMIMOFormerOptions extends Partial<MIMOFormerTrainConfig> {
  out: string;
  data?: string;
  /** Folder of the ListOps TSV files (default DATA/listops). */
  listopsDir?: string;
  resume?: boolean;
  /** Where to train: 'cpu' (default), 'cuda', 'cuda:1', ... (needs an addon built against a CUDA libtorch). */
  device?: string;
  /** Stop after this step (a checkpoint step; resume continues). */
  stopAfter?: number;
  onStart?: (s: { trainSequences: number; evalSequences: number; totalSteps: number; startStep: number; parameters: number; config: MIMOFormerTrainConfig }) => void;
  onStep?: (s: MIMOFormerStepProgress) => void;
  onEval?: (m: MIMOFormerMetrics) => void;
}

export interface TrainMIMOFormerResult {
  config: MIMOFormerTrainConfig;
  evals: MIMOFormerMetrics[];
  startStep: number;
  checkpoint: string;
  /** best.safetensors and the evaluation it holds (undefined while no evaluation has counted). */
  best?: { checkpoint: string; step: number; score: number };
  seconds: number;
}

const STATE_FORMAT = 'mimo-mimoformer-train-state/1';
const WHAT = 'MIMOFormer';
const round = (v: number, d = 6) => (Number.isFinite(v) ? Number(v.toPrecision(d)) : v);

/** The steps at which the run evaluates and checkpoints: every evalEvery, the curriculum's end, and the last. */
export function mimoFormerCheckpointSteps(c: MIMOFormerTrainConfig): number[] {
  const s = new Set<number>();
  for (let k = c.evalEvery; k <= c.steps; k += c.evalEvery) s.add(k);
  if (c.curriculumSteps > 0) s.add(c.curriculumSteps);
  s.add(c.steps);
  return [...s].sort((a, b) => a - b);
}

/** The full configuration of options (defaults filled in: points = the capacity, length = the task's). */
export function resolveMIMOFormerTrainConfig(options: Partial<MIMOFormerTrainConfig>): MIMOFormerTrainConfig {
  const given = Object.fromEntries(Object.entries(options).filter(([k, v]) => k in defaultMIMOFormerTrainConfig && v !== undefined)) as Partial<MIMOFormerTrainConfig>;
  const base = { ...defaultMIMOFormerTrainConfig, ...given };
  const task = LRA_TASK_INFO[base.task];
  return { ...base, points: given.points ?? [[base.m, base.n]], length: given.length ?? task?.length ?? base.length };
}

/** The dev score that selects best.safetensors: the mean accuracy over the evaluated points. */
export function devScore(evalAccuracy: Readonly<Record<string, number>>): number {
  const v = Object.values(evalAccuracy);
  return v.reduce((a, b) => a + b, 0) / v.length;
}

/** The step and score of a run's best.safetensors (undefined when it has none). */
function readBest(file: string): { step: number; score: number } | undefined {
  if (!existsSync(file)) return undefined;
  const extra = readCheckpointInfo(file).extra as { step?: number; eval_accuracy?: Record<string, number> };
  if (typeof extra.step !== 'number' || !extra.eval_accuracy) throw new Error(`${file}: not a MIMOFormer run's best checkpoint (no step or eval_accuracy)`);
  return { step: extra.step, score: devScore(extra.eval_accuracy) };
}

/** Trains (or resumes) a MIMOFormer run in options.out. */
export async function trainMIMOFormer(options: TrainMIMOFormerOptions): Promise<TrainMIMOFormerResult> {
  const t0 = performance.now();
  const config = resolveMIMOFormerTrainConfig(options);
  validateMIMOFormerTrainConfig(config);
  const marks = mimoFormerCheckpointSteps(config);
  if (options.stopAfter !== undefined && !marks.includes(options.stopAfter)) {
    throw new TrainConfigError(`stopAfter must be a checkpoint step (${marks.join(', ')}), got ${options.stopAfter}`);
  }
  const device = checkDevice(options.device ?? 'cpu')!;
  const dir = resolveDataDir(options.data);
  // Load the data before touching the run directory: a missing file must not leave an empty run.
  let train: LraData | undefined;
  let dev: LraData | undefined;
  const live: Tensor[] = [];
  let model: MIMOFormer | undefined;
  let opt: AdamW | undefined;
  let saved: ReturnType<typeof openRun>['saved'];
  try {
    train = toDevice(takeSubset(await loadLraTask(config.task, dir, 'train', { length: config.length, listopsDir: options.listopsDir }), config.limit, config.seed), device);
    live.push(train.inputs, train.labels);
    dev = toDevice(takeSubset(await loadLraTask(config.task, dir, 'dev', { length: config.length, listopsDir: options.listopsDir }), config.evalLimit, config.seed + 1), device);
    live.push(dev.inputs, dev.labels);

    const run = openRun(options.out, {
      resume: Boolean(options.resume), format: STATE_FORMAT, what: WHAT, config, defaults: defaultMIMOFormerTrainConfig, position: 'step', total: config.steps,
    });
    saved = run.saved;
    const { files, start: startStep } = run;
    let best = startStep > 0 ? readBest(files.best) : undefined; // a fresh run's directory holds none (openRun)
    model = saved ? loadMIMOFormer(files.model).model : new MIMOFormer(mimoFormerModelConfig(config), new Generator(config.seed));
    model.to(device).train(); // before the optimizer exists (it holds the parameters)
    const params = model.parameters().filter((p) => p.requiresGrad);
    opt = new AdamW(params, { lr: config.lr, weightDecay: config.weightDecay, eps: 1e-6 });
    const sched = new OneCycleLR(opt, { maxLr: config.lr, totalSteps: config.steps, pctStart: config.pctStart, annealStrategy: 'linear' });
    if (saved) {
      sched.loadStateDict(JSON.parse(saved.metadata.scheduler) as SchedulerStateDict);
      restoreOptimizer(opt, saved);
      saved = undefined;
    }
    const endStep = options.stopAfter ?? config.steps;
    const nTrain = train.labels.shape[0];
    options.onStart?.({ trainSequences: nTrain, evalSequences: dev.labels.shape[0], totalSteps: config.steps, startStep, parameters: model.numParameters(), config });

    const evalPoints = config.points.map(([m, n]) => ({ m, n }));
    const evalGrouping: Grouping = config.groupByLength ? 'length' : 'random';
    const evals: MIMOFormerMetrics[] = [];
    let acc = { seen: 0, loss: 0, correct: 0, steps: 0 };
    let te = performance.now();
    const mdl = model;
    const trainData = train;
    for (let s = startStep; s < endStep; s++) {
      const pRng = new Rng(deriveSeed(config.seed, 3 * s + 1));
      const drawn = config.points[Math.min(config.points.length - 1, Math.floor(pRng.random() * config.points.length))];
      const point = curriculumGrid(drawn, s, config);
      const pick = trainingRows(s, config, trainData.lengths);
      manualSeed(deriveSeed(config.seed, 3 * s + 2));
      const lr = opt.paramGroups[0].lr;
      const r = tidy(() => {
        const b = lraBatch(trainData, pick);
        const logits = mdl.forward(b.ids, b.mask, point);
        const loss = F.crossEntropy(logits, b.labels);
        opt!.zeroGrad();
        loss.backward();
        clipGradNorm_(params, config.clipNorm);
        opt!.step();
        return noGrad(() => ({ loss: loss.item(), correct: logits.argmax(1).eq(b.labels).sum().item() }));
      });
      sched.step();
      acc.seen += config.batch;
      acc.steps++;
      acc.loss += r.loss;
      acc.correct += r.correct;
      const secs = (performance.now() - te) / 1000;
      options.onStep?.({ step: s + 1, totalSteps: config.steps, point: `${point.m}×${point.n}`, loss: acc.loss / acc.steps, accuracy: acc.correct / acc.seen, sequencesPerS: acc.seen / secs, lr });
      if (!marks.includes(s + 1)) continue;
      const trainSeconds = (performance.now() - te) / 1000;
      const tv = performance.now();
      const points = evaluateMIMOFormer(mdl, dev, evalPoints, { batch: config.batch, grouping: evalGrouping });
      mdl.train();
      const evalSeconds = (performance.now() - tv) / 1000;
      const metrics: MIMOFormerMetrics = {
        step: s + 1, lr: round(lr), train_loss: round(acc.loss / acc.steps), train_accuracy: round(acc.correct / acc.seen), eval_split: 'dev',
        eval_sequences: dev.labels.shape[0], eval_grouping: evalGrouping, eval_accuracy: Object.fromEntries(points.map((p) => [`${p.m}×${p.n}`, round(p.accuracy)])),
        sequences_per_s: round(acc.seen / trainSeconds, 4), seconds: round(trainSeconds + evalSeconds, 4), eval_seconds: round(evalSeconds, 4),
      };
      const extra = { step: s + 1, task: config.task, points: config.points, warmup_points: warmupGrids(config), length: config.length, eval_split: 'dev', eval_accuracy: metrics.eval_accuracy };
      saveModelCheckpoint(files.model, 'mimoformer', mdl, mdl.config, extra);
      const score = devScore(metrics.eval_accuracy);
      if (s + 1 > config.curriculumSteps && (best === undefined || score > best.score)) {
        saveModelCheckpoint(files.best, 'mimoformer', mdl, mdl.config, extra);
        best = { step: s + 1, score };
      }
      saveState(files.state, opt, { format: STATE_FORMAT, step: String(s + 1), config: JSON.stringify(config), scheduler: JSON.stringify(sched.stateDict()) });
      appendLineAtomic(files.metrics, JSON.stringify(metrics));
      evals.push(metrics);
      options.onEval?.(metrics);
      acc = { seen: 0, loss: 0, correct: 0, steps: 0 };
      te = performance.now();
    }
    return { config, evals, startStep, checkpoint: files.model, ...(best ? { best: { checkpoint: files.best, ...best } } : {}), seconds: (performance.now() - t0) / 1000 };
  } finally {
    disposeState(saved);
    opt?.dispose();
    model?.dispose();
    live.forEach((t) => t.isDisposed || t.dispose());
  }
}

/** The training configuration saved in a MIMOFormer run directory (null when there is none). */
export function readMIMOFormerRunConfig(out: string): { config: MIMOFormerTrainConfig; step: number } | null {
  const r = readRunConfig<MIMOFormerTrainConfig>(out, STATE_FORMAT, WHAT, 'step');
  return r && { config: r.config, step: r.position };
}
