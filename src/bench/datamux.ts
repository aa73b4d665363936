// DataMUX inference throughput at n = 1, 2, 5, 10, 20, 40 (one model per N, the same backbone), all
// measured in one process and interleaved round by round so that drift in machine load hits every
// point alike. Sentences/s count input sentences; inputs are random word ids filling the whole
// sequence length (no padding: the cost does not depend on the words). Like the reference's
// measurement, only the model's forward pass (mux, encoder, demux, task head; eval mode, no
// gradients) is timed; the index demux's N+1 prefix tokens are part of the cost. On a GPU ('cuda')
// the clock waits for the GPU (stats.timeMs).
import os from 'node:os';
import { Generator, Tensor, checkDevice, getThreads, keep, libtorchVersion, manualSeed, noGrad, randint, tidy } from '../tensor/index.js';
import { DataMUX, paperDataMUXConfig } from '../models/datamux.js';
import type { DataMUXConfig, MuxKind } from '../models/datamux.js';
import type { DemuxKind } from '../models/datamux_demux.js';
import { allocator } from './engine.js';
import { median, timeMs, r2, r3 } from './stats.js';

export type DataMUXBenchPreset = 'default' | 'paper';

/** Backbones of the presets: the CPU training default (2 layers, d = 128) and the paper's 12 × 768. */
export const DATAMUX_BENCH_PRESETS: Record<DataMUXBenchPreset, Pick<DataMUXConfig, 'dim' | 'layers' | 'heads' | 'ffn'>> = {
  default: { dim: 128, layers: 2, heads: 4, ffn: 512 },
  paper: { dim: paperDataMUXConfig.dim!, layers: paperDataMUXConfig.layers!, heads: paperDataMUXConfig.heads!, ffn: paperDataMUXConfig.ffn! },
};

export interface DataMUXBenchOptions {
  preset: DataMUXBenchPreset;
  ns: number[];
  length: number;
  mux: MuxKind;
  demux: DemuxKind;
  vocabSize: number;
  /** Mixes per forward pass (a pass at n holds groups·n sentences). */
  groups: number;
  runs: number;
  warmup: number;
  seed: number;
  /** Where the models run: 'cpu' or 'cuda' (needs the addon built against a CUDA libtorch). */
  device: string;
  onProgress?: (what: string) => void;
}

export const defaultDataMUXBench: DataMUXBenchOptions = {
  preset: 'default', ns: [1, 2, 5, 10, 20, 40], length: 128, mux: 'gaussian', demux: 'index', vocabSize: 16000, groups: 16, runs: 10, warmup: 2, seed: 0, device: 'cpu',
};

/**
 * Batch and repetition defaults per preset: the default preset takes seconds, so it is timed often;
 * a round of the paper preset takes minutes on 2 CPU cores (about 200× the MACs), so fewer and smaller.
 */
export const DATAMUX_BENCH_RUN_DEFAULTS: Record<DataMUXBenchPreset, Pick<DataMUXBenchOptions, 'groups' | 'runs' | 'warmup'>> = {
  default: { groups: 16, runs: 10, warmup: 2 },
  paper: { groups: 8, runs: 3, warmup: 1 },
};

export interface DataMUXBenchPoint {
  n: number;
  infer_instances_per_s: number;
  /** Throughput at n over the throughput at the first n measured (n = 1 by default). */
  speedup: number;
  /** macsPerInput(first n) / macsPerInput(n), each of its own model. */
  ideal_speedup: number;
  macs_per_instance: number;
  infer_ms_per_batch: number;
}

export interface DataMUXBenchResult {
  config: Record<string, unknown>;
  points: DataMUXBenchPoint[];
}

export function runDataMUXBench(o: Partial<DataMUXBenchOptions> = {}): DataMUXBenchResult {
  const preset = o.preset ?? defaultDataMUXBench.preset;
  if (!(preset in DATAMUX_BENCH_PRESETS)) throw new RangeError(`runDataMUXBench: preset must be default or paper, got '${String(preset)}'`);
  const given = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<DataMUXBenchOptions>;
  const c: DataMUXBenchOptions = { ...defaultDataMUXBench, ...DATAMUX_BENCH_RUN_DEFAULTS[preset], ...given };
  if (!(c.preset in DATAMUX_BENCH_PRESETS)) throw new RangeError(`runDataMUXBench: preset must be default or paper, got '${String(c.preset)}'`);
  const progress = c.onProgress ?? (() => {});
  const device = checkDevice(c.device)!;
  manualSeed(c.seed);
  const arch = DATAMUX_BENCH_PRESETS[c.preset];
  const models: DataMUX[] = [];
  const inputs: Tensor[] = [];
  try {
    for (const n of c.ns) {
      models.push(new DataMUX({ ...arch, instances: n, maxLength: c.length, vocabSize: c.vocabSize, mux: c.mux, demux: c.demux, dropout: 0.1 }, new Generator(c.seed)).to(device).eval());
      inputs.push(keep(tidy(() => randint(1, c.vocabSize, [c.groups * n, c.length], { generator: new Generator(c.seed + n) }).to(device))));
    }
    const infer = (i: number) => noGrad(() => tidy(() => void models[i].forward(inputs[i], c.ns[i])));
    progress(`warm-up (${c.warmup} round${c.warmup === 1 ? '' : 's'})`);
    for (let w = 0; w < c.warmup; w++) c.ns.forEach((_, i) => infer(i));
    const ms = c.ns.map(() => [] as number[]);
    for (let r = 0; r < c.runs; r++) {
      c.ns.forEach((_, i) => ms[i].push(timeMs(() => infer(i))));
      progress(`round ${r + 1}/${c.runs}: ` + c.ns.map((n, i) => `n=${n} ${r2(ms[i][r])} ms`).join(', '));
    }
    const ips = c.ns.map((n, i) => (c.groups * n * 1000) / median(ms[i]));
    const macs = c.ns.map((n, i) => models[i].macsPerInput(n, c.length));
    const points = c.ns.map((n, i): DataMUXBenchPoint => ({
      n, infer_instances_per_s: r2(ips[i]), speedup: r3(ips[i] / ips[0]), ideal_speedup: r3(macs[0] / macs[i]), macs_per_instance: Math.round(macs[i]),
      infer_ms_per_batch: r2(median(ms[i])),
    }));
    return {
      config: {
        model: `DataMUX ${arch.layers}×${arch.dim} (${c.preset} preset)`, preset: c.preset, ...arch, seq_length: c.length, mux: c.mux, demux: c.demux,
        vocab_size: c.vocabSize, groups_per_batch: c.groups, runs: c.runs, warmup: c.warmup,
        timed: 'forward pass only (mux, encoder, demux, sentence head), eval mode, no gradients; one model per N',
        device, threads: getThreads(), allocator: allocator(), libtorch: libtorchVersion(),
        cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism(), node: process.version, date: new Date().toISOString(),
      },
      points,
    };
  } finally {
    for (const m of models) m.dispose();
    for (const t of inputs) t.dispose();
  }
}
