// `mimo eval CHECKPOINT` for MIMOFormer checkpoints: accuracy and throughput on the checkpoint's LRA
// task at each grid (default: the grids the run trained), with MACs per sequence (whole model and
// attention core) for the ideal speedups.
import { checkDevice, getThreads } from '../../tensor/index.js';
import { loadLraTask, resolveDataDir, takeSubset, toDevice } from '../../data/index.js';
import type { LraSplit, LraTask } from '../../data/index.js';
import { loadMIMOFormer } from '../../models/checkpoint.js';
import type { Checkpoint } from '../../models/checkpoint.js';
import { evaluateMIMOFormer } from '../../train/mimoformer.js';
import { DEFAULT_GROUPING } from '../../train/evaluate.js';
import type { Grouping } from '../../train/evaluate.js';
import { UsageError, formatTable, printJson } from '../output.js';

export interface MIMOFormerEvalCliOptions {
  grids?: [number, number][];
  data?: string;
  listopsDir?: string;
  split: LraSplit;
  /** Evaluate on a random subset of this many sequences. */
  limit?: number;
  batch: number;
  grouping?: Grouping;
  groupingSeed?: number;
  /** Evaluate with every attention made uniform (MIMOFormer.makeAttentionUniform). */
  uniformAttention?: boolean;
  /** Where to evaluate: 'cpu' (default), 'cuda', ... */
  device?: string;
  json?: boolean;
}

export async function evalMIMOFormerCheckpoint(file: string, info: Checkpoint, o: MIMOFormerEvalCliOptions): Promise<void> {
  const c = info.config as { m?: number; n?: number; maxLength?: number; variant?: string };
  const extra = (info.extra ?? {}) as { points?: [number, number][]; warmup_points?: [number, number][]; task?: LraTask; step?: number };
  const [M, N] = [Number(c.m), Number(c.n)];
  const grids = o.grids ?? extra.points ?? [[M, N]];
  const bad = grids.filter(([m, n]) => m > M || n > N);
  if (bad.length) throw new UsageError(`--grids ${bad.map(([m, n]) => `${m}x${n}`).join(',')}: the checkpoint's grid capacity is ${M}×${N}`);
  if (!extra.task) throw new UsageError(`${file} does not say which LRA task it was trained on; it was not written by \`mimo train mimoformer\``);
  const device = checkDevice(o.device ?? 'cpu')!;
  const data = toDevice(takeSubset(await loadLraTask(extra.task, resolveDataDir(o.data), o.split, { length: c.maxLength, listopsDir: o.listopsDir }), o.limit ?? null, 1), device);
  const { model } = loadMIMOFormer(file);
  model.to(device);
  if (o.uniformAttention) model.makeAttentionUniform();
  const uniform = Boolean(o.uniformAttention || model.config.uniformAttention); // made uniform here, or trained so
  let points;
  try {
    points = evaluateMIMOFormer(model, data, grids.map(([m, n]) => ({ m, n })), { batch: o.batch, warmup: true, grouping: o.grouping, groupingSeed: o.groupingSeed });
  } finally {
    data.inputs.dispose();
    data.labels.dispose();
  }
  const rows = points.map((p) => {
    const macs = model.macs({ m: p.m, n: p.n });
    return {
      m: p.m, n: p.n, accuracy: p.accuracy, correct: p.correct, total: p.total, seconds: Number(p.seconds.toFixed(4)),
      sequences_per_s: Number(p.sequencesPerS.toFixed(2)), macs_per_sequence: Math.round(macs.total), core_macs_per_sequence: Math.round(macs.core),
    };
  });
  model.dispose();
  const result = {
    checkpoint: file, model: 'mimoformer', config: info.config, step: extra.step ?? null, task: extra.task, split: o.split, sequences: rows[0]?.total ?? 0,
    batch: o.batch, grouping: o.grouping ?? DEFAULT_GROUPING, grouping_seed: o.groupingSeed ?? 0, uniform_attention: uniform, device, threads: getThreads(), points: rows,
    warmup_grids: (extra.warmup_points ?? []).map(([m, n]) => `${m}x${n}`),
  };
  if (o.json) return printJson(result);
  const notes = [
    model.config.kernel === 'softmax' ? 'softmax kernel' : '',
    model.config.keys === 'hadamard' ? 'Hadamard keys' : '',
    o.uniformAttention ? 'attention made uniform' : model.config.uniformAttention ? 'trained with uniform attention' : '',
  ].filter(Boolean).map((t) => `, ${t}`).join('');
  console.log(`${file} (${c.variant}, step ${result.step ?? '?'}${notes}) on LRA ${extra.task} ${o.split}: ${result.sequences} sequences, batch ${o.batch}, on ${device}`);
  console.log(formatTable(
    ['grid', 'accuracy', 'seq/s', 'MMAC/seq', 'core MMAC/seq', 'seconds'],
    rows.map((r) => [`${r.m}×${r.n}`, `${(100 * r.accuracy).toFixed(2)}%`, r.sequences_per_s.toFixed(1), (r.macs_per_sequence / 1e6).toFixed(2), (r.core_macs_per_sequence / 1e6).toFixed(2), r.seconds.toFixed(2)]),
  ));
  const unseen = result.warmup_grids.filter((g) => !rows.some((r) => `${r.m}x${r.n}` === g));
  if (unseen.length) console.log(`The curriculum also trained ${unseen.join(', ')}; evaluate them with --grids ${[...unseen, ...rows.map((r) => `${r.m}x${r.n}`)].join(',')}`);
}
