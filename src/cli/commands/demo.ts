// `mimo demo`: the project end to end on real MNIST. By default it trains a small MIMOConv (one set of
// weights, dynamic superposition) and prints its test accuracy and throughput at every operating point
// n = 1, 2, 4; `--model cnn` trains a plain small CNN instead (the engine alone: tensors, autograd, nn,
// optimizer).
import { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Generator, manualSeed, tidy, keep, getThreads } from '../../tensor/index.js';
import { loadMnist, normalize, resolveDataDir, toFloatImages } from '../../data/index.js';
import { saveFile } from '../../io/index.js';
import { MnistCnn, defaultMnistCnn } from '../../models/mnist_cnn.js';
import { loadMIMOConv, saveModelCheckpoint } from '../../models/checkpoint.js';
import { evaluateClassifier, fitClassifier } from '../../train/classifier.js';
import { DATASET_SPECS, evaluateMIMOConv, loadImageDataset, trainMIMOConv } from '../../train/mimoconv.js';
import { DEFAULT_MODEL_CONFIG } from '../../serve/default_model.js';
import { allocator } from '../../bench/engine.js';
import { UsageError, checkOutputFile, choice, formatTable, nonNegativeInt, positiveInt, positiveNumber, printJson, progressBar } from '../output.js';

interface DemoOptions {
  model: 'mimoconv' | 'cnn';
  data?: string;
  epochs: number;
  batchSize?: number;
  lr?: number;
  limit?: number;
  seed: number;
  save?: string;
  json?: boolean;
}

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'train a small MIMOConv on real MNIST and print its test accuracy and images/s at n = 1, 2 and 4 inputs per pass, ' +
        'from one set of weights (about a minute on 2 cores); --model cnn: a plain small CNN (the engine alone)',
    )
    .option('--model <m>', 'mimoconv (WRN-10-1 in superposition, cap 4: mimo serve\'s default model) or cnn', choice('--model', ['mimoconv', 'cnn'] as const), 'mimoconv')
    .option('--data <dir>', 'data directory (default: $MIMO_DATA, then ../shared/data)')
    .option('--epochs <n>', 'training epochs', positiveInt('--epochs'), 1)
    .option('--limit <n>', 'use only the first n training images (default: all 60,000)', positiveInt('--limit'))
    .option('--batch-size <n>', 'cnn: images per batch (default 64)', positiveInt('--batch-size'))
    .option('--lr <x>', 'peak learning rate (mimoconv: SGD + OneCycle, default 0.2; cnn: AdamW with linear warm-up and decay, default 2e-3)', positiveNumber('--lr'))
    .option('--seed <n>', 'random seed', nonNegativeInt('--seed'), 0)
    .option('--save <file>', 'save the trained weights (safetensors; a mimoconv checkpoint works with mimo eval, serve and predict)')
    .option('--json', 'print the result as JSON')
    .action(async (o: DemoOptions) => {
      if (o.save !== undefined) checkOutputFile('--save', o.save, { keep: true });
      return o.model === 'cnn' ? cnnDemo(o) : mimoConvDemo(o);
    });
}

/** The MIMOConv demo: train (in a temporary run directory), then evaluate every operating point on the 10,000 test images. */
async function mimoConvDemo(o: DemoOptions): Promise<void> {
  const groups = DEFAULT_MODEL_CONFIG.groups!;
  if (o.batchSize !== undefined) throw new UsageError(`--batch-size: only for --model cnn (the MIMOConv demo trains on ${groups} superpositions per step)`);
  if (o.limit !== undefined && o.limit < groups) throw new UsageError(`--limit must be at least ${groups}, one step's superpositions, got ${o.limit}`);
  const dir = resolveDataDir(o.data);
  const runDir = mkdtempSync(path.join(os.tmpdir(), 'mimo-demo-'));
  let bar: ReturnType<typeof progressBar> | undefined;
  try {
    const config = { ...DEFAULT_MODEL_CONFIG, epochs: o.epochs, seed: o.seed, limit: o.limit ?? null, ...(o.lr !== undefined ? { lr: o.lr } : {}) };
    let trainImages = 0;
    const run = await trainMIMOConv({
      ...config, data: dir, out: runDir,
      onStart: (s) => {
        trainImages = s.trainImages;
        const c = s.config;
        if (!o.json) {
          console.log(`MNIST from ${dir}: ${s.trainImages} training images. MIMOConv WRN-${c.depth}-${c.width} (cap ${c.cap}, position-wise HRR; ${s.parameters} parameters), ` +
            `one set of weights trained at n = ${c.cap} (half the steps) and n = ${c.low.join(', ')}`);
        }
        bar = progressBar('training', s.totalSteps);
      },
      onStep: (s) => {
        if (s.step % 5 === 0 || s.step === s.totalSteps) bar?.update(s.step, { n: s.n, loss: s.loss.toFixed(3), acc: (100 * s.accuracy).toFixed(1) + '%', 'img/s': Math.round(s.imagesPerS) });
      },
    });
    bar?.stop();
    bar = undefined;
    const { model, info } = loadMIMOConv(run.checkpoint);
    try {
      const spec = DATASET_SPECS.mnist;
      const test = await loadImageDataset('mnist', dir, 'test');
      const x = keep(tidy(() => normalize(test.images, spec.mean, spec.std)));
      test.images.dispose();
      const ns = [1, 2, 4].filter((n) => model.config.cap % n === 0);
      let points: ReturnType<typeof evaluateMIMOConv>;
      try {
        points = evaluateMIMOConv(model, x, test.labels, ns, { warmup: true });
      } finally {
        x.dispose();
        test.labels.dispose();
      }
      const base = points[0].imagesPerS;
      const rows = points.map((p) => ({
        n: p.n, test_accuracy: p.accuracy, test_correct: p.correct, test_total: p.total, images_per_s: Math.round(p.imagesPerS), speedup: Number((p.imagesPerS / base).toFixed(2)),
      }));
      if (o.save) saveModelCheckpoint(o.save, 'mimoconv', model, model.config, { ...info.extra, eval_split: 'test', eval_accuracy: Object.fromEntries(points.map((p) => [String(p.n), p.accuracy])) });
      const result = {
        dataset: 'mnist', model: 'MIMOConv', config: model.config, parameters: model.numParameters(), epochs: o.epochs, seed: o.seed, train_images: trainImages,
        train_seconds: Math.round(run.seconds * 10) / 10, points: rows, threads: getThreads(), allocator: allocator(), saved: o.save ?? null,
      };
      if (o.json) return printJson(result);
      console.log(formatTable(
        ['n (inputs per pass)', 'test accuracy', 'images/s', 'speedup over n = 1'],
        rows.map((r) => [String(r.n), `${(100 * r.test_accuracy).toFixed(2)} %`, String(r.images_per_s), `${r.speedup.toFixed(2)}×`]),
      ));
      console.log(`${result.train_seconds} s of training; the same weights at every n.` +
        (o.save ? ` Saved to ${o.save}: try \`mimo eval ${o.save}\`, \`mimo serve ${o.save} --n auto\`.` : ' --save FILE keeps them for mimo eval, serve and predict.'));
    } finally {
      model.dispose();
    }
  } finally {
    bar?.stop();
    rmSync(runDir, { recursive: true, force: true });
  }
}

/** The plain CNN demo: the engine end to end (tensors, autograd, nn, optimizer) on MNIST. */
function cnnDemo(o: DemoOptions): void {
  const batchSize = o.batchSize ?? 64;
  const lr = o.lr ?? 2e-3;
  const dir = resolveDataDir(o.data);
  manualSeed(o.seed);
  const [trainX, trainY, testX, testY] = tidy(() => {
    const train = loadMnist(dir, 'train', { limit: o.limit });
    const test = loadMnist(dir, 'test');
    return [toFloatImages(train.images), train.labels, toFloatImages(test.images), test.labels].map(keep);
  });
  const model = new MnistCnn(defaultMnistCnn, new Generator(o.seed));
  const n = trainX.shape[0];
  const steps = Math.ceil(n / batchSize) * o.epochs;
  if (!o.json) console.log(`MNIST from ${dir}: ${n} training and ${testX.shape[0]} test images; ${model.numParameters()} parameters`);
  const bar = progressBar('training', steps);
  const fit = fitClassifier(model, trainX, trainY, {
    epochs: o.epochs,
    batchSize,
    lr,
    weightDecay: 0.01,
    warmupFraction: 0.05,
    seed: o.seed,
    onStep: (s) => {
      if (s.step % 10 === 0 || s.step === s.steps) {
        bar.update(s.step, { loss: s.loss.toFixed(3), acc: (100 * s.accuracy).toFixed(1) + '%', 'img/s': Math.round(s.imagesPerS) });
      }
    },
  });
  bar.stop();
  const test = evaluateClassifier(model, testX, testY);
  if (o.save) saveFile(o.save, model.stateDict(), { model: 'MnistCnn', config: JSON.stringify(model.config), test_accuracy: String(test.accuracy) });
  const result = {
    dataset: 'mnist',
    model: 'MnistCnn',
    parameters: model.numParameters(),
    epochs: o.epochs,
    batch_size: batchSize,
    lr,
    seed: o.seed,
    train_images: n,
    test_accuracy: test.accuracy,
    test_correct: test.correct,
    test_total: test.total,
    train_seconds: Math.round(fit.seconds * 10) / 10,
    train_images_per_s: Math.round(fit.imagesPerS),
    threads: getThreads(),
    allocator: allocator(),
    saved: o.save ?? null,
  };
  [trainX, trainY, testX, testY].forEach((t) => t.dispose());
  model.dispose();
  if (o.json) return printJson(result);
  console.log(`test accuracy ${(100 * test.accuracy).toFixed(2)}% (${test.correct}/${test.total}) after ${o.epochs} epoch(s), ` +
    `${result.train_seconds} s of training (${result.train_images_per_s} images/s)`);
  if (o.save) console.log(`weights saved to ${o.save}`);
}
