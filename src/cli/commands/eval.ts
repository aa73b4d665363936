// `mimo eval CHECKPOINT`: accuracy and inference throughput of a MIMOConv checkpoint at each operating
// point n, as a table, JSON, and optionally an SVG plot of accuracy against throughput.
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { getThreads, keep, tidy } from '../../tensor/index.js';
import { normalize, resolveDataDir } from '../../data/index.js';
import { writeTextAtomic } from '../../io/index.js';
import { loadMIMOConv, loadWideResNet, readCheckpointInfo } from '../../models/checkpoint.js';
import { MIMOConv } from '../../models/mimoconv.js';
import { DATASET_SPECS, IMAGE_DATASETS, divisorsOf, evaluateMIMOConv, loadImageDataset } from '../../train/mimoconv.js';
import type { EvalPoint, ImageDataset } from '../../train/mimoconv.js';
import { DEFAULT_GROUPING, GROUPINGS } from '../../train/evaluate.js';
import type { Grouping } from '../../train/evaluate.js';
import { DEVICE_HELP, UsageError, checkOutputFile, choice, nonNegativeInt, positiveInt, positiveIntList, printJson } from '../output.js';
import { evalDataMUXCheckpoint, evalDataMUXVisionCheckpoint } from './eval_datamux.js';
import { evalMIMOFormerCheckpoint } from './eval_mimoformer.js';
import { gridList } from './train_mimoformer.js';

interface EvalCliOptions {
  n?: number[];
  data?: string;
  dataset?: ImageDataset;
  split: 'train' | 'dev' | 'test';
  limit?: number;
  batchSize: number;
  groups: number;
  grouping: Grouping;
  groupingSeed: number;
  grids?: [number, number][];
  listopsDir?: string;
  uniformAttention?: boolean;
  device: string;
  json?: boolean;
  plot?: string;
}

export interface EvalRow extends EvalPoint {
  macsPerInput: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** "Nice" tick values covering [lo, hi] (about `count` of them). */
function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/**
 * An SVG scatter plot of accuracy (%) against throughput (images/s), one labelled point per n,
 * joined in order of n. Written by hand: axes, ticks, grid, labels, title.
 */
export function accuracyThroughputSvg(rows: readonly { n: number; accuracy: number; imagesPerS: number }[], title: string): string {
  const W = 640, H = 420, L = 70, R = 30, T = 50, B = 60;
  const xs = rows.map((r) => r.imagesPerS);
  const ys = rows.map((r) => 100 * r.accuracy);
  const pad = (lo: number, hi: number, frac: number): [number, number] => {
    const span = hi - lo || Math.abs(hi) || 1;
    return [lo - frac * span, hi + frac * span];
  };
  let [x0, x1] = pad(Math.min(...xs), Math.max(...xs), 0.15);
  let [y0, y1] = pad(Math.min(...ys), Math.max(...ys), 0.15);
  x0 = Math.max(0, x0);
  y0 = Math.max(0, y0);
  y1 = Math.min(100, y1);
  if (!(y1 > y0)) [y0, y1] = [Math.max(0, y0 - 1), Math.min(100, y1 + 1)];
  const xt = ticks(x0, x1), yt = ticks(y0, y1);
  [x0, x1] = [Math.min(x0, xt[0]), Math.max(x1, xt[xt.length - 1])];
  [y0, y1] = [Math.min(y0, yt[0]), Math.max(y1, yt[yt.length - 1])];
  const px = (v: number) => L + ((v - x0) / (x1 - x0 || 1)) * (W - L - R);
  const py = (v: number) => H - B - ((v - y0) / (y1 - y0 || 1)) * (H - T - B);
  const f = (v: number) => v.toFixed(1);
  const lines: string[] = [];
  lines.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  lines.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  lines.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="white"/>`);
  lines.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="15">${esc(title)}</text>`);
  lines.push(`<g class="grid" stroke="#ddd" stroke-width="1">`);
  for (const v of xt) lines.push(`<line x1="${f(px(v))}" y1="${T}" x2="${f(px(v))}" y2="${H - B}"/>`);
  for (const v of yt) lines.push(`<line x1="${L}" y1="${f(py(v))}" x2="${W - R}" y2="${f(py(v))}"/>`);
  lines.push(`</g>`);
  lines.push(`<g class="axes" stroke="black" stroke-width="1.5"><line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}"/></g>`);
  lines.push(`<g class="xticks" text-anchor="middle">`);
  for (const v of xt) lines.push(`<line x1="${f(px(v))}" y1="${H - B}" x2="${f(px(v))}" y2="${H - B + 5}" stroke="black"/><text x="${f(px(v))}" y="${H - B + 19}">${v}</text>`);
  lines.push(`</g>`);
  lines.push(`<g class="yticks" text-anchor="end">`);
  for (const v of yt) lines.push(`<line x1="${L - 5}" y1="${f(py(v))}" x2="${L}" y2="${f(py(v))}" stroke="black"/><text x="${L - 8}" y="${f(py(v) + 4)}">${v}</text>`);
  lines.push(`</g>`);
  lines.push(`<text x="${(L + W - R) / 2}" y="${H - 18}" text-anchor="middle">throughput (images/s)</text>`);
  lines.push(`<text x="18" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 18 ${(T + H - B) / 2})">accuracy (%)</text>`);
  const sorted = [...rows].sort((a, b) => a.n - b.n);
  if (sorted.length > 1) {
    lines.push(`<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${sorted.map((r) => `${f(px(r.imagesPerS))},${f(py(100 * r.accuracy))}`).join(' ')}"/>`);
  }
  lines.push(`<g class="points">`);
  for (const r of sorted) {
    const cx = f(px(r.imagesPerS)), cy = f(py(100 * r.accuracy));
    lines.push(`<circle class="point" data-n="${r.n}" cx="${cx}" cy="${cy}" r="5" fill="#1f77b4"><title>n=${r.n}: ${(100 * r.accuracy).toFixed(2)}%, ${Math.round(r.imagesPerS)} images/s</title></circle>`);
    lines.push(`<text x="${f(Number(cx) + 8)}" y="${f(Number(cy) - 8)}">n=${r.n}</text>`);
  }
  lines.push(`</g>`);
  lines.push(`</svg>`);
  return lines.join('\n') + '\n';
}


export function evalCommand(): Command {
  const cmd = new Command('eval');
  return cmd
    .description(
      'accuracy and inference throughput (eval mode, no gradients) of a MIMOConv checkpoint at each operating point n (or of a plain WideResNet, n = 1), ' +
        'or of a DataMUX checkpoint on SST-2 at each n ≤ N, or of a MIMOFormer checkpoint on its LRA task at each grid M×N',
    )
    .argument('<checkpoint>', 'model checkpoint (model.safetensors of `mimo train mimoconv`, `mimo train wideresnet`, `mimo train datamux` or `mimo train mimoformer`)')
    .option('--n <list>', 'operating points, comma-separated; MIMOConv: each must divide the capacity (default: every divisor of cap); DataMUX: each ≤ N (default: the trained points)', positiveIntList('--n'))
    .option('--data <dir>', 'data directory (default: $MIMO_DATA, then ../shared/data)')
    .option('--dataset <name>', 'mnist or cifar10 (default: the one the checkpoint was trained on)', choice('--dataset', IMAGE_DATASETS))
    .option('--split <split>', 'train or test (DataMUX: train, dev or test; default dev)', (v: string) => {
      if (v !== 'train' && v !== 'test' && v !== 'dev') throw new UsageError(`--split must be train, dev or test, got '${v}'`);
      return v;
    }, 'test')
    .option('--limit <n>', 'evaluate on only the first n examples (MIMOFormer: a seeded random subset of n sequences)', positiveInt('--limit'))
    .option('--batch-size <b>', 'images per forward pass (rounded down to a multiple of cap)', positiveInt('--batch-size'), 512)
    .option('--groups <g>', 'DataMUX: mixes per forward pass; MIMOFormer: sequences per forward pass', positiveInt('--groups'), 32)
    .option(
      '--grouping <g>',
      'which inputs share a superposition: random (a seeded random order, as independent requests arrive), given (consecutive examples of the split, e.g. to measure the effect of a sorted split) or length (MIMOFormer, DataMUX sentences: the random order sorted by sequence length, as a server bucketing its queue by length)',
      choice('--grouping', GROUPINGS),
      DEFAULT_GROUPING,
    )
    .option('--grouping-seed <s>', 'seed of the random order that decides which inputs share a superposition (random and length groupings): other seeds show how much accuracy depends on who shares', nonNegativeInt('--grouping-seed'), 0)
    .option('--grids <grids>', 'MIMOFormer: grids MxN, comma-separated (default: the trained grids)', gridList('--grids'))
    .option('--listops-dir <dir>', 'MIMOFormer on ListOps: folder of basic_{train,val,test}.tsv (default DATA/listops)')
    .option('--uniform-attention', 'MIMOFormer ablation: zero every key projection, so each query weighs its sequence\'s tokens equally (the attention output becomes the sequence\'s mean value): what the model does without its attention patterns')
    .option('--device <d>', `MIMOFormer: where to evaluate, ${DEVICE_HELP}`, 'cpu')
    .option('--json', 'print the result as JSON')
    .option('--plot <file.svg>', 'write an SVG plot of accuracy against throughput')
    .action(async (file: string, o: EvalCliOptions) => {
      if (!existsSync(file)) throw new UsageError(`checkpoint not found: ${file}`);
      const info = readCheckpointInfo(file);
      if (o.device !== 'cpu' && info.model !== 'mimoformer') throw new UsageError(`--device ${o.device}: only MIMOFormer checkpoints are evaluated off the CPU so far, ${file} holds a ${info.model} model`);
      const only = (flag: string, given: unknown, kinds: readonly string[], names: string) => {
        if (given !== undefined && !kinds.includes(info.model)) throw new UsageError(`${flag}: only for ${names} checkpoints, ${file} holds a ${info.model} model`);
      };
      only('--uniform-attention', o.uniformAttention, ['mimoformer'], 'MIMOFormer');
      only('--grids', o.grids, ['mimoformer'], 'MIMOFormer');
      only('--listops-dir', o.listopsDir, ['mimoformer'], 'MIMOFormer');
      only('--n', o.n, ['mimoconv', 'wideresnet', 'datamux', 'datamux-vision'], 'MIMOConv and DataMUX');
      only('--dataset', o.dataset, ['mimoconv', 'wideresnet'], 'MIMOConv and WideResNet');
      only('--plot', o.plot, ['mimoconv', 'wideresnet'], 'MIMOConv and WideResNet');
      if (o.plot !== undefined) checkOutputFile('--plot', o.plot);
      if (o.grouping === 'length' && info.model !== 'mimoformer' && info.model !== 'datamux') throw new UsageError(`--grouping length: only for sequence models (MIMOFormer, DataMUX sentences), ${file} holds a ${info.model} model`);
      if (info.model === 'datamux') {
        const split = cmd.getOptionValueSource('split') === 'cli' ? o.split : 'dev';
        return evalDataMUXCheckpoint(file, info, { n: o.n, data: o.data, split, limit: o.limit, groups: o.groups, grouping: o.grouping, groupingSeed: o.groupingSeed, json: o.json });
      }
      if (info.model === 'mimoformer') {
        const split = cmd.getOptionValueSource('split') === 'cli' ? o.split : 'dev';
        return evalMIMOFormerCheckpoint(file, info, { grids: o.grids, data: o.data, listopsDir: o.listopsDir, split, limit: o.limit, batch: o.groups, grouping: o.grouping, groupingSeed: o.groupingSeed, uniformAttention: o.uniformAttention, device: o.device, json: o.json });
      }
      if (info.model === 'datamux-vision') {
        if (o.split === 'dev') throw new UsageError(`--split dev: MNIST has train and test splits only`);
        return evalDataMUXVisionCheckpoint(file, info, { n: o.n, data: o.data, split: o.split, limit: o.limit, groups: o.groups, grouping: o.grouping, groupingSeed: o.groupingSeed, json: o.json });
      }
      if (o.split === 'dev') throw new UsageError(`--split dev: image data sets have train and test splits only`);
      const cap = info.model === 'mimoconv' ? Number((info.config as { cap?: number }).cap) : 1;
      const ns = o.n ?? divisorsOf(cap);
      const bad = ns.filter((n) => cap % n !== 0);
      if (bad.length) throw new UsageError(`--n ${bad.join(',')}: n must divide the checkpoint's capacity cap = ${cap} (choose from ${divisorsOf(cap).join(', ')})`);
      const extra = info.extra ?? {};
      const dataset = o.dataset ?? (extra.dataset as ImageDataset | undefined);
      if (!dataset) throw new UsageError(`${file} does not say which data set it was trained on; pass --dataset`);
      if (!(IMAGE_DATASETS as readonly string[]).includes(dataset)) throw new Error(`${file}: unknown data set '${dataset}'`);
      const spec = DATASET_SPECS[dataset];
      const inChannels = Number((info.config as { inChannels?: number }).inChannels);
      if (inChannels !== spec.inChannels) throw new UsageError(`${file} takes ${inChannels}-channel images; ${dataset} has ${spec.inChannels}`);
      const dir = resolveDataDir(o.data);
      const data = await loadImageDataset(dataset, dir, o.split, o.limit);
      const x = keep(tidy(() => normalize(data.images, spec.mean, spec.std)));
      data.images.dispose();
      const model = info.model === 'mimoconv' ? loadMIMOConv(file).model : loadWideResNet(file).model;
      let points: EvalPoint[];
      try {
        points = evaluateMIMOConv(model, x, data.labels, ns, { batchSize: o.batchSize, warmup: true, grouping: o.grouping, groupingSeed: o.groupingSeed });
      } finally {
        x.dispose();
        data.labels.dispose();
      }
      const macs = (n: number) => (model instanceof MIMOConv ? model.macsPerInput(n, spec.size) : model.macsPerInput(spec.size));
      const rows: EvalRow[] = points.map((p) => ({ ...p, macsPerInput: macs(p.n) }));
      model.dispose();
      const result = {
        checkpoint: file,
        model: info.model,
        config: info.config,
        epoch: info.epoch ?? null,
        dataset,
        split: o.split,
        images: rows[0]?.total ?? 0,
        batch_size: Math.max(cap, Math.floor(o.batchSize / cap) * cap),
        grouping: o.grouping,
        grouping_seed: o.groupingSeed,
        threads: getThreads(),
        points: rows.map((r) => ({
          n: r.n, accuracy: r.accuracy, correct: r.correct, total: r.total, seconds: Number(r.seconds.toFixed(4)),
          images_per_s: Math.round(r.imagesPerS), macs_per_input: Math.round(r.macsPerInput),
        })),
        plot: o.plot ?? null,
      };
      if (o.plot) {
        const c = info.config as { depth?: number; width?: number };
        const name = info.model === 'mimoconv' ? `MIMOConv WRN-${c.depth}-${c.width}, cap ${cap}` : `WideResNet WRN-${c.depth}-${c.width}`;
        writeTextAtomic(o.plot, accuracyThroughputSvg(rows, `${name}: ${dataset} ${o.split} (${result.images} images)`));
      }
      if (o.json) return printJson(result);
      const header = ['n', 'accuracy', 'images/s', 'MMAC/image', 'seconds'];
      const table = result.points.map((p) => [String(p.n), `${(100 * p.accuracy).toFixed(2)}%`, String(p.images_per_s), (p.macs_per_input / 1e6).toFixed(2), p.seconds.toFixed(2)]);
      const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
      console.log(`${file} (epoch ${result.epoch ?? '?'}) on ${dataset} ${o.split}: ${result.images} images, batch ${result.batch_size}`);
      console.log(header.map((h, i) => h.padStart(widths[i])).join('  '));
      for (const r of table) console.log(r.map((v, i) => v.padStart(widths[i])).join('  '));
      if (o.plot) console.log(`plot written to ${o.plot}`);
    });
}
