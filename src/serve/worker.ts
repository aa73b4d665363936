// The inference worker's loop (run in a worker_threads thread by worker_main.ts): loads the checkpoint
// itself, then runs batches off the HTTP thread. Messages in: {type: 'run', id, n, count, data}
// (data: float32 [count, C, H, W] normalised images, or [count, L] padded token ids) and
// {type: 'stop'}; out: {type: 'ready', classes, cap}, {type: 'result', id, logits (float32
// [count, classes]), ms}, {type: 'error', id, message}. A batch that throws answers 'error' and the
// worker carries on; if the thread dies, the engine (engine.ts) starts a new one. 'stop' frees the
// model and lets the thread end by itself (see engine.ts).
import { loadDataMUX, loadDataMUXVision, loadMIMOConv, loadMIMOFormer } from '../models/checkpoint.js';
import { centreCrop } from '../models/datamux_vision.js';
import type { GridPoint } from '../models/mimoformer.js';
import { noGrad, setThreads, tensor, tidy } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import { fillerToken } from './decode_sequence.js';
import { SequenceRunner, dataMUXSequences, mimoformerSequences } from './sequence_runner.js';
import type { SequenceModel } from './sequence_runner.js';
import { divisorsOf } from './policy.js';

export interface WorkerInit {
  checkpoint: string;
  /** The checkpoint's model (default 'mimoconv'). */
  kind?: 'mimoconv' | 'mimoformer' | 'datamux' | 'datamux-vision';
  /** One input's shape: [C, H, W] (mimoconv; datamux-vision: [1, 28, 28]) or [L] (mimoformer, datamux: L token ids, padded). */
  inputShape: readonly number[];
  /** mimoformer: the grid of each operating point n (key: n = m·n). */
  grids?: Readonly<Record<number, GridPoint>>;
  /** datamux, datamux-vision: the operating points n served. */
  points?: readonly number[];
  /** Sequence models: measure each n's pass overhead so that batches run in passes cut by length (default true). */
  lengthGrouping?: boolean;
  /** libtorch intra-op and BLAS threads (the process's pools, used only by this worker when serving). */
  threads?: number;
}

/** A loaded model as the loop sees it: logits of `count` inputs at operating point n, and its facts. */
interface Served {
  forward(n: number, count: number, data: Float32Array): Float32Array;
  ns: number[];
  classes: number;
  /** A valid input value (a pixel, or a token id that is not padding), for warm-up batches. */
  filler: number;
  /** Start-up measurements at n, after its first (warm-up) pass. */
  warmUp?(n: number): void;
  dispose(): void;
}

function loadMIMOConvServed(init: WorkerInit): Served {
  const { model } = loadMIMOConv(init.checkpoint);
  model.eval();
  const [C, H, W] = init.inputShape;
  const { cap, classes } = model.config;
  return {
    forward: (n, count, data) => noGrad(() => tidy(() => Float32Array.from(model.forward(tensor(data, { shape: [count, C, H, W] }), n).data() as Float32Array))),
    ns: divisorsOf(cap),
    classes,
    filler: 0,
    dispose: () => model.dispose(),
  };
}

/** A sequence model (MIMOFormer, DataMUX) on padded token ids, run in passes cut by length. */
function sequenceServed(init: WorkerInit, model: Module, seq: SequenceModel, padId: number | null): Served {
  model.eval();
  const runner = new SequenceRunner(seq, init.inputShape[0]);
  const filler = fillerToken(padId);
  return {
    forward: (n, count, data) => runner.forward(n, count, data),
    warmUp: (n) => (init.lengthGrouping === false ? undefined : runner.calibrate(n, filler)),
    ns: [...seq.ns],
    classes: seq.classes,
    filler,
    dispose: () => model.dispose(),
  };
}

function loadMIMOFormerServed(init: WorkerInit): Served {
  const { model } = loadMIMOFormer(init.checkpoint);
  const grids = init.grids ?? { [model.config.m * model.config.n]: { m: model.config.m, n: model.config.n } };
  return sequenceServed(init, model, mimoformerSequences(model, grids), model.config.padId);
}

function loadDataMUXServed(init: WorkerInit): Served {
  const { model } = loadDataMUX(init.checkpoint);
  return sequenceServed(init, model, dataMUXSequences(model, init.points ?? [model.config.instances]), model.config.padId);
}

/** MNIST images [count, 1, 28, 28] (pixels / 255), cropped to the centre 20×20 the model was trained on. */
function loadDataMUXVisionServed(init: WorkerInit): Served {
  const { model } = loadDataMUXVision(init.checkpoint);
  model.eval();
  const [C, H, W] = init.inputShape;
  return {
    forward: (n, count, data) => noGrad(() => tidy(() => Float32Array.from(model.forward(centreCrop(tensor(data, { shape: [count, C, H, W] })), n).data() as Float32Array))),
    ns: [...(init.points ?? [model.config.instances])].sort((a, b) => a - b),
    classes: model.config.classes,
    filler: 0,
    dispose: () => model.dispose(),
  };
}

const LOADERS = { mimoconv: loadMIMOConvServed, mimoformer: loadMIMOFormerServed, datamux: loadDataMUXServed, 'datamux-vision': loadDataMUXVisionServed };

export type ToWorker = { type: 'run'; id: number; n: number; count: number; data: Float32Array } | { type: 'stop' };
export type FromWorker =
  | { type: 'ready'; classes: number; cap: number }
  | { type: 'result'; id: number; logits: Float32Array; ms: number }
  | { type: 'error'; id: number; message: string };

/** The two ends of a worker's channel that the loop uses (parentPort, or a wrapper around it). */
export interface WorkerPort {
  on(event: 'message', listener: (m: ToWorker) => void): unknown;
  postMessage(value: FromWorker, transfer?: ArrayBuffer[]): void;
  close(): void;
}

export function runWorker(port: WorkerPort, init: WorkerInit): void {
  if (init.threads !== undefined) setThreads({ intraOp: init.threads, blas: init.threads });
  const model = LOADERS[init.kind ?? 'mimoconv'](init);
  const per = init.inputShape.reduce((a, b) => a * b, 1);
  // Warm-up: the first pass at each n pays for one-time set-up.
  for (const n of model.ns) {
    model.forward(n, n, new Float32Array(n * per).fill(model.filler));
    model.warmUp?.(n);
  }
  port.on('message', (m) => {
    if (m.type === 'stop') {
      model.dispose();
      port.close();
      return;
    }
    const t0 = performance.now();
    try {
      const logits = model.forward(m.n, m.count, m.data);
      port.postMessage({ type: 'result', id: m.id, logits, ms: performance.now() - t0 }, [logits.buffer as ArrayBuffer]);
    } catch (e) {
      port.postMessage({ type: 'error', id: m.id, message: e instanceof Error ? e.message : String(e) });
    }
  });
  port.postMessage({ type: 'ready', classes: model.classes, cap: model.ns[model.ns.length - 1] });
}
