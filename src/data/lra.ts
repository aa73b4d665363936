// The three Long Range Arena tasks MIMOFormer trains on, as one kind of split: token ids, real
// lengths, labels, and the facts a model needs (vocabulary, classes, padding id).
//
//   listops  the project's generated ListOps (DIR/basic_{train,val,test}.tsv, `mimo data listops`);
//            10 classes, 18 symbols, padding 0; evaluation on val
//   text     IMDB reviews as bytes (id = byte + 1, padding 0), 2 classes; LRA evaluates on the test
//            reviews (there is no dev split)
//   image    CIFAR-10 as 1024 grey levels (ids 0..255, no padding), 10 classes; train = the first
//            45,000 training images, dev = the last 5,000 (LRA's split), test = the test batch
//
// Splits come in their files' order (IMDB: all negatives first), so a caller taking a subset
// should take a random one (`subsetRows`).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Tensor, tensor, tidy } from '../tensor/index.js';
import { LISTOPS_FILES, LISTOPS_PAD_ID, LISTOPS_VOCAB_SIZE, loadListOpsTsv } from './listops.js';
import { LRA_TEXT_VOCAB, BYTE_PAD_ID, loadLraText } from './lra_text.js';
import { LRA_IMAGE_LENGTH, LRA_IMAGE_VOCAB, loadLraImage } from './lra_image.js';
import { Rng, deriveSeed } from './random.js';

export type LraTask = 'listops' | 'text' | 'image';
export const LRA_TASKS: readonly LraTask[] = ['listops', 'text', 'image'];
export type LraSplit = 'train' | 'dev' | 'test';

export interface LraTaskInfo {
  vocabSize: number;
  classes: number;
  /** The padding id, or null where every id is a real token (image). */
  padId: number | null;
  /** LRA's sequence length for the task. */
  length: number;
}

export const LRA_TASK_INFO: Record<LraTask, LraTaskInfo> = {
  listops: { vocabSize: LISTOPS_VOCAB_SIZE, classes: 10, padId: LISTOPS_PAD_ID, length: 2000 },
  text: { vocabSize: LRA_TEXT_VOCAB, classes: 2, padId: BYTE_PAD_ID, length: 1000 },
  image: { vocabSize: LRA_IMAGE_VOCAB, classes: 10, padId: null, length: LRA_IMAGE_LENGTH },
};

/** LRA Image's split of the 50,000 CIFAR-10 training images: the first 45,000 train, the rest dev. */
export const LRA_IMAGE_TRAIN = 45000;

export interface LraData {
  /** Token ids [rows, length] (uint8 for listops and image, int64 for text). */
  inputs: Tensor;
  /** Real tokens per row (≤ length). */
  lengths: Int32Array;
  labels: Tensor;
}

export interface LraLoadOptions {
  /** Tokens per row (default: the task's LRA length); longer inputs are cut. */
  length?: number;
  /** Where the ListOps TSV files are (default DIR/listops). */
  listopsDir?: string;
}

/** Loads one split of an LRA task from the data directory `dir`. */
export async function loadLraTask(task: LraTask, dir: string, split: LraSplit, o: LraLoadOptions = {}): Promise<LraData> {
  const info = LRA_TASK_INFO[task];
  if (!info) throw new RangeError(`unknown LRA task '${String(task)}' (choose from ${LRA_TASKS.join(', ')})`);
  const length = o.length ?? info.length;
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`length must be a positive integer, got ${length}`);
  if (task === 'listops') {
    const folder = o.listopsDir ?? path.join(dir, 'listops');
    const file = path.join(folder, LISTOPS_FILES[split === 'dev' ? 'val' : split]);
    if (!existsSync(file)) throw new Error(`ListOps: ${file} is missing; generate the data with \`mimo data listops --out ${folder}\``);
    const d = loadListOpsTsv(file, { seqLen: length, dtype: 'uint8' });
    const lengths = Int32Array.from(d.lengths.toFlatArray() as number[]);
    d.lengths.dispose();
    return { inputs: d.ids, lengths, labels: d.labels };
  }
  if (task === 'text') {
    // LRA Text has no dev split: dev is the test reviews, as in LRA.
    const d = await loadLraText(dir, split === 'train' ? 'train' : 'test', { length });
    return { inputs: d.inputs, lengths: d.lengths, labels: d.labels };
  }
  if (length !== LRA_IMAGE_LENGTH) throw new RangeError(`image: length must be ${LRA_IMAGE_LENGTH} (32×32 pixels), got ${length}`);
  const d = await loadLraImage(dir, split === 'test' ? 'test' : 'train');
  if (split === 'test') return { inputs: d.inputs, lengths: new Int32Array(d.labels.shape[0]).fill(length), labels: d.labels };
  const [start, count] = split === 'train' ? [0, LRA_IMAGE_TRAIN] : [LRA_IMAGE_TRAIN, d.labels.shape[0] - LRA_IMAGE_TRAIN];
  const part = tidy(() => ({ inputs: d.inputs.narrow(0, start, count).contiguous().keep(), labels: d.labels.narrow(0, start, count).contiguous().keep() }));
  d.inputs.dispose();
  d.labels.dispose();
  return { ...part, lengths: new Int32Array(count).fill(length) };
}

/** subsetRows for a split the caller gives up: the subset (the whole split when count is null), the rows left out freed. */
export function takeSubset(data: LraData, count: number | null, seed: number): LraData {
  if (count === null) return data;
  const s = subsetRows(data, count, seed);
  if (s !== data) {
    data.inputs.dispose();
    data.labels.dispose();
  }
  return s;
}

/** A split on a device (the same object when it is there already; else the old tensors are freed). */
export function toDevice(data: LraData, device: string): LraData {
  if (data.inputs.device === device && data.labels.device === device) return data;
  const moved = { ...data, inputs: data.inputs.to(device).keep(), labels: data.labels.to(device).keep() };
  data.inputs.dispose();
  data.labels.dispose();
  return moved;
}

/** A seeded random subset of `count` rows (all rows when count ≥ rows), in a fixed random order. */
export function subsetRows(data: LraData, count: number, seed: number): LraData {
  const rows = data.labels.shape[0];
  if (count >= rows) return data;
  const rng = new Rng(deriveSeed(seed, 0x5eb5e7));
  const order = Array.from({ length: rows }, (_, i) => i);
  for (let i = rows - 1; i > 0; i--) {
    const j = Math.floor(rng.random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const pick = order.slice(0, count);
  const idx = tensor(pick, { shape: [count], dtype: 'int64' });
  try {
    return {
      inputs: data.inputs.indexSelect(0, idx),
      labels: data.labels.indexSelect(0, idx),
      lengths: Int32Array.from(pick, (i) => data.lengths[i]),
    };
  } finally {
    idx.dispose();
  }
}
