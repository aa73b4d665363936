// `mimo serve [CHECKPOINT]`: an HTTP server for a MIMOConv, MIMOFormer or DataMUX checkpoint with
// operating points on demand (src/serve/). Without a checkpoint it serves the default model (a
// MIMOConv), training it first when missing.
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { startServer } from '../../serve/server.js';
import { ensureDefaultModel } from '../../serve/default_model.js';
import type { Policy } from '../../serve/policy.js';
import { inputText, modelName } from '../../serve/model.js';
import { gridList } from './train_mimoformer.js';
import { UsageError, portNumber, positiveInt, positiveIntList, positiveNumber, progressBar } from '../output.js';

/** The checkpoint given, or the default model (trained now, with a progress bar, when missing). */
export async function checkpointOrDefault(file: string | undefined, data: string | undefined): Promise<string> {
  if (file !== undefined) {
    if (!existsSync(file)) throw new UsageError(`checkpoint not found: ${file}`);
    return file;
  }
  let bar: ReturnType<typeof progressBar> | undefined;
  try {
    return await ensureDefaultModel({
      data,
      onTrainStart: (what, steps) => {
        process.stderr.write(`${what}\n`);
        bar = progressBar('training', steps);
      },
      onStep: (s) => {
        if (s.step % 5 === 0 || s.step === s.totalSteps) bar?.update(s.step, { n: s.n, loss: s.loss.toFixed(3), acc: (100 * s.accuracy).toFixed(1) + '%' });
      },
      onTrainEnd: (ckpt, acc) => {
        bar?.stop();
        bar = undefined;
        const accs = Object.entries(acc).map(([n, a]) => `n=${n} ${(100 * a).toFixed(1)}%`).join(', ');
        process.stderr.write(`default model saved to ${ckpt} (test accuracy ${accs})\n`);
      },
    });
  } finally {
    bar?.stop();
  }
}

/** --n: an operating point (inputs per superposition), or 'auto'. */
function operatingPoint(v: string): number | 'auto' {
  if (v === 'auto') return v;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--n must be 'auto' or a positive integer (inputs per superposition: a divisor of a MIMOConv's cap, m·n of a MIMOFormer grid), got '${v}'`);
  return n;
}

function imageSize(v: string): [number, number] {
  const m = /^(\d+)x(\d+)$/.exec(v);
  if (!m || Number(m[1]) < 4 || Number(m[2]) < 4) throw new UsageError(`--image-size must be HxW with both sides >= 4, e.g. 28x28, got '${v}'`);
  return [Number(m[1]), Number(m[2])];
}

interface ServeCliOptions {
  port: number;
  host: string;
  data?: string;
  n: number | 'auto';
  targetP99Ms: number;
  maxQueue: number;
  maxGroups: number;
  maxInputs: number;
  deadlineMs: number;
  maxBody: number;
  imageSize?: [number, number];
  grids?: [number, number][];
  points?: number[];
  calibrate: boolean;
  lengthGrouping: boolean;
  threads?: number;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve a MIMOConv (images), MIMOFormer (LRA token sequences) or DataMUX (sentences, MNIST digits) checkpoint over HTTP: POST /v1/predict, GET /v1/health, GET /v1/metrics, ' +
      'GET|PUT /v1/operating-point. Requests are grouped into superpositions of n inputs; n is fixed or chosen per batch to meet a p99 latency target')
    .argument('[checkpoint]', 'MIMOConv, MIMOFormer or DataMUX checkpoint (default: runs/serve-default/model.safetensors, a MIMOConv trained on MNIST first if missing)')
    .option('--port <p>', 'TCP port (0: any free port)', portNumber('--port'), 8080)
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--data <dir>', 'data directory for training the default model (default: $MIMO_DATA, then ../shared/data)')
    .option('--n <n|auto>', "operating point, inputs per superposition (MIMOConv: a divisor of its cap; MIMOFormer: m·n of a served grid; DataMUX: a served point), or auto", operatingPoint, 'auto')
    .option('--target-p99-ms <ms>', "auto's p99 latency target", positiveNumber('--target-p99-ms'), 50)
    .option('--max-queue <k>', 'most inputs waiting; more get 429', positiveInt('--max-queue'), 512)
    .option('--max-groups <g>', 'most superpositions per batch', positiveInt('--max-groups'), 32)
    .option('--max-inputs <k>', 'most inputs in one request', positiveInt('--max-inputs'), 256)
    .option('--deadline-ms <ms>', 'longest wait for a batch before a request is dropped with 503', positiveNumber('--deadline-ms'), 2000)
    .option('--max-body <bytes>', 'largest request body; more get 413', positiveInt('--max-body'), 4 << 20)
    .option('--image-size <HxW>', "MIMOConv: input size (default: the checkpoint's data set's)", imageSize)
    .option('--grids <grids>', 'MIMOFormer: grids MxN to serve, one per number of inputs, comma-separated (default: the grids it was trained on)', gridList('--grids'))
    .option('--points <n,...>', 'DataMUX: operating points n to serve, each at most its N instances (default: the points it was trained at)', positiveIntList('--points'))
    .option('--threads <t>', 'libtorch threads of the inference worker (default: $MIMO_NUM_THREADS, else one fewer than the cores)', positiveInt('--threads'))
    .option('--no-calibrate', "skip timing batches at start-up (auto's cost model starts from a flat guess)")
    .option('--no-length-grouping', 'MIMOFormer, DataMUX sentences: superpose requests first come, first served, one pass per batch (default: each batch grouped longest first and run in passes cut to their lengths)')
    .action(async (file: string | undefined, o: ServeCliOptions) => {
      const checkpoint = await checkpointOrDefault(file, o.data);
      const policy: Policy = o.n === 'auto' ? { mode: 'auto', targetP99Ms: o.targetP99Ms } : { mode: 'fixed', n: o.n };
      const log = (m: string) => process.stderr.write(`mimo serve: ${m}\n`);
      let srv;
      try {
        srv = await startServer({
          checkpoint, port: o.port, host: o.host, policy, maxQueue: o.maxQueue, maxGroups: o.maxGroups, maxInputsPerRequest: o.maxInputs,
          deadlineMs: o.deadlineMs, maxBodyBytes: o.maxBody, imageSize: o.imageSize, grids: o.grids, points: o.points, calibrate: o.calibrate, lengthGrouping: o.lengthGrouping, threads: o.threads, log,
        });
      } catch (e) {
        if (e instanceof RangeError) throw new UsageError(e.message);
        throw e;
      }
      const m = srv.model;
      const points = m.kind === 'mimoformer' ? m.ns.map((n) => `${n} (${m.grids[n].m}x${m.grids[n].n})`).join(', ') : m.ns.join(', ');
      console.log(`listening on ${srv.url} (${modelName(m)}, cap ${m.cap}, ${inputText(m)}, operating points n = ${points}; ` +
        `now ${o.n === 'auto' ? `auto, p99 target ${o.targetP99Ms} ms` : `n = ${o.n}`}); Ctrl-C stops`);
      // The first SIGINT or SIGTERM drains; later ones (a terminal's Ctrl-C also reaches the process
      // through bin/mimo.js, which forwards it) are ignored while draining, which is bounded in time.
      const signal = await new Promise<string>((resolve) => {
        for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => resolve(sig));
      });
      log(`${signal}: no new requests; answering the ${srv.scheduler.inFlight} in progress`);
      await srv.close();
      log('stopped');
    });
}
