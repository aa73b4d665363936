// Training DataMUX on SST-2 (docs/datamux.md §3): a retrieval warm-up (λ_task 0, λ_ret 1: predict
// instance I_j's token at each position j from the mix) on the task's own training sentences, then
// task training with the auxiliary retrieval loss (λ_task 0.9, λ_ret 0.1). AdamW, linear warm-up
// and decay within each phase, gradient clipping at 1.0.
//
// Design decisions:
//
// * Steps, not epochs. A step takes `groups` mixes of n sentences each, drawn uniformly with
//   replacement from the training sentences. Every `evalEvery` steps (and at the end of each phase)
//   the run evaluates on SST-2 dev at each operating point, appends a metrics line and checkpoints.
// * Operating points. Each step's n is drawn uniformly from `points` (default [N]); one set of weights
//   then serves every n in points (DataMUX.forward(ids, n) uses the first n instance transforms).
// * Randomness. Step s (global, warm-up first) draws its sentences, its n and the retrieval
//   instances from streams deriveSeed(seed, 3s), 3s+1, 3s+2, and seeds the global generator
//   (dropout) with deriveSeed(seed, 3s+2) too; the model is initialised from Generator(seed). A resume
//   therefore needs only the seed and the step, and reproduces the uninterrupted run exactly.
// * Learning rate. lr·factor(s) with factor the linear warm-up (warmupFraction of the phase) and
//   linear decay to 0 of the current phase; computed from the step, so nothing to save.
// * Batches are cut to their longest sentence (every sequence of a batch padded to the same length);
//   with maskPadding this does not change the outputs. Set trimBatch false to pad every batch to
//   maxLength, as the reference does (it matters only for the unmasked variant).
// * Vocabulary. Words of the training sentences (lower-cased, minFreq, at most maxWords); the
//   vocabulary is stored in the checkpoint's extra metadata, so a checkpoint is self-contained.
// * Run directory as for MIMOConv: model.safetensors (saveModelCheckpoint 'datamux', extra {step,
//   phase, vocab, eval_accuracy, ...}), train_state.safetensors (AdamW state, step, config),
//   metrics.jsonl (one line per evaluation).
import { F, Generator, Tensor, checkDevice, manualSeed, noGrad, tensor, tidy } from '../tensor/index.js';
import { Rng, Vocab, deriveSeed, loadSst2, resolveDataDir, sequenceLengths } from '../data/index.js';
import type { VocabJson } from '../data/index.js';
import { AdamW, clipGradNorm_ } from '../nn/optim/index.js';
import { appendLineAtomic } from '../io/index.js';
import { disposeState, openRun, readRunConfig, restoreOptimizer, saveState } from './run_dir.js';
import type { SavedState } from './run_dir.js';
import { evaluatePoints, selectRows } from './evaluate.js';
import type { Grouping } from './evaluate.js';
import { DataMUX, DEMUX_KINDS, MAX_INSTANCES, MUX_KINDS, SENTENCE_POOLINGS } from '../models/datamux.js';
import type { DataMUXConfig, MuxKind, SentencePooling } from '../models/datamux.js';
import type { DemuxKind } from '../models/datamux_demux.js';
import { loadDataMUX, saveModelCheckpoint } from '../models/checkpoint.js';
import { TrainConfigError } from './mimoconv.js';

export interface DataMUXTrainConfig {
  task: 'sst2';
  instances: number;
  mux: MuxKind;
  demux: DemuxKind;
  learnMux: boolean;
  maskPadding: boolean;
  /** Sentence features: 'cls' (the demux's, the reference's) or 'mean' of the instance's token features. */
  pooling: SentencePooling;
  dim: number;
  layers: number;
  heads: number;
  ffn: number;
  dropout: number;
  demuxLayers: number;
  maxLength: number;
  minFreq: number;
  maxWords: number;
  /** Operating points trained (each step draws one); default [instances]. */
  points: number[];
  /** Retrieval warm-up steps (λ_task 0, λ_ret 1). */
  warmupSteps: number;
  /** Task steps (λ_task, λ_ret). */
  steps: number;
  /** Mixes per step (B); a step sees groups·n sentences. */
  groups: number;
  lr: number;
  /** Share of each phase spent warming the lr up linearly. */
  warmupFraction: number;
  weightDecay: number;
  clipNorm: number;
  taskWeight: number;
  retrievalWeight: number;
  evalEvery: number;
  trimBatch: boolean;
  /** Use only the first `limit` training sentences. */
  limit: number | null;
  /** Evaluate on only the first evalLimit dev sentences. */
  evalLimit: number | null;
  seed: number;
}

/**
 * The CPU default (see README): 2 layers, d = 128, 4 heads, FFN 512, L = 64, N = 2; 1000 retrieval
 * warm-up + 5000 task steps of 32 mixes. Measured on the 2-core machine (with another job running):
 * about 0.37 s per warm-up step and 0.27 s per task step at N = 2, so about 30 min in all.
 */
export const defaultDataMUXTrainConfig: DataMUXTrainConfig = {
  task: 'sst2', instances: 2, mux: 'gaussian', demux: 'index', learnMux: false, maskPadding: true, pooling: 'cls', dim: 128, layers: 2, heads: 4, ffn: 512,
  dropout: 0.1, demuxLayers: 2, maxLength: 64, minFreq: 1, maxWords: 8000, points: [2], warmupSteps: 1000, steps: 5000, groups: 32, lr: 5e-4,
  warmupFraction: 0.06, weightDecay: 0.01, clipNorm: 1, taskWeight: 0.9, retrievalWeight: 0.1, evalEvery: 500, trimBatch: true, limit: null,
  evalLimit: null, seed: 0,
};

export function validateDataMUXTrainConfig(c: DataMUXTrainConfig): void {
  const bad = (msg: string): never => {
    throw new TrainConfigError(msg);
  };
  if (c.task !== 'sst2') bad(`task must be sst2 (mnist: see trainDataMUXVision), got '${String(c.task)}'`);
  const posInt = (v: number, name: string) => (Number.isInteger(v) && v >= 1) || bad(`${name} must be a positive integer, got ${v}`);
  for (const k of ['instances', 'dim', 'layers', 'heads', 'ffn', 'demuxLayers', 'maxLength', 'minFreq', 'maxWords', 'groups', 'evalEvery'] as const) posInt(c[k], k);
  if (c.instances > MAX_INSTANCES) bad(`instances N must be in 1..${MAX_INSTANCES}, got ${c.instances}`);
  if (!MUX_KINDS.includes(c.mux)) bad(`mux must be one of ${MUX_KINDS.join(', ')}, got '${String(c.mux)}'`);
  if (!SENTENCE_POOLINGS.includes(c.pooling)) bad(`pooling must be one of ${SENTENCE_POOLINGS.join(', ')}, got '${String(c.pooling)}'`);
  if (!DEMUX_KINDS.includes(c.demux)) bad(`demux must be one of ${DEMUX_KINDS.join(', ')}, got '${String(c.demux)}'`);
  if (!Array.isArray(c.points) || c.points.length === 0) bad(`points must be a non-empty list, got ${JSON.stringify(c.points)}`);
  for (const n of c.points) if (!Number.isInteger(n) || n < 1 || n > c.instances) bad(`operating point ${n} must be in 1..N = ${c.instances}`);
  for (const k of ['warmupSteps', 'steps'] as const) if (!Number.isInteger(c[k]) || c[k] < 0) bad(`${k} must be an integer >= 0, got ${c[k]}`);
  if (c.warmupSteps + c.steps < 1) bad('warmupSteps + steps must be at least 1');
  if (!(c.lr > 0 && Number.isFinite(c.lr))) bad(`lr must be a positive number, got ${c.lr}`);
  if (!(c.warmupFraction >= 0 && c.warmupFraction <= 1)) bad(`warmupFraction must be in [0, 1], got ${c.warmupFraction}`);
  if (!(c.dropout >= 0 && c.dropout < 1)) bad(`dropout must be in [0, 1), got ${c.dropout}`);
  for (const k of ['weightDecay', 'clipNorm', 'taskWeight', 'retrievalWeight'] as const) if (!(c[k] >= 0 && Number.isFinite(c[k]))) bad(`${k} must be a non-negative number, got ${c[k]}`);
  if (c.dim % c.heads !== 0) bad(`heads (${c.heads}) must divide dim (${c.dim})`);
  if (c.limit !== null) posInt(c.limit, 'limit');
  if (c.evalLimit !== null) posInt(c.evalLimit, 'evalLimit');
  if (!Number.isSafeInteger(c.seed) || c.seed < 0) bad(`seed must be a non-negative integer, got ${c.seed}`);
}

/** The model configuration of a training configuration and vocabulary. */
export function dataMUXModelConfig(c: DataMUXTrainConfig, vocabSize: number): DataMUXConfig {
  return {
    vocabSize, padId: Vocab.PAD, maxLength: c.maxLength, instances: c.instances, dim: c.dim, layers: c.layers, heads: c.heads, ffn: c.ffn,
    dropout: c.dropout, mux: c.mux, learnMux: c.learnMux, muxNorm: Math.sqrt(c.dim), demux: c.demux, demuxLayers: c.demuxLayers,
    task: 'sentence', classes: 2, maskPadding: c.maskPadding, pooling: c.pooling,
  };
}

export interface DataMUXEvalPoint {
  n: number;
  accuracy: number;
  correct: number;
  total: number;
  seconds: number;
  instancesPerS: number;
}

/**
 * Accuracy and throughput of a sentence-level DataMUX at each n on encoded sentences ids [M, L]
 * with labels [M] (eval mode, no gradients). Batches hold `groups` mixes; a last partial mix is
 * filled with copies of its batch's sentences, whose predictions are not counted; sentences share a
 * mix in a seeded random order unless grouping is 'given' or 'length' (that order sorted by
 * length; see evaluate.ts). With masked padding each batch is cut to its longest sentence, as in
 * training, which leaves every output as it is at full length.
 */
export function evaluateDataMUX(
  model: DataMUX, ids: Tensor, labels: Tensor, ns: readonly number[], o: { groups?: number; warmup?: boolean; grouping?: Grouping; groupingSeed?: number } = {},
): DataMUXEvalPoint[] {
  const lengths = sentenceLengths(ids, model.config.padId);
  const opts = { group: (n: number) => n, batch: (n: number) => (o.groups ?? 32) * n, warmup: o.warmup, grouping: o.grouping, seed: o.groupingSeed, lengths };
  return evaluatePoints(model, ns, labels, opts, (n, rows) => batchLogits(model, ids, lengths, rows, n)).map(
    (r) => ({ n: r.point, accuracy: r.accuracy, correct: r.correct, total: r.total, seconds: r.seconds, instancesPerS: r.perSecond }),
  );
}

/**
 * Logits of rows `rows` of ids [M, L] at n (consecutive rows share a mix). With masked padding the
 * batch is cut to its longest sentence (`lengths`: sentenceLengths of ids), which changes no output.
 */
export function batchLogits(model: DataMUX, ids: Tensor, lengths: ArrayLike<number>, rows: readonly number[], n: number): Tensor {
  return tidy(() => {
    const batch = selectRows(ids, rows);
    return model.forward(model.config.maskPadding ? batch.narrow(1, 0, Math.max(1, ...rows.map((r) => lengths[r]))) : batch, n);
  });
}

/** Each row's length before its trailing padding: ids [M, L] → M lengths. */
export function sentenceLengths(ids: Tensor, padId: number): number[] {
  const [M, L] = ids.shape;
  return sequenceLengths(noGrad(() => tidy(() => ids.to('int32').data() as Int32Array)), M, L, padId);
}

/** Encodes sentences as int64 [M, maxLength] ([CLS] first: the mlp and rsa demuxes read position 0). */
export function encodeSentences(vocab: Vocab, sentences: readonly string[], maxLength: number): Tensor {
  return vocab.encodeBatch(sentences, maxLength, { addCls: true }).ids;
}

export interface DataMUXStepProgress {
  step: number;
  totalSteps: number;
  phase: 'retrieval' | 'task';
  n: number;
  loss: number;
  taskAccuracy: number;
  retrievalAccuracy: number;
  instancesPerS: number;
  lr: number;
}

export interface DataMUXMetrics {
  step: number;
  phase: 'retrieval' | 'task';
  lr: number;
  train_loss: number;
  train_task_loss: number;
  train_retrieval_loss: number;
  train_accuracy: number;
  train_retrieval_accuracy: number;
  eval_split: 'dev';
  eval_sentences: number;
  eval_accuracy: Record<string, number>;
  instances_per_s: number;
  seconds: number;
  eval_seconds: number;
}

export interface TrainDataMUXOptions extends Partial<DataMUXTrainConfig> {
  out: string;
  data?: string;
  resume?: boolean;
  /** Stop after this global step (an interrupted run; resume continues it). Must be a checkpoint step. */
  stopAfter?: number;
  /** Where to train: 'cpu' (default), 'cuda', ... (the encoded sentences and the model live there). */
  device?: string;
  onStart?: (s: { trainSentences: number; evalSentences: number; vocabSize: number; totalSteps: number; startStep: number; parameters: number; config: DataMUXTrainConfig }) => void;
  onStep?: (s: DataMUXStepProgress) => void;
  onEval?: (m: DataMUXMetrics) => void;
}

export interface TrainDataMUXResult {
  config: DataMUXTrainConfig;
  evals: DataMUXMetrics[];
  startStep: number;
  checkpoint: string;
  seconds: number;
}

const STATE_FORMAT = 'mimo-datamux-train-state/1';
const round = (v: number, d = 6) => (Number.isFinite(v) ? Number(v.toPrecision(d)) : v);

/** The steps at which the run evaluates and checkpoints: every evalEvery, and each phase's end. */
export function checkpointSteps(c: DataMUXTrainConfig): number[] {
  const total = c.warmupSteps + c.steps;
  const s = new Set<number>();
  for (let k = c.evalEvery; k <= total; k += c.evalEvery) s.add(k);
  if (c.warmupSteps > 0) s.add(c.warmupSteps);
  s.add(total);
  return [...s].sort((a, b) => a - b);
}

/** The lr multiplier at global step s (0-based): linear warm-up then linear decay within the phase. */
export function lrFactor(c: DataMUXTrainConfig, s: number): number {
  const [start, len] = s < c.warmupSteps ? [0, c.warmupSteps] : [c.warmupSteps, c.steps];
  const t = s - start;
  const w = Math.round(c.warmupFraction * len);
  if (t < w) return (t + 1) / (w + 1);
  return Math.max(0, (len - t) / Math.max(1, len - w));
}

/** Trains (or resumes) a DataMUX SST-2 run in options.out. */
export async function trainDataMUX(options: TrainDataMUXOptions): Promise<TrainDataMUXResult> {
  const t0 = performance.now();
  const given = Object.fromEntries(Object.entries(options).filter(([k, v]) => k in defaultDataMUXTrainConfig && v !== undefined)) as Partial<DataMUXTrainConfig>;
  const config: DataMUXTrainConfig = { ...defaultDataMUXTrainConfig, points: [given.instances ?? defaultDataMUXTrainConfig.instances], ...given };
  validateDataMUXTrainConfig(config);
  const out = options.out;
  const totalSteps = config.warmupSteps + config.steps;
  const marks = checkpointSteps(config);
  if (options.stopAfter !== undefined && !marks.includes(options.stopAfter)) {
    throw new TrainConfigError(`stopAfter must be a checkpoint step (${marks.join(', ')}), got ${options.stopAfter}`);
  }

  const device = checkDevice(options.device ?? 'cpu')!;
  const dir = resolveDataDir(options.data);
  const live: Tensor[] = [];
  let model: DataMUX | undefined;
  let opt: AdamW | undefined;
  let saved: SavedState | undefined;
  try {
    const train = loadSst2(dir, 'train', { limit: config.limit ?? undefined });
    const dev = loadSst2(dir, 'dev', { limit: config.evalLimit ?? undefined });
    const run = openRun(out, { resume: Boolean(options.resume), format: STATE_FORMAT, what: 'DataMUX', config, defaults: defaultDataMUXTrainConfig, position: 'step', total: totalSteps });
    const { files, start: startStep } = run;
    saved = run.saved;
    let vocab: Vocab;
    if (saved) {
      const { model: m, info } = loadDataMUX(files.model);
      model = m;
      vocab = Vocab.fromJSON((info.extra as { vocab: VocabJson }).vocab, files.model);
    } else {
      vocab = Vocab.build(train.sentences, { minFreq: config.minFreq, maxWords: config.maxWords });
      model = new DataMUX(dataMUXModelConfig(config, vocab.size), new Generator(config.seed));
    }
    const hostIds = encodeSentences(vocab, train.sentences, config.maxLength);
    const lengths = sentenceLengths(hostIds, Vocab.PAD);
    const trainIds = tidy(() => hostIds.to(device)).keep();
    hostIds.dispose(); // trainIds holds its own handle
    live.push(trainIds);
    const trainLabels = tidy(() => tensorOf(train.labels, device)).keep();
    live.push(trainLabels);
    const devIds = tidy(() => encodeSentences(vocab, dev.sentences, config.maxLength).to(device)).keep();
    live.push(devIds);
    const devLabels = tensorOf(dev.labels, device).keep();
    live.push(devLabels);
    const nTrain = train.sentences.length;

    model.to(device).train(); // before the optimizer takes the parameters
    const params = model.parameters().filter((p) => p.requiresGrad);
    opt = new AdamW(params, { lr: config.lr, weightDecay: config.weightDecay });
    if (saved) {
      restoreOptimizer(opt, saved);
      saved = undefined;
    }
    const endStep = options.stopAfter ?? totalSteps;
    options.onStart?.({ trainSentences: nTrain, evalSentences: devLabels.shape[0], vocabSize: vocab.size, totalSteps, startStep, parameters: model.numParameters(), config });

    const evals: DataMUXMetrics[] = [];
    let acc = { seen: 0, loss: 0, task: 0, ret: 0, correct: 0, retCorrect: 0, retSeen: 0, steps: 0 };
    let te = performance.now();
    const m = model;
    for (let s = startStep; s < endStep; s++) {
      const phase = s < config.warmupSteps ? 'retrieval' : 'task';
      const nRng = new Rng(deriveSeed(config.seed, 3 * s + 1));
      const n = config.points.length === 1 ? config.points[0] : config.points[Math.min(config.points.length - 1, Math.floor(nRng.random() * config.points.length))];
      const rows = config.groups * n;
      const pickRng = new Rng(deriveSeed(config.seed, 3 * s));
      const pick = Array.from({ length: rows }, () => Math.min(nTrain - 1, Math.floor(pickRng.random() * nTrain)));
      const L = config.trimBatch ? Math.max(...pick.map((i) => lengths[i])) : config.maxLength;
      manualSeed(deriveSeed(config.seed, 3 * s + 2));
      const lr = config.lr * lrFactor(config, s);
      for (const g of opt.paramGroups) g.lr = lr;
      const [wTask, wRet] = phase === 'retrieval' ? [0, 1] : [config.taskWeight, config.retrievalWeight];
      const r = tidy(() => {
        const idx = tensorOf(Int32Array.from(pick), device);
        const x = trainIds.indexSelect(0, idx).narrow(1, 0, L).contiguous();
        const y = trainLabels.indexSelect(0, idx);
        const o = m.run(x, n, { retrieval: wRet > 0, generator: new Generator(deriveSeed(config.seed, 3 * s + 2)) });
        const taskLoss = F.crossEntropy(o.logits, y);
        const k = o.retrievalTargets?.shape[0] ?? 0;
        const retLoss = k > 0 ? F.crossEntropy(o.retrievalLogits!, o.retrievalTargets!) : undefined;
        let loss = taskLoss.mul(wTask);
        if (retLoss) loss = loss.add(retLoss.mul(wRet));
        opt!.zeroGrad();
        loss.backward();
        clipGradNorm_(params, config.clipNorm);
        opt!.step();
        return noGrad(() => ({
          loss: loss.item(), task: taskLoss.item(), ret: retLoss ? retLoss.item() : NaN, k,
          correct: o.logits.argmax(1).eq(y).sum().item(),
          retCorrect: k > 0 ? o.retrievalLogits!.argmax(1).eq(o.retrievalTargets!).sum().item() : 0,
        }));
      });
      acc.seen += rows;
      acc.steps++;
      acc.loss += r.loss;
      acc.task += r.task;
      if (r.k > 0) acc.ret += r.ret * r.k;
      acc.retSeen += r.k;
      acc.correct += r.correct;
      acc.retCorrect += r.retCorrect;
      const secs = (performance.now() - te) / 1000;
      options.onStep?.({
        step: s + 1, totalSteps, phase, n, loss: acc.loss / acc.steps, taskAccuracy: acc.correct / acc.seen,
        retrievalAccuracy: acc.retSeen ? acc.retCorrect / acc.retSeen : NaN, instancesPerS: acc.seen / secs, lr,
      });
      if (!marks.includes(s + 1)) continue;
      const trainSeconds = (performance.now() - te) / 1000;
      const tv = performance.now();
      const points = evaluateDataMUX(m, devIds, devLabels, config.points, { groups: config.groups });
      m.train();
      const evalSeconds = (performance.now() - tv) / 1000;
      const metrics: DataMUXMetrics = {
        step: s + 1, phase, lr: round(lr), train_loss: round(acc.loss / acc.steps), train_task_loss: round(acc.task / acc.steps),
        train_retrieval_loss: round(acc.retSeen ? acc.ret / acc.retSeen : NaN), train_accuracy: round(acc.correct / acc.seen),
        train_retrieval_accuracy: round(acc.retSeen ? acc.retCorrect / acc.retSeen : NaN), eval_split: 'dev', eval_sentences: devLabels.shape[0],
        eval_accuracy: Object.fromEntries(points.map((p) => [String(p.n), round(p.accuracy)])), instances_per_s: Math.round(acc.seen / trainSeconds),
        seconds: round(trainSeconds + evalSeconds, 4), eval_seconds: round(evalSeconds, 4),
      };
      saveModelCheckpoint(files.model, 'datamux', m, m.config, {
        step: s + 1, phase, task: config.task, points: config.points, eval_split: 'dev', eval_accuracy: metrics.eval_accuracy, vocab: vocab.toJSON(),
      });
      saveDataMUXState(files.state, opt, s + 1, config);
      appendLineAtomic(files.metrics, JSON.stringify(metrics));
      evals.push(metrics);
      options.onEval?.(metrics);
      acc = { seen: 0, loss: 0, task: 0, ret: 0, correct: 0, retCorrect: 0, retSeen: 0, steps: 0 };
      te = performance.now();
    }
    return { config, evals, startStep, checkpoint: files.model, seconds: (performance.now() - t0) / 1000 };
  } finally {
    disposeState(saved);
    opt?.dispose();
    model?.dispose();
    live.forEach((t) => t.isDisposed || t.dispose());
  }
}

function tensorOf(v: Int32Array, device: string): Tensor {
  return tensor(Array.from(v), { shape: [v.length], dtype: 'int64', device });
}

function saveDataMUXState(file: string, opt: AdamW, step: number, config: DataMUXTrainConfig): void {
  saveState(file, opt, {
    format: STATE_FORMAT, step: String(step), config: JSON.stringify(config),
    rng: 'step s draws sentences from deriveSeed(seed, 3s), n from 3s+1, retrieval instances and dropout from 3s+2',
  });
}

/** The training configuration saved in a DataMUX run directory (null when there is none). */
export function readDataMUXRunConfig(out: string): { config: DataMUXTrainConfig; step: number } | null {
  const r = readRunConfig<DataMUXTrainConfig>(out, STATE_FORMAT, 'DataMUX', 'step');
  return r && { config: r.config, step: r.position };
}
