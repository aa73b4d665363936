// `mimo train mimoformer`: MIMOFormer or its Performer / softmax baselines on an LRA task; see src/train/mimoformer.ts.
import { Command } from 'commander';
import path from 'node:path';
import { LRA_TASKS } from '../../data/index.js';
import { MIMOFORMER_KEYS, MIMOFORMER_VARIANTS } from '../../models/mimoformer.js';
import { FAVOR_KERNELS } from '../../models/favor.js';
import { RUN_FILES } from '../../train/run_dir.js';
import { defaultMIMOFormerTrainConfig, readMIMOFormerRunConfig, trainMIMOFormer } from '../../train/mimoformer.js';
import type { MIMOFormerMetrics, MIMOFormerTrainConfig } from '../../train/mimoformer.js';
import { mergeRunOptions } from './run_options.js';
import { DEVICE_HELP, UsageError, choice, nonNegativeInt, nonNegativeNumber, positiveInt, positiveNumber, printJson } from '../output.js';
import { withTrainingConsole } from '../training_console.js';

/** Parses a list of grids 'MxN' (or 'M×N'), e.g. '2x2,4x4'. */
export function gridList(flag: string) {
  return (v: string): [number, number][] => {
    const parts = v.split(',').map((s) => s.trim());
    return parts.map((p) => {
      const m = /^(\d+)\s*[x×]\s*(\d+)$/.exec(p);
      if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new UsageError(`${flag} takes grids MxN separated by commas (e.g. 2x2,4x4), got '${v}'`);
      return [Number(m[1]), Number(m[2])];
    });
  };
}

/** CLI option key → training config field. */
const FIELDS: [string, keyof MIMOFormerTrainConfig][] = [
  ['task', 'task'], ['variant', 'variant'], ['m', 'm'], ['n', 'n'], ['points', 'points'], ['curriculumSteps', 'curriculumSteps'],
  ['curriculumStages', 'curriculumStages'], ['dim', 'dim'], ['ffn', 'ffn'], ['heads', 'heads'], ['headDim', 'headDim'], ['layers', 'layers'], ['features', 'features'], ['dropout', 'dropout'], ['centerValues', 'centerValues'], ['uniformAttention', 'uniformAttention'], ['kernel', 'kernel'], ['keys', 'keys'], ['cleanInit', 'cleanInit'],
  ['length', 'length'], ['steps', 'steps'], ['batch', 'batch'], ['groupByLength', 'groupByLength'], ['lr', 'lr'], ['pctStart', 'pctStart'], ['weightDecay', 'weightDecay'],
  ['evalEvery', 'evalEvery'], ['limit', 'limit'], ['evalLimit', 'evalLimit'], ['seed', 'seed'],
];

export function trainMIMOFormerCommand(): Command {
  const d = defaultMIMOFormerTrainConfig;
  const cmd = new Command('mimoformer').description(
    'train MIMOFormer (linear attention in superposition: att. or att.+MLP on an M×N grid of sequences) or its Performer / softmax ' +
      'baseline on an LRA task (ListOps, Text = IMDB bytes, Image = CIFAR-10 grey); AdamW + OneCycle; evaluates every trained grid on dev',
  );
  cmd
    .requiredOption('--out <dir>', 'run directory: metrics.jsonl, model.safetensors (last checkpoint), best.safetensors (best mean dev accuracy after the curriculum), train_state.safetensors (for --resume)')
    .option('--task <t>', LRA_TASKS.join(', '), choice('--task', LRA_TASKS), d.task)
    .option('--variant <v>', `${MIMOFORMER_VARIANTS.join(', ')} (att: attention core in superposition; att-mlp: also the residual stream and MLP)`, choice('--variant', MIMOFORMER_VARIANTS), d.variant)
    .option('--m <M>', 'grid rows: key/value bundles (capacity)', positiveInt('--m'), d.m)
    .option('--n <N>', 'grid columns: query bundles (capacity)', positiveInt('--n'), d.n)
    .option('--points <grids>', 'grids trained, e.g. 2x2,4x4 (each step draws one; default the capacity MxN). One set of weights then serves each', gridList('--points'))
    .option('--curriculum-steps <s>', 'first steps on each grid\'s half (⌈m/2⌉×⌈n/2⌉), as the reference warms up', nonNegativeInt('--curriculum-steps'), d.curriculumSteps)
    .option('--curriculum-stages <k>', 'split the curriculum into k equal stages, each halving the grid once less (8x8 with k = 2: 2x2, then 4x4, then 8x8)', positiveInt('--curriculum-stages'), d.curriculumStages)
    .option('--data <dir>', 'data directory (default: $MIMO_DATA, then ../shared/data)')
    .option('--listops-dir <dir>', 'folder of basic_{train,val,test}.tsv (default DATA/listops; make it with `mimo data listops`)')
    .option('--dim <d>', 'model width', positiveInt('--dim'), d.dim)
    .option('--ffn <f>', 'MLP width', positiveInt('--ffn'), d.ffn)
    .option('--heads <h>', 'attention heads', positiveInt('--heads'), d.heads)
    .option('--head-dim <D>', 'width of each head', positiveInt('--head-dim'), d.headDim)
    .option('--layers <l>', 'encoder layers', positiveInt('--layers'), d.layers)
    .option('--features <R>', 'random features of FAVOR+', positiveInt('--features'), d.features)
    .option('--dropout <p>', 'dropout', nonNegativeNumber('--dropout'), d.dropout)
    .option('--center-values', 'att: bundle each sequence\'s mean value out and add it back after unbinding, free of crosstalk (beyond the reference)')
    .option('--kernel <k>', `FAVOR+ kernel: ${FAVOR_KERNELS.join(', ')} (relu: the reference's; softmax: positive random features of exp(<q,k>/sqrt(D)), beyond the reference)`, choice('--kernel', FAVOR_KERNELS), d.kernel)
    .option('--keys <k>', `attention keys of att and att-mlp: ${MIMOFORMER_KEYS.join(', ')} (random: Rademacher, the reference's; hadamard: Walsh–Hadamard rows times a random sign vector, exactly orthogonal, beyond the reference; needs a power-of-2 head dimension ≥ the grid's cells)`, choice('--keys', MIMOFORMER_KEYS), d.keys)
    .option('--clean-init', 'with --keys hadamard: start the attention projections in the subspace those keys keep free of crosstalk (beyond the reference)')
    .option('--uniform-attention', 'no-attention baseline: hold every key projection at zero, so each attention output is its sequence\'s mean value (the model without attention patterns, at the same cost)')
    .option('--length <L>', 'tokens per sequence (default: LRA\'s: listops 2000, text 1000, image 1024)', positiveInt('--length'))
    .option('--steps <s>', 'optimizer steps', positiveInt('--steps'), d.steps)
    .option('--batch <b>', 'sequences per step (a multiple of m·n of every grid)', positiveInt('--batch'), d.batch)
    .option('--group-by-length', 'draw each batch from a length-sorted pool of 32 batches\' worth of sequences: less padding (ListOps, Text) and superposition groups of similar length (the dev evaluation groups by length too)')
    .option('--lr <x>', 'peak learning rate (AdamW, OneCycle with linear annealing)', positiveNumber('--lr'), d.lr)
    .option('--pct-start <x>', 'share of the steps warming the lr up', nonNegativeNumber('--pct-start'), d.pctStart)
    .option('--weight-decay <x>', 'AdamW weight decay', nonNegativeNumber('--weight-decay'), d.weightDecay)
    .option('--eval-every <s>', 'evaluate and checkpoint every s steps (and at the end)', positiveInt('--eval-every'), d.evalEvery)
    .option('--limit <n>', 'train on a random subset of n sequences', positiveInt('--limit'))
    .option('--eval-limit <n>', `evaluate on a random subset of n dev sequences (default ${d.evalLimit}; 0 = all)`, nonNegativeInt('--eval-limit'))
    .option('--seed <s>', 'random seed', nonNegativeInt('--seed'), d.seed)
    .option('--device <d>', `where to train: ${DEVICE_HELP}; not saved with the run, so a run can resume elsewhere`, 'cpu')
    .option('--resume', 'continue the run in --out from its last checkpoint (options not given are taken from the run)')
    .option('--stop-after <s>', 'stop after this checkpoint step (continue later with --resume)', positiveInt('--stop-after'))
    .option('--json', 'print the metrics of every evaluation as JSON');
  cmd.action(async (o: Record<string, unknown>) => {
    const out = o.out as string;
    let saved: MIMOFormerTrainConfig | undefined;
    if (o.resume) {
      const prev = readMIMOFormerRunConfig(out);
      if (!prev) throw new UsageError(`--resume: ${out} holds no ${RUN_FILES.state} to resume from`);
      saved = prev.config;
    }
    if (o.evalLimit === 0) o.evalLimit = null;
    const given = mergeRunOptions(cmd, o, FIELDS, saved);
    if (!saved) given.limit ??= null;
    const evals: MIMOFormerMetrics[] = [];
    const result = await withTrainingConsole(Boolean(o.json), 5, (ui) =>
      trainMIMOFormer({
        ...given,
        out,
        data: o.data as string | undefined,
        listopsDir: o.listopsDir as string | undefined,
        device: o.device as string,
        resume: Boolean(o.resume),
        stopAfter: o.stopAfter as number | undefined,
        onStart: (s) => {
          const c = s.config;
          const grids = c.points.map(([m, n]) => `${m}×${n}`).join(', ');
          ui.start(
            `MIMOFormer ${c.variant} (capacity ${c.m}×${c.n}, grids ${grids}; ${c.layers} layer(s), d ${c.dim}, ${c.heads}×${c.headDim} heads, R ${c.features}; ` +
              `${s.parameters} parameters, on ${String(o.device)}) on LRA ${c.task} (L ${c.length}): ${s.trainSequences} training sequences, ${s.evalSequences} dev sequences; ` +
              `${c.steps} steps of ${c.batch}` + (c.curriculumSteps ? ` (first ${c.curriculumSteps} on ${c.curriculumStages > 1 ? `smaller grids in ${c.curriculumStages} stages` : 'half grids'})` : '') + (s.startStep ? `; resuming after step ${s.startStep}` : ''),
            s.totalSteps, s.startStep,
          );
        },
        onStep: (s) => ui.step(s.step, s.totalSteps, { grid: s.point, loss: s.loss.toFixed(3), acc: (100 * s.accuracy).toFixed(1) + '%', 'seq/s': s.sequencesPerS.toFixed(1) }),
        onEval: (m) => {
          evals.push(m);
          const accs = Object.entries(m.eval_accuracy).map(([g, a]) => `${g} ${(100 * a).toFixed(2)}%`).join(', ');
          ui.line(`step ${m.step}: loss ${m.train_loss.toFixed(4)}, train acc ${(100 * m.train_accuracy).toFixed(1)}%, dev acc ${accs}${m.eval_grouping === 'length' ? ' (groups of similar length)' : ''}; ${m.sequences_per_s} seq/s, ${m.seconds.toFixed(1)} s`);
        },
      }),
    );
    const best = result.best && { checkpoint: result.best.checkpoint, step: result.best.step, dev_score: Math.round(result.best.score * 1e6) / 1e6 };
    if (o.json) return printJson({ out: path.resolve(out), checkpoint: result.checkpoint, best: best ?? null, device: o.device, config: result.config, start_step: result.startStep, seconds: Math.round(result.seconds * 10) / 10, evals });
    console.log(`checkpoint ${result.checkpoint}; metrics ${path.join(out, RUN_FILES.metrics)}`);
    if (best) console.log(`best dev checkpoint ${best.checkpoint} (step ${best.step}, mean dev accuracy ${(100 * best.dev_score).toFixed(2)}%)`);
  });
  return cmd;
}
