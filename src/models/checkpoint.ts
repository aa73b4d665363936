// Model checkpoints: a safetensors file holding the state dict, with metadata naming the architecture
// (mimo_model), its config (mimo_config, JSON) and anything else the trainer keeps (mimo_extra, JSON:
// epoch, optimiser settings, metrics, ...). Loading checks the architecture and the config before any
// tensor is copied, so a wrong file fails with an error that says what differs.
import type { Module } from '../nn/index.js';
import { isFloating, stack, tidy } from '../tensor/index.js';
import type { Tensor } from '../tensor/index.js';
import { loadFile, readHeader, saveFile } from '../io/safetensors.js';
import { MIMOConv } from './mimoconv.js';
import type { MIMOConvConfig } from './mimoconv.js';
import { WideResNet } from './wideresnet.js';
import { DataMUX } from './datamux.js';
import type { DataMUXConfig } from './datamux.js';
import { DataMUXVision } from './datamux_vision.js';
import type { DataMUXVisionConfig } from './datamux_vision.js';
import type { WideResNetConfig } from './wideresnet.js';
import { MIMOFormer } from './mimoformer.js';
import type { MIMOFormerConfig } from './mimoformer.js';

export type ModelKind = 'mimoconv' | 'wideresnet' | 'datamux' | 'datamux-vision' | 'mimoformer';

export interface Checkpoint {
  model: ModelKind;
  config: object;
  /** extra.epoch when it is a number. */
  epoch?: number;
  extra?: Record<string, unknown>;
}

export const META_MODEL = 'mimo_model';
export const META_CONFIG = 'mimo_config';
export const META_EXTRA = 'mimo_extra';

const KINDS: readonly string[] = ['mimoconv', 'wideresnet', 'datamux', 'datamux-vision', 'mimoformer'];

/** The floating-point tensors that hold NaN or ±Inf, with how many such values each (one read from the device). */
export function nonFiniteTensors(tensors: ReadonlyMap<string, Tensor>): { name: string; count: number }[] {
  const named = [...tensors].filter(([, t]) => isFloating(t.dtype) && t.numel > 0);
  if (named.length === 0) return [];
  const counts = tidy(() => stack(named.map(([, t]) => t.isfinite().logicalNot().sum())).toFlatArray());
  return named.map(([name], i) => ({ name, count: counts[i] })).filter((e) => e.count > 0);
}

/** 'N values in a, b, … (k tensors)': what nonFiniteTensors found, for an error message. */
function describeNonFinite(bad: { name: string; count: number }[]): string {
  const total = bad.reduce((a, e) => a + e.count, 0);
  const names = bad.slice(0, 3).map((e) => e.name).join(', ') + (bad.length > 3 ? ', …' : '');
  return `${total} NaN or infinite value${total === 1 ? '' : 's'} in ${names} (${bad.length} tensor${bad.length === 1 ? '' : 's'})`;
}

/**
 * Writes the model's state dict and {mimo_model: kind, mimo_config, mimo_extra} atomically. Refuses
 * weights that are not finite (a training that diverged), so the file already there is kept.
 */
export function saveModelCheckpoint(file: string, kind: string, model: Module, config: object, extra: Record<string, unknown> = {}): void {
  if (!KINDS.includes(kind)) throw new RangeError(`saveModelCheckpoint: kind must be one of ${KINDS.join(', ')}, got '${kind}'`);
  const sd = model.stateDict();
  try {
    const bad = nonFiniteTensors(sd);
    if (bad.length) {
      const at = ['step', 'epoch'].filter((k) => typeof extra[k] === 'number').map((k) => ` at ${k} ${String(extra[k])}`).join('');
      throw new Error(`the ${kind} model diverged${at}: ${describeNonFinite(bad)}; not saved to ${file} (what was saved before is kept; a lower learning rate may help)`);
    }
    saveFile(file, sd, { [META_MODEL]: kind, [META_CONFIG]: JSON.stringify(config), [META_EXTRA]: JSON.stringify(extra) });
  } finally {
    for (const t of sd.values()) t.dispose();
  }
}

function parseJson(text: string | undefined, key: string, file: string): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${file}: checkpoint metadata '${key}' is not a JSON object (${(e as Error).message})`);
  }
}

/** The architecture, config and extras of a checkpoint, from its header only. */
export function readCheckpointInfo(file: string): Checkpoint {
  const meta = readHeader(file).metadata;
  const model = meta[META_MODEL];
  if (model === undefined) throw new Error(`${file}: not a mimo model checkpoint (no '${META_MODEL}' in the safetensors metadata)`);
  if (!KINDS.includes(model)) throw new Error(`${file}: unknown model architecture '${model}' (known: ${KINDS.join(', ')})`);
  const config = parseJson(meta[META_CONFIG], META_CONFIG, file);
  const extra = parseJson(meta[META_EXTRA], META_EXTRA, file);
  const info: Checkpoint = { model: model as ModelKind, config, extra };
  if (typeof extra.epoch === 'number') info.epoch = extra.epoch;
  return info;
}

function expectKind(info: Checkpoint, want: ModelKind, file: string): void {
  if (info.model !== want) throw new Error(`${file}: the checkpoint holds a '${info.model}' model, expected a '${want}' model`);
}

/** Copies the file's tensors into model; errors name the file and every mismatched key with both shapes. */
function loadTensorsInto(file: string, model: Module): void {
  const { tensors } = loadFile(file);
  try {
    const bad = nonFiniteTensors(tensors);
    if (bad.length) throw new Error(`the weights are not finite: ${describeNonFinite(bad)}`);
    model.loadStateDict(tensors);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`, { cause: e });
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}

/** Config fields that differ between a checkpoint's config and a model's ('' when none). */
function configDiff(saved: object, current: object): string {
  const a = saved as Record<string, unknown>;
  const b = current as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => `${k}: ${JSON.stringify(a[k])} (checkpoint) vs ${JSON.stringify(b[k])} (model)`)
    .join(', ');
}

/**
 * Loads a checkpoint into an existing model of the same architecture and config (e.g. to resume
 * training). Throws naming both architectures, or each differing config field, before copying.
 */
export function loadCheckpointInto(file: string, model: MIMOConv | WideResNet | DataMUX | DataMUXVision | MIMOFormer): Checkpoint {
  const info = readCheckpointInfo(file);
  const kind: ModelKind =
    model instanceof MIMOConv
      ? 'mimoconv'
      : model instanceof DataMUX
        ? 'datamux'
        : model instanceof DataMUXVision
          ? 'datamux-vision'
          : model instanceof MIMOFormer
            ? 'mimoformer'
            : 'wideresnet';
  expectKind(info, kind, file);
  const diff = configDiff(info.config, model.config);
  if (diff) throw new Error(`${file}: the checkpoint's ${kind} config differs from the model's: ${diff}`);
  loadTensorsInto(file, model);
  return info;
}

/** Builds a model of the checkpoint's kind from its config and loads its weights (freed again on failure). */
function buildFromCheckpoint<M extends Module>(file: string, kind: ModelKind, make: (config: object) => M): { model: M; info: Checkpoint } {
  const info = readCheckpointInfo(file);
  expectKind(info, kind, file);
  const model = make(info.config);
  try {
    loadTensorsInto(file, model);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, info };
}

/** Builds a MIMOConv from a checkpoint's config and loads its weights (eval mode is left to the caller). */
export function loadMIMOConv(file: string): { model: MIMOConv; info: Checkpoint } {
  // Checkpoints written before normPerPoint existed have one set of BatchNorm statistics.
  return buildFromCheckpoint(file, 'mimoconv', (c) => new MIMOConv({ normPerPoint: false, ...(c as Partial<MIMOConvConfig>) }));
}

/** Builds a WideResNet from a checkpoint's config and loads its weights. */
export function loadWideResNet(file: string): { model: WideResNet; info: Checkpoint } {
  return buildFromCheckpoint(file, 'wideresnet', (c) => new WideResNet(c as Partial<WideResNetConfig>));
}

/** Builds a DataMUX from a checkpoint's config and loads its weights (mux transforms included). */
export function loadDataMUX(file: string): { model: DataMUX; info: Checkpoint } {
  return buildFromCheckpoint(file, 'datamux', (c) => new DataMUX(c as Partial<DataMUXConfig>));
}

/** Builds a DataMUXVision (the MNIST family) from a checkpoint's config and loads its weights. */
export function loadDataMUXVision(file: string): { model: DataMUXVision; info: Checkpoint } {
  return buildFromCheckpoint(file, 'datamux-vision', (c) => new DataMUXVision(c as Partial<DataMUXVisionConfig>));
}

/** Builds a MIMOFormer from a checkpoint's config and loads its weights (Ω and the binding keys included). */
export function loadMIMOFormer(file: string): { model: MIMOFormer; info: Checkpoint } {
  return buildFromCheckpoint(file, 'mimoformer', (c) => new MIMOFormer(c as Partial<MIMOFormerConfig>));
}
