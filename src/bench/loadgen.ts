// HTTP load generators for the serving benchmark. Both send pre-encoded bodies (request k gets body
// k mod their count) over a keep-alive agent and read the operating point n from each 200 answer.
//
// openLoop: requests leave on a Poisson schedule fixed in advance, whatever the answers (an open
//   system: a slow server does not slow the arrivals down). Latency is counted from each request's
//   scheduled time, so a late send (the generator shares the machine's cores with the server)
//   counts against the server instead of being hidden.
// closedLoop: `concurrency` clients each send the next request when the previous one is answered
//   (a saturation test: its rate is the capacity).
import http from 'node:http';
import { Rng } from '../data/random.js';

export interface Target {
  url: URL;
  /** Request bodies, taken in turn. */
  bodies: readonly Buffer[];
  contentType: string;
  agent: http.Agent;
  /** Give up on a request after this many ms (it counts as lost). */
  timeoutMs: number;
}

export interface RequestOutcome {
  /** HTTP status, or 0 when no answer came (connection error or timeout). */
  status: number;
  /** The n of each output (200 answers). */
  ns: number[];
}

export function send(t: Target, body: Buffer): Promise<RequestOutcome> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (o: RequestOutcome) => {
      if (!done) {
        done = true;
        resolve(o);
      }
    };
    const req = http.request(t.url, {
      method: 'POST', agent: t.agent, timeout: t.timeoutMs,
      headers: { 'content-type': t.contentType, 'content-length': body.length },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let ns: number[] = [];
        if (res.statusCode === 200) {
          try {
            ns = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { outputs: { n: number }[] }).outputs.map((o) => o.n);
          } catch {
            ns = [];
          }
        }
        finish({ status: res.statusCode ?? 0, ns });
      });
      res.on('error', () => finish({ status: 0, ns: [] }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => finish({ status: 0, ns: [] }));
    req.end(body);
  });
}

export interface LoadResult {
  sent: number;
  /** Answers by status ('0': none). */
  status: Record<string, number>;
  /** Latencies of the 200 answers, ms. */
  latencies: number[];
  /** Outputs by the n that computed them. */
  byN: Record<string, number>;
  /** Seconds from the first scheduled send to the last answer. */
  seconds: number;
}

function tally(r: LoadResult, o: RequestOutcome, ms: number): void {
  r.status[String(o.status)] = (r.status[String(o.status)] ?? 0) + 1;
  if (o.status !== 200) return;
  r.latencies.push(ms);
  for (const n of o.ns) r.byN[String(n)] = (r.byN[String(n)] ?? 0) + 1;
}

/** Poisson arrivals at `rate` per second for `seconds` (at most maxRequests); resolves when all are answered or given up. */
export async function openLoop(t: Target, rate: number, seconds: number, maxRequests: number, seed: number): Promise<LoadResult> {
  const rng = new Rng(seed);
  const schedule: number[] = [];
  for (let at = 0; schedule.length < maxRequests; ) {
    at += (-Math.log(1 - rng.random()) / rate) * 1000;
    if (at > seconds * 1000) break;
    schedule.push(at);
  }
  const r: LoadResult = { sent: schedule.length, status: {}, latencies: [], byN: {}, seconds: 0 };
  const t0 = performance.now();
  let last = t0;
  const pending: Promise<void>[] = [];
  let next = 0;
  await new Promise<void>((allSent) => {
    const tick = () => {
      const now = performance.now() - t0;
      for (; next < schedule.length && schedule[next] <= now; next++) {
        const due = t0 + schedule[next];
        pending.push(send(t, t.bodies[next % t.bodies.length]).then((o) => {
          const end = performance.now();
          last = Math.max(last, end);
          tally(r, o, end - due);
        }));
      }
      if (next < schedule.length) setTimeout(tick, Math.max(0, schedule[next] - (performance.now() - t0)));
      else allSent();
    };
    tick();
  });
  await Promise.all(pending);
  r.seconds = (last - t0) / 1000;
  return r;
}

/** `concurrency` clients sending back to back for `seconds`; the answers per second is the capacity. */
export async function closedLoop(t: Target, concurrency: number, seconds: number): Promise<LoadResult> {
  const r: LoadResult = { sent: 0, status: {}, latencies: [], byN: {}, seconds: 0 };
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const client = async () => {
    while (performance.now() < end) {
      const s = performance.now();
      const body = t.bodies[r.sent++ % t.bodies.length];
      tally(r, await send(t, body), performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  r.seconds = (performance.now() - t0) / 1000;
  return r;
}
