// `mimo eval CHECKPOINT` for DataMUX checkpoints: SST-2 accuracy and inference throughput at each
// operating point n ≤ N (default: the points the run trained).
import { getThreads } from '../../tensor/index.js';
import { Vocab, loadSst2, resolveDataDir } from '../../data/index.js';
import type { VocabJson } from '../../data/index.js';
import { loadDataMUX, loadDataMUXVision } from '../../models/checkpoint.js';
import { cropMnist } from '../../models/datamux_vision.js';
import { evaluateDataMUXVision } from '../../train/datamux_vision.js';
import { loadMnist } from '../../data/index.js';
import type { Checkpoint } from '../../models/checkpoint.js';
import { encodeSentences, evaluateDataMUX } from '../../train/datamux.js';
import { UsageError, printJson } from '../output.js';
import { DEFAULT_GROUPING } from '../../train/evaluate.js';
import type { Grouping } from '../../train/evaluate.js';
import { tensor } from '../../tensor/index.js';

export interface DataMUXEvalCliOptions {
  n?: number[];
  data?: string;
  split: 'train' | 'dev' | 'test';
  limit?: number;
  /** Mixes per forward pass. */
  groups: number;
  grouping?: Grouping;
  groupingSeed?: number;
  json?: boolean;
}

export function evalDataMUXCheckpoint(file: string, info: Checkpoint, o: DataMUXEvalCliOptions): void {
  const N = Number((info.config as { instances?: number }).instances);
  const extra = (info.extra ?? {}) as { points?: number[]; vocab?: VocabJson; step?: number; task?: string };
  const ns = o.n ?? extra.points ?? [N];
  const bad = ns.filter((n) => n > N);
  if (bad.length) throw new UsageError(`--n ${bad.join(',')}: the checkpoint holds N = ${N} instances (choose n from 1 to ${N})`);
  if (!extra.vocab) throw new UsageError(`${file} holds no vocabulary (mimo_extra.vocab); it was not written by \`mimo train datamux\``);
  const vocab = Vocab.fromJSON(extra.vocab, file);
  const data = loadSst2(resolveDataDir(o.data), o.split, { limit: o.limit });
  const { model } = loadDataMUX(file);
  const maxLength = model.config.maxLength;
  const ids = encodeSentences(vocab, data.sentences, maxLength);
  const labels = tensor(Array.from(data.labels), { shape: [data.labels.length], dtype: 'int64' });
  let points;
  try {
    points = evaluateDataMUX(model, ids, labels, ns, { groups: o.groups, warmup: true, grouping: o.grouping, groupingSeed: o.groupingSeed });
  } finally {
    ids.dispose();
    labels.dispose();
  }
  const rows = points.map((p) => ({
    n: p.n, accuracy: p.accuracy, correct: p.correct, total: p.total, seconds: Number(p.seconds.toFixed(4)),
    instances_per_s: Math.round(p.instancesPerS), macs_per_input: Math.round(model.macsPerInput(p.n, maxLength)),
  }));
  model.dispose();
  const result = {
    checkpoint: file, model: 'datamux', config: info.config, step: extra.step ?? null, dataset: 'sst2', split: o.split, sentences: data.sentences.length,
    groups: o.groups, grouping: o.grouping ?? DEFAULT_GROUPING, grouping_seed: o.groupingSeed ?? 0, threads: getThreads(), points: rows,
  };
  if (o.json) return printJson(result);
  const header = ['n', 'accuracy', 'sentences/s', 'MMAC/sentence', 'seconds'];
  const table = rows.map((p) => [String(p.n), `${(100 * p.accuracy).toFixed(2)}%`, String(p.instances_per_s), (p.macs_per_input / 1e6).toFixed(2), p.seconds.toFixed(2)]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  console.log(`${file} (step ${result.step ?? '?'}) on SST-2 ${o.split}: ${result.sentences} sentences, ${o.groups} mixes per pass`);
  console.log(header.map((h, i) => h.padStart(widths[i])).join('  '));
  for (const r of table) console.log(r.map((v, i) => v.padStart(widths[i])).join('  '));
}

/** `mimo eval` of a DataMUX MNIST checkpoint: accuracy and images/s at each n on the 20×20 crops. */
export function evalDataMUXVisionCheckpoint(file: string, info: Checkpoint, o: { n?: number[]; data?: string; split: 'train' | 'test'; limit?: number; groups: number; grouping?: Grouping; groupingSeed?: number; json?: boolean }): void {
  const N = Number((info.config as { instances?: number }).instances);
  const extra = (info.extra ?? {}) as { points?: number[]; epoch?: number };
  const ns = o.n ?? extra.points ?? [N];
  const bad = ns.filter((n) => n > N);
  if (bad.length) throw new UsageError(`--n ${bad.join(',')}: the checkpoint holds N = ${N} instances (choose n from 1 to ${N})`);
  const data = loadMnist(resolveDataDir(o.data), o.split, { limit: o.limit });
  const x = cropMnist(data.images);
  data.images.dispose();
  const { model } = loadDataMUXVision(file);
  let points;
  try {
    points = evaluateDataMUXVision(model, x, data.labels, ns, { groups: o.groups, warmup: true, grouping: o.grouping, groupingSeed: o.groupingSeed });
  } finally {
    x.dispose();
    data.labels.dispose();
  }
  const rows = points.map((p) => ({
    n: p.n, accuracy: p.accuracy, correct: p.correct, total: p.total, seconds: Number(p.seconds.toFixed(4)), images_per_s: Math.round(p.imagesPerS),
    macs_per_input: Math.round(model.macsPerInput(p.n)),
  }));
  model.dispose();
  const result = { checkpoint: file, model: 'datamux-vision', config: info.config, epoch: extra.epoch ?? null, dataset: 'mnist', split: o.split, images: rows[0]?.total ?? 0, groups: o.groups, grouping: o.grouping ?? DEFAULT_GROUPING, grouping_seed: o.groupingSeed ?? 0, threads: getThreads(), points: rows };
  if (o.json) return printJson(result);
  console.log(`${file} (epoch ${result.epoch ?? '?'}) on MNIST ${o.split} (20×20): ${result.images} images, ${o.groups} mixes per pass`);
  console.log('n  accuracy  images/s  kMAC/image');
  for (const r of rows) console.log(`${String(r.n).padEnd(2)} ${(100 * r.accuracy).toFixed(2).padStart(7)}%  ${String(r.images_per_s).padStart(8)}  ${(r.macs_per_input / 1e3).toFixed(1).padStart(10)}`);
}
