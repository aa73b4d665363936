// Helpers for the server's tests: tiny MIMOConv, MIMOFormer and DataMUX checkpoints, images, HTTP calls, and
// the expected output of an input from the superposition it was computed in.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Generator, fromBytes, noGrad, tensor, tidy } from '../tensor/index.js';
import { MIMOConv } from '../models/mimoconv.js';
import { MIMOFormer } from '../models/mimoformer.js';
import { DataMUX } from '../models/datamux.js';
import { DataMUXVision } from '../models/datamux_vision.js';
import { Vocab } from '../data/vocab.js';
import type { GridPoint } from '../models/mimoformer.js';
import { LRA_TASK_INFO } from '../data/lra.js';
import type { LraTask } from '../data/lra.js';
import { saveModelCheckpoint } from '../models/checkpoint.js';
import { normalize } from '../data/transforms.js';
import { Rng } from '../data/random.js';

const temporary = new Set<string>();
process.once('exit', () => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

export const MEAN = [0.1307];
export const STD = [0.3081];

/**
 * Saves an untrained MIMOConv (1 channel, 10 classes, WRN-10-1, stem 16, cap 4) as an MNIST
 * checkpoint in a temporary directory (removed when the process exits); returns its path.
 */
export function tinyCheckpoint(seed = 0): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mimo-serve-'));
  temporary.add(dir);
  const file = path.join(dir, 'model.safetensors');
  const model = new MIMOConv({ inChannels: 1, classes: 10, depth: 10, width: 1, initialWidth: 1, cap: 4 }, new Generator(seed));
  saveModelCheckpoint(file, 'mimoconv', model, model.config, { mean: MEAN, std: STD, dataset: 'mnist' });
  model.dispose();
  return file;
}

/**
 * Saves an untrained MIMOFormer att (capacity 2×2, d 16, 2 heads of 16, R 16, 1 layer) for an LRA
 * task as `mimo train mimoformer` would (extra: task, trained grids 1×1 and 2×2) in a temporary
 * directory; returns its path.
 */
export function tinyMIMOFormerCheckpoint(task: LraTask, seed = 0, maxLength = task === 'image' ? 1024 : 48): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mimo-serve-'));
  temporary.add(dir);
  const file = path.join(dir, 'model.safetensors');
  const info = LRA_TASK_INFO[task];
  const model = new MIMOFormer({
    vocabSize: info.vocabSize, padId: info.padId, maxLength, classes: info.classes, dim: 16, ffn: 32, heads: 2, headDim: 16, layers: 1,
    features: 16, dropout: 0.1, variant: 'att', m: 2, n: 2, dual: false,
  }, new Generator(seed));
  saveModelCheckpoint(file, 'mimoformer', model, model.config, { task, points: [[1, 1], [2, 2]], length: maxLength, step: 0 });
  model.dispose();
  return file;
}

/** The sentences whose words make the tiny DataMUX's vocabulary (every other word is [UNK]). */
export const SENTENCES = ['a fine and moving film', 'dull , slow and far too long', 'the best film of the year', 'not good at all', 'an odd mix of styles'];

/**
 * Saves an untrained DataMUX sentence classifier (N = 2 instances, d 16, 1 layer, L 12, Gaussian
 * Hadamard mux, index demux) as `mimo train datamux` would (extra: task, trained points 1 and 2, the
 * vocabulary of SENTENCES) in a temporary directory; returns its path.
 */
export function tinyDataMUXCheckpoint(o: { maskPadding?: boolean; seed?: number } = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mimo-serve-'));
  temporary.add(dir);
  const file = path.join(dir, 'model.safetensors');
  const vocab = Vocab.build(SENTENCES);
  const model = new DataMUX({
    vocabSize: vocab.size, padId: Vocab.PAD, maxLength: 12, instances: 2, dim: 16, layers: 1, heads: 2, ffn: 32, dropout: 0.1, mux: 'gaussian', learnMux: false,
    muxNorm: 4, demux: 'index', demuxLayers: 2, task: 'sentence', classes: 2, maskPadding: o.maskPadding ?? true, pooling: 'cls',
  }, new Generator(o.seed ?? 0));
  saveModelCheckpoint(file, 'datamux', model, model.config, { step: 0, phase: 'task', task: 'sst2', points: [1, 2], vocab: vocab.toJSON() });
  model.dispose();
  return file;
}

/** Saves an untrained DataMUX MNIST model (N = 4 instances) as `mimo train datamux --task mnist` would (points 1, 2 and 4); returns its path. */
export function tinyDataMUXVisionCheckpoint(seed = 0): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mimo-serve-'));
  temporary.add(dir);
  const file = path.join(dir, 'model.safetensors');
  const model = new DataMUXVision({ instances: 4 }, new Generator(seed));
  saveModelCheckpoint(file, 'datamux-vision', model, model.config, { epoch: 0, dataset: 'mnist', points: [1, 2, 4] });
  model.dispose();
  return file;
}

/** Logits of `model` for padded token rows (one grid group after another, in slot order) at `grid`, computed here at full length. */
export function expectedSequenceLogits(model: MIMOFormer, rows: readonly Float32Array[], grid: GridPoint): number[][] {
  const L = rows[0].length;
  const ids = new Float32Array(rows.length * L);
  rows.forEach((r, i) => ids.set(r, i * L));
  return noGrad(() => tidy(() => model.forward(tensor(ids, { shape: [rows.length, L], dtype: 'int64' }), undefined, grid).toArray() as number[][]));
}

/** `count` random 28×28 grey images (uint8 pixels). */
export function images(count: number, seed: number, size = 28): Uint8Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => Uint8Array.from({ length: size * size }, () => rng.below(256)));
}

/** Logits of `model` for `group` (images superposed together, in slot order) at n, computed here. */
export function expectedLogits(model: MIMOConv, group: readonly Uint8Array[], n: number, size = 28): number[][] {
  const bytes = new Uint8Array(group.length * size * size);
  group.forEach((g, i) => bytes.set(g, i * size * size));
  return noGrad(() => tidy(() => {
    const x = normalize(fromBytes(bytes, [group.length, 1, size, size], 'uint8'), MEAN, STD);
    return model.forward(x, n).toArray() as number[][];
  }));
}

export interface Reply {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const r = await fetch(url, init);
  const text = await r.text();
  let body: unknown = text;
  if ((r.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text);
  return { status: r.status, headers: r.headers, body };
}

export const postJson = (url: string, value: unknown, headers: Record<string, string> = {}) =>
  call(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) });

export const postBytes = (url: string, bytes: Uint8Array, contentType: string, headers: Record<string, string> = {}) =>
  call(url, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body: bytes as unknown as BodyInit });

/** One output of a /v1/predict answer. */
export interface Out {
  logits: number[];
  class: number;
  n: number;
  batch: number;
  slot: number;
}

/**
 * Checks every output against the model run here on the superposition it came from. Outputs give
 * (batch, slot, n); slots ⌊slot/n⌋ of a batch were superposed together, and a last superposition
 * with m < n inputs was filled with its own inputs again (slot j holds input j mod m). Every input of
 * the checked batches must be among `seen` (no other client).
 */
export function checkAgainstModel(model: MIMOConv, seen: { image: Uint8Array; out: Out }[], tol = 1e-4): void {
  const bySlot = new Map<string, Uint8Array>();
  for (const s of seen) bySlot.set(`${s.out.batch}:${s.out.slot}`, s.image);
  const cache = new Map<string, number[][]>();
  for (const { out } of seen) {
    const first = Math.floor(out.slot / out.n) * out.n;
    const key = `${out.batch}:${first}`;
    let logits = cache.get(key);
    if (!logits) {
      const real: Uint8Array[] = [];
      for (let j = 0; j < out.n && bySlot.has(`${out.batch}:${first + j}`); j++) real.push(bySlot.get(`${out.batch}:${first + j}`)!);
      const group = Array.from({ length: out.n }, (_, j) => real[j % real.length]);
      logits = expectedLogits(model, group, out.n);
      cache.set(key, logits);
    }
    const want = logits[out.slot - first];
    const diff = Math.max(...want.map((w, i) => Math.abs(w - out.logits[i])));
    if (!(diff <= tol * (1 + Math.max(...want.map(Math.abs))))) {
      throw new Error(`batch ${out.batch} slot ${out.slot} (n = ${out.n}): logits differ from the model's by ${diff}`);
    }
    const argmax = want.indexOf(Math.max(...want));
    if (out.class !== argmax) throw new Error(`batch ${out.batch} slot ${out.slot}: class ${out.class}, the model says ${argmax}`);
  }
}
