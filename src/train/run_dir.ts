// A training run directory: metrics.jsonl (one JSON line per evaluation), model.safetensors (the
// checkpoint), train_state.safetensors (optimizer state, position, config: what --resume needs) and,
// for trainers that select on dev accuracy, best.safetensors (the checkpoint of the best evaluation).
//
// The rules every trainer follows: a fresh run refuses a directory that already holds one; a resume
// refuses a directory whose run was started with other settings, or whose checkpoint and state are
// from different positions (interrupted while saving); metrics lines past the resumed position are
// dropped. The checkpoint is written first, then the state, each atomically.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Tensor, tidy } from '../tensor/index.js';
import type { Optimizer, OptimizerStateDict } from '../nn/optim/index.js';
import { loadFile, readHeader, saveFile, writeTextAtomic } from '../io/index.js';
import { readCheckpointInfo } from '../models/checkpoint.js';

export const RUN_FILES = { metrics: 'metrics.jsonl', model: 'model.safetensors', state: 'train_state.safetensors', best: 'best.safetensors' } as const;

export interface RunFiles {
  metrics: string;
  model: string;
  state: string;
  best: string;
}

export function runFiles(out: string): RunFiles {
  return { metrics: path.join(out, RUN_FILES.metrics), model: path.join(out, RUN_FILES.model), state: path.join(out, RUN_FILES.state), best: path.join(out, RUN_FILES.best) };
}

/** A saved training state: the optimizer's tensors (keys without the 'optimizer.' prefix) and the metadata strings. */
export interface SavedState {
  optimizer: OptimizerStateDict;
  metadata: Record<string, string>;
}

/**
 * Opens `out` for a fresh run (creates it, empties the metrics) or for a resume (checks format,
 * config and positions; truncates the metrics to the saved position). `position` names the counter
 * ('step' or 'epoch') stored in the state's metadata and the checkpoint's extra; `total` is where
 * the run ends. Returns the position to start from and, on resume, the saved state.
 */
export function openRun<C extends object>(
  out: string,
  o: { resume: boolean; format: string; what: string; config: C; defaults: C; position: 'step' | 'epoch'; total: number },
): { start: number; saved?: SavedState; files: RunFiles } {
  if (out === '') throw new Error('--out must name a directory, got an empty path');
  if (existsSync(out) && !statSync(out).isDirectory()) throw new Error(`--out ${out} is a file, not a directory`);
  const files = runFiles(out);
  if (!o.resume) {
    if (existsSync(files.state) || existsSync(files.metrics) || existsSync(files.best)) {
      throw new Error(`${out} already holds a run (${RUN_FILES.state}, ${RUN_FILES.metrics} or ${RUN_FILES.best}); pass --resume to continue it, or choose another --out`);
    }
    mkdirSync(out, { recursive: true });
    writeTextAtomic(files.metrics, '');
    return { start: 0, files };
  }
  if (!existsSync(files.state) || !existsSync(files.model)) {
    throw new Error(`cannot resume: ${out} holds no ${RUN_FILES.state} and ${RUN_FILES.model} (start the run without --resume)`);
  }
  // Every check reads headers only; the optimizer's tensors are loaded once the run is known to fit.
  const header = readRunConfig<Partial<C>>(out, o.format, o.what, o.position)!;
  const prev = { ...o.defaults, ...header.config }; // fields added since the run was saved take their defaults
  const keys = Object.keys(o.defaults) as (keyof C)[];
  const diffs = keys
    .filter((k) => JSON.stringify(prev[k] ?? null) !== JSON.stringify(o.config[k] ?? null))
    .map((k) => `${String(k)}: saved ${JSON.stringify(prev[k])}, given ${JSON.stringify(o.config[k])}`);
  if (diffs.length) throw new Error(`cannot resume ${out}: the run was started with other settings (${diffs.join('; ')})`);
  const start = header.position;
  const ck = (readCheckpointInfo(files.model).extra as Record<string, unknown>)[o.position];
  if (typeof ck !== 'number') throw new Error(`cannot resume ${out}: ${RUN_FILES.model} records no ${o.position} (is it this run's checkpoint?)`);
  if (ck !== start) {
    throw new Error(`cannot resume ${out}: ${RUN_FILES.model} is from ${o.position} ${ck} but ${RUN_FILES.state} from ${o.position} ${start} (interrupted while saving)`);
  }
  if (start >= o.total) throw new Error(`cannot resume ${out}: all ${o.total} ${o.position}s are done`);
  const lines = existsSync(files.metrics) ? readFileSync(files.metrics, 'utf8').split('\n') : [];
  const kept = lines.filter((l, i) => {
    if (l.trim() === '') return false;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(l) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`cannot resume ${out}: line ${i + 1} of ${RUN_FILES.metrics} is not JSON (${(e as Error).message}); repair or remove that line`);
    }
    return (record[o.position] as number) <= start;
  });
  writeTextAtomic(files.metrics, kept.map((l) => l + '\n').join(''));
  return { start, saved: readState(files.state, o.format, o.what), files };
}

function checkStateFormat(file: string, metadata: Record<string, string>, format: string, what: string): void {
  if (metadata.format !== format) throw new Error(`${file}: not a ${what} training state (format '${metadata.format ?? 'none'}', expected '${format}')`);
}

/** Reads a training state file, checking its format. */
export function readState(file: string, format: string, what: string): SavedState {
  const { tensors, metadata } = loadFile(file);
  try {
    checkStateFormat(file, metadata, format, what);
  } catch (e) {
    for (const t of tensors.values()) t.dispose();
    throw e;
  }
  const optTensors: Record<string, Tensor> = {};
  for (const [k, t] of tensors) {
    if (k.startsWith('optimizer.')) optTensors[k.slice('optimizer.'.length)] = t;
    else t.dispose();
  }
  return { optimizer: { tensors: optTensors, meta: JSON.parse(metadata.optimizer ?? '{}') } as OptimizerStateDict, metadata };
}

/** Loads a saved optimizer state into `opt` and frees the saved tensors. */
export function restoreOptimizer(opt: Optimizer, saved: SavedState): void {
  try {
    opt.loadStateDict(saved.optimizer);
  } finally {
    disposeState(saved);
  }
}

export function disposeState(saved: SavedState | undefined): void {
  if (saved) for (const t of Object.values(saved.optimizer.tensors)) if (!t.isDisposed) t.dispose();
}

/** Writes the optimizer state and the metadata strings (format, position, config, ...) atomically. */
export function saveState(file: string, opt: Optimizer, metadata: Record<string, string>): void {
  tidy(() => {
    const sd = opt.stateDict();
    const tensors: Record<string, Tensor> = {};
    for (const [k, t] of Object.entries(sd.tensors)) tensors[`optimizer.${k}`] = t;
    saveFile(file, tensors, { ...metadata, optimizer: JSON.stringify(sd.meta) });
    for (const t of Object.values(sd.tensors)) t.dispose();
  });
}

/** The config and position saved in a run directory's state (null when there is none); reads the file's header only. */
export function readRunConfig<C>(out: string, format: string, what: string, position: 'step' | 'epoch'): { config: C; position: number } | null {
  const file = runFiles(out).state;
  if (!existsSync(file)) return null;
  const { metadata } = readHeader(file);
  checkStateFormat(file, metadata, format, what);
  return { config: JSON.parse(metadata.config) as C, position: Number(metadata[position]) };
}
