// The operating-point policy: which n the next batch runs at.
//
//   fixed  every batch at one n (one of the model's operating points: a divisor of MIMOConv's cap,
//          or m·n of a MIMOFormer grid).
//   auto   the smallest n (best accuracy) whose expected latency stays under a p99 target, from the
//          measured cost model (cost.ts), the arrival rate and the queue:
//            - sustainable: the arrival rate λ uses less than MAX_UTILISATION of n's capacity with
//              the largest batches the scheduler can form at n (at most maxGroups superpositions,
//              and no more inputs than the queue holds: at large n the queue is the bound);
//            - steady state: batches run back to back, each holding what arrived during the previous
//              one, so a batch takes T = overhead / (1 − λ·perGroup/n); a request waits for the
//              running batch and then its own, about 2T, which must stay under HEADROOM × target;
//            - backlog: the oldest queued request, served at n with what is queued ahead of it,
//              must still finish under the target.
//          When no n qualifies, the n with the highest throughput. Under that choice lies a floor
//          moved by the p99 latency the server measures (feedback.ts), for the costs the model
//          does not see. The choice is made per batch, so a switch takes effect at the next batch,
//          with no reload.
import { ServeError } from './errors.js';
import type { CostModel } from './cost.js';

export type Policy = { mode: 'fixed'; n: number } | { mode: 'auto'; targetP99Ms: number };

/** Share of an operating point's capacity that auto will plan to use. */
export const MAX_UTILISATION = 0.85;
/** Share of the p99 target that auto's steady-state latency estimate may take. */
export const HEADROOM = 0.7;

export function divisorsOf(cap: number): number[] {
  return Array.from({ length: cap }, (_, i) => i + 1).filter((d) => cap % d === 0);
}

/** The message for an n that is not one of the operating points ns. */
export function operatingPointError(ns: readonly number[], got: string): string {
  return `n must be one of the model's operating points (inputs per superposition): ${ns.join(', ')}; got ${got}`;
}

/** The policy as the HTTP API writes it. */
export function policyJson(p: Policy): { mode: 'fixed'; n: number } | { mode: 'auto'; target_p99_ms: number } {
  return p.mode === 'fixed' ? { mode: 'fixed', n: p.n } : { mode: 'auto', target_p99_ms: p.targetP99Ms };
}

/**
 * Reads a policy from a request body: {"mode":"fixed","n":4} or {"mode":"auto","target_p99_ms":50}
 * (target optional: the previous or default one). Throws a 400 ServeError naming what is wrong.
 */
export function parsePolicy(body: unknown, ns: readonly number[], defaultTargetMs: number): Policy {
  const bad = (msg: string): never => {
    throw new ServeError(400, msg);
  };
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return bad('the operating point must be a JSON object such as {"mode":"fixed","n":1} or {"mode":"auto","target_p99_ms":50}');
  const o = body as Record<string, unknown>;
  const known = ['mode', 'n', 'target_p99_ms'];
  const extra = Object.keys(o).filter((k) => !known.includes(k));
  if (extra.length) bad(`unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => `'${k}'`).join(', ')} (expected ${known.join(', ')})`);
  const mode = o.mode ?? (o.n !== undefined ? 'fixed' : undefined);
  if (mode === 'fixed') {
    if (o.target_p99_ms !== undefined) bad(`target_p99_ms belongs to mode 'auto', not 'fixed'`);
    const n = o.n;
    if (typeof n !== 'number' || !ns.includes(n)) bad(operatingPointError(ns, JSON.stringify(n ?? null)));
    return { mode: 'fixed', n: n as number };
  }
  if (mode === 'auto') {
    if (o.n !== undefined) bad(`n belongs to mode 'fixed'; mode 'auto' chooses n itself (give target_p99_ms)`);
    const t = o.target_p99_ms ?? defaultTargetMs;
    if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) bad(`target_p99_ms must be a positive number of milliseconds, got ${JSON.stringify(t)}`);
    return { mode: 'auto', targetP99Ms: t as number };
  }
  return bad(`mode must be 'fixed' or 'auto', got ${JSON.stringify(mode ?? null)}`);
}

/** What auto looks at when choosing n for the next batch. */
export interface LoadState {
  /** Inputs arriving per second (recent average). */
  arrivalRate: number;
  /** Inputs waiting. */
  queued: number;
  /** How long the oldest waiting input has waited (ms; 0 when none). */
  oldestAgeMs: number;
}

/** What bounds a batch: at most maxGroups superpositions, and the queue holds at most maxQueue inputs. */
export interface BatchLimits {
  maxGroups: number;
  maxQueue: number;
}

/** Superpositions in the largest batch the scheduler can form at n (its last one may be partly filled). */
export function largestBatchGroups(n: number, limits: BatchLimits): number {
  return Math.max(1, Math.min(limits.maxGroups, Math.ceil(limits.maxQueue / n)));
}

/** Inputs per second at n in the largest batches the limits allow. */
export function capacity(cost: CostModel, n: number, limits: BatchLimits): number {
  return cost.inputsPerSecond(n, largestBatchGroups(n, limits));
}

/** Milliseconds to serve `inputs` queued inputs at n in batches of at most `groups` superpositions. */
export function drainMs(cost: CostModel, n: number, inputs: number, groups: number): number {
  const full = Math.floor(inputs / (groups * n));
  const rest = inputs - full * groups * n;
  return full * cost.batchMs(n, groups * n) + (rest > 0 ? cost.batchMs(n, rest) : 0);
}

/** The n auto picks (see the file's header); ns ascending. */
export function chooseAutoN(cost: CostModel, ns: readonly number[], targetMs: number, load: LoadState, limits: BatchLimits): number {
  const lambda = Math.max(0, load.arrivalRate) / 1000; // inputs per ms
  for (const n of ns) {
    const groups = largestBatchGroups(n, limits);
    if (lambda >= (MAX_UTILISATION * cost.inputsPerSecond(n, groups)) / 1000) continue;
    const u = (lambda * cost.perGroupMs(n)) / n;
    const longest = cost.batchMs(n, groups * n);
    const steady = u < 1 ? Math.min(cost.overheadMs(n) / (1 - u), longest) : longest;
    const backlog = load.queued > 0 ? load.oldestAgeMs + drainMs(cost, n, load.queued, groups) : 0;
    if (2 * steady <= HEADROOM * targetMs && backlog <= targetMs) return n;
  }
  return ns.reduce((best, n) => (capacity(cost, n, limits) > capacity(cost, best, limits) ? n : best), ns[ns.length - 1]);
}
