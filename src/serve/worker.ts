// The inference worker's loop (run in a worker_threads thread by worker_main.ts): loads the checkpoint
// itself, then runs batches off the HTTP thread. Messages in: {type: 'run', id, n, count, data}
// (data: float32 [count, C, H, W] normalised images, or [count, L] padded token ids) and
// {type: 'stop'}; out: {type: 'ready', classes, cap}, {type: 'result', id, logits (float32
// [count, classes]), ms}, {type: 'error', id, message}. A batch that throws answers 'error' and the
// worker carries on; if the thread dies, the engine (engine.ts) starts a new one. 'stop' frees the
// model and lets the thread end by itself (see engine.ts).
import { loadMIMOConv, loadMIMOFormer } from '../models/checkpoint.js';
import type { GridPoint } from '../models/mimoformer.js';
import { noGrad, setThreads, tensor, tidy } from '../tensor/index.js';
import { fillerToken } from './decode_sequence.js';
import { divisorsOf } from './policy.js';

export interface WorkerInit {
  checkpoint: string;
  /** The checkpoint's model (default 'mimoconv'). */
  kind?: 'mimoconv' | 'mimoformer';
  /** One input's shape: [C, H, W] (mimoconv) or [L] (mimoformer: L token ids, padded). */
  inputShape: readonly number[];
  /** mimoformer: the grid of each operating point n (key: n = m·n). */
  grids?: Readonly<Record<number, GridPoint>>;
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

/**
 * A MIMOFormer on padded token ids: each batch is cut to its longest real sequence (the padding
 * mask makes the rest no-ops, so the logits are those of the full length).
 */
function loadMIMOFormerServed(init: WorkerInit): Served {
  const { model } = loadMIMOFormer(init.checkpoint);
  model.eval();
  const [L] = init.inputShape;
  const grids = init.grids ?? { [model.config.m * model.config.n]: { m: model.config.m, n: model.config.n } };
  const pad = model.config.padId;
  const forward = (n: number, count: number, data: Float32Array): Float32Array => {
    const grid = grids[n];
    if (!grid) throw new RangeError(`no grid serves n = ${n} (served: ${Object.keys(grids).join(', ')})`);
    const lengths = Array.from({ length: count }, (_, i) => {
      if (pad === null) return L;
      let k = L;
      while (k > 0 && data[i * L + k - 1] === pad) k--;
      return k;
    });
    const longest = Math.max(1, ...lengths);
    const ids = new Float32Array(count * longest);
    for (let i = 0; i < count; i++) ids.set(data.subarray(i * L, i * L + longest), i * longest);
    return noGrad(() => tidy(() => {
      return Float32Array.from(model.forward(tensor(ids, { shape: [count, longest], dtype: 'int64' }), lengths, grid).data() as Float32Array);
    }));
  };
  const ns = Object.keys(grids).map(Number).sort((a, b) => a - b);
  return { forward, ns, classes: model.config.classes, filler: fillerToken(pad), dispose: () => model.dispose() };
}

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
  const model = init.kind === 'mimoformer' ? loadMIMOFormerServed(init) : loadMIMOConvServed(init);
  const per = init.inputShape.reduce((a, b) => a * b, 1);
  // Warm-up: the first pass at each n pays for one-time set-up.
  for (const n of model.ns) model.forward(n, n, new Float32Array(n * per).fill(model.filler));
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
