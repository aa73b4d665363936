// What the server needs to know about a checkpoint before loading it, from the file's header: the
// operating points it serves (inputs per superposition), classes, and the inputs it takes.
//
//   mimoconv        images [C, H, W], normalised like its training data; operating points n | cap.
//   mimoformer      LRA token sequences (the task's tokenizer); operating points n = m·n of its grids
//                   (default: the grids the run trained, else its capacity M×N), one grid per n.
//   datamux         SST-2-style sentences (the word vocabulary stored in the checkpoint); operating
//                   points n ≤ N instances (default: the points the run trained, else N).
//   datamux-vision  MNIST digits [1, 28, 28], pixels / 255, centre-cropped to 20×20 by the worker as
//                   in training; operating points as for datamux.
import { existsSync } from 'node:fs';
import { readCheckpointInfo } from '../models/checkpoint.js';
import { Vocab } from '../data/vocab.js';
import { CIFAR10_CLASSES } from '../data/cifar10.js';
import type { VocabJson } from '../data/vocab.js';
import type { GridPoint } from '../models/mimoformer.js';
import { LRA_TASKS } from '../data/lra.js';
import type { LraTask } from '../data/lra.js';
import { DATASET_SPECS, IMAGE_DATASETS } from '../train/mimoconv.js';
import type { ImageDataset } from '../train/mimoconv.js';
import type { InputSpec } from './decode.js';
import type { SequenceSpec } from './decode_sequence.js';
import type { SentenceSpec } from './decode_sentence.js';
import { divisorsOf } from './policy.js';

interface ServedBase {
  checkpoint: string;
  /** Operating points: inputs per superposition, ascending. */
  ns: number[];
  /** The largest operating point. */
  cap: number;
  classes: number;
}

export interface ServedMIMOConv extends ServedBase {
  kind: 'mimoconv';
  dataset: string | null;
  input: InputSpec;
}

export interface ServedMIMOFormer extends ServedBase {
  kind: 'mimoformer';
  variant: string;
  sequence: SequenceSpec;
  /** The grid of each operating point (key: m·n). */
  grids: Record<number, GridPoint>;
}

export interface ServedDataMUX extends ServedBase {
  kind: 'datamux';
  /** N, the instances the weights hold. */
  instances: number;
  sentence: SentenceSpec;
  /** Whether padding is masked (then passes can be cut to their sentences' lengths). */
  maskPadding: boolean;
}

export interface ServedDataMUXVision extends ServedBase {
  kind: 'datamux-vision';
  instances: number;
  input: InputSpec;
}

export type ServedModel = ServedMIMOConv | ServedMIMOFormer | ServedDataMUX | ServedDataMUXVision;

/** The size of a DataMUX MNIST model's input images (it crops their centre 20×20 itself). */
export const MNIST_SIDE = 28;

export interface DescribeOptions {
  /** MIMOConv: [H, W] of the inputs (default: its data set's size). */
  imageSize?: readonly [number, number];
  /** MIMOFormer: the grids to serve (default: the trained grids). */
  grids?: readonly (readonly [number, number])[];
  /** DataMUX: the operating points n to serve (default: the trained points). */
  points?: readonly number[];
}

function numbers(v: unknown, length: number): number[] | undefined {
  return Array.isArray(v) && v.length === length && v.every((x) => typeof x === 'number' && Number.isFinite(x)) ? (v as number[]) : undefined;
}

/** The input shape a served model takes, as text. */
export function inputText(m: ServedModel): string {
  if (m.kind === 'mimoformer') return `LRA ${m.sequence.task} sequences of up to ${m.sequence.length} tokens`;
  if (m.kind === 'datamux') return `sentences of up to ${m.sentence.length - 1} words`;
  return `images [${m.input.channels},${m.input.height},${m.input.width}]`;
}

/** One input's shape as the model takes it: [C, H, W] or [L]. */
export function inputShape(m: ServedModel): number[] {
  if (m.kind === 'mimoformer') return [m.sequence.length];
  if (m.kind === 'datamux') return [m.sentence.length];
  return [m.input.channels, m.input.height, m.input.width];
}

/** The names of the classes, where the data set is known (else null: classes are numbers). */
export function classNames(m: ServedModel): readonly string[] | null {
  const digits = Array.from({ length: 10 }, (_, i) => String(i));
  const task = m.kind === 'mimoformer' ? m.sequence.task : m.kind === 'mimoconv' ? m.dataset : m.kind === 'datamux' ? 'sst2' : 'mnist';
  const names: Record<string, readonly string[]> = { mnist: digits, listops: digits, cifar10: CIFAR10_CLASSES, image: CIFAR10_CLASSES, sst2: ['negative', 'positive'], text: ['negative', 'positive'] };
  const found = task === null ? undefined : names[task];
  return found && found.length === m.classes ? found : null;
}

/** The model's name in messages. */
export function modelName(m: ServedModel): string {
  if (m.kind === 'mimoconv') return 'MIMOConv';
  if (m.kind === 'mimoformer') return `MIMOFormer ${m.variant}`;
  return `DataMUX N = ${m.instances}${m.kind === 'datamux-vision' ? ' (MNIST)' : ''}`;
}

/** Reads a MIMOConv, MIMOFormer or DataMUX checkpoint's header (see the file's header). */
export function describeCheckpoint(file: string, o: DescribeOptions = {}): ServedModel {
  if (!existsSync(file)) throw new Error(`checkpoint not found: ${file}`);
  const info = readCheckpointInfo(file);
  const holds = { mimoconv: 'a MIMOConv', mimoformer: 'a MIMOFormer', datamux: 'a DataMUX', 'datamux-vision': 'a DataMUX' }[info.model as string];
  if (!holds) throw new Error(`${file}: the checkpoint holds a '${info.model}' model; mimo serve serves MIMOConv, MIMOFormer and DataMUX checkpoints`);
  if (o.imageSize && info.model !== 'mimoconv') throw new RangeError(`an image size applies to MIMOConv checkpoints; this one holds ${holds}`);
  if (o.grids && info.model !== 'mimoformer') throw new RangeError(`grids apply to MIMOFormer checkpoints; this one holds ${holds}`);
  if (o.points && !info.model.startsWith('datamux')) throw new RangeError(`points apply to DataMUX checkpoints; this one holds ${holds}`);
  if (info.model === 'mimoformer') return describeMIMOFormer(file, info.config as Record<string, unknown>, info.extra ?? {}, o.grids);
  if (info.model === 'datamux' || info.model === 'datamux-vision') return describeDataMUX(file, info.model, info.config as Record<string, unknown>, info.extra ?? {}, o.points);
  const c = info.config as { cap?: number; classes?: number; inChannels?: number };
  const cap = Number(c.cap ?? 4), classes = Number(c.classes), channels = Number(c.inChannels);
  const extra = info.extra ?? {};
  const dataset = typeof extra.dataset === 'string' ? extra.dataset : null;
  const spec = dataset && (IMAGE_DATASETS as readonly string[]).includes(dataset) ? DATASET_SPECS[dataset as ImageDataset] : undefined;
  const size = o.imageSize ?? spec?.size;
  if (!size) throw new Error(`${file} does not say which data set it was trained on, so the image size is unknown; give one (imageSize / --image-size)`);
  if (!size.every((d) => Number.isInteger(d) && d >= 4)) throw new Error(`image size ${size.join('x')}: both sides must be integers >= 4`);
  const mean = numbers(extra.mean, channels) ?? spec?.mean;
  const std = numbers(extra.std, channels) ?? spec?.std;
  if (!mean || !std || mean.length !== channels || std.length !== channels) {
    throw new Error(`${file} holds no per-channel mean and std for its ${channels} input channels (checkpoint metadata 'mean'/'std' or a known data set)`);
  }
  return { kind: 'mimoconv', checkpoint: file, ns: divisorsOf(cap), cap, classes, dataset, input: { channels, height: size[0], width: size[1], mean, std } };
}

function describeMIMOFormer(file: string, c: Record<string, unknown>, extra: Record<string, unknown>, given?: DescribeOptions['grids']): ServedMIMOFormer {
  if (c.dual) throw new Error(`${file}: a dual (two-sequence) MIMOFormer; mimo serve serves single-sequence models`);
  const task = extra.task as LraTask;
  if (!LRA_TASKS.includes(task)) throw new Error(`${file} does not say which LRA task it was trained on (extra.task), so its inputs are unknown; it was not written by \`mimo train mimoformer\``);
  const [M, N] = [Number(c.m), Number(c.n)];
  const trained = Array.isArray(extra.points) && extra.points.length > 0 ? (extra.points as [number, number][]) : [[M, N] as [number, number]];
  const list = given ?? trained;
  const grids: Record<number, GridPoint> = {};
  for (const [m, n] of list) {
    if (!(Number.isInteger(m) && Number.isInteger(n) && m >= 1 && n >= 1 && m <= M && n <= N)) {
      throw new RangeError(`grid ${m}x${n}: the checkpoint's grid capacity is ${M}×${N}`);
    }
    const k = m * n, had = grids[k];
    if (had && (had.m !== m || had.n !== n)) throw new RangeError(`grids ${had.m}x${had.n} and ${m}x${n} both superpose ${k} inputs; serve one grid per number of inputs (choose them with --grids)`);
    grids[k] = { m, n };
  }
  const ns = Object.keys(grids).map(Number).sort((a, b) => a - b);
  const sequence: SequenceSpec = { task, length: Number(c.maxLength), vocabSize: Number(c.vocabSize), padId: c.padId === null ? null : Number(c.padId) };
  return { kind: 'mimoformer', checkpoint: file, ns, cap: ns[ns.length - 1], classes: Number(c.classes), variant: String(c.variant), sequence, grids };
}

/** The operating points of a DataMUX with N instances: those given, else those it was trained at, else N. */
function dataMUXPoints(N: number, extra: Record<string, unknown>, given?: readonly number[]): number[] {
  const trained = Array.isArray(extra.points) && extra.points.length > 0 ? (extra.points as number[]) : [N];
  const ns = [...new Set(given ?? trained)].sort((a, b) => a - b);
  for (const n of ns) if (!(Number.isInteger(n) && n >= 1 && n <= N)) throw new RangeError(`operating point ${n}: the checkpoint holds N = ${N} instances (choose n from 1 to ${N})`);
  return ns;
}

function describeDataMUX(file: string, kind: 'datamux' | 'datamux-vision', c: Record<string, unknown>, extra: Record<string, unknown>, given?: readonly number[]): ServedDataMUX | ServedDataMUXVision {
  const N = Number(c.instances);
  const ns = dataMUXPoints(N, extra, given);
  const base = { checkpoint: file, ns, cap: ns[ns.length - 1], classes: Number(c.classes), instances: N };
  if (kind === 'datamux-vision') return { ...base, kind, input: { channels: 1, height: MNIST_SIDE, width: MNIST_SIDE, mean: [0], std: [1] } };
  if (c.task !== 'sentence') throw new Error(`${file}: a token-level DataMUX; mimo serve serves sentence classifiers`);
  if (!extra.vocab) throw new Error(`${file} holds no vocabulary (mimo_extra.vocab), so its inputs are unknown; it was not written by \`mimo train datamux\``);
  const vocab = Vocab.fromJSON(extra.vocab as VocabJson, file);
  if (vocab.size !== Number(c.vocabSize)) throw new Error(`${file}: its vocabulary has ${vocab.size} ids, the model's embedding ${Number(c.vocabSize)}`);
  if (Number(c.padId) !== Vocab.PAD) throw new Error(`${file}: the model pads with id ${Number(c.padId)}, its vocabulary with ${Vocab.PAD} ([PAD])`);
  return { ...base, kind, sentence: { vocab, length: Number(c.maxLength) }, maskPadding: c.maskPadding !== false };
}
