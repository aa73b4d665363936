// The serving benchmark: a MIMOConv, MIMOFormer or DataMUX server on loopback (in this process's
// main thread; inference in its worker thread) driven by an open-loop load generator (loadgen.ts,
// in a thread of its own) with one input per request, or `inputsPerRequest` (k) of them.
//
// Rates are in requests; with k > 1 every request carries k inputs (a list in JSON, or k images
// back to back as raw bytes), so the inputs per second are k times the requests per second. Small
// models are bound by the HTTP work per request, and batching inputs into requests is how a client
// reaches the model's own rate.
//
// 1. n1_capacity_rps: the rate the server sustains at fixed n = 1, from a closed-loop saturation run
//    (`concurrency` clients back to back; the answers per second).
// 2. For each policy (fixed n = 1, fixed n = cap, auto with the p99 target) and each offered rate
//    (multiples of n1_capacity_rps): Poisson arrivals for `seconds` (at most maxRequests), then
//    every request answered or given up. Reported: achieved rate (200 answers per second), p50/p99
//    latency of the 200 answers (from the scheduled send time), answers by status, `lost` (requests
//    that got no HTTP answer: connection errors and timeouts), and the share of outputs by n.
// The generator and the server share the machine's cores; bodies are encoded in advance: one of raw
// uint8 pixels (MIMOConv, DataMUX MNIST); for a MIMOFormer, lengths 'full' sends one JSON list of
// random token ids of the model's full length (the worst case), lengths 'task' sends trees of the
// project's ListOps generator in turn (LRA's 500 < L < 2000 scaled to the model's length; ListOps
// models only), the load on which the server's length grouping (serve/length_split.ts) matters; for
// a DataMUX sentence model, 'full' sends one sentence of random vocabulary words as long as the model
// takes, 'task' the SST-2 dev sentences in turn.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { Rng } from '../data/random.js';
import { startServer } from '../serve/server.js';
import { inputText } from '../serve/model.js';
import { fillerToken } from '../serve/decode_sequence.js';
import { loadSst2 } from '../data/sst2.js';
import { tokenize } from '../data/vocab.js';
import { resolveDataDir } from '../data/paths.js';
import { LISTOPS_DEFAULTS, ListOpsSampler, listOpsText } from '../data/listops.js';
import type { ServedModel } from '../serve/model.js';
import type { Policy } from '../serve/policy.js';
import { quantile } from '../serve/quantile.js';
import type { LoadResult } from './loadgen.js';
import type { LoadJob } from './loadgen_worker.js';

/** Runs load jobs in the generator's thread, one at a time. */
class LoadThread {
  private readonly worker = new Worker(new URL('./loadgen_worker.js', import.meta.url));
  run(job: LoadJob): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      const fail = (e: Error) => reject(new Error(`the load generator failed: ${e.message}`));
      this.worker.once('error', fail);
      this.worker.once('message', (r: LoadResult) => {
        this.worker.off('error', fail);
        resolve(r);
      });
      this.worker.postMessage(job);
    });
  }
  close(): Promise<number> {
    return this.worker.terminate();
  }
}

export type PolicyName = 'fixed-1' | 'fixed-cap' | 'auto';
export const POLICY_NAMES: readonly PolicyName[] = ['fixed-1', 'fixed-cap', 'auto'];

export interface ServeBenchOptions {
  checkpoint: string;
  /** Offered rates as multiples of n1_capacity_rps. */
  rates: number[];
  policies: PolicyName[];
  /** Seconds of arrivals per run. */
  seconds: number;
  /** Most requests per run. */
  maxRequests: number;
  targetP99Ms: number;
  /** Seconds of the closed-loop capacity run at n = 1. */
  capacitySeconds: number;
  /** Clients of the capacity run. */
  concurrency: number;
  /** Server settings. */
  maxQueue: number;
  maxGroups: number;
  deadlineMs: number;
  /** The worker's libtorch threads (default: the server's default). */
  threads?: number;
  /** Sequence inputs: 'full' (full length) or 'task' (ListOps trees of LRA's lengths; SST-2 dev sentences). */
  lengths: SequenceLengths;
  /** The data directory of the SST-2 sentences (DataMUX, lengths 'task'; default: $MIMO_DATA, then ../shared/data). */
  data?: string;
  /** The server's length grouping (sequence models; default true). */
  lengthGrouping: boolean;
  /** Inputs per request (default 1). */
  inputsPerRequest: number;
  seed: number;
  onProgress?: (what: string) => void;
}

export type SequenceLengths = 'full' | 'task';
export const SEQUENCE_LENGTHS: readonly SequenceLengths[] = ['full', 'task'];

export const defaultServeBench: Omit<ServeBenchOptions, 'checkpoint'> = {
  rates: [0.5, 2], policies: [...POLICY_NAMES], seconds: 8, maxRequests: 20_000, targetP99Ms: 50, capacitySeconds: 4, concurrency: 32,
  maxQueue: 512, maxGroups: 32, deadlineMs: 2000, lengths: 'full', lengthGrouping: true, inputsPerRequest: 1, seed: 0,
};

/** ListOps trees (and at most this many SST-2 sentences) sent by lengths 'task'. */
const TASK_BODIES = 256;

export interface ServeBenchRun {
  policy: PolicyName;
  offered_rps: number;
  achieved_rps: number;
  /** Inputs answered per second: achieved_rps × inputs per request. */
  achieved_inputs_per_s: number;
  p50_ms: number | null;
  p99_ms: number | null;
  sent: number;
  lost: number;
  status: Record<string, number>;
  n_share: Record<string, number>;
}

export interface ServeBenchResult {
  target_p99_ms: number;
  n1_capacity_rps: number;
  runs: ServeBenchRun[];
  config: Record<string, unknown>;
}

const r1 = (v: number) => Math.round(v * 10) / 10;

function summarise(policy: PolicyName, offered: number, r: LoadResult, perRequest: number): ServeBenchRun {
  const ok = r.status['200'] ?? 0;
  const outputs = Object.values(r.byN).reduce((a, b) => a + b, 0);
  const p = (q: number) => (r.latencies.length ? r1(quantile(r.latencies, q)) : null);
  return {
    policy, offered_rps: r1(offered), achieved_rps: r1(r.seconds > 0 ? ok / r.seconds : 0), achieved_inputs_per_s: r1(r.seconds > 0 ? (ok * perRequest) / r.seconds : 0), p50_ms: p(0.5), p99_ms: p(0.99), sent: r.sent,
    lost: r.status['0'] ?? 0, status: Object.fromEntries(Object.entries(r.status).filter(([s]) => s !== '0')),
    n_share: Object.fromEntries(Object.entries(r.byN).sort(([a], [b]) => Number(a) - Number(b)).map(([n, k]) => [n, Math.round((1000 * k) / outputs) / 1000])),
  };
}

interface Bodies {
  bodies: Uint8Array[];
  contentType: string;
  /** Mean tokens per input (sequence models). */
  meanTokens?: number;
}

/** Inputs to send, one per body (raw bytes, or a JSON value for {"inputs": [...]}), and how. */
interface Inputs {
  raw?: Uint8Array[];
  json?: unknown[];
  /** How a single input is sent (when it is not JSON). */
  single?: { bodies: Uint8Array[]; contentType: string };
  meanTokens?: number;
}

/** The inputs of the requests: random inputs of the model's shape, ListOps trees or SST-2 sentences (see the file's header). */
function requestBodies(model: ServedModel, lengths: SequenceLengths, rng: Rng, seed: number, data: string | undefined, k: number): Inputs {
  if (model.kind === 'mimoconv' || model.kind === 'datamux-vision') {
    if (lengths === 'task') throw new RangeError(`lengths 'task' applies to sequence models (MIMOFormer ListOps, DataMUX sentences); this checkpoint takes images`);
    const { channels, height, width } = model.input;
    return { raw: Array.from({ length: k }, () => Uint8Array.from({ length: channels * height * width }, () => rng.below(256))) };
  }
  const encoder = new TextEncoder();
  const texts = (xs: string[], meanTokens: number): Inputs => ({ json: xs, single: { bodies: xs.map((x) => encoder.encode(x)), contentType: 'text/plain' }, meanTokens });
  if (model.kind === 'datamux') {
    const { vocab, length } = model.sentence;
    let sentences: string[];
    if (lengths === 'task') sentences = loadSst2(resolveDataDir(data), 'dev', { limit: TASK_BODIES }).sentences;
    else sentences = [Array.from({ length: length - 1 }, () => vocab.token(vocab.firstWordId + rng.below(vocab.size - vocab.firstWordId))).join(' ')];
    const words = sentences.map((x) => Math.min(length, 1 + tokenize(x).length)); // [CLS] and the words, cut as the server cuts
    return texts(sentences, words.reduce((a, b) => a + b, 0) / words.length);
  }
  const { task, length, vocabSize, padId } = model.sequence;
  if (lengths === 'task') {
    if (task !== 'listops') throw new RangeError(`lengths 'task' generates ListOps trees; this model's task is ${task} (use 'full')`);
    const scale = length / LISTOPS_DEFAULTS.maxLength;
    const sampler = new ListOpsSampler(seed, { minLength: Math.round(LISTOPS_DEFAULTS.minLength * scale), maxLength: length });
    const trees = Array.from({ length: TASK_BODIES }, () => sampler.next().codes);
    return texts(trees.map((c) => listOpsText(c)), trees.reduce((a, c) => a + c.length, 0) / trees.length);
  }
  const lo = fillerToken(padId);
  const ids = Array.from({ length }, () => lo + rng.below(vocabSize - lo));
  return { json: [ids], meanTokens: length };
}

/**
 * The request bodies: k inputs each, taken in turn from `inputs` (as one list in JSON, or k raw
 * images back to back); with k = 1 a text goes as text/plain and an id list as {"input": ...}.
 */
function perRequest(inputs: Inputs, k: number): Bodies {
  const encoder = new TextEncoder();
  const { meanTokens } = inputs;
  if (inputs.raw) {
    const [one] = inputs.raw;
    const body = new Uint8Array(k * one.length);
    inputs.raw.forEach((x, i) => body.set(x, i * one.length));
    return { bodies: [body], contentType: 'application/octet-stream', meanTokens };
  }
  const values = inputs.json ?? [];
  if (k === 1) return inputs.single ? { ...inputs.single, meanTokens } : { bodies: values.map((v) => encoder.encode(JSON.stringify({ input: v }))), contentType: 'application/json', meanTokens };
  const count = Math.ceil(values.length / k); // every input in some body
  const bodies = Array.from({ length: count }, (_, b) => encoder.encode(JSON.stringify({ inputs: Array.from({ length: k }, (_, j) => values[(b * k + j) % values.length]) })));
  return { bodies, contentType: 'application/json', meanTokens };
}

export async function runServeBench(o: ServeBenchOptions): Promise<ServeBenchResult> {
  const say = o.onProgress ?? (() => undefined);
  say(`starting the server on ${o.checkpoint} (worker, calibration)`);
  const srv = await startServer({
    checkpoint: o.checkpoint, port: 0, host: '127.0.0.1', policy: { mode: 'fixed', n: 1 }, maxQueue: o.maxQueue, maxGroups: o.maxGroups,
    deadlineMs: o.deadlineMs, maxInputsPerRequest: o.inputsPerRequest, threads: o.threads, lengthGrouping: o.lengthGrouping,
  });
  const calibrated = srv.scheduler.cost.snapshot();
  const gen = new LoadThread();
  try {
    const { meanTokens, ...bodies } = perRequest(requestBodies(srv.model, o.lengths, new Rng(o.seed), o.seed, o.data, o.inputsPerRequest), o.inputsPerRequest);
    const base = { url: `${srv.url}/v1/predict`, ...bodies, timeoutMs: o.deadlineMs + 10_000 };
    const setPolicy = (p: Policy) => (srv.scheduler.policy = p);
    const idle = async () => {
      while (srv.scheduler.inFlight > 0) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 200));
    };

    say(`n = 1 capacity: ${o.concurrency} clients back to back for ${o.capacitySeconds} s`);
    setPolicy({ mode: 'fixed', n: 1 });
    await gen.run({ ...base, kind: 'closed', concurrency: o.concurrency, seconds: Math.min(1, o.capacitySeconds) }); // warm-up
    await idle();
    const cap = await gen.run({ ...base, kind: 'closed', concurrency: o.concurrency, seconds: o.capacitySeconds });
    const capacity = (cap.status['200'] ?? 0) / cap.seconds;
    if (!(capacity > 0)) throw new Error(`the capacity run got no answers (statuses ${JSON.stringify(cap.status)})`);
    await idle();

    const runs: ServeBenchRun[] = [];
    const policyOf = (p: PolicyName): Policy =>
      p === 'fixed-1' ? { mode: 'fixed', n: 1 } : p === 'fixed-cap' ? { mode: 'fixed', n: srv.model.cap } : { mode: 'auto', targetP99Ms: o.targetP99Ms };
    let k = 0;
    for (const p of o.policies) {
      for (const m of o.rates) {
        const offered = m * capacity;
        setPolicy(policyOf(p));
        say(`${p} at ${r1(offered)} requests/s (${m} x capacity) for ${o.seconds} s`);
        const r = await gen.run({ ...base, kind: 'open', rate: offered, seconds: o.seconds, maxRequests: o.maxRequests, seed: o.seed + 1 + k++ });
        runs.push(summarise(p, offered, r, o.inputsPerRequest));
        await idle();
      }
    }
    return {
      target_p99_ms: o.targetP99Ms,
      n1_capacity_rps: r1(capacity),
      runs,
      config: {
        checkpoint: o.checkpoint, model: srv.model.kind, cap: srv.model.cap, operating_points: srv.model.ns, input: inputText(srv.model),
        ...(srv.model.kind === 'mimoformer' || srv.model.kind === 'datamux' ? { lengths: o.lengths, mean_tokens: meanTokens === undefined ? null : r1(meanTokens), length_grouping: o.lengthGrouping } : {}), seconds_per_run: o.seconds, max_requests_per_run: o.maxRequests,
        rate_multiples: o.rates, capacity_seconds: o.capacitySeconds, capacity_concurrency: o.concurrency, max_queue: o.maxQueue, max_groups: o.maxGroups,
        deadline_ms: o.deadlineMs, inputs_per_request: o.inputsPerRequest, calibrated_cost: calibrated, worker_threads: o.threads ?? null, cpus: os.availableParallelism(), seed: o.seed,
      },
    };
  } finally {
    await gen.close();
    await srv.close();
  }
}
