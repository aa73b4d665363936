// The load generator's own thread: runs one open- or closed-loop run (loadgen.ts) and posts back
// its result, so that sending and timing requests does not wait on the server's event loop (the
// benchmark hosts the server in its main thread).
import http from 'node:http';
import { parentPort } from 'node:worker_threads';
import { closedLoop, openLoop } from './loadgen.js';
import type { LoadResult, Target } from './loadgen.js';

export type LoadJob =
  | { kind: 'open'; url: string; bodies: Uint8Array[]; contentType: string; timeoutMs: number; rate: number; seconds: number; maxRequests: number; seed: number }
  | { kind: 'closed'; url: string; bodies: Uint8Array[]; contentType: string; timeoutMs: number; concurrency: number; seconds: number };

if (parentPort) {
  const port = parentPort;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4096 });
  port.on('message', async (job: LoadJob) => {
    const t: Target = { url: new URL(job.url), bodies: job.bodies.map((b) => Buffer.from(b)), contentType: job.contentType, agent, timeoutMs: job.timeoutMs };
    const r: LoadResult = job.kind === 'open'
      ? await openLoop(t, job.rate, job.seconds, job.maxRequests, job.seed)
      : await closedLoop(t, job.concurrency, job.seconds);
    port.postMessage(r);
  });
}
