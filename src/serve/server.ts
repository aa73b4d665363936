// The HTTP server (node:http): routes, request lifetime, start-up calibration and graceful shutdown.
// It serves a MIMOConv (images, operating points n | cap), a MIMOFormer (LRA token sequences,
// operating points n = m·n of its grids) or a DataMUX (sentences or MNIST digits, operating points
// n ≤ N) checkpoint (model.ts).
//
//   POST /v1/predict          inputs (decode.ts, decode_sequence.ts, decode_sentence.ts) → {outputs:
//                             [{logits, class, label (known data sets), n, batch, slot, grid
//                             (MIMOFormer)}], latency_ms}
//   GET  /v1/health           status, model, queue, operating point (503 while shutting down)
//   GET  /v1/metrics          Prometheus text (metrics.ts)
//   GET  /v1/operating-point  the policy, the n in use, the cost model
//   PUT  /v1/operating-point  {"mode":"fixed","n":4} or {"mode":"auto","target_p99_ms":50}
//
// Inference runs in a worker thread (engine.ts, worker.ts); this thread parses, queues (scheduler.ts)
// and answers. close() stops accepting connections and requests, lets every request already received
// finish, then ends the connections and the worker.
import http from 'node:http';
import os from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServeError } from './errors.js';
import { CostModel } from './cost.js';
import type { CostSample } from './cost.js';
import { decodeInputs } from './decode.js';
import { decodeSequences, fillerToken } from './decode_sequence.js';
import { decodeSentences } from './decode_sentence.js';
import { WorkerEngine } from './engine.js';
import { ServeMetrics } from './metrics.js';
import { classNames, describeCheckpoint, inputShape, modelName } from './model.js';
import type { DescribeOptions, ServedModel } from './model.js';
import { sequenceLengths } from '../data/padding.js';
import { capacity, largestBatchGroups, operatingPointError, parsePolicy, policyJson } from './policy.js';
import type { BatchLimits, Policy } from './policy.js';
import { Scheduler } from './scheduler.js';
import { readBody, sendError, sendJson } from './body.js';
import { Vocab } from '../data/vocab.js';

export interface ServeOptions {
  checkpoint: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default {mode: 'auto', targetP99Ms: 50}. */
  policy?: Policy;
  /** Most inputs waiting at once (default 512); more get 429. */
  maxQueue?: number;
  /** Most superpositions per batch (default 32). */
  maxGroups?: number;
  /** Most inputs in one request (default 256, at most maxQueue). */
  maxInputsPerRequest?: number;
  /** How long a request may wait for its batch (ms, default 2000); a request can ask for less with X-Deadline-Ms. */
  deadlineMs?: number;
  /** Largest request body (bytes, default 4 MiB); more get 413. */
  maxBodyBytes?: number;
  /** MIMOConv: [H, W] of the inputs (default: the size of the checkpoint's data set). */
  imageSize?: readonly [number, number];
  /** MIMOFormer: the grids to serve, one per number of inputs (default: the grids it was trained on). */
  grids?: DescribeOptions['grids'];
  /** DataMUX: the operating points n to serve (default: the points it was trained at). */
  points?: DescribeOptions['points'];
  /**
   * Sequence models with padding (MIMOFormer, DataMUX sentences with masked padding): order each
   * batch longest first into superpositions and run it in passes cut to their lengths
   * (length_split.ts; default true). false: superpositions first come, first served, one pass per
   * batch cut to its longest sequence.
   */
  lengthGrouping?: boolean;
  /** Time batches at start-up for the auto policy's cost model (default true; else a flat guess). */
  calibrate?: boolean;
  /** How long close() waits for requests in progress before ending their connections (ms, default 30000). */
  drainTimeoutMs?: number;
  /**
   * libtorch threads of the inference worker. Default: $MIMO_NUM_THREADS when set, else one core
   * fewer than the machine has (at least 1), leaving a core to the HTTP thread: on 2 busy cores a
   * 2-thread pool waits at every op's barrier for a thread that the HTTP thread has displaced.
   */
  threads?: number;
  /** The inference worker's entry module (default: worker_main.js; tests substitute one). */
  workerUrl?: URL;
  /** Messages about the server's life (start-up, worker restarts). */
  log?: (msg: string) => void;
}

export interface RunningServer {
  /** http://host:port */
  url: string;
  port: number;
  model: ServedModel;
  scheduler: Scheduler;
  engine: WorkerEngine;
  metrics: ServeMetrics;
  /** Stops accepting, answers everything already received, then stops the worker. Idempotent. */
  close(): Promise<void>;
}

const DEFAULTS = { port: 8080, host: '127.0.0.1', targetP99Ms: 50, maxQueue: 512, maxGroups: 32, maxInputsPerRequest: 256, deadlineMs: 2000, maxBodyBytes: 4 << 20, drainTimeoutMs: 30_000 };
const SMALL_BODY = 64 << 10;

/** The padding id of a sequence model whose passes can be cut to their sequences' lengths (else null). */
function cutPadding(model: ServedModel): number | null {
  if (model.kind === 'mimoformer') return model.sequence.padId;
  if (model.kind === 'datamux' && model.maskPadding) return Vocab.PAD;
  return null;
}

/** A valid input value everywhere (a pixel, or a token id that is not padding) for calibration. */
function filler(model: ServedModel): number {
  if (model.kind === 'mimoformer') return fillerToken(model.sequence.padId);
  if (model.kind === 'datamux') return fillerToken(Vocab.PAD);
  return 0;
}

/** A padded sequence's length (for the scheduler's longest-first grouping). */
function lengthOf(L: number, padId: number): (input: Float32Array) => number {
  return (input) => sequenceLengths(input, 1, L, padId)[0];
}

/**
 * Times calibration batches from 1 superposition up to the largest batch at every n (the first round
 * is a warm-up). Sequence inputs are full length: the cost of the longest request.
 */
async function calibrate(engine: WorkerEngine, model: ServedModel, limits: BatchLimits, rounds = 3): Promise<CostModel> {
  const ns = model.ns;
  const one = new Float32Array(inputShape(model).reduce((a, b) => a * b, 1)).fill(filler(model));
  const samples: CostSample[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const n of ns) {
      const most = Math.max(2, largestBatchGroups(n, limits)); // the fit needs two sizes
      for (const groups of new Set([1, Math.max(1, most >> 2), most])) {
        const inputs = new Array<Float32Array>(groups * n).fill(one);
        const t0 = performance.now();
        await engine.run(n, inputs);
        if (r > 0) samples.push({ n, groups, ms: performance.now() - t0 });
      }
    }
  }
  return CostModel.fit(ns, samples);
}

function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

function deadlineHeader(req: IncomingMessage, max: number): number | undefined {
  const v = req.headers['x-deadline-ms'];
  if (v === undefined) return undefined;
  const ms = Number(v);
  if (!(ms > 0) || !Number.isFinite(ms)) throw new ServeError(400, `X-Deadline-Ms must be a positive number of milliseconds, got '${String(v)}'`);
  return Math.min(ms, max);
}

const round = (v: number) => Math.round(v * 1000) / 1000;

/** Starts the server; resolves once the worker has loaded the model (and calibrated) and the port listens. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const o = { ...DEFAULTS, ...options };
  const log = options.log ?? (() => undefined);
  const model = describeCheckpoint(o.checkpoint, { imageSize: o.imageSize, grids: o.grids, points: o.points });
  const ns = model.ns;
  const policy = o.policy ?? { mode: 'auto', targetP99Ms: DEFAULTS.targetP99Ms };
  if (policy.mode === 'fixed' && !ns.includes(policy.n)) throw new RangeError(operatingPointError(ns, String(policy.n)));
  const maxInputs = Math.min(o.maxInputsPerRequest, o.maxQueue);
  const metrics = new ServeMetrics();
  const engine = await WorkerEngine.start({
    checkpoint: model.checkpoint,
    workerUrl: options.workerUrl,
    threads: o.threads ?? (process.env.MIMO_NUM_THREADS ? undefined : Math.max(1, os.availableParallelism() - 1)),
    kind: model.kind,
    inputShape: inputShape(model),
    grids: model.kind === 'mimoformer' ? model.grids : undefined,
    points: model.kind === 'datamux' || model.kind === 'datamux-vision' ? ns : undefined,
    lengthGrouping: o.lengthGrouping !== false,
    onRestart: (why) => {
      metrics.restarts.inc();
      log(`inference worker restarted (${why})`);
    },
  });
  const padId = cutPadding(model);
  let cost: CostModel;
  try {
    cost = o.calibrate === false ? new CostModel(ns, 1, Object.fromEntries(ns.map((n) => [n, 1]))) : await calibrate(engine, model, o);
  } catch (e) {
    await engine.close();
    throw e;
  }
  const scheduler = new Scheduler(engine, {
    ns, policy, cost, maxQueue: o.maxQueue, maxGroups: o.maxGroups, deadlineMs: o.deadlineMs,
    ...(padId !== null && o.lengthGrouping !== false ? { lengthOf: lengthOf(inputShape(model)[0], padId) } : {}),
    onBatch: (b) => {
      const n = String(b.n);
      metrics.batches.inc({ n, outcome: b.ok ? 'ok' : 'failed' });
      metrics.batchSeconds.observe({ n }, b.ms / 1000);
      metrics.operatingPoint.set(b.n);
      if (b.ok) metrics.inputs.inc({ n }, b.inputs);
    },
  });
  for (const n of ns) metrics.inputs.inc({ n: String(n) }, 0);
  let targetMs = policy.mode === 'auto' ? policy.targetP99Ms : DEFAULTS.targetP99Ms;
  const gridsJson = model.kind === 'mimoformer' ? Object.fromEntries(ns.map((n) => [String(n), `${model.grids[n].m}x${model.grids[n].n}`])) : undefined;
  const names = classNames(model);
  /** The grid field of a MIMOFormer output at n. */
  const grid = (n: number) => (gridsJson ? { grid: gridsJson[String(n)] } : {});
  const lengthGrouping = padId !== null && o.lengthGrouping !== false;
  const common = { kind: model.kind, checkpoint: model.checkpoint, cap: model.cap, classes: model.classes };
  const modelJson = model.kind === 'mimoconv'
    ? { ...common, dataset: model.dataset, input_shape: inputShape(model) }
    : model.kind === 'mimoformer'
      ? { ...common, variant: model.variant, task: model.sequence.task, max_length: model.sequence.length, grids: gridsJson, length_grouping: lengthGrouping }
      : model.kind === 'datamux'
        ? { ...common, instances: model.instances, max_length: model.sentence.length, vocab_size: model.sentence.vocab.size, length_grouping: lengthGrouping }
        : { ...common, instances: model.instances, dataset: 'mnist', input_shape: inputShape(model) };

  let closing = false;
  /** Requests received and not yet answered (each resolves when its response is sent). */
  const active = new Set<Promise<void>>();
  const closeHeader = (): Record<string, string> => (closing ? { Connection: 'close' } : {});

  const operatingPoint = () => ({
    ...policyJson(scheduler.policy), current_n: scheduler.currentN, ...(scheduler.policy.mode === 'auto' ? { latency_floor_n: scheduler.autoFloor } : {}), cap: model.cap, choices: ns,
    ...(model.kind === 'mimoformer' ? { grids: gridsJson } : {}),
    cost: cost.snapshot(), inputs_per_s: Object.fromEntries(ns.map((n) => [String(n), Math.round(capacity(cost, n, o))])),
  });

  async function predict(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const t0 = performance.now();
    let status = 200;
    try {
      const deadlineMs = deadlineHeader(req, o.deadlineMs);
      const body = await readBody(req, o.maxBodyBytes);
      const type = req.headers['content-type'];
      const inputs = model.kind === 'mimoformer'
        ? decodeSequences(type, body, model.sequence, maxInputs)
        : model.kind === 'datamux'
          ? decodeSentences(type, body, model.sentence, maxInputs)
          : decodeInputs(type, body, url.searchParams, model.input, maxInputs);
      const a = await scheduler.submit(inputs, { deadlineMs });
      sendJson(res, 200, {
        outputs: a.outputs.map((x) => {
          const k = argmax(x.output);
          return { logits: Array.from(x.output), class: k, ...(names ? { label: names[k] } : {}), n: x.n, ...grid(x.n), batch: x.batch, slot: x.slot };
        }),
        latency_ms: { total: round(performance.now() - t0), queue: round(a.queueMs), compute: round(a.computeMs) },
      }, closeHeader());
    } catch (e) {
      const err = e instanceof ServeError ? e : new ServeError(500, `internal error: ${e instanceof Error ? e.message : String(e)}`);
      status = err.status;
      if (status === 500) log(err.message);
      sendError(res, err, closeHeader());
    } finally {
      if (status === 200) scheduler.recordLatency(performance.now() - t0);
      metrics.requests.inc({ status: String(status) });
      metrics.latency.observe({ status: String(status) }, (performance.now() - t0) / 1000);
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const allow = (methods: string[]) => {
      if (methods.includes(method)) return true;
      req.resume();
      sendJson(res, 405, { error: `${method} is not allowed on ${url.pathname} (allowed: ${methods.join(', ')})`, status: 405 }, { Allow: methods.join(', ') });
      return false;
    };
    switch (url.pathname) {
      case '/v1/predict':
        if (!allow(['POST'])) return;
        if (closing) {
          req.resume();
          return sendError(res, new ServeError(503, 'the server is shutting down and accepts no new requests', 1), closeHeader());
        }
        return predict(req, res, url);
      case '/v1/health':
        if (!allow(['GET'])) return;
        return sendJson(res, closing ? 503 : 200, {
          status: closing ? 'draining' : 'ok',
          model: modelJson,
          queue_depth: scheduler.queued, in_flight: scheduler.inFlight, max_queue: o.maxQueue,
          operating_point: { ...policyJson(scheduler.policy), current_n: scheduler.currentN }, worker_restarts: engine.restarts,
        }, closeHeader());
      case '/v1/metrics': {
        if (!allow(['GET'])) return;
        metrics.queueDepth.set(scheduler.queued);
        metrics.inFlight.set(scheduler.inFlight);
        metrics.operatingPoint.set(scheduler.currentN);
        metrics.autoMode.set(scheduler.policy.mode === 'auto' ? 1 : 0);
        metrics.target.set(targetMs / 1000);
        for (const n of ns) metrics.throughput.set({ n: String(n) }, capacity(cost, n, o));
        const text = await metrics.text();
        res.writeHead(200, { 'Content-Type': metrics.contentType, ...closeHeader() });
        return void res.end(text);
      }
      case '/v1/operating-point': {
        if (!allow(['GET', 'PUT'])) return;
        if (method === 'GET') return sendJson(res, 200, operatingPoint(), closeHeader());
        try {
          const body = await readBody(req, SMALL_BODY);
          let doc: unknown;
          try {
            doc = JSON.parse(body.toString('utf8'));
          } catch (e) {
            throw new ServeError(400, `malformed JSON: ${(e as Error).message}`);
          }
          const p = parsePolicy(doc, ns, targetMs);
          scheduler.policy = p;
          if (p.mode === 'auto') targetMs = p.targetP99Ms;
          return sendJson(res, 200, operatingPoint(), closeHeader());
        } catch (e) {
          if (e instanceof ServeError) return sendError(res, e, closeHeader());
          throw e;
        }
      }
      default:
        req.resume();
        return sendJson(res, 404, { error: `no such endpoint: ${method} ${url.pathname} (see /v1/predict, /v1/health, /v1/metrics, /v1/operating-point)`, status: 404 });
    }
  }

  const server = http.createServer((req, res) => {
    // A request is in progress until its response is sent (or its connection is gone).
    const done = new Promise<void>((r) => res.once('close', r));
    active.add(done);
    void done.then(() => active.delete(done));
    route(req, res).catch((e: unknown) => {
      log(`internal error: ${e instanceof Error ? e.stack : String(e)}`);
      if (!res.headersSent) sendError(res, new ServeError(500, `internal error: ${e instanceof Error ? e.message : String(e)}`));
      else res.destroy();
    });
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await engine.close();
    throw e;
  }
  const port = (server.address() as AddressInfo).port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;

  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      closing = true;
      const stopped = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      // Every request received so far is answered (or, after drainTimeoutMs, cut off).
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), o.drainTimeoutMs)));
      while (active.size > 0) if ((await Promise.race([Promise.all([...active]), timeout])) === 'timeout') break;
      clearTimeout(timer);
      scheduler.close();
      // Answered connections are idle now; any still open after a second are cut.
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), 1000);
      await stopped;
      clearTimeout(grace);
      await engine.close();
    })());

  log(`serving ${model.checkpoint} (${modelName(model)}, operating points n = ${ns.join(', ')}) on http://${host}:${port}`);
  return { url: `http://${host}:${port}`, port, model, scheduler, engine, metrics, close };
}
