// MIMOConv throughput at every operating point n | cap against the plain WideResNet of the same trunk:
// inference (eval mode, noGrad) and one SGD training step (forward + backward + step), all measured in
// the same process, interleaved round by round so that drift in machine load hits every configuration
// alike. Images/s are counted per input image. Random inputs stand in for CIFAR-10 (the cost does not
// depend on the content). On a GPU ('cuda') the clock waits for the GPU (stats.timeMs).
import os from 'node:os';
import { F, Generator, Tensor, checkDevice, getThreads, keep, libtorchVersion, manualSeed, noGrad, randint, randn, tidy } from '../tensor/index.js';
import { optim } from '../nn/index.js';
import type { Module } from '../nn/index.js';
import { MIMOConv } from '../models/mimoconv.js';
import type { Binding } from '../models/mimoconv.js';
import { WideResNet } from '../models/wideresnet.js';
import type { Activation, WideResNetDepth } from '../models/wideresnet.js';
import { allocator } from './engine.js';
import { median, timeMs, r2, r3 } from './stats.js';

export interface MIMOConvBenchOptions {
  depth: WideResNetDepth;
  width: number;
  initialWidth: number;
  cap: number;
  binding: Binding;
  activation: Activation;
  /** Superposed groups per batch (the trunk's batch): a batch at n holds groups·n images; the baseline's holds groups images. */
  groups: number;
  /** Timed rounds (each times every configuration once); the medians are reported. */
  runs: number;
  warmup: number;
  imageSize: number;
  /** Input channels: 3 (CIFAR-10, the default) or 1 (MNIST). */
  inChannels: number;
  /** Also time a training step per configuration. */
  train: boolean;
  channelsLast: boolean;
  seed: number;
  /** Where the models run: 'cpu' or 'cuda' (needs the addon built against a CUDA libtorch). */
  device: string;
  onProgress?: (what: string) => void;
}

export const defaultMIMOConvBench: MIMOConvBenchOptions = {
  depth: 16, width: 4, initialWidth: 4, cap: 4, binding: 'hrr', activation: 'prelu',
  groups: 128, runs: 5, warmup: 1, imageSize: 32, inChannels: 3, train: true, channelsLast: false, seed: 0, device: 'cpu',
};

export interface MIMOConvBenchPoint {
  n: number;
  infer_images_per_s: number;
  train_images_per_s: number | null;
  /** Inference throughput at n over n = 1, same weights. */
  speedup: number;
  /** macsPerInput(1) / macsPerInput(n). */
  ideal_speedup: number;
  /** Inference throughput at n over the plain WideResNet's. */
  speedup_vs_baseline: number;
  macs_per_image: number;
  infer_ms_per_batch: number;
  train_ms_per_batch: number | null;
}

export interface MIMOConvBenchResult {
  config: Record<string, unknown>;
  baseline_images_per_s: number;
  baseline_train_images_per_s: number | null;
  baseline_macs_per_image: number;
  points: MIMOConvBenchPoint[];
}

interface Case {
  label: string;
  images: number;
  infer: () => void;
  train?: () => void;
}

function sgdTrainer(model: Module, forward: (x: Tensor) => Tensor, extraLoss: () => Tensor | undefined, x: Tensor, y: Tensor) {
  const opt = new optim.SGD(model.parameters(), { lr: 1e-3, momentum: 0.9 });
  return () =>
    tidy(() => {
      const extra = extraLoss();
      let loss = F.crossEntropy(forward(x), y);
      if (extra) loss = loss.add(extra.mul(0.1));
      loss.backward();
      opt.step();
      opt.zeroGrad();
    });
}

export function runMIMOConvBench(o: Partial<MIMOConvBenchOptions> = {}): MIMOConvBenchResult {
  const c: MIMOConvBenchOptions = { ...defaultMIMOConvBench, ...o };
  const progress = c.onProgress ?? (() => {});
  const device = checkDevice(c.device)!;
  manualSeed(c.seed);
  const arch = { depth: c.depth, width: c.width, initialWidth: c.initialWidth, activation: c.activation, inChannels: c.inChannels, classes: 10 };
  const size: [number, number] = [c.imageSize, c.imageSize];
  const fmt = c.channelsLast ? 'channels_last' : 'contiguous';
  const owned: Tensor[] = [];
  const input = (B: number, seed: number) => {
    const g = new Generator(seed);
    const x = keep(tidy(() => randn([B, c.inChannels, c.imageSize, c.imageSize], { generator: g }).to(device).contiguous(fmt)));
    const y = keep(tidy(() => randint(0, 10, [B], { generator: g }).to(device)));
    owned.push(x, y);
    return { x, y };
  };

  // Inference and training use separate models (training moves the weights); both start from seed.
  const mimo = new MIMOConv({ ...arch, cap: c.cap, binding: c.binding }, new Generator(c.seed)).eval();
  const mimoTrain = new MIMOConv({ ...arch, cap: c.cap, binding: c.binding }, new Generator(c.seed));
  const base = new WideResNet(arch, new Generator(c.seed)).eval();
  const baseTrain = new WideResNet(arch, new Generator(c.seed));
  const models = [mimo, mimoTrain, base, baseTrain];
  for (const m of models) m.to(device); // before the trainers' optimizers take the parameters

  const ns = Array.from({ length: c.cap }, (_, i) => i + 1).filter((d) => c.cap % d === 0);
  const cases: Case[] = [];
  {
    const { x, y } = input(c.groups, 1);
    cases.push({
      label: 'baseline',
      images: c.groups,
      infer: () => noGrad(() => tidy(() => void base.forward(x))),
      train: c.train ? sgdTrainer(baseTrain, (v) => baseTrain.forward(v), () => undefined, x, y) : undefined,
    });
  }
  for (const n of ns) {
    const { x, y } = input(c.groups * n, 10 + n);
    cases.push({
      label: `n=${n}`,
      images: c.groups * n,
      infer: () => noGrad(() => tidy(() => void mimo.forward(x, n))),
      train: c.train ? sgdTrainer(mimoTrain, (v) => mimoTrain.forward(v, n), () => mimoTrain.keyLoss(), x, y) : undefined,
    });
  }

  progress(`warm-up (${c.warmup} round${c.warmup === 1 ? '' : 's'})`);
  for (let w = 0; w < c.warmup; w++) for (const k of cases) { k.infer(); k.train?.(); }
  const inferMs = cases.map(() => [] as number[]);
  const trainMs = cases.map(() => [] as number[]);
  for (let r = 0; r < c.runs; r++) {
    cases.forEach((k, i) => {
      inferMs[i].push(timeMs(k.infer));
      if (k.train) trainMs[i].push(timeMs(k.train));
    });
    progress(`round ${r + 1}/${c.runs}: ` + cases.map((k, i) => `${k.label} ${r2(inferMs[i][r])} ms`).join(', '));
  }

  const ips = (i: number, ms: number[][]) => (ms[i].length ? (cases[i].images * 1000) / median(ms[i]) : null);
  const baseIps = ips(0, inferMs)!;
  const macs1 = mimo.macsPerInput(1, size);
  const ips1 = ips(1, inferMs)!;
  const points = ns.map((n, j): MIMOConvBenchPoint => {
    const i = j + 1;
    const inf = ips(i, inferMs)!;
    const tr = ips(i, trainMs);
    const macs = mimo.macsPerInput(n, size);
    return {
      n,
      infer_images_per_s: r2(inf),
      train_images_per_s: tr === null ? null : r2(tr),
      speedup: r3(inf / ips1),
      ideal_speedup: r3(macs1 / macs),
      speedup_vs_baseline: r3(inf / baseIps),
      macs_per_image: Math.round(macs),
      infer_ms_per_batch: r2(median(inferMs[i])),
      train_ms_per_batch: trainMs[i].length ? r2(median(trainMs[i])) : null,
    };
  });
  const baseTr = ips(0, trainMs);
  const result: MIMOConvBenchResult = {
    config: {
      model: `MIMOConv WRN-${c.depth}-${c.width}`,
      depth: c.depth, width: c.width, initial_width: c.initialWidth, cap: c.cap, binding: c.binding, activation: c.activation,
      groups_per_batch: c.groups, image_size: c.imageSize, in_channels: c.inChannels, runs: c.runs, warmup: c.warmup, channels_last: c.channelsLast,
      baseline: `WideResNet-${c.depth}-${c.width} (same stem and trunk, ${c.groups} images per batch)`,
      train_step: 'SGD lr 1e-3 momentum 0.9, cross-entropy (+0.1 key loss for MIMOConv), forward + backward + step',
      device, threads: getThreads(), allocator: allocator(), libtorch: libtorchVersion(),
      cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism(), node: process.version, date: new Date().toISOString(),
    },
    baseline_images_per_s: r2(baseIps),
    baseline_train_images_per_s: baseTr === null ? null : r2(baseTr),
    baseline_macs_per_image: base.macsPerInput(size),
    points,
  };
  for (const m of models) m.dispose();
  for (const t of owned) t.dispose();
  return result;
}
