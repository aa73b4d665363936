// Training the DataMUX MNIST family (models/datamux_vision.ts) as the reference notebook does: MNIST
// cropped to 20×20 in [0, 1], `groups` mixes of n images per step, plain SGD (lr 0.1), loss
// 0.5·Σ(y − tanh(s))² over the classes with ±1 targets (or cross-entropy with --loss ce).
//
// * Epochs. An epoch is one shuffled pass over the training images at n = N: floor(M / (groups·N))
//   steps; each step draws its n uniformly from `points` (default [N]) and takes groups·n images of
//   the epoch's order (steps at n < N use less of it).
// * Randomness: epoch e's order from deriveSeed(seed, 2e), its n draws from 2e+1; the model from
//   Generator(seed). Resume needs only the seed and the finished epochs, and is exact.
// * Run directory as for the other models: model.safetensors ('datamux-vision'), train_state.safetensors
//   (SGD state, epoch, config), metrics.jsonl (one line per epoch, test accuracy per n).
import { F, Generator, Tensor, keep, noGrad, randperm, tidy } from '../tensor/index.js';
import { Rng, deriveSeed, loadMnist, resolveDataDir } from '../data/index.js';
import { SGD } from '../nn/optim/index.js';
import { appendLineAtomic } from '../io/index.js';
import { CONV_MUX_KINDS, DataMUXVision, cropMnist } from '../models/datamux_vision.js';
import type { ConvMuxKind } from '../models/datamux_vision.js';
import { MAX_INSTANCES } from '../models/datamux.js';
import { loadDataMUXVision, saveModelCheckpoint } from '../models/checkpoint.js';
import { TrainConfigError } from './mimoconv.js';
import { disposeState, openRun, readRunConfig, restoreOptimizer, saveState } from './run_dir.js';
import type { SavedState } from './run_dir.js';
import { evaluatePoints, selectRows } from './evaluate.js';
import type { Grouping } from './evaluate.js';

export interface DataMUXVisionTrainConfig {
  instances: number;
  mux: ConvMuxKind;
  points: number[];
  epochs: number;
  groups: number;
  lr: number;
  momentum: number;
  loss: 'mse' | 'ce';
  limit: number | null;
  evalLimit: number | null;
  seed: number;
}

/** The reference's setting (32 mixes per step, SGD lr 0.1, MSE on ±1) with 10 epochs. */
export const defaultDataMUXVisionTrainConfig: DataMUXVisionTrainConfig = {
  instances: 2, mux: 'nonlinear-expand', points: [2], epochs: 10, groups: 32, lr: 0.1, momentum: 0, loss: 'mse', limit: null, evalLimit: null, seed: 0,
};

export function validateDataMUXVisionTrainConfig(c: DataMUXVisionTrainConfig): void {
  const bad = (msg: string): never => {
    throw new TrainConfigError(msg);
  };
  const posInt = (v: number, name: string) => (Number.isInteger(v) && v >= 1) || bad(`${name} must be a positive integer, got ${v}`);
  posInt(c.instances, 'instances');
  if (c.instances > MAX_INSTANCES) bad(`instances N must be in 1..${MAX_INSTANCES}, got ${c.instances}`);
  if (!CONV_MUX_KINDS.includes(c.mux)) bad(`the convolutional mux must be one of ${CONV_MUX_KINDS.join(', ')}, got '${String(c.mux)}'`);
  if (!Array.isArray(c.points) || c.points.length === 0) bad(`points must be a non-empty list, got ${JSON.stringify(c.points)}`);
  for (const n of c.points) if (!Number.isInteger(n) || n < 1 || n > c.instances) bad(`operating point ${n} must be in 1..N = ${c.instances}`);
  posInt(c.epochs, 'epochs');
  posInt(c.groups, 'groups');
  if (!(c.lr > 0 && Number.isFinite(c.lr))) bad(`lr must be a positive number, got ${c.lr}`);
  if (!(c.momentum >= 0 && c.momentum < 1)) bad(`momentum must be in [0, 1), got ${c.momentum}`);
  if (c.loss !== 'mse' && c.loss !== 'ce') bad(`loss must be mse or ce, got '${String(c.loss)}'`);
  if (c.limit !== null) posInt(c.limit, 'limit');
  if (c.evalLimit !== null) posInt(c.evalLimit, 'evalLimit');
  if (!Number.isSafeInteger(c.seed) || c.seed < 0) bad(`seed must be a non-negative integer, got ${c.seed}`);
}

export interface VisionEvalPoint {
  n: number;
  accuracy: number;
  correct: number;
  total: number;
  seconds: number;
  imagesPerS: number;
}

/** Accuracy and throughput at each n on cropped images x [M, 1, 20, 20] with labels y (eval, no gradients). A last partial mix is filled with copies, not counted. */
export function evaluateDataMUXVision(model: DataMUXVision, x: Tensor, y: Tensor, ns: readonly number[], o: { groups?: number; warmup?: boolean; grouping?: Grouping; groupingSeed?: number } = {}): VisionEvalPoint[] {
  return evaluatePoints(model, ns, y, { group: (n) => n, batch: (n) => (o.groups ?? 256) * n, warmup: o.warmup, grouping: o.grouping, seed: o.groupingSeed }, (n, rows) => model.forward(selectRows(x, rows), n)).map(
    (r) => ({ n: r.point, accuracy: r.accuracy, correct: r.correct, total: r.total, seconds: r.seconds, imagesPerS: r.perSecond }),
  );
}

export interface VisionEpochMetrics {
  epoch: number;
  steps: number;
  train_loss: number;
  train_accuracy: number;
  eval_split: 'test';
  eval_images: number;
  eval_accuracy: Record<string, number>;
  images_per_s: number;
  seconds: number;
}

export interface TrainDataMUXVisionOptions extends Partial<DataMUXVisionTrainConfig> {
  out: string;
  data?: string;
  resume?: boolean;
  stopAfter?: number;
  onStart?: (s: { trainImages: number; evalImages: number; stepsPerEpoch: number; totalSteps: number; startEpoch: number; parameters: number; config: DataMUXVisionTrainConfig }) => void;
  onStep?: (s: { epoch: number; step: number; totalSteps: number; n: number; loss: number; accuracy: number; imagesPerS: number }) => void;
  onEpoch?: (m: VisionEpochMetrics) => void;
}

const STATE_FORMAT = 'mimo-datamux-vision-train-state/1';
const round = (v: number, d = 6) => (Number.isFinite(v) ? Number(v.toPrecision(d)) : v);

/** The training configuration saved in a run directory (null when there is none). */
export function readDataMUXVisionRunConfig(out: string): { config: DataMUXVisionTrainConfig; epoch: number } | null {
  const r = readRunConfig<DataMUXVisionTrainConfig>(out, STATE_FORMAT, 'DataMUX vision', 'epoch');
  return r && { config: r.config, epoch: r.position };
}

/**
 * The loss of scores s [R, C] of R = B·n images against labels y [R], summed over the n instances of
 * a mix and averaged over the B mixes (the reference's reduction): 0.5·Σ_c (±1 − tanh s)² per image,
 * or the cross-entropy.
 */
export function visionLoss(scores: Tensor, y: Tensor, loss: 'mse' | 'ce', n: number): Tensor {
  if (loss === 'ce') return tidy(() => F.crossEntropy(scores, y).mul(n));
  return tidy(() => F.oneHot(y, scores.shape[1]).to('float32').mul(2).sub(1).sub(scores.tanh()).square().sum(1).mul(0.5).mean().mul(n));
}

export async function trainDataMUXVision(options: TrainDataMUXVisionOptions): Promise<{ config: DataMUXVisionTrainConfig; epochs: VisionEpochMetrics[]; startEpoch: number; checkpoint: string; seconds: number }> {
  const t0 = performance.now();
  const given = Object.fromEntries(Object.entries(options).filter(([k, v]) => k in defaultDataMUXVisionTrainConfig && v !== undefined)) as Partial<DataMUXVisionTrainConfig>;
  const config: DataMUXVisionTrainConfig = { ...defaultDataMUXVisionTrainConfig, points: [given.instances ?? defaultDataMUXVisionTrainConfig.instances], ...given };
  validateDataMUXVisionTrainConfig(config);
  const out = options.out;
  const dir = resolveDataDir(options.data);
  const live: Tensor[] = [];
  let model: DataMUXVision | undefined;
  let opt: SGD | undefined;
  let saved: SavedState | undefined;
  try {
    const train = loadMnist(dir, 'train', { limit: config.limit ?? undefined });
    const test = loadMnist(dir, 'test', { limit: config.evalLimit ?? undefined });
    const x = keep(cropMnist(train.images));
    const evalX = keep(cropMnist(test.images));
    live.push(x, evalX, train.images, train.labels, test.images, test.labels);
    const M = x.shape[0];
    const N = config.instances;
    const stepsPerEpoch = Math.floor(M / (config.groups * N));
    if (stepsPerEpoch < 1) throw new TrainConfigError(`${M} training images are fewer than one step's ${config.groups}·${N} (lower the superpositions per step, --groups, or train on more images)`);
    const run = openRun(out, { resume: Boolean(options.resume), format: STATE_FORMAT, what: 'DataMUX vision', config, defaults: defaultDataMUXVisionTrainConfig, position: 'epoch', total: config.epochs });
    const { files, start: startEpoch } = run;
    saved = run.saved;
    model = saved ? loadDataMUXVision(files.model).model : new DataMUXVision({ instances: N, mux: config.mux }, new Generator(config.seed));
    model.train();
    const params = model.parameters().filter((p) => p.requiresGrad);
    opt = new SGD(params, { lr: config.lr, momentum: config.momentum });
    if (saved) {
      restoreOptimizer(opt, saved);
      saved = undefined;
    }
    const totalSteps = stepsPerEpoch * config.epochs;
    const endEpoch = Math.min(config.epochs, options.stopAfter ?? config.epochs);
    options.onStart?.({ trainImages: M, evalImages: evalX.shape[0], stepsPerEpoch, totalSteps, startEpoch, parameters: model.numParameters(), config });
    const epochs: VisionEpochMetrics[] = [];
    const m = model;
    for (let epoch = startEpoch; epoch < endEpoch; epoch++) {
      const te = performance.now();
      const order = keep(randperm(M, { generator: new Generator(deriveSeed(config.seed, 2 * epoch)) }));
      const nRng = new Rng(deriveSeed(config.seed, 2 * epoch + 1));
      let offset = 0, seen = 0, lossSum = 0, correct = 0;
      try {
        for (let s = 0; s < stepsPerEpoch; s++) {
          const ps = config.points;
          const n = ps.length === 1 ? ps[0] : ps[Math.min(ps.length - 1, Math.floor(nRng.random() * ps.length))];
          const b = config.groups * n;
          const [loss, right] = tidy(() => {
            const idx = order.narrow(0, offset, b);
            const xb = x.indexSelect(0, idx);
            const yb = train.labels.indexSelect(0, idx);
            const scores = m.forward(xb, n);
            const l = visionLoss(scores, yb, config.loss, n);
            opt!.zeroGrad();
            l.backward();
            opt!.step();
            return [l.item(), noGrad(() => scores.argmax(1).eq(yb).sum().item())];
          });
          offset += b;
          seen += b;
          lossSum += (loss / n) * b; // per image
          correct += right;
          options.onStep?.({ epoch: epoch + 1, step: epoch * stepsPerEpoch + s + 1, totalSteps, n, loss: lossSum / seen, accuracy: correct / seen, imagesPerS: seen / ((performance.now() - te) / 1000) });
        }
      } finally {
        order.dispose();
      }
      const trainSeconds = (performance.now() - te) / 1000;
      const points = evaluateDataMUXVision(m, evalX, test.labels, config.points);
      m.train();
      const metrics: VisionEpochMetrics = {
        epoch: epoch + 1, steps: stepsPerEpoch, train_loss: round(lossSum / seen), train_accuracy: round(correct / seen), eval_split: 'test',
        eval_images: evalX.shape[0], eval_accuracy: Object.fromEntries(points.map((p) => [String(p.n), round(p.accuracy)])),
        images_per_s: Math.round(seen / trainSeconds), seconds: round((performance.now() - te) / 1000, 4),
      };
      saveModelCheckpoint(files.model, 'datamux-vision', m, m.config, { epoch: epoch + 1, dataset: 'mnist', points: config.points, eval_accuracy: metrics.eval_accuracy });
      saveState(files.state, opt, { format: STATE_FORMAT, epoch: String(epoch + 1), config: JSON.stringify(config) });
      appendLineAtomic(files.metrics, JSON.stringify(metrics));
      epochs.push(metrics);
      options.onEpoch?.(metrics);
    }
    return { config, epochs, startEpoch, checkpoint: files.model, seconds: (performance.now() - t0) / 1000 };
  } finally {
    disposeState(saved);
    opt?.dispose();
    model?.dispose();
    live.forEach((t) => t.isDisposed || t.dispose());
  }
}

