// The inference worker's loop (run in a worker_threads thread by worker_main.ts): loads the checkpoint
// itself, then runs batches off the HTTP thread. Messages in: {type: 'run', id, n, count, data}
// (data: float32 [count, C, H, W] normalised images, or [count, L] padded token ids) and
// {type: 'stop'}; out: {type: 'ready', classes, cap}, {type: 'result', id, logits (float32
// [count, classes]), ms}, {type: 'error', id, message}. A batch that throws answers 'error' and the
// worker carries on; if the thread dies, the engine (engine.ts) starts a new one. 'stop' frees the
// model and lets the thread end by itself (see engine.ts).
import { setThreads } from '../tensor/index.js';
import { loadServed } from './served.js';
import type { WorkerInit } from './served.js';

export type { WorkerInit } from './served.js';

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
  const model = loadServed(init);
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
