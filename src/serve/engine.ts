// The HTTP thread's side of the inference worker (worker.ts): sends batches as one transferred
// Float32Array, matches answers to batches, and restarts the worker when it dies. A batch running
// when the worker dies fails (its requests get 500); batches sent while a new worker starts wait for it.
//
// close() asks the worker to stop, lets a running batch finish and waits for the thread to end
// (terminating it only after a timeout). Terminating a worker inside a libtorch call is safe (the
// addon swallows the N-API failures of a dying environment; src/tensor/worker.test.ts), but it
// would throw away the batch.
import { Worker } from 'node:worker_threads';
import type { Engine } from './scheduler.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker.js';

export interface WorkerEngineOptions extends WorkerInit {
  /** The worker's entry module (default worker_main.js beside this file; tests substitute one). */
  workerUrl?: URL;
  /** Told about each restart, with the reason the previous worker stopped. */
  onRestart?: (reason: string) => void;
  /** Wait before starting again after a worker failed to start (ms). */
  restartDelayMs?: number;
}

interface Running {
  resolve: (out: Float32Array[]) => void;
  reject: (e: Error) => void;
  count: number;
}

export class WorkerEngine implements Engine {
  private current: Promise<Worker>;
  private worker?: Worker;
  private readonly running = new Map<number, Running>();
  private nextId = 1;
  private closed = false;
  /** Times a new worker was started after one stopped. */
  restarts = 0;
  /** Classes per output, from the worker. */
  classes = 0;
  /** Milliseconds the latest batch spent in the model (inside the worker). */
  lastComputeMs = 0;

  private constructor(private readonly o: WorkerEngineOptions) {
    this.current = this.spawn();
  }

  /** Starts the worker; resolves once it has loaded the checkpoint (rejects with its error otherwise). */
  static async start(o: WorkerEngineOptions): Promise<WorkerEngine> {
    const e = new WorkerEngine(o);
    await e.current;
    return e;
  }

  /** The worker's thread id (changes on restart), for diagnostics. */
  get threadId(): number | undefined {
    return this.worker?.threadId;
  }

  private spawn(): Promise<Worker> {
    return new Promise<Worker>((resolve, reject) => {
      const w = new Worker(this.o.workerUrl ?? new URL('./worker_main.js', import.meta.url), { workerData: { checkpoint: this.o.checkpoint, kind: this.o.kind, inputShape: this.o.inputShape, grids: this.o.grids, points: this.o.points, lengthGrouping: this.o.lengthGrouping, threads: this.o.threads } satisfies WorkerInit });
      let ready = false;
      let stopped = false;
      const stop = (reason: string) => {
        if (stopped) return;
        stopped = true;
        w.removeAllListeners('message');
        if (!ready) return reject(new Error(`the inference worker failed to start: ${reason}`));
        if (this.worker === w) this.worker = undefined;
        const err = new Error(`the inference worker stopped (${reason})`);
        for (const r of this.running.values()) r.reject(err);
        this.running.clear();
        if (this.closed) return;
        this.restarts++;
        this.o.onRestart?.(reason);
        this.current = this.respawn();
        this.current.catch(() => undefined);
      };
      w.on('message', (m: FromWorker) => {
        if (m.type === 'ready') {
          ready = true;
          if (this.closed) w.postMessage({ type: 'stop' } satisfies ToWorker);
          this.classes = m.classes;
          this.worker = w;
          resolve(w);
          return;
        }
        const r = this.running.get(m.id);
        if (!r) return;
        this.running.delete(m.id);
        if (m.type === 'error') return r.reject(new Error(m.message));
        this.lastComputeMs = m.ms;
        const k = m.logits.length / r.count;
        r.resolve(Array.from({ length: r.count }, (_, i) => m.logits.subarray(i * k, (i + 1) * k)));
      });
      w.on('error', (e) => stop(e.message));
      w.on('exit', (code) => stop(`exit code ${code}`));
    });
  }

  /** A new worker, retried after restartDelayMs while starting fails. */
  private async respawn(): Promise<Worker> {
    for (;;) {
      try {
        return await this.spawn();
      } catch (e) {
        if (this.closed) throw e;
        this.o.onRestart?.((e as Error).message);
        await new Promise((r) => setTimeout(r, this.o.restartDelayMs ?? 1000));
      }
    }
  }

  async run(n: number, inputs: readonly Float32Array[]): Promise<Float32Array[]> {
    if (this.closed) throw new Error('the inference engine is closed');
    let w = await this.current;
    while (w !== this.worker) {
      // It stopped after starting: wait for its successor.
      if (this.closed) throw new Error('the inference engine is closed');
      w = await this.current;
    }
    const per = inputs[0]?.length ?? 0;
    const data = new Float32Array(inputs.length * per);
    inputs.forEach((x, i) => data.set(x, i * per));
    const id = this.nextId++;
    return new Promise<Float32Array[]>((resolve, reject) => {
      this.running.set(id, { resolve, reject, count: inputs.length });
      w.postMessage({ type: 'run', id, n, count: inputs.length, data } satisfies ToWorker, [data.buffer]);
    });
  }

  /**
   * Stops the worker once the batches sent to it are done (call it when none is expected): it frees
   * the model and ends by itself; terminated only if it has not ended after `timeoutMs`.
   */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const w = this.worker ?? (await this.current.catch(() => undefined));
    if (!w) return;
    const exited = new Promise<void>((r) => w.once('exit', () => r()));
    w.postMessage({ type: 'stop' } satisfies ToWorker);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), timeoutMs)));
    if ((await Promise.race([exited, late])) === 'late') await w.terminate();
    clearTimeout(timer);
  }
}
