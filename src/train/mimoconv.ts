// Training MIMOConv (MIMONets' superposition CNN) with the reference protocol (docs/mimonets.md §3):
// mixup before superposition, loss λ·CE(y_a) + (1−λ)·CE(y_b) + 0.1·L_key (+ w·L_iso, ISONet's
// isometry regulariser over the trunk's convolutions, off by default), dynamic superposition,
// SGD + OneCycle (cosine, momentum cycling 0.95 -> 0.85 -> 0.95), weight decay on everything but
// the activation parameters, gradient clipping at 1e3 and skipping of outlier steps. Per epoch it
// evaluates every operating point n | cap, appends a line to metrics.jsonl, and checkpoints, so a
// run can resume exactly.
//
// Design decisions:
//
// * BatchNorm statistics per operating point. The trunk sees other inputs at each n (one image
//   repeated over the slots at n = 1, cap distinct images at n = cap), so each n keeps its own
//   running statistics (shared affine weights); training updates those of the step's n, and before
//   each evaluation every n's statistics are re-estimated from `calibrationGroups` superpositions of
//   clean training images ("precise BN"), which also covers the points that training never visits.
//
// * Batch composition. The trunk always sees `groups` superpositions: a step at operating point n
//   takes groups·n images (fast steps n = cap, slow steps n drawn uniformly from `low`). Images come from an index stream
//   made of `cap` shuffled passes over the training set (the reference loops over the data cap times
//   per epoch); an epoch is floor(N / groups) steps, so every epoch has the same number of trunk
//   passes whatever the mix of fast and slow steps, and OneCycle's step count is known up front.
//   Fast-only training consumes (almost) the whole stream; slow steps consume less of it.
// * Randomness. Everything random in epoch e is drawn from streams derived from (seed, e) with
//   deriveSeed: the order (4e), crop/flip (4e+1), mixup λ and permutation (4e+2), and the per-step
//   draw of n (4e+3). The model is initialised from Generator(seed). The "RNG state" a resume needs
//   is therefore just the seed and the number of finished epochs.
// * Weight decay. One group with decay for every parameter except model.activationParameters()
//   (PReLU slopes), which get none: like the reference, biases, BN affine parameters and binding keys
//   are decayed (at 1e-5 the difference is negligible, and it keeps the reference's behaviour).
// * Outlier steps. clip_grad_norm(1e3) gives the total norm; a step is skipped (no optimizer update,
//   the scheduler still advances so the schedule keeps its length) when that norm is not finite or
//   is >= skipFactor × the mean norm of the previous epoch's applied steps (no skipping in epoch 1).
// * Baseline. With `baseline` the same loop trains the plain WideResNet (same stem, trunk, head
//   width; cap 1), so the baseline row of a comparison gets the same data, schedule and budget.
// * Run directory (run_dir.ts). model.safetensors: saveModelCheckpoint('mimoconv', weights + BN buffers, config,
//   extra {epoch, dataset, eval_accuracy, ...}); train_state.safetensors: SGD momentum buffers (as
//   optimizer.<key>) with metadata {format, epoch, options, optimizer meta, scheduler state,
//   previous-epoch grad-norm mean}; metrics.jsonl: one JSON line per finished epoch. Resume loads
//   both files (their epochs must agree), truncates metrics.jsonl to the finished epochs and
//   continues with epoch `epoch` + 1: same batches, same lr, bitwise-equal weights.
import { Generator, Tensor, arange, cat, checkDevice, keep, noGrad, randperm, tidy, zeros } from '../tensor/index.js';
import {
  CIFAR10_MEAN, CIFAR10_STD, MNIST_MEAN, MNIST_STD, Rng, augmentImages, deriveSeed, loadCifar10, loadMnist,
  mixupCrossEntropy, normalize, resolveDataDir, trainValSplit,
} from '../data/index.js';
import { AdamW, OneCycleLR, Optimizer, SGD, clipGradNorm_ } from '../nn/optim/index.js';
import type { SchedulerStateDict } from '../nn/optim/index.js';
import { appendLineAtomic } from '../io/index.js';
import { RUN_FILES, disposeState, openRun, readRunConfig as readRunDirConfig, restoreOptimizer, saveState } from './run_dir.js';
import type { SavedState } from './run_dir.js';
import { evaluatePoints, selectRows } from './evaluate.js';
import type { Grouping } from './evaluate.js';
import { MIMOConv } from '../models/mimoconv.js';
import type { Binding, MIMOConvConfig } from '../models/mimoconv.js';
import { WideResNet } from '../models/wideresnet.js';
import type { WideResNetConfig } from '../models/wideresnet.js';
import { loadMIMOConv, loadWideResNet, saveModelCheckpoint } from '../models/checkpoint.js';

/** What the trainer trains: a MIMOConv, or the plain WideResNet baseline (one image per pass, n = 1). */
export type ImageClassifier = MIMOConv | WideResNet;

/** The capacity of a model (1 for the plain WideResNet). */
export const capacityOf = (m: ImageClassifier): number => (m instanceof MIMOConv ? m.config.cap : 1);

/** Logits of x at operating point n (the plain WideResNet only has n = 1). */
function forwardAt(m: ImageClassifier, x: Tensor, n: number): Tensor {
  return m instanceof MIMOConv ? m.forward(x, n) : m.forward(x);
}

export type ImageDataset = 'mnist' | 'cifar10';
export const IMAGE_DATASETS: readonly ImageDataset[] = ['mnist', 'cifar10'];

/** How a data set is fed to MIMOConv: channels, image size, normalisation and training augmentation. */
export interface DatasetSpec {
  inChannels: number;
  classes: number;
  size: [number, number];
  mean: readonly number[];
  std: readonly number[];
  /** Reflect padding of the random crop (0: no crop). */
  pad: number;
  /** Horizontal flip probability (0: no flip). */
  flipP: number;
}

export const DATASET_SPECS: Record<ImageDataset, DatasetSpec> = {
  mnist: { inChannels: 1, classes: 10, size: [28, 28], mean: [MNIST_MEAN], std: [MNIST_STD], pad: 0, flipP: 0 },
  cifar10: { inChannels: 3, classes: 10, size: [32, 32], mean: CIFAR10_MEAN, std: CIFAR10_STD, pad: 4, flipP: 0.5 },
};

/** Loads a split as uint8 images [N, C, H, W] and int64 labels [N]. Missing files throw DataFileError. */
export async function loadImageDataset(dataset: ImageDataset, dir: string, split: 'train' | 'test', limit?: number): Promise<{ images: Tensor; labels: Tensor }> {
  if (dataset === 'mnist') {
    const m = loadMnist(dir, split, { limit });
    const images = tidy(() => m.images.unsqueeze(1).contiguous());
    m.images.dispose();
    return { images, labels: m.labels };
  }
  if (dataset === 'cifar10') {
    const c = await loadCifar10(dir, split, { limit });
    return { images: c.images, labels: c.labels };
  }
  throw new RangeError(`unknown data set '${String(dataset)}' (choose from ${IMAGE_DATASETS.join(', ')})`);
}

/** The operating points n that divide cap, ascending. */
export function divisorsOf(cap: number): number[] {
  const out: number[] = [];
  for (let n = 1; n <= cap; n++) if (cap % n === 0) out.push(n);
  return out;
}

export interface EvalPoint {
  n: number;
  accuracy: number;
  correct: number;
  total: number;
  /** Seconds of the evaluation loop (noGrad, eval mode): picking each batch and its forward pass; normalisation excluded. */
  seconds: number;
  imagesPerS: number;
}

/**
 * Accuracy and throughput of a MIMOConv at each operating point n (each must divide cap), on
 * normalised float images x [N, C, H, W] with labels y [N], in eval mode without gradients. Batches
 * hold `batchSize` images (rounded down to a multiple of cap); a last partial batch is filled up to
 * a multiple of n with copies of its own images, whose predictions are not counted. Images share a
 * superposition in a seeded random order unless grouping is 'given' (see evaluate.ts).
 * warmup: one untimed batch per n first (for throughput measurements).
 */
export function evaluateMIMOConv(model: ImageClassifier, x: Tensor, y: Tensor, ns: readonly number[], o: { batchSize?: number; warmup?: boolean; grouping?: Grouping; groupingSeed?: number } = {}): EvalPoint[] {
  const cap = capacityOf(model);
  for (const n of ns) if (!Number.isInteger(n) || n < 1 || cap % n !== 0) throw new RangeError(`n = ${n} does not divide the model's capacity ${cap} (choose from ${divisorsOf(cap).join(', ')})`);
  const bs = Math.max(cap, Math.floor((o.batchSize ?? 512) / cap) * cap);
  return evaluatePoints(model, ns, y, { group: (n) => n, batch: () => bs, warmup: o.warmup, grouping: o.grouping, seed: o.groupingSeed }, (n, rows) => forwardAt(model, selectRows(x, rows), n)).map(
    (r) => ({ n: r.point, accuracy: r.accuracy, correct: r.correct, total: r.total, seconds: r.seconds, imagesPerS: r.perSecond }),
  );
}

/** Everything that defines a training run (what resume compares). */
export interface MIMOConvTrainConfig {
  dataset: ImageDataset;
  depth: 10 | 16 | 28;
  width: number;
  initialWidth: number;
  cap: number;
  binding: Binding;
  activation: 'prelu' | 'relu';
  trainableKeys: boolean;
  /** One set of trunk BatchNorm statistics per operating point (MIMOConvConfig.normPerPoint). */
  normPerPoint: boolean;
  /**
   * Before each evaluation, the trunk's BatchNorm statistics of every operating point are
   * re-estimated from this many superpositions of clean training images (0: keep the running
   * statistics of training, which only the trained points n = cap and n ∈ low have seen).
   */
  calibrationGroups: number;
  epochs: number;
  /** Superpositions per step (the reference: 128). */
  groups: number;
  /**
   * 'sgd' (the reference: momentum 0.9, cycled 0.95 → 0.85 → 0.95) or 'adamw' (β1 cycled the same
   * way; decoupled weight decay), both under OneCycle.
   */
  optimizer: 'sgd' | 'adamw';
  /** OneCycle's peak lr (reference 0.2 with SGD). */
  lr: number;
  /**
   * Probability of a fast step (n = cap); otherwise n is drawn uniformly from `low` (the reference
   * has one slow point; several slow points train the operating points between 1 and cap too).
   */
  fastProbability: number;
  low: number[];
  /** Mixup α (0 disables). */
  mixupAlpha: number;
  weightDecay: number;
  keyLossWeight: number;
  /**
   * Weight of ISONet's isometry regulariser ½‖conv(W, W) − δ‖² over the trunk's convolutions (the
   * MIMONets reference: 1e-4); 0 (default) leaves it out and does not compute it.
   */
  isometryWeight: number;
  clipNorm: number;
  skipFactor: number;
  /** Validation images split off the training set (count, or fraction in (0, 1)); 0: evaluate on the test split. */
  val: number;
  splitSeed: number;
  /** Use only the first `limit` training images (before the split). */
  limit: number | null;
  /** Evaluate on only the first evalLimit images of the evaluation split (null: all). */
  evalLimit: number | null;
  seed: number;
  /**
   * Train the plain WideResNet with the same stem and trunk instead (the baseline a user would run
   * without superposition): one image per pass, cap 1; binding, keys and the BatchNorm options are
   * unused.
   */
  baseline: boolean;
}

export const defaultTrainConfig: MIMOConvTrainConfig = {
  dataset: 'cifar10', depth: 16, width: 4, initialWidth: 4, cap: 4, binding: 'hrr', activation: 'prelu', trainableKeys: true,
  normPerPoint: true, calibrationGroups: 1024, epochs: 1, groups: 128, optimizer: 'sgd', lr: 0.2, fastProbability: 0.8, low: [4], mixupAlpha: 1, weightDecay: 1e-5, keyLossWeight: 0.1,
  isometryWeight: 0, clipNorm: 1e3, skipFactor: 10, val: 0, splitSeed: 42, limit: null, evalLimit: null, seed: 0, baseline: false,
};

export interface StepProgress {
  epoch: number;
  /** Steps done in this run's schedule (global, 1-based), and the schedule's total. */
  step: number;
  totalSteps: number;
  n: number;
  /** Running means over the epoch. */
  loss: number;
  accuracy: number;
  imagesPerS: number;
  lr: number;
}

export interface EpochMetrics {
  epoch: number;
  steps: number;
  lr: number;
  train_loss: number;
  train_key_loss: number;
  /** Mean isometry penalty over the epoch's steps (null when isometryWeight is 0: not computed). */
  train_isometry_loss: number | null;
  train_accuracy: number;
  eval_split: 'val' | 'test';
  eval_images: number;
  eval_accuracy: Record<string, number>;
  images_per_s: number;
  fast_steps: number;
  slow_steps: number;
  skipped_steps: number;
  grad_norm_mean: number;
  seconds: number;
  eval_seconds: number;
}

export interface TrainMIMOConvOptions extends Partial<MIMOConvTrainConfig> {
  /** Run directory (metrics.jsonl, model.safetensors, train_state.safetensors). */
  out: string;
  /** Data directory (default: resolveDataDir()). */
  data?: string;
  /** Continue the run in `out` from its last finished epoch. */
  resume?: boolean;
  /** Stop after this many epochs of the schedule (an interrupted run; resume continues it). */
  stopAfter?: number;
  evalBatchSize?: number;
  /** Where to train: 'cpu' (default), 'cuda', ... The images stay in memory; each step's batch, the evaluation and calibration images go to the device. */
  device?: string;
  onStart?: (s: { trainImages: number; evalImages: number; evalSplit: 'val' | 'test'; stepsPerEpoch: number; totalSteps: number; startEpoch: number; parameters: number; config: MIMOConvTrainConfig }) => void;
  onStep?: (s: StepProgress) => void;
  onEpoch?: (m: EpochMetrics) => void;
}

export interface TrainMIMOConvResult {
  config: MIMOConvTrainConfig;
  epochs: EpochMetrics[];
  /** The epoch the run started from (0 for a fresh run). */
  startEpoch: number;
  checkpoint: string;
  seconds: number;
}

const STATE_FORMAT = 'mimo-mimoconv-train-state/1';
/** deriveSeed stream of the calibration sample (the epochs use streams 0 … 4·epochs − 1). */
const CALIBRATION_STREAM = 2 ** 40;

/** A bad training setting (the CLI reports it as a usage error). */
export class TrainConfigError extends RangeError {
  override name = 'TrainConfigError';
}

/** Checks a training configuration; throws a TrainConfigError naming the bad field. */
export function validateTrainConfig(c: MIMOConvTrainConfig): void {
  const bad = (msg: string): never => {
    throw new TrainConfigError(msg);
  };
  if (!IMAGE_DATASETS.includes(c.dataset)) bad(`unknown data set '${c.dataset}' (choose from ${IMAGE_DATASETS.join(', ')})`);
  if (![10, 16, 28].includes(c.depth)) bad(`depth must be 10, 16 or 28, got ${c.depth}`);
  const posInt = (v: number, name: string) => (Number.isInteger(v) && v >= 1) || bad(`${name} must be a positive integer, got ${v}`);
  posInt(c.width, 'width');
  posInt(c.initialWidth, 'initialWidth');
  posInt(c.cap, 'cap');
  posInt(c.epochs, 'epochs');
  posInt(c.groups, 'groups');
  if (!Array.isArray(c.low) || c.low.length === 0) bad(`low must be a non-empty list of operating points, got ${JSON.stringify(c.low)}`);
  for (const l of c.low) {
    posInt(l, 'low');
    if (c.cap % l !== 0) bad(`low = ${l} does not divide cap = ${c.cap} (choose from ${divisorsOf(c.cap).join(', ')})`);
  }
  if (!['hrr', 'mbat', 'none'].includes(c.binding)) bad(`binding must be hrr, mbat or none, got '${c.binding}'`);
  if (!['prelu', 'relu'].includes(c.activation)) bad(`activation must be prelu or relu, got '${c.activation}'`);
  if (!['sgd', 'adamw'].includes(c.optimizer)) bad(`optimizer must be sgd or adamw, got '${String(c.optimizer)}'`);
  if (!(c.lr > 0 && Number.isFinite(c.lr))) bad(`lr must be a positive number, got ${c.lr}`);
  if (!(c.fastProbability >= 0 && c.fastProbability <= 1)) bad(`the fast-step probability must be in [0, 1], got ${c.fastProbability}`);
  if (!(c.mixupAlpha >= 0 && Number.isFinite(c.mixupAlpha))) bad(`mixup alpha must be >= 0, got ${c.mixupAlpha}`);
  for (const [k, v] of [['weightDecay', c.weightDecay], ['keyLossWeight', c.keyLossWeight], ['isometryWeight', c.isometryWeight], ['clipNorm', c.clipNorm], ['skipFactor', c.skipFactor]] as const) {
    if (!(v >= 0 && Number.isFinite(v))) bad(`${k} must be a non-negative number, got ${v}`);
  }
  if (!(Number.isInteger(c.val) ? c.val >= 0 : c.val > 0 && c.val < 1)) bad(`val must be a count >= 0 or a fraction in (0, 1), got ${c.val}`);
  if (typeof c.normPerPoint !== 'boolean') bad(`normPerPoint must be a boolean, got ${String(c.normPerPoint)}`);
  if (!(Number.isInteger(c.calibrationGroups) && c.calibrationGroups >= 0)) bad(`calibrationGroups must be an integer >= 0, got ${c.calibrationGroups}`);
  if (c.limit !== null) posInt(c.limit, 'limit');
  if (c.evalLimit !== null) posInt(c.evalLimit, 'evalLimit');
  if (!Number.isSafeInteger(c.seed) || c.seed < 0) bad(`seed must be a non-negative integer, got ${c.seed}`);
  if (typeof c.baseline !== 'boolean') bad(`baseline must be a boolean, got ${String(c.baseline)}`);
  if (c.baseline && c.cap !== 1) bad(`the plain WideResNet baseline has no superposition: cap must be 1, got ${c.cap}`);
  if (!Number.isSafeInteger(c.splitSeed) || c.splitSeed < 0) bad(`splitSeed must be a non-negative integer, got ${c.splitSeed}`);
}

/** The plain WideResNet configuration of a baseline run. */
export function baselineConfigOf(c: MIMOConvTrainConfig): WideResNetConfig {
  const spec = DATASET_SPECS[c.dataset];
  return { inChannels: spec.inChannels, classes: spec.classes, depth: c.depth, width: c.width, initialWidth: c.initialWidth, activation: c.activation };
}

/** The model configuration a training configuration builds. */
export function modelConfigOf(c: MIMOConvTrainConfig): MIMOConvConfig {
  const spec = DATASET_SPECS[c.dataset];
  return {
    inChannels: spec.inChannels, classes: spec.classes, depth: c.depth, width: c.width, initialWidth: c.initialWidth,
    cap: c.cap, binding: c.binding, activation: c.activation, trainableKeys: c.trainableKeys, normPerPoint: c.normPerPoint,
  };
}

/** The training configuration saved in a run directory (null when there is none). */
export function readRunConfig(out: string): { config: MIMOConvTrainConfig; epoch: number } | null {
  const r = readRunDirConfig<MIMOConvTrainConfig>(out, STATE_FORMAT, 'MIMOConv', 'epoch');
  return r && { config: r.config, epoch: r.position };
}

/** Cleans up the per-step numbers of an epoch into one metrics line. */
const round = (v: number, d = 6) => (Number.isFinite(v) ? Number(v.toPrecision(d)) : v);

/**
 * Trains (or resumes) a MIMOConv run in options.out. Returns the metrics of the epochs run now.
 */
export async function trainMIMOConv(options: TrainMIMOConvOptions): Promise<TrainMIMOConvResult> {
  const t0 = performance.now();
  const given = Object.fromEntries(Object.entries(options).filter(([k, v]) => k in defaultTrainConfig && v !== undefined)) as Partial<MIMOConvTrainConfig>;
  const config: MIMOConvTrainConfig = { ...defaultTrainConfig, low: [given.cap ?? defaultTrainConfig.cap], mixupAlpha: given.dataset === 'mnist' ? 0 : 1, ...given };
  validateTrainConfig(config);
  const spec = DATASET_SPECS[config.dataset];
  const out = options.out;
  if (options.stopAfter !== undefined && !(Number.isInteger(options.stopAfter) && options.stopAfter >= 1)) {
    throw new TrainConfigError(`stopAfter must be a positive integer, got ${options.stopAfter}`);
  }

  const device = checkDevice(options.device ?? 'cpu')!;
  const dir = resolveDataDir(options.data);
  const live: Tensor[] = [];
  const own = <T extends Tensor>(t: T): T => (live.push(keep(t)), t);
  const onDevice = (t: Tensor): Tensor => (t.device === device ? t : own(t.to(device)));
  let model: ImageClassifier | undefined;
  let opt: Optimizer | undefined;
  let saved: SavedState | undefined;
  try {
    // Data: uint8 images in memory; a train/validation split of the training set, or the test split.
    const train = await loadImageDataset(config.dataset, dir, 'train', config.limit ?? undefined);
    own(train.images);
    own(train.labels);
    const nAll = train.images.shape[0];
    let trainIdx: Tensor;
    let evalX: Tensor, evalY: Tensor;
    const evalSplit: 'val' | 'test' = config.val === 0 ? 'test' : 'val';
    if (config.val !== 0) {
      const split = trainValSplit(nAll, config.val, config.splitSeed);
      trainIdx = own(split.train);
      let vIdx = own(split.val);
      if (config.evalLimit !== null && config.evalLimit < vIdx.shape[0]) vIdx = own(vIdx.narrow(0, 0, config.evalLimit).clone());
      evalX = onDevice(own(tidy(() => normalize(train.images.indexSelect(0, vIdx), spec.mean, spec.std))));
      evalY = onDevice(own(train.labels.indexSelect(0, vIdx)));
    } else {
      trainIdx = own(arange(nAll));
      const test = await loadImageDataset(config.dataset, dir, 'test', config.evalLimit ?? undefined);
      own(test.images);
      own(test.labels);
      evalX = onDevice(own(tidy(() => normalize(test.images, spec.mean, spec.std))));
      evalY = onDevice(test.labels);
    }
    const nTrain = trainIdx.shape[0];
    // Calibration images: a fixed random sample of the training rows, clean (no crop, flip or mixup).
    const calibrationCount = config.baseline || !config.normPerPoint ? 0 : Math.min(nTrain, config.calibrationGroups * config.cap);
    const calX = calibrationCount === 0 ? undefined : onDevice(own(tidy(() => {
      const rows = trainIdx.indexSelect(0, randperm(nTrain, { generator: new Generator(deriveSeed(config.seed, CALIBRATION_STREAM)) }).narrow(0, 0, calibrationCount));
      return normalize(train.images.indexSelect(0, rows), spec.mean, spec.std);
    })));
    const stepsPerEpoch = Math.floor(nTrain / config.groups);
    if (stepsPerEpoch < 1) throw new TrainConfigError(`${nTrain} training images are fewer than one step's ${config.groups} superpositions (lower the superpositions per step, --groups, or train on more images)`);
    const totalSteps = stepsPerEpoch * config.epochs;
    const ns = divisorsOf(config.cap);
    const run = openRun(out, { resume: Boolean(options.resume), format: STATE_FORMAT, what: 'MIMOConv', config, defaults: defaultTrainConfig, position: 'epoch', total: config.epochs });
    const { files, start: startEpoch } = run;
    saved = run.saved;

    // Model, optimizer, schedule.
    if (saved) {
      model = config.baseline ? loadWideResNet(files.model).model : loadMIMOConv(files.model).model;
      const mc: Record<string, unknown> = { ...(config.baseline ? baselineConfigOf(config) : modelConfigOf(config)) };
      const have = model.config as unknown as Record<string, unknown>;
      const diff = Object.keys(mc).filter((k) => have[k] !== mc[k]);
      if (diff.length) throw new Error(`cannot resume ${out}: ${RUN_FILES.model} holds another model (${diff.map((k) => `${k} ${String(have[k])} vs ${String(mc[k])}`).join(', ')})`);
    } else {
      model = config.baseline ? new WideResNet(baselineConfigOf(config), new Generator(config.seed)) : new MIMOConv(modelConfigOf(config), new Generator(config.seed));
    }
    model.to(device).train(); // before the optimizer takes the parameters
    const noDecay = new Set(model.activationParameters());
    const params = model.parameters().filter((p) => p.requiresGrad);
    const groups = [
      { params: params.filter((p) => !noDecay.has(p)), weightDecay: config.weightDecay },
      { params: params.filter((p) => noDecay.has(p)), weightDecay: 0 },
    ];
    opt = config.optimizer === 'adamw' ? new AdamW(groups, { lr: config.lr }) : new SGD(groups, { lr: config.lr, momentum: 0.9 });
    const sched = new OneCycleLR(opt, { maxLr: config.lr, totalSteps, annealStrategy: 'cos', cycleMomentum: true, baseMomentum: 0.85, maxMomentum: 0.95 });
    let prevNormMean = 0;
    if (saved) {
      const m = saved.metadata;
      sched.loadStateDict(JSON.parse(m.scheduler) as SchedulerStateDict);
      prevNormMean = Number(m.prev_grad_norm_mean);
      restoreOptimizer(opt, saved);
      saved = undefined;
      if (sched.lastStep !== startEpoch * stepsPerEpoch) throw new Error(`cannot resume ${out}: the scheduler is at step ${sched.lastStep}, expected ${startEpoch * stepsPerEpoch}`);
    }
    const endEpoch = Math.min(config.epochs, options.stopAfter !== undefined ? options.stopAfter : config.epochs);
    options.onStart?.({
      trainImages: nTrain, evalImages: evalX.shape[0], evalSplit, stepsPerEpoch, totalSteps, startEpoch,
      parameters: model.numParameters(), config,
    });

    const results: EpochMetrics[] = [];
    for (let epoch = startEpoch; epoch < endEpoch; epoch++) {
      const te = performance.now();
      // The epoch's index stream: cap shuffled passes over the training rows.
      const orderGen = new Generator(deriveSeed(config.seed, 4 * epoch));
      const stream = keep(tidy(() => trainIdx.indexSelect(0, cat(Array.from({ length: config.cap }, () => randperm(nTrain, { generator: orderGen })), 0))));
      const augGen = new Generator(deriveSeed(config.seed, 4 * epoch + 1));
      const mixRng = new Rng(deriveSeed(config.seed, 4 * epoch + 2));
      const nRng = new Rng(deriveSeed(config.seed, 4 * epoch + 3));
      let offset = 0, seen = 0, lossSum = 0, keySum = 0, isoSum = 0, correctSum = 0, fast = 0, slow = 0, skipped = 0, normSum = 0, normCount = 0;
      try {
        for (let s = 0; s < stepsPerEpoch; s++) {
          const lows = config.low;
          const slowPick = () => (lows.length === 1 ? lows[0] : lows[Math.min(lows.length - 1, Math.floor(nRng.random() * lows.length))]);
          const n = (lows.length === 1 && lows[0] === config.cap) || nRng.random() < config.fastProbability ? config.cap : slowPick();
          if (n === config.cap) fast++;
          else slow++;
          const b = config.groups * n;
          const m = model;
          const [loss, keyLoss, isoLoss, correct, norm] = tidy(() => {
            const idx = stream.narrow(0, offset, b);
            const aug = augmentImages(
              train.images.indexSelect(0, idx).to(device), train.labels.indexSelect(0, idx).to(device),
              { pad: spec.pad, flipP: spec.flipP, mixupAlpha: config.mixupAlpha, mean: spec.mean, std: spec.std },
              { generator: augGen, rng: mixRng },
            );
            const logits = forwardAt(m, aug.x, n);
            const ce = mixupCrossEntropy(logits, aug.yA, aug.yB, aug.lambda);
            const kl = m instanceof MIMOConv ? m.keyLoss() : zeros([], { device });
            let total = config.keyLossWeight > 0 ? ce.add(kl.mul(config.keyLossWeight)) : ce;
            const iso = config.isometryWeight > 0 ? m.isometryLoss() : undefined;
            if (iso) total = total.add(iso.mul(config.isometryWeight));
            opt!.zeroGrad();
            total.backward();
            const gn = clipGradNorm_(params, config.clipNorm);
            const right = noGrad(() => {
              const pred = logits.argmax(1);
              const a = pred.eq(aug.yA).sum().item();
              return aug.lambda === 1 ? a : aug.lambda * a + (1 - aug.lambda) * pred.eq(aug.yB).sum().item();
            });
            return [ce.item(), kl.item(), iso ? iso.item() : 0, right, gn];
          });
          offset += b;
          const skip = !Number.isFinite(norm) || (prevNormMean > 0 && norm >= config.skipFactor * prevNormMean);
          if (skip) skipped++;
          else {
            opt.step();
            normSum += norm;
            normCount++;
          }
          opt.zeroGrad();
          sched.step();
          seen += b;
          lossSum += loss * b;
          keySum += keyLoss;
          isoSum += isoLoss;
          correctSum += correct;
          const secs = (performance.now() - te) / 1000;
          options.onStep?.({
            epoch: epoch + 1, step: epoch * stepsPerEpoch + s + 1, totalSteps, n, loss: lossSum / seen, accuracy: correctSum / seen,
            imagesPerS: seen / secs, lr: sched.lr,
          });
        }
      } finally {
        stream.dispose();
      }
      const trainSeconds = (performance.now() - te) / 1000;
      prevNormMean = normCount ? normSum / normCount : prevNormMean;
      const tv = performance.now();
      if (calX && config.normPerPoint && model instanceof MIMOConv) {
        const m = model;
        for (const n of ns) tidy(() => m.recalibrate(calX.narrow(0, 0, Math.min(calX.shape[0], config.calibrationGroups * n)), n, { batchSize: config.groups * n }));
      }
      const points = evaluateMIMOConv(model, evalX, evalY, ns, { batchSize: options.evalBatchSize });
      model.train();
      const evalSeconds = (performance.now() - tv) / 1000;
      const metrics: EpochMetrics = {
        epoch: epoch + 1,
        steps: stepsPerEpoch,
        lr: round(sched.lr),
        train_loss: round(lossSum / seen),
        train_key_loss: round(keySum / stepsPerEpoch),
        train_isometry_loss: config.isometryWeight > 0 ? round(isoSum / stepsPerEpoch) : null,
        train_accuracy: round(correctSum / seen),
        eval_split: evalSplit,
        eval_images: evalX.shape[0],
        eval_accuracy: Object.fromEntries(points.map((p) => [String(p.n), round(p.accuracy)])),
        images_per_s: Math.round(seen / trainSeconds),
        fast_steps: fast,
        slow_steps: slow,
        skipped_steps: skipped,
        grad_norm_mean: round(prevNormMean),
        seconds: round(trainSeconds + evalSeconds, 4),
        eval_seconds: round(evalSeconds, 4),
      };
      // Checkpoint: the model first, then the training state (resume checks that their epochs agree).
      saveModelCheckpoint(files.model, model instanceof MIMOConv ? 'mimoconv' : 'wideresnet', model, model.config, {
        epoch: epoch + 1, dataset: config.dataset, mean: spec.mean, std: spec.std, eval_split: evalSplit, eval_accuracy: metrics.eval_accuracy,
      });
      saveTrainState(files.state, opt, sched, { epoch: epoch + 1, config, prevNormMean });
      appendLineAtomic(files.metrics, JSON.stringify(metrics));
      results.push(metrics);
      options.onEpoch?.(metrics);
    }
    return { config, epochs: results, startEpoch, checkpoint: files.model, seconds: (performance.now() - t0) / 1000 };
  } finally {
    disposeState(saved);
    opt?.dispose();
    model?.dispose();
    live.forEach((t) => t.isDisposed || t.dispose());
  }
}

function saveTrainState(file: string, opt: Optimizer, sched: OneCycleLR, s: { epoch: number; config: MIMOConvTrainConfig; prevNormMean: number }): void {
  saveState(file, opt, {
    format: STATE_FORMAT,
    epoch: String(s.epoch),
    config: JSON.stringify(s.config),
    scheduler: JSON.stringify(sched.stateDict()),
    prev_grad_norm_mean: String(s.prevNormMean),
    rng: 'every stream of epoch e is derived from (seed, e): order 4e, crop/flip 4e+1, mixup 4e+2, n draws 4e+3',
  });
}

