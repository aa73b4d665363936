// What the server needs to know about a checkpoint before loading it: capacity, classes, and the
// inputs it takes (shape, and the normalisation of its training data), from the file's header.
import { existsSync } from 'node:fs';
import { readCheckpointInfo } from '../models/checkpoint.js';
import { DATASET_SPECS, IMAGE_DATASETS } from '../train/mimoconv.js';
import type { ImageDataset } from '../train/mimoconv.js';
import type { InputSpec } from './decode.js';

export interface ServedModel {
  checkpoint: string;
  cap: number;
  classes: number;
  dataset: string | null;
  input: InputSpec;
}

function numbers(v: unknown, length: number): number[] | undefined {
  return Array.isArray(v) && v.length === length && v.every((x) => typeof x === 'number' && Number.isFinite(x)) ? (v as number[]) : undefined;
}

/** Reads a MIMOConv checkpoint's header; imageSize [H, W] overrides the size of its data set. */
export function describeCheckpoint(file: string, imageSize?: readonly [number, number]): ServedModel {
  if (!existsSync(file)) throw new Error(`checkpoint not found: ${file}`);
  const info = readCheckpointInfo(file);
  if (info.model !== 'mimoconv') throw new Error(`${file}: the checkpoint holds a '${info.model}' model; mimo serve serves MIMOConv checkpoints`);
  const c = info.config as { cap?: number; classes?: number; inChannels?: number };
  const cap = Number(c.cap ?? 4), classes = Number(c.classes), channels = Number(c.inChannels);
  const extra = info.extra ?? {};
  const dataset = typeof extra.dataset === 'string' ? extra.dataset : null;
  const spec = dataset && (IMAGE_DATASETS as readonly string[]).includes(dataset) ? DATASET_SPECS[dataset as ImageDataset] : undefined;
  const size = imageSize ?? spec?.size;
  if (!size) throw new Error(`${file} does not say which data set it was trained on, so the image size is unknown; give one (imageSize / --image-size)`);
  if (!size.every((d) => Number.isInteger(d) && d >= 4)) throw new Error(`image size ${size.join('x')}: both sides must be integers >= 4`);
  const mean = numbers(extra.mean, channels) ?? spec?.mean;
  const std = numbers(extra.std, channels) ?? spec?.std;
  if (!mean || !std || mean.length !== channels || std.length !== channels) {
    throw new Error(`${file} holds no per-channel mean and std for its ${channels} input channels (checkpoint metadata 'mean'/'std' or a known data set)`);
  }
  return { checkpoint: file, cap, classes, dataset, input: { channels, height: size[0], width: size[1], mean, std } };
}
