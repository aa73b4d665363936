// The model `mimo serve` and `mimo bench serve` use when given no checkpoint: a small MIMOConv
// (WRN-10-1, stem 16, cap 4) trained for one epoch on the 60,000 MNIST training images (about a minute
// on 2 cores; test accuracy 95.9 / 93.9 / 81.0 % at n = 1 / 2 / 4, docs/results.md), with dynamic superposition
// (half the steps at n = 4, a quarter each at n = 1 and n = 2) so that every operating point is trained. It lives in
// runs/serve-default/ (relative to the working directory) and is trained once, when missing.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { trainMIMOConv } from '../train/mimoconv.js';
import { RUN_FILES } from '../train/run_dir.js';
import type { MIMOConvTrainConfig, StepProgress, TrainMIMOConvOptions } from '../train/mimoconv.js';

export const DEFAULT_RUN_DIR = path.join('runs', 'serve-default');

export const DEFAULT_MODEL_CONFIG: Partial<MIMOConvTrainConfig> = Object.freeze({
  dataset: 'mnist', depth: 10, width: 1, initialWidth: 1, cap: 4, low: [1, 2], fastProbability: 0.5, groups: 32,
  limit: null, epochs: 1, evalLimit: 2000, calibrationGroups: 256, seed: 0,
});

export interface DefaultModelOptions {
  /** Data directory (default: resolveDataDir()). */
  data?: string;
  /** Run directory (default runs/serve-default). */
  dir?: string;
  /** Settings over DEFAULT_MODEL_CONFIG (a smaller run for tests). */
  config?: Partial<MIMOConvTrainConfig>;
  /** Told before training starts (only when the model has to be trained). */
  onTrainStart?: (what: string, totalSteps: number) => void;
  onStep?: (s: StepProgress) => void;
  onTrainEnd?: (checkpoint: string, accuracy: Record<string, number>) => void;
}

/** The default checkpoint's path, training it first when it does not exist. */
export async function ensureDefaultModel(o: DefaultModelOptions = {}): Promise<string> {
  const dir = o.dir ?? DEFAULT_RUN_DIR;
  const file = path.join(dir, RUN_FILES.model);
  if (existsSync(file)) return file;
  if (existsSync(path.join(dir, RUN_FILES.metrics)) || existsSync(path.join(dir, RUN_FILES.state))) {
    throw new Error(`${dir} holds an unfinished training run but no ${RUN_FILES.model}; delete the directory to train the default model again`);
  }
  const c = { ...DEFAULT_MODEL_CONFIG, ...o.config };
  const options: TrainMIMOConvOptions = {
    ...c, out: dir, data: o.data,
    onStart: (s) => o.onTrainStart?.(
      `no checkpoint given and ${file} does not exist: training the default model (MIMOConv WRN-${c.depth}-${c.width}, cap ${c.cap}, ` +
        `${c.epochs} epoch on ${s.trainImages} MNIST images, half the steps at n = ${c.cap} and half at n = ${c.low}) into ${dir}`,
      s.totalSteps,
    ),
    onStep: o.onStep,
  };
  const result = await trainMIMOConv(options);
  o.onTrainEnd?.(result.checkpoint, result.epochs[result.epochs.length - 1]?.eval_accuracy ?? {});
  return result.checkpoint;
}
