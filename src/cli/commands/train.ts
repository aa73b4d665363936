// `mimo train mimoconv`: train (or resume) a MIMOConv with the MIMONets protocol; see src/train/mimoconv.ts.
import { Command } from 'commander';
import path from 'node:path';
import {
  IMAGE_DATASETS, defaultTrainConfig, divisorsOf, readRunConfig, trainMIMOConv,
} from '../../train/mimoconv.js';
import { RUN_FILES } from '../../train/run_dir.js';
import type { EpochMetrics, ImageDataset, MIMOConvTrainConfig } from '../../train/mimoconv.js';
import { trainDataMUXCommand } from './train_datamux.js';
import { trainMIMOFormerCommand } from './train_mimoformer.js';
import { DEVICE_HELP, UsageError, choice, nonNegativeInt, nonNegativeNumber, positiveInt, positiveIntList, positiveNumber, printJson } from '../output.js';
import { withTrainingConsole } from '../training_console.js';



function probability(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !(n >= 0 && n <= 1)) throw new UsageError(`${name} must be a probability in [0, 1], got '${v}'`);
    return n;
  };
}

/** --val: a count of images (integer >= 0) or a fraction in (0, 1). */
function valOption(v: string): number {
  const n = Number(v);
  if (v.trim() !== '' && ((Number.isInteger(n) && n >= 0) || (n > 0 && n < 1))) return n;
  throw new UsageError(`--val must be a number of images (>= 0) or a fraction in (0, 1), got '${v}'`);
}

interface TrainCliOptions {
  dataset: ImageDataset;
  data?: string;
  depth: number;
  width: number;
  initialWidth: number;
  cap?: number;
  binding?: MIMOConvTrainConfig['binding'];
  activation: MIMOConvTrainConfig['activation'];
  frozenKeys?: boolean;
  normPerPoint?: boolean;
  calibrationGroups?: number;
  epochs: number;
  groups: number;
  optimizer: MIMOConvTrainConfig['optimizer'];
  lr: number;
  fastProb?: number;
  low?: number[];
  mixup?: number;
  weightDecay: number;
  isometry: number;
  val: number;
  splitSeed: number;
  limit?: number;
  evalLimit?: number;
  seed: number;
  out: string;
  resume?: boolean;
  stopAfter?: number;
  device: string;
  json?: boolean;
}

/**
 * `train mimoconv`, or `train wideresnet`: the same loop, data, schedule and budget for the plain
 * WideResNet baseline (no superposition options).
 */
function imageClassifierCommand(kind: 'mimoconv' | 'wideresnet'): Command {
  const d = defaultTrainConfig;
  const mimo = kind === 'mimoconv';
  const cmd = new Command(kind).description(
    mimo
      ? 'train a MIMOConv (WideResNet in superposition) on MNIST or CIFAR-10 with the MIMONets protocol: mixup before ' +
          'superposition, key loss 0.1, dynamic superposition, SGD + OneCycle, outlier-step skipping; evaluates every n | cap each epoch'
      : 'train the plain WideResNet (the baseline of MIMOConv: same stem, trunk and head, one image per pass) on MNIST or CIFAR-10 ' +
          'with the same loop: mixup, SGD + OneCycle, outlier-step skipping, checkpoints and --resume',
  );
  cmd
    .requiredOption('--out <dir>', 'run directory: metrics.jsonl, model.safetensors (checkpoint), train_state.safetensors (for --resume)')
    .option('--dataset <name>', `mnist or cifar10`, choice('--dataset', IMAGE_DATASETS), d.dataset)
    .option('--data <dir>', 'data directory (default: $MIMO_DATA, then ../shared/data)')
    .option('--depth <d>', 'WideResNet depth: 10, 16 or 28', choice('--depth', ['10', '16', '28'] as const), String(d.depth))
    .option('--width <k>', 'widening factor k (stage widths 16k, 32k, 64k)', positiveInt('--width'), d.width)
    .option('--initial-width <i>', 'stem width 16·i', positiveInt('--initial-width'), d.initialWidth)
    .option('--activation <a>', 'prelu or relu', choice('--activation', ['prelu', 'relu'] as const), d.activation);
  if (mimo) {
    cmd
      .option('--cap <c>', 'superposition capacity (slots)', positiveInt('--cap'), d.cap)
      .option('--binding <b>', 'hrr (position-wise HRR), mbat or none', choice('--binding', ['hrr', 'mbat', 'none'] as const), d.binding)
      .option('--frozen-keys', 'do not train the binding keys')
      .option('--no-norm-per-point', 'one set of trunk BatchNorm statistics for every operating point (default: one set per n)')
      .option('--calibration-groups <g>', 'superpositions of clean training images per n that re-estimate the BatchNorm statistics before each evaluation (0: off)', nonNegativeInt('--calibration-groups'), d.calibrationGroups)
      .option('--fast-prob <p>', 'probability of a fast step (n = cap); otherwise n = --low', probability('--fast-prob'), d.fastProbability)
      .option('--low <n,...>', 'n of slow steps, or a list to draw from uniformly (each must divide cap; default cap: static superposition)', positiveIntList('--low'));
  }
  cmd
    .option('--epochs <e>', mimo ? 'epochs (each floor(N/groups) steps: the trunk sees about cap passes of the data at n = cap)' : 'epochs (passes over the data)', positiveInt('--epochs'), d.epochs)
    .option('--groups <g>', mimo ? 'superpositions per step: a step at operating point n takes groups·n images' : 'images per step', positiveInt('--groups'), d.groups)
    .option('--optimizer <o>', 'sgd (the reference; momentum 0.95-0.85) or adamw (β1 0.95-0.85, decoupled weight decay)', choice('--optimizer', ['sgd', 'adamw'] as const), d.optimizer)
    .option('--lr <x>', 'peak learning rate of OneCycle (cosine; e.g. 0.2 with sgd, 2e-3 with adamw)', positiveNumber('--lr'), d.lr)
    .option('--mixup <alpha>', 'mixup α, 0 disables (default 1 for cifar10, 0 for mnist)', nonNegativeNumber('--mixup'))
    .option('--weight-decay <x>', 'weight decay (not on activation parameters)', nonNegativeNumber('--weight-decay'), d.weightDecay)
    .option('--isometry <w>', "weight of ISONet's isometry regulariser on the trunk's convolutions (the MIMONets reference: 1e-4; 0: off)", nonNegativeNumber('--isometry'), d.isometryWeight)
    .option('--val <n>', 'validation images split off the training set (count or fraction); 0: evaluate on the test split', valOption, d.val)
    .option('--split-seed <s>', 'seed of the train/validation split', nonNegativeInt('--split-seed'), d.splitSeed)
    .option('--limit <n>', 'use only the first n training images', positiveInt('--limit'))
    .option('--eval-limit <n>', 'evaluate on only the first n images of the evaluation split', positiveInt('--eval-limit'))
    .option('--seed <s>', 'random seed (initialisation, order, augmentation, n draws)', nonNegativeInt('--seed'), d.seed)
    .option('--resume', 'continue the run in --out from its last finished epoch (options not given are taken from the run)')
    .option('--stop-after <e>', 'stop after this epoch of the schedule (continue later with --resume)', positiveInt('--stop-after'))
    .option('--device <d>', `where to train: ${DEVICE_HELP}; not saved with the run`, 'cpu')
    .option('--json', 'print the per-epoch metrics as JSON');
  cmd.action(async (o: TrainCliOptions) => {
    const given: Partial<MIMOConvTrainConfig> = {};
    const set = <K extends keyof MIMOConvTrainConfig>(k: K, v: MIMOConvTrainConfig[K] | undefined) => {
      if (v !== undefined) given[k] = v;
    };
    const fromCli = (key: string) => cmd.getOptionValueSource(key) === 'cli';
    let saved: MIMOConvTrainConfig | undefined;
    if (o.resume) {
      const prev = readRunConfig(o.out);
      if (!prev) throw new UsageError(`--resume: ${o.out} holds no ${RUN_FILES.state} to resume from`);
      if (Boolean(prev.config.baseline) === mimo) {
        throw new UsageError(`--resume: ${o.out} holds a ${prev.config.baseline ? 'plain WideResNet' : 'MIMOConv'} run; continue it with \`mimo train ${prev.config.baseline ? 'wideresnet' : 'mimoconv'} --resume --out ${o.out}\``);
      }
      saved = prev.config;
    }
    const pick = <K extends keyof MIMOConvTrainConfig>(cliKey: string, field: K, v: MIMOConvTrainConfig[K] | undefined) =>
      set(field, saved && !fromCli(cliKey) ? saved[field] : v);
    pick('dataset', 'dataset', o.dataset);
    pick('depth', 'depth', Number(o.depth) as MIMOConvTrainConfig['depth']);
    pick('width', 'width', o.width);
    pick('initialWidth', 'initialWidth', o.initialWidth);
    pick('cap', 'cap', o.cap);
    pick('binding', 'binding', o.binding);
    pick('activation', 'activation', o.activation);
    if (mimo) pick('frozenKeys', 'trainableKeys', !o.frozenKeys);
    else Object.assign(given, { baseline: true, cap: 1, low: [1] });
    pick('normPerPoint', 'normPerPoint', o.normPerPoint);
    pick('calibrationGroups', 'calibrationGroups', o.calibrationGroups);
    pick('epochs', 'epochs', o.epochs);
    pick('groups', 'groups', o.groups);
    pick('optimizer', 'optimizer', o.optimizer);
    pick('lr', 'lr', o.lr);
    pick('fastProb', 'fastProbability', o.fastProb);
    pick('low', 'low', o.low);
    pick('mixup', 'mixupAlpha', o.mixup);
    pick('weightDecay', 'weightDecay', o.weightDecay);
    pick('isometry', 'isometryWeight', o.isometry);
    pick('val', 'val', o.val);
    pick('splitSeed', 'splitSeed', o.splitSeed);
    pick('limit', 'limit', o.limit ?? (saved ? undefined : null));
    pick('evalLimit', 'evalLimit', o.evalLimit ?? (saved ? undefined : null));
    pick('seed', 'seed', o.seed);
    const cap = given.cap ?? d.cap;
    for (const l of given.low ?? []) {
      if (cap % l !== 0) throw new UsageError(`--low ${l} does not divide --cap ${cap} (choose from ${divisorsOf(cap).join(', ')})`);
    }
    if (given.binding === 'none' && cap > 1 && !o.json) process.stderr.write(`note: binding 'none' superposes without keys; the inputs cannot be told apart well\n`);

    const epochs: EpochMetrics[] = [];
    let start: { trainImages: number; evalImages: number; evalSplit: string; stepsPerEpoch: number; totalSteps: number; startEpoch: number; parameters: number } | undefined;
    const result = await withTrainingConsole(Boolean(o.json), 5, (ui) =>
      trainMIMOConv({
        ...given,
        out: o.out,
        data: o.data,
        resume: o.resume,
        stopAfter: o.stopAfter,
        device: o.device,
        onStart: (s) => {
          start = s;
          const c = s.config;
          ui.start(
            (c.baseline
              ? `WideResNet WRN-${c.depth}-${c.width} (stem ${16 * c.initialWidth}, ${c.activation}; ${s.parameters} parameters) on ${c.dataset}: `
              : `MIMOConv WRN-${c.depth}-${c.width} (stem ${16 * c.initialWidth}, cap ${c.cap}, ${c.binding}, ${c.activation}; ${s.parameters} parameters) on ${c.dataset}: `) +
              `${s.trainImages} training images on ${o.device}, evaluating on ${s.evalImages} ${s.evalSplit} images; ${s.stepsPerEpoch} steps/epoch of ${c.groups} ${c.baseline ? 'images' : 'superpositions'}` +
              (s.startEpoch ? `; resuming after epoch ${s.startEpoch}` : ''),
            s.totalSteps, s.startEpoch * s.stepsPerEpoch, { epoch: s.startEpoch + 1 },
          );
        },
        onStep: (s) => ui.step(s.step, s.totalSteps, { epoch: s.epoch, n: s.n, loss: s.loss.toFixed(3), acc: (100 * s.accuracy).toFixed(1) + '%', 'img/s': Math.round(s.imagesPerS) }),
        onEpoch: (m) => {
          epochs.push(m);
          const accs = Object.entries(m.eval_accuracy).map(([n, a]) => `n=${n} ${(100 * a).toFixed(2)}%`).join(', ');
          ui.line(`epoch ${m.epoch}: loss ${m.train_loss.toFixed(4)}, train acc ${(100 * m.train_accuracy).toFixed(1)}%, ${m.eval_split} acc ${accs}; ` +
            (m.train_isometry_loss === null ? '' : `isometry penalty ${m.train_isometry_loss.toPrecision(4)}, `) +
            `${m.images_per_s} img/s, ${m.skipped_steps} skipped, ${m.seconds.toFixed(1)} s`);
        },
      }),
    );
    if (o.json) {
      return printJson({
        out: path.resolve(o.out), checkpoint: result.checkpoint, device: o.device, config: result.config, start_epoch: result.startEpoch,
        train_images: start?.trainImages, eval_images: start?.evalImages, steps_per_epoch: start?.stepsPerEpoch, seconds: Math.round(result.seconds * 10) / 10, epochs,
      });
    }
    console.log(`checkpoint ${result.checkpoint}; metrics ${path.join(o.out, RUN_FILES.metrics)}`);
  });
  return cmd;
}

export function trainCommand(): Command {
  return new Command('train')
    .description('train models: MIMOConv and its plain WideResNet baseline, DataMUX, MIMOFormer and its Performer baseline')
    .addCommand(imageClassifierCommand('mimoconv'))
    .addCommand(imageClassifierCommand('wideresnet'))
    .addCommand(trainDataMUXCommand())
    .addCommand(trainMIMOFormerCommand());
}
