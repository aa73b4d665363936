// The scheduler: a bounded queue of inputs that it groups into superpositions of n inputs and batches
// of up to maxGroups superpositions, run one batch at a time on an Engine (the inference worker).
//
// - Order: inputs are served first come, first served; each request gets its outputs back in the
//   order of its inputs, each tagged with the n of the batch that computed it (a request's inputs
//   can straddle two batches, even at two operating points).
// - n: chosen per batch by the policy (policy.ts, and for auto the latency floor of feedback.ts), so
//   a new policy applies from the next batch.
// - Length: with lengthOf (sequence models), a batch's inputs, taken first come, first served, are
//   ordered longest first before they are grouped, so each superposition holds sequences of similar
//   length and the worker can cut runs of them short (length_split.ts); outputs keep their slots.
// - Padding: a last superposition with m < n inputs is filled with its own inputs again (input
//   j of the n slots is its input j mod m); those outputs are dropped.
// - Overload: submit() refuses a request that does not fit in the queue (429 with Retry-After);
//   a request still queued past its deadline is failed (503) and its inputs dropped before compute.
// - Failure: a batch that fails (the worker threw or died) fails its requests with 500.
// - Drain: after close() new requests get 503; drained() resolves once every accepted request is answered.
// Nothing here touches a model: the engine is an interface, and time comes from `now`.
import { ServeError } from './errors.js';
import { CostModel } from './cost.js';
import { RateMeter } from './rate.js';
import { chooseAutoN, drainMs, largestBatchGroups, operatingPointError } from './policy.js';
import { LatencyFloor } from './feedback.js';
import type { LoadState, Policy } from './policy.js';

/** Runs one batch: inputs.length is a multiple of n; returns one output per input, in order. */
export interface Engine {
  run(n: number, inputs: readonly Float32Array[]): Promise<Float32Array[]>;
}

/** One input's answer. */
export interface Output {
  output: Float32Array;
  /** The operating point of the superposition that computed it. */
  n: number;
  /** The batch (a counter from 1) and the input's slot in it: slots s with equal ⌊s/n⌋ were superposed together. */
  batch: number;
  slot: number;
}

export interface Answer {
  outputs: Output[];
  /** From submit to the start of the request's first batch. */
  queueMs: number;
  /** From the start of its first batch to the end of its last. */
  computeMs: number;
}

/** What happened to a batch (for metrics and the policy). */
export interface BatchReport {
  batch: number;
  n: number;
  /** Real inputs (without padding) and superpositions. */
  inputs: number;
  groups: number;
  ms: number;
  ok: boolean;
}

export interface SchedulerOptions {
  /** Operating points (inputs per superposition), ascending. */
  ns: readonly number[];
  policy: Policy;
  cost: CostModel;
  /** Most inputs waiting at once. */
  maxQueue: number;
  /** Most superpositions per batch (a batch at n holds up to maxGroups·n inputs). */
  maxGroups: number;
  /** Default time a request may wait in the queue (ms). */
  deadlineMs: number;
  now?: () => number;
  onBatch?: (r: BatchReport) => void;
  /** Called with each request refused or failed (its status). */
  onReject?: (status: number) => void;
  /** A sequence input's length: each batch is grouped longest first (stable: ties keep their order). */
  lengthOf?: (input: Float32Array) => number;
}

interface Pending {
  count: number;
  remaining: number;
  outputs: Output[];
  submitted: number;
  deadline: number;
  firstStart?: number;
  settled: boolean;
  resolve: (a: Answer) => void;
  reject: (e: ServeError) => void;
}

interface Item {
  req: Pending;
  index: number;
  input: Float32Array;
}

export class Scheduler {
  readonly ns: readonly number[];
  private readonly o: Required<Omit<SchedulerOptions, 'onBatch' | 'onReject' | 'lengthOf'>> & Pick<SchedulerOptions, 'onBatch' | 'onReject' | 'lengthOf'>;
  private queue: Item[] = [];
  private busy = false;
  private closing = false;
  private batchCounter = 0;
  private lastN: number;
  private readonly arrivals = new RateMeter(1000, 10);
  private floor: LatencyFloor;
  private idleWaiters: (() => void)[] = [];
  private pending = 0;

  constructor(
    private readonly engine: Engine,
    options: SchedulerOptions,
  ) {
    this.o = { now: () => performance.now(), ...options };
    this.ns = [...options.ns];
    if (this.ns.length === 0 || this.ns.some((n, i) => !Number.isInteger(n) || n < 1 || (i > 0 && n <= this.ns[i - 1]))) {
      throw new RangeError(`Scheduler: ns must be ascending positive integers, got [${this.ns.join(', ')}]`);
    }
    for (const [k, v] of [['maxQueue', options.maxQueue], ['maxGroups', options.maxGroups]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`Scheduler: ${k} must be a positive integer, got ${v}`);
    }
    if (!(options.deadlineMs > 0)) throw new RangeError(`Scheduler: deadlineMs must be positive, got ${options.deadlineMs}`);
    this.lastN = options.policy.mode === 'fixed' ? options.policy.n : 1;
    this.floor = new LatencyFloor(this.ns, this.o.now());
  }

  get policy(): Policy {
    return this.o.policy;
  }
  /** Takes effect at the next batch; queued and running requests are kept. */
  set policy(p: Policy) {
    if (p.mode === 'fixed' && !this.ns.includes(p.n)) throw new ServeError(400, operatingPointError(this.ns, String(p.n)));
    this.o.policy = p;
    if (p.mode === 'fixed') this.lastN = p.n;
    this.floor = new LatencyFloor(this.ns, this.o.now());
  }

  /** Tells auto's latency floor (feedback.ts) how long an answered request took end to end (ms). */
  recordLatency(ms: number): void {
    this.floor.record(ms, this.o.now());
  }

  /** The n under which auto does not go now (1 unless measured latencies pushed it up). */
  get autoFloor(): number {
    return this.floor.n;
  }

  /** The n of the next batch. */
  private chooseN(now: number): number {
    const p = this.policy;
    if (p.mode === 'fixed') return p.n;
    const load = this.load();
    const floor = this.floor.update(p.targetP99Ms, now, load.arrivalRate);
    return Math.max(floor, chooseAutoN(this.cost, this.ns, p.targetP99Ms, load, this.o));
  }

  get cost(): CostModel {
    return this.o.cost;
  }

  /** The n of the latest batch (under a fixed policy: that n). */
  get currentN(): number {
    return this.lastN;
  }

  /** Inputs waiting (not yet in a batch). */
  get queued(): number {
    return this.queue.length;
  }

  /** Requests accepted and not yet answered. */
  get inFlight(): number {
    return this.pending;
  }

  get maxQueue(): number {
    return this.o.maxQueue;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** What auto's policy sees now. */
  load(): LoadState {
    const now = this.o.now();
    const head = this.queue[0];
    return { arrivalRate: this.arrivals.perSecond(now), queued: this.queue.length, oldestAgeMs: head ? now - head.req.submitted : 0 };
  }

  /** Seconds until the queue is likely to have room again (at least 1). */
  private retryAfterS(): number {
    const n = this.policy.mode === 'fixed' ? this.policy.n : this.ns[this.ns.length - 1];
    return Math.max(1, Math.ceil(drainMs(this.cost, n, this.queue.length, largestBatchGroups(n, this.o)) / 1000));
  }

  /**
   * Queues a request's inputs; resolves with their outputs in order. Rejects with a ServeError:
   * 429 when the queue is full, 503 when closing or past the deadline, 500 when its batch failed.
   */
  submit(inputs: readonly Float32Array[], o: { deadlineMs?: number } = {}): Promise<Answer> {
    const refuse = (e: ServeError) => {
      this.o.onReject?.(e.status);
      return Promise.reject(e);
    };
    if (this.closing) return refuse(new ServeError(503, 'the server is shutting down and accepts no new requests', 1));
    if (inputs.length === 0) return refuse(new ServeError(400, 'no inputs'));
    if (inputs.length > this.o.maxQueue) return refuse(new ServeError(413, `${inputs.length} inputs in one request; the queue holds at most ${this.o.maxQueue}`));
    if (this.queue.length + inputs.length > this.o.maxQueue) {
      return refuse(new ServeError(429, `the queue is full (${this.queue.length} of ${this.o.maxQueue} inputs waiting); retry later`, this.retryAfterS()));
    }
    const now = this.o.now();
    this.arrivals.add(inputs.length, now);
    return new Promise<Answer>((resolve, reject) => {
      const req: Pending = {
        count: inputs.length, remaining: inputs.length, outputs: new Array<Output>(inputs.length), submitted: now,
        deadline: now + (o.deadlineMs ?? this.o.deadlineMs), settled: false, resolve, reject,
      };
      this.pending++;
      inputs.forEach((input, index) => this.queue.push({ req, index, input }));
      this.pump();
    });
  }

  /** Stops accepting; what was accepted is still served. */
  close(): void {
    this.closing = true;
  }

  /** Resolves when no accepted request is waiting for an answer. */
  drained(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private settle(req: Pending, e?: ServeError): void {
    if (req.settled) return;
    req.settled = true;
    this.pending--;
    if (e) {
      this.o.onReject?.(e.status);
      req.reject(e);
    } else {
      const end = this.o.now();
      const start = req.firstStart ?? end;
      req.resolve({ outputs: req.outputs, queueMs: start - req.submitted, computeMs: end - start });
    }
    if (this.pending === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Drops inputs of settled requests and fails requests past their deadline. */
  private expire(now: number): void {
    let dropped = false;
    for (const it of this.queue) {
      if (!it.req.settled && now > it.req.deadline) {
        this.settle(it.req, new ServeError(503, `the request waited ${Math.round(now - it.req.submitted)} ms, past its deadline of ${Math.round(it.req.deadline - it.req.submitted)} ms, and was dropped before compute (server overloaded)`, this.retryAfterS()));
      }
      if (it.req.settled) dropped = true;
    }
    if (dropped) this.queue = this.queue.filter((it) => !it.req.settled);
  }

  /** Starts the next batch when the engine is free and inputs wait. */
  private pump(): void {
    if (this.busy) return;
    const now = this.o.now();
    this.expire(now);
    if (this.queue.length === 0) return;
    const n = this.chooseN(now);
    const items = this.queue.splice(0, this.o.maxGroups * n);
    const lengthOf = this.o.lengthOf;
    if (lengthOf) {
      const len = new Map(items.map((it) => [it, lengthOf(it.input)]));
      items.sort((a, b) => (len.get(b) as number) - (len.get(a) as number));
    }
    const groups = Math.ceil(items.length / n);
    const inputs = items.map((it) => it.input);
    const last = (groups - 1) * n;
    const m = items.length - last;
    for (let j = m; j < n; j++) inputs.push(items[last + (j % m)].input);
    const batch = ++this.batchCounter;
    this.lastN = n;
    this.busy = true;
    for (const it of items) it.req.firstStart ??= now;
    const done = (outs: Float32Array[] | undefined, err?: unknown) => {
      const ms = this.o.now() - now;
      this.busy = false;
      if (outs && outs.length !== inputs.length) {
        err = new Error(`the engine returned ${outs.length} outputs for ${inputs.length} inputs`);
        outs = undefined;
      }
      this.o.onBatch?.({ batch, n, inputs: items.length, groups, ms, ok: !!outs });
      if (outs) {
        this.cost.observe(n, groups, ms);
        items.forEach((it, slot) => {
          if (it.req.settled) return;
          it.req.outputs[it.index] = { output: outs![slot], n, batch, slot };
          if (--it.req.remaining === 0) this.settle(it.req);
        });
      } else {
        const why = err instanceof Error ? err.message : String(err);
        for (const it of items) this.settle(it.req, new ServeError(500, `inference failed: ${why}`));
      }
      this.pump();
    };
    new Promise<Float32Array[]>((resolve) => resolve(this.engine.run(n, inputs))).then((outs) => done(outs), (e: unknown) => done(undefined, e));
  }
}
