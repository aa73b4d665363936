// The engine benchmark: raw matmul speed, a CNN training step driven op by op from TypeScript
// against the same step run wholly in C++, a Transformer layer step, and tensor-count stability.
import os from 'node:os';
import {
  F, Tensor, keep, liveTensors, noGrad, randn, tidy, zeros, getThreads, blasInfo, libtorchVersion, manualSeed, Generator,
} from '../tensor/index.js';
import { native } from '../tensor/native.js';
import { median, sample, timeMs } from './stats.js';

export interface EngineBenchOptions {
  /** CNN steps timed per engine (TypeScript and native), interleaved in rounds. */
  cnnSteps: number;
  /** Steps run to check that the live-tensor count does not grow. */
  leakSteps: number;
  transformerSteps: number;
  matmulRuns: number;
  channelsLast: boolean;
  onProgress?: (what: string) => void;
}

export const defaultEngineBench: EngineBenchOptions = {
  cnnSteps: 40,
  leakSteps: 100,
  transformerSteps: 10,
  matmulRuns: 20,
  channelsLast: false,
};

// The CNN of docs/engine.md: input [64, 16, 32, 32], four 3x3 convolutions 16->32->32->32->32 with
// ReLU, mean-square loss, plain SGD.
const CNN = { batch: 64, hw: 32, cin: 16, c: 32, lr: 0.01 };

/** Floating-point operations of one CNN training step: forward, weight gradients, input gradients
 * (none for the first layer, whose input needs no gradient). */
export function cnnStepFlops(): number {
  const { batch, hw, cin, c } = CNN;
  const macs = [cin, c, c, c].map((ci) => batch * hw * hw * ci * c * 9);
  const fwd = macs.reduce((a, b) => a + b, 0);
  const dgrad = macs.slice(1).reduce((a, b) => a + b, 0);
  return 2 * (fwd + fwd + dgrad);
}

/** Plain SGD written out op by op, exactly as the C++ reference step does it. */
function sgdStep(params: Tensor[], lr: number): void {
  noGrad(() => {
    for (const p of params) {
      p.add_(p.grad!, -lr);
      p.grad = undefined;
    }
  });
}

function makeCnn(channelsLast: boolean) {
  const g = new Generator(0);
  const fmt = channelsLast ? 'channels_last' : 'contiguous';
  const params: Tensor[] = [];
  let cin = CNN.cin;
  for (let i = 0; i < 4; i++) {
    params.push(keep(randn([CNN.c, cin, 3, 3], { generator: g }).mul(1 / Math.sqrt(9 * cin)).contiguous(fmt).requiresGrad_(true)));
    params.push(keep(zeros([CNN.c]).requiresGrad_(true)));
    cin = CNN.c;
  }
  const x = keep(randn([CNN.batch, CNN.cin, CNN.hw, CNN.hw], { generator: g }).contiguous(fmt));
  const target = keep(randn([CNN.batch, CNN.c, CNN.hw, CNN.hw], { generator: g }).contiguous(fmt));
  const step = () =>
    tidy(() => {
      let h = x;
      for (let i = 0; i < 4; i++) h = F.relu(F.conv2d(h, params[2 * i], params[2 * i + 1], { padding: 1 }));
      F.mseLoss(h, target).backward();
      sgdStep(params, CNN.lr);
    });
  const dispose = () => [...params, x, target].forEach((t) => t.dispose());
  return { step, dispose };
}

// The Transformer layer of docs/engine.md: batch 16, sequence 256, d_model 128, 4 heads, FFN 512,
// pre-LayerNorm, softmax attention; mean-square loss and an SGD step.
const TF = { batch: 16, seq: 256, d: 128, heads: 4, ffn: 512, lr: 0.01 };

function makeTransformer() {
  const g = new Generator(1);
  const { d, ffn } = TF;
  const w = (o: number, i: number) => keep(randn([o, i], { generator: g }).mul(1 / Math.sqrt(i)).requiresGrad_(true));
  const b = (n: number) => keep(zeros([n]).requiresGrad_(true));
  const one = (n: number) => keep(zeros([n]).add(1).requiresGrad_(true));
  const p = {
    ln1w: one(d), ln1b: b(d), wqkv: w(3 * d, d), bqkv: b(3 * d), wo: w(d, d), bo: b(d),
    ln2w: one(d), ln2b: b(d), w1: w(ffn, d), b1: b(ffn), w2: w(d, ffn), b2: b(d),
  };
  const params = Object.values(p);
  const x = keep(randn([TF.batch, TF.seq, d], { generator: g }));
  const target = keep(randn([TF.batch, TF.seq, d], { generator: g }));
  const hd = d / TF.heads;
  const forward = (x: Tensor) => {
    const [B, L] = [TF.batch, TF.seq];
    const h = F.layerNorm(x, [d], p.ln1w, p.ln1b);
    const qkv = F.linear(h, p.wqkv, p.bqkv).reshape(B, L, 3, TF.heads, hd).permute(2, 0, 3, 1, 4);
    const [q, k, v] = qkv.unbind(0);
    const att = F.softmax(q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(hd)), -1);
    const o = att.matmul(v).transpose(1, 2).reshape(B, L, d);
    const x1 = x.add(F.linear(o, p.wo, p.bo));
    const h2 = F.layerNorm(x1, [d], p.ln2w, p.ln2b);
    return x1.add(F.linear(F.gelu(F.linear(h2, p.w1, p.b1)), p.w2, p.b2));
  };
  const step = () =>
    tidy(() => {
      F.mseLoss(forward(x), target).backward();
      sgdStep(params, TF.lr);
    });
  const dispose = () => [...params, x, target].forEach((t) => t.dispose());
  return { step, dispose };
}

export interface EngineBenchResult {
  matmul_gflops: number;
  cnn_step_ms: number;
  cnn_step_native_ms: number;
  overhead_ratio: number;
  cnn_gflops: number;
  cnn_gflops_vs_matmul: number;
  transformer_step_ms: number;
  live_tensor_growth: number;
  leak_steps: number;
  config: Record<string, unknown>;
}

export function runEngineBench(o: EngineBenchOptions = defaultEngineBench): EngineBenchResult {
  const progress = o.onProgress ?? (() => {});
  manualSeed(0);

  progress('matmul 1024^3');
  const a = keep(randn([1024, 1024]));
  const b = keep(randn([1024, 1024]));
  const mm = median(sample(() => tidy(() => void a.matmul(b)), o.matmulRuns, 3));
  a.dispose();
  b.dispose();
  const matmulGflops = (2 * 1024 ** 3) / (mm * 1e6);

  progress('CNN step: TypeScript op by op vs C++');
  const cnn = makeCnn(o.channelsLast);
  cnn.step();
  native.benchCnnStep(CNN.batch, CNN.hw, CNN.cin, CNN.c, 1, o.channelsLast, 0);
  const ts: number[] = [];
  const cc: number[] = [];
  const rounds = Math.max(1, Math.round(o.cnnSteps / 5));
  for (let r = 0; r < rounds; r++) {
    // Interleaved rounds, so that drift in machine load hits both engines alike.
    for (let i = 0; i < 5; i++) ts.push(timeMs(cnn.step));
    cc.push(...(native.benchCnnStep(CNN.batch, CNN.hw, CNN.cin, CNN.c, 5, o.channelsLast, 0) as number[]));
    progress(`CNN round ${r + 1}/${rounds}`);
  }
  const cnnMs = median(ts);
  const cnnNativeMs = median(cc);

  progress(`live-tensor count over ${o.leakSteps} steps`);
  const before = liveTensors();
  for (let i = 0; i < o.leakSteps; i++) cnn.step();
  const growth = liveTensors() - before;
  cnn.dispose();

  progress('Transformer layer step');
  const tf = makeTransformer();
  const tfMs = median(sample(tf.step, o.transformerSteps, 2));
  tf.dispose();

  const flops = cnnStepFlops();
  const cnnGflops = flops / (cnnMs * 1e6);
  return {
    matmul_gflops: round(matmulGflops),
    cnn_step_ms: round(cnnMs),
    cnn_step_native_ms: round(cnnNativeMs),
    overhead_ratio: round(cnnMs / cnnNativeMs, 3),
    cnn_gflops: round(cnnGflops),
    cnn_gflops_vs_matmul: round(cnnGflops / matmulGflops, 3),
    transformer_step_ms: round(tfMs),
    live_tensor_growth: growth,
    leak_steps: o.leakSteps,
    config: {
      cnn: { ...CNN, layers: 4, kernel: 3, gflop_per_step: round(flops / 1e9, 3), channels_last: o.channelsLast },
      transformer: TF,
      threads: getThreads(),
      blas: blasInfo().kind,
      allocator: allocator(),
      libtorch: libtorchVersion(),
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.availableParallelism(),
      node: process.version,
      date: new Date().toISOString(),
    },
  };
}

/** Which allocator the process runs with (jemalloc when preloaded, else glibc's). */
export function allocator(): string {
  return (process.env.LD_PRELOAD ?? '').includes('jemalloc') ? 'jemalloc' : 'glibc';
}

/** The thread pools' spin-wait settings in effect (see tensor/native.ts), for benchmark records. */
export function spinWaits(): Record<string, string> {
  const names = ['GOMP_SPINCOUNT', 'OMP_WAIT_POLICY', 'OPENBLAS_THREAD_TIMEOUT'];
  return Object.fromEntries(names.flatMap((n) => (process.env[n] === undefined ? [] : [[n, process.env[n]!]])));
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
