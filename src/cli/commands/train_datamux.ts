// `mimo train datamux`: retrieval warm-up then task training of a DataMUX; see src/train/datamux.ts.
import { Command } from 'commander';
import path from 'node:path';
import { RUN_FILES } from '../../train/run_dir.js';
import { defaultDataMUXTrainConfig, readDataMUXRunConfig, trainDataMUX } from '../../train/datamux.js';
import type { DataMUXMetrics, DataMUXTrainConfig } from '../../train/datamux.js';
import { DEMUX_KINDS, MAX_INSTANCES, SENTENCE_POOLINGS } from '../../models/datamux.js';
import { CONV_MUX_KINDS } from '../../models/datamux_vision.js';
import { defaultDataMUXVisionTrainConfig, readDataMUXVisionRunConfig, trainDataMUXVision } from '../../train/datamux_vision.js';
import type { DataMUXVisionTrainConfig, VisionEpochMetrics } from '../../train/datamux_vision.js';
import { mergeRunOptions } from './run_options.js';
import { DEVICE_HELP, UsageError, choice, nonNegativeInt, nonNegativeNumber, positiveInt, positiveIntList, positiveNumber, printJson } from '../output.js';
import { withTrainingConsole } from '../training_console.js';

const MUX_NAMES = { gaussian: 'gaussian', orthogonal: 'orthogonal', binary: 'binary' } as const;



function instancesOption(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_INSTANCES) throw new UsageError(`--n must be an integer from 1 to ${MAX_INSTANCES}, got '${v}'`);
  return n;
}

/** CLI option name → training config field. */
const FIELDS: [string, keyof DataMUXTrainConfig][] = [
  ['n', 'instances'], ['mux', 'mux'], ['demux', 'demux'], ['learnMux', 'learnMux'], ['maskPadding', 'maskPadding'], ['pooling', 'pooling'], ['dim', 'dim'], ['layers', 'layers'],
  ['heads', 'heads'], ['ffn', 'ffn'], ['dropout', 'dropout'], ['maxLength', 'maxLength'], ['maxWords', 'maxWords'], ['minFreq', 'minFreq'],
  ['points', 'points'], ['warmupSteps', 'warmupSteps'], ['steps', 'steps'], ['groups', 'groups'], ['lr', 'lr'], ['weightDecay', 'weightDecay'],
  ['taskWeight', 'taskWeight'], ['retrievalWeight', 'retrievalWeight'], ['evalEvery', 'evalEvery'], ['trimBatch', 'trimBatch'], ['limit', 'limit'],
  ['evalLimit', 'evalLimit'], ['seed', 'seed'],
];

export function trainDataMUXCommand(): Command {
  const d = defaultDataMUXTrainConfig;
  const cmd = new Command('datamux').description(
    'train a DataMUX (N sentences mixed into one Transformer pass) on SST-2: retrieval warm-up, then the task with the auxiliary ' +
      'retrieval loss (0.9/0.1); AdamW with linear warm-up/decay per phase; evaluates on SST-2 dev at each trained n. ' +
      '--task mnist: the vision variant (N digits mixed into one LeNet pass)',
  );
  cmd
    .requiredOption('--out <dir>', 'run directory: metrics.jsonl, model.safetensors (checkpoint), train_state.safetensors (for --resume)')
    .option('--task <t>', 'sst2 (Transformer) or mnist (the vision variant: conv mux, tanh LeNet, per-instance demux)', choice('--task', ['sst2', 'mnist'] as const), 'sst2')
    .option('--data <dir>', 'data directory (default: $MIMO_DATA, then ../shared/data)')
    .option('--n <N>', `instances per mix, 1..${MAX_INSTANCES}`, instancesOption, d.instances)
    .option('--mux <m>', 'gaussian (Hadamard), orthogonal or binary (Hadamard)', choice('--mux', Object.values(MUX_NAMES)), d.mux)
    .option('--demux <d>', 'index (prefix tokens), mlp (one MLP per index) or rsa (MUX-PLMs key-conditioned)', choice('--demux', DEMUX_KINDS), d.demux)
    .option('--learn-mux', 'train the mux transforms (default frozen)')
    .option('--no-mask-padding', 'mix padding into the superposition and attend to it, as the reference does (default: masked)')
    .option('--pooling <p>', 'sentence features: cls (the demux\'s: index prefix CLS, or position 0; the reference) or mean (of the instance\'s token features)', choice('--pooling', SENTENCE_POOLINGS), d.pooling)
    .option('--dim <d>', 'encoder width', positiveInt('--dim'), d.dim)
    .option('--layers <l>', 'encoder layers', positiveInt('--layers'), d.layers)
    .option('--heads <h>', 'attention heads', positiveInt('--heads'), d.heads)
    .option('--ffn <f>', 'feed-forward width', positiveInt('--ffn'), d.ffn)
    .option('--dropout <p>', 'dropout', nonNegativeNumber('--dropout'), d.dropout)
    .option('--max-length <L>', 'tokens per sentence ([CLS] included; longer sentences are cut)', positiveInt('--max-length'), d.maxLength)
    .option('--max-words <w>', 'vocabulary: the most frequent training words kept', positiveInt('--max-words'), d.maxWords)
    .option('--min-freq <f>', 'vocabulary: words seen fewer times become [UNK]', positiveInt('--min-freq'), d.minFreq)
    .option('--points <n,...>', 'operating points trained (each step draws one; default N). One set of weights then serves each', positiveIntList('--points'))
    .option('--warmup-steps <s>', 'retrieval warm-up steps', nonNegativeInt('--warmup-steps'), d.warmupSteps)
    .option('--steps <s>', 'task steps', nonNegativeInt('--steps'), d.steps)
    .option('--groups <g>', 'mixes per step (a step sees groups·n sentences or images)', positiveInt('--groups'), d.groups)
    .option('--lr <x>', `peak learning rate (sst2: AdamW, default ${d.lr}; mnist: SGD, default ${defaultDataMUXVisionTrainConfig.lr})`, positiveNumber('--lr'))
    .option('--weight-decay <x>', 'AdamW weight decay', nonNegativeNumber('--weight-decay'), d.weightDecay)
    .option('--task-weight <x>', 'λ_task after the warm-up', nonNegativeNumber('--task-weight'), d.taskWeight)
    .option('--retrieval-weight <x>', 'λ_ret after the warm-up', nonNegativeNumber('--retrieval-weight'), d.retrievalWeight)
    .option('--eval-every <s>', 'evaluate and checkpoint every s steps (and at each phase end)', positiveInt('--eval-every'), d.evalEvery)
    .option('--no-trim-batch', 'pad every batch to --max-length (default: to its longest sentence)')
    .option('--limit <n>', 'use only the first n training sentences', positiveInt('--limit'))
    .option('--eval-limit <n>', 'evaluate on only the first n dev sentences', positiveInt('--eval-limit'))
    .option('--seed <s>', 'random seed', nonNegativeInt('--seed'), d.seed)
    .option('--conv-mux <m>', `mnist: ${CONV_MUX_KINDS.join(', ')}`, choice('--conv-mux', CONV_MUX_KINDS), defaultDataMUXVisionTrainConfig.mux)
    .option('--epochs <e>', 'mnist: epochs (passes over the training images at n = N)', positiveInt('--epochs'), defaultDataMUXVisionTrainConfig.epochs)
    .option('--momentum <m>', 'mnist: SGD momentum', nonNegativeNumber('--momentum'), defaultDataMUXVisionTrainConfig.momentum)
    .option('--loss <l>', 'mnist: mse (tanh scores against ±1, the reference) or ce', choice('--loss', ['mse', 'ce'] as const), defaultDataMUXVisionTrainConfig.loss)
    .option('--resume', 'continue the run in --out from its last checkpoint (options not given are taken from the run)')
    .option('--stop-after <s>', 'stop after this checkpoint step (continue later with --resume)', positiveInt('--stop-after'))
    .option('--device <d>', `sst2: where to train, ${DEVICE_HELP}; not saved with the run`, 'cpu')
    .option('--json', 'print the metrics of every evaluation as JSON');
  cmd.action(async (o: Record<string, unknown>) => {
    if (o.task === 'mnist' && o.device !== 'cpu') throw new UsageError(`--device ${String(o.device)}: the MNIST DataMUX trains on the CPU only so far`);
    if (o.task === 'mnist') return trainVision(cmd, o);
    const out = o.out as string;
    let saved: DataMUXTrainConfig | undefined;
    if (o.resume) {
      const prev = readDataMUXRunConfig(out);
      if (!prev) throw new UsageError(`--resume: ${out} holds no ${RUN_FILES.state} to resume from`);
      saved = prev.config;
    }
    const given: Record<string, unknown> = mergeRunOptions(cmd, o, FIELDS, saved);
    if (!saved) {
      given.learnMux = Boolean(o.learnMux);
      given.limit ??= null;
      given.evalLimit ??= null;
    }
    const evals: DataMUXMetrics[] = [];
    const result = await withTrainingConsole(Boolean(o.json), 5, (ui) =>
      trainDataMUX({
        ...(given as Partial<DataMUXTrainConfig>),
        out,
        data: o.data as string | undefined,
        resume: Boolean(o.resume),
        stopAfter: o.stopAfter as number | undefined,
        device: o.device as string,
        onStart: (s) => {
          const c = s.config;
          ui.start(
            `DataMUX N=${c.instances} (${c.mux} mux, ${c.demux} demux, ${c.layers}×${c.dim}, ${c.maskPadding ? 'padding masked' : 'padding mixed'}, ${c.pooling} pooling; ` +
              `${s.parameters} parameters, ${s.vocabSize} tokens, on ${String(o.device)}) on SST-2: ${s.trainSentences} training sentences, ${s.evalSentences} dev sentences; ` +
              `${c.warmupSteps} retrieval + ${c.steps} task steps of ${c.groups} mixes` + (s.startStep ? `; resuming after step ${s.startStep}` : ''),
            s.totalSteps, s.startStep,
          );
        },
        onStep: (s) =>
          ui.step(s.step, s.totalSteps, {
            phase: s.phase, n: s.n, loss: s.loss.toFixed(3), acc: (100 * s.taskAccuracy).toFixed(1) + '%', ret: (100 * s.retrievalAccuracy).toFixed(1) + '%',
            'inst/s': Math.round(s.instancesPerS),
          }),
        onEval: (m) => {
          evals.push(m);
          const accs = Object.entries(m.eval_accuracy).map(([n, a]) => `n=${n} ${(100 * a).toFixed(2)}%`).join(', ');
          ui.line(`step ${m.step} (${m.phase}): loss ${m.train_loss.toFixed(4)}, retrieval acc ${(100 * m.train_retrieval_accuracy).toFixed(1)}%, ` +
            `train acc ${(100 * m.train_accuracy).toFixed(1)}%, dev acc ${accs}; ${m.instances_per_s} sentences/s, ${m.seconds.toFixed(1)} s`);
        },
      }),
    );
    if (o.json) return printJson({ out: path.resolve(out), checkpoint: result.checkpoint, device: o.device, config: result.config, start_step: result.startStep, seconds: Math.round(result.seconds * 10) / 10, evals });
    console.log(`checkpoint ${result.checkpoint}; metrics ${path.join(out, RUN_FILES.metrics)}`);
  });
  return cmd;
}

const VISION_FIELDS: [string, keyof DataMUXVisionTrainConfig][] = [
  ['n', 'instances'], ['convMux', 'mux'], ['points', 'points'], ['epochs', 'epochs'], ['groups', 'groups'], ['lr', 'lr'], ['momentum', 'momentum'],
  ['loss', 'loss'], ['limit', 'limit'], ['evalLimit', 'evalLimit'], ['seed', 'seed'],
];

/** `--task mnist`: the vision variant (src/train/datamux_vision.ts). */
async function trainVision(cmd: Command, o: Record<string, unknown>): Promise<void> {
  const out = o.out as string;
  let saved: DataMUXVisionTrainConfig | undefined;
  if (o.resume) {
    const prev = readDataMUXVisionRunConfig(out);
    if (!prev) throw new UsageError(`--resume: ${out} holds no train_state.safetensors of a DataMUX MNIST run to resume from`);
    saved = prev.config;
  }
  const given: Record<string, unknown> = {};
  for (const [key, field] of VISION_FIELDS) {
    const fromCli = cmd.getOptionValueSource(key) === 'cli';
    // --groups has the text model's default; the vision default applies unless it is given.
    const v = saved && !fromCli ? saved[field] : key === 'groups' && !fromCli ? undefined : o[key];
    if (v !== undefined) given[field] = v;
  }
  if (!saved) {
    given.limit ??= null;
    given.evalLimit ??= null;
  }
  const epochs: VisionEpochMetrics[] = [];
  const result = await withTrainingConsole(Boolean(o.json), 10, (ui) =>
    trainDataMUXVision({
      ...(given as Partial<DataMUXVisionTrainConfig>),
      out,
      data: o.data as string | undefined,
      resume: Boolean(o.resume),
      stopAfter: o.stopAfter as number | undefined,
      onStart: (s) => {
        const c = s.config;
        ui.start(
          `DataMUX vision N=${c.instances} (${c.mux} conv mux, tanh LeNet; ${s.parameters} parameters) on MNIST 20×20: ${s.trainImages} training images, ` +
            `${s.evalImages} test images; ${s.stepsPerEpoch} steps/epoch of ${c.groups} mixes` + (s.startEpoch ? `; resuming after epoch ${s.startEpoch}` : ''),
          s.totalSteps, s.startEpoch * s.stepsPerEpoch,
        );
      },
      onStep: (s) => ui.step(s.step, s.totalSteps, { epoch: s.epoch, n: s.n, loss: s.loss.toFixed(3), acc: (100 * s.accuracy).toFixed(1) + '%', 'img/s': Math.round(s.imagesPerS) }),
      onEpoch: (m) => {
        epochs.push(m);
        const accs = Object.entries(m.eval_accuracy).map(([n, a]) => `n=${n} ${(100 * a).toFixed(2)}%`).join(', ');
        ui.line(`epoch ${m.epoch}: loss ${m.train_loss.toFixed(4)}, train acc ${(100 * m.train_accuracy).toFixed(1)}%, test acc ${accs}; ${m.images_per_s} img/s, ${m.seconds.toFixed(1)} s`);
      },
    }),
  );
  if (o.json) return printJson({ out: path.resolve(out), checkpoint: result.checkpoint, config: result.config, start_epoch: result.startEpoch, seconds: Math.round(result.seconds * 10) / 10, epochs });
  console.log(`checkpoint ${result.checkpoint}; metrics ${path.join(out, 'metrics.jsonl')}`);
}
