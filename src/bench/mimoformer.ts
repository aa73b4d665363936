// MIMOFormer inference throughput against the Performer of the same size: the Performer baseline
// and every requested variant and grid (att 2×2, 4×4, att-mlp 2×2, 4×4 by default), all measured in
// one process and interleaved round by round so that drift in machine load hits every point alike.
// Sequences/s count input sequences; every point runs the same batch of random full-length token
// sequences (the cost does not depend on the content) in eval mode without gradients. One model per
// variant, built at the largest grid asked for it: smaller grids are operating points of those weights.
//
// Besides the whole forward pass, the attention core is timed alone on the same shapes, each the
// function the model runs: performerCore on random q, k, v of one layer laid out [B, L, H, D] as the
// projections give them; superposedReadout (att) and blockCore (att-mlp) on random bundles of the
// same sizes (their binding and bundling are folded into the Q/K/V projections, and att's unbinding
// into the output projection). That gives core_speedup; ideal_speedup and ideal_core_speedup are the
// MAC ratios (models/mimoformer_macs.ts). Medians of interleaved rounds, and the fastest rounds
// (best_speedup: on a shared machine, interference only adds time). With centerValues the att model
// centres its values, and its core then also times what centering adds (each sequence's mean input,
// its value projection, the bundled means taken out of the value bundles, their output projection).
// On a GPU ('cuda') the clock waits for the GPU (stats.timeMs).
import os from 'node:os';
import { Generator, Tensor, checkDevice, getThreads, keep, libtorchVersion, manualSeed, noGrad, randint, randn, tidy } from '../tensor/index.js';
import { MIMOFormer } from '../models/mimoformer.js';
import type { GridPoint, MIMOFormerConfig, MIMOFormerVariant } from '../models/mimoformer.js';
import { FAVOR_KERNELS, softmaxAttention } from '../models/favor.js';
import type { FavorKernel } from '../models/favor.js';
import { blockCore, performerCore, superposedReadout } from '../models/mimoformer_attention.js';
import { allocator, spinWaits } from './engine.js';
import { median, timeMs, r2, r3 } from './stats.js';

export type MIMOFormerBenchTask = 'listops' | 'text' | 'image';
export const MIMOFORMER_BENCH_TASKS: readonly MIMOFormerBenchTask[] = ['listops', 'text', 'image'];

type Shape = Pick<MIMOFormerConfig, 'maxLength' | 'vocabSize' | 'classes' | 'dim' | 'ffn' | 'heads' | 'headDim' | 'layers' | 'features'>;

/**
 * CPU-sized versions of the LRA configs: each task's sequence length, vocabulary and classes, D = 64
 * and R = 256 as in the paper, with fewer heads and a narrower model (the paper's wide ListOps has
 * d 512, 48 heads; wide Image 12 heads; deep Text d 512 and 6 layers).
 */
export const MIMOFORMER_BENCH_SHAPES: Record<MIMOFormerBenchTask, Shape> = {
  listops: { maxLength: 2048, vocabSize: 32, classes: 10, dim: 64, ffn: 128, heads: 2, headDim: 64, layers: 1, features: 256 },
  text: { maxLength: 1024, vocabSize: 256, classes: 2, dim: 128, ffn: 256, heads: 2, headDim: 64, layers: 1, features: 256 },
  image: { maxLength: 1024, vocabSize: 256, classes: 10, dim: 64, ffn: 128, heads: 4, headDim: 64, layers: 1, features: 256 },
};

export interface MIMOFormerBenchPointSpec {
  variant: MIMOFormerVariant;
  m: number;
  n: number;
}

export interface MIMOFormerBenchOptions {
  task: MIMOFormerBenchTask;
  /** Points measured besides the Performer baseline (which is always measured, first). */
  points: MIMOFormerBenchPointSpec[];
  /** Sequences per forward pass (a multiple of every m·n). */
  sequences: number;
  runs: number;
  warmup: number;
  seed: number;
  /** att points run the value-centred att (MIMOFormerConfig.centerValues). */
  centerValues: boolean;
  /** The FAVOR+ kernel of the Performer and the att / att-mlp points (MIMOFormerConfig.kernel). */
  kernel: FavorKernel;
  /** Where the models run: 'cpu' or 'cuda' (needs the addon built against a CUDA libtorch). */
  device: string;
  /** Overrides of the task's shape (tests use tiny ones). */
  shape?: Partial<Shape>;
  onProgress?: (what: string) => void;
}

export const defaultMIMOFormerBench: MIMOFormerBenchOptions = {
  task: 'image',
  points: [{ variant: 'att', m: 2, n: 2 }, { variant: 'att', m: 4, n: 4 }, { variant: 'att-mlp', m: 2, n: 2 }, { variant: 'att-mlp', m: 4, n: 4 }],
  // Three warm-up rounds: the first rounds of a fresh process still grow the allocator's pools (page
  // faults on new memory), which only slows the points measured first.
  sequences: 16, runs: 30, warmup: 3, seed: 0, centerValues: false, kernel: 'relu', device: 'cpu',
};

export interface MIMOFormerBenchPoint {
  variant: MIMOFormerVariant;
  m: number;
  n: number;
  infer_sequences_per_s: number;
  /** Throughput over the Performer's. */
  speedup: number;
  /** Performer MACs per sequence over this point's (whole model). */
  ideal_speedup: number;
  /** Time of the Performer's attention core over this point's, same shapes. */
  core_speedup: number;
  /** Performer core MACs over this point's. */
  ideal_core_speedup: number;
  /** speedup and core_speedup from each point's fastest round instead of its median (interference from other work on a shared machine only adds time, so the fastest round is the closest to the code's own cost). */
  best_speedup: number;
  best_core_speedup: number;
  infer_ms_per_batch: number;
  core_ms_per_batch: number;
  macs_per_sequence: number;
}

export interface MIMOFormerBenchResult {
  config: Record<string, unknown>;
  points: MIMOFormerBenchPoint[];
}

/** Parses 'att:2x2,att-mlp:4x4,performer' into point specs (the CLI's --points). */
export function parseMIMOFormerPoints(text: string): MIMOFormerBenchPointSpec[] {
  return text.split(',').map((part) => {
    const s = part.trim();
    const m = /^(softmax|performer|att|att-mlp)(?::(\d+)x(\d+))?$/.exec(s);
    if (!m) throw new RangeError(`points: '${s}' is not VARIANT or VARIANT:MxN with VARIANT one of softmax, performer, att, att-mlp (e.g. att:2x2)`);
    const variant = m[1] as MIMOFormerVariant;
    const grid = m[2] === undefined ? [1, 1] : [Number(m[2]), Number(m[3])];
    if ((variant === 'att' || variant === 'att-mlp') && m[2] === undefined) throw new RangeError(`points: '${s}' needs a grid, e.g. ${variant}:2x2`);
    if ((variant === 'performer' || variant === 'softmax') && (grid[0] !== 1 || grid[1] !== 1)) throw new RangeError(`points: '${s}': ${variant} has no grid (1x1 only)`);
    if (grid.some((g) => g < 1)) throw new RangeError(`points: '${s}': m and n must be at least 1`);
    return { variant, m: grid[0], n: grid[1] };
  });
}

export function runMIMOFormerBench(o: Partial<MIMOFormerBenchOptions> = {}): MIMOFormerBenchResult {
  const given = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<MIMOFormerBenchOptions>;
  const c: MIMOFormerBenchOptions = { ...defaultMIMOFormerBench, ...given };
  if (!MIMOFORMER_BENCH_TASKS.includes(c.task)) throw new RangeError(`runMIMOFormerBench: task must be one of ${MIMOFORMER_BENCH_TASKS.join(', ')}, got '${String(c.task)}'`);
  if (!FAVOR_KERNELS.includes(c.kernel)) throw new RangeError(`runMIMOFormerBench: kernel must be one of ${FAVOR_KERNELS.join(', ')}, got '${String(c.kernel)}'`);
  const specs: MIMOFormerBenchPointSpec[] = [{ variant: 'performer', m: 1, n: 1 }, ...c.points.filter((p) => p.variant !== 'performer')];
  for (const p of specs) {
    if (c.sequences % (p.m * p.n) !== 0) throw new RangeError(`runMIMOFormerBench: sequences (${c.sequences}) must be a multiple of m·n for every point; ${p.variant} ${p.m}×${p.n} needs ${p.m * p.n}`);
  }
  const progress = c.onProgress ?? (() => {});
  const device = checkDevice(c.device)!;
  manualSeed(c.seed);
  // Inputs are drawn on the CPU (the same numbers on every device), then moved.
  const put = (make: () => Tensor): Tensor => keep(tidy(() => make().to(device)));
  const shape: Shape = { ...MIMOFORMER_BENCH_SHAPES[c.task], ...c.shape };
  const L = shape.maxLength;
  // One model per variant, at the largest grid requested for it.
  const caps = new Map<MIMOFormerVariant, GridPoint>();
  for (const p of specs) {
    const cap = caps.get(p.variant) ?? { m: 1, n: 1 };
    caps.set(p.variant, { m: Math.max(cap.m, p.m), n: Math.max(cap.n, p.n) });
  }
  const models = new Map<MIMOFormerVariant, MIMOFormer>();
  const owned: Tensor[] = [];
  try {
    for (const [variant, cap] of caps) {
      const centerValues = variant === 'att' && c.centerValues ? { centerValues: true } : {};
      const kernel = variant !== 'softmax' && c.kernel === 'softmax' ? { kernel: c.kernel } : {};
      models.set(variant, new MIMOFormer({ ...shape, variant, ...cap, ...centerValues, ...kernel, dropout: 0.1 }, new Generator(c.seed)).to(device).eval());
    }
    const ids = put(() => randint(1, shape.vocabSize, [c.sequences, L], { generator: new Generator(c.seed + 1) }));
    owned.push(ids);
    const { heads: H, headDim: D } = shape;
    const g = new Generator(c.seed + 2);
    const qkv = [0, 1, 2].map(() => put(() => randn([c.sequences, L, H, D], { generator: g }))); // one layer's q, k, v per sequence, laid out as the projections give them
    owned.push(...qkv);
    const x = put(() => randn([c.sequences, L, shape.dim], { generator: g })); // one layer's normalised input, for centering's mean values
    owned.push(x);
    const cores = specs.map((p) => {
      const att = models.get(p.variant)!.layers[0].attention;
      const [q, k, v] = qkv;
      if (p.variant === 'softmax' || p.variant === 'performer') {
        // No padding in the benchmark: the cores run without key masks, as the model does then.
        if (p.variant === 'softmax') return () => noGrad(() => tidy(() => void softmaxAttention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2))));
        return () => noGrad(() => tidy(() => void performerCore(q, k, v, undefined, att.omega, att.kernel)));
      }
      // att / att-mlp: the core on the bundles (bundling itself is folded into the projections).
      const Bp = c.sequences / (p.m * p.n);
      const bundles = { qt: put(() => randn([Bp, p.n, L, H, D], { generator: g })), kt: put(() => randn([Bp, p.m, L, H, D], { generator: g })), vt: put(() => randn([Bp, p.m, L, H, D], { generator: g })) };
      owned.push(bundles.qt, bundles.kt, bundles.vt);
      if (p.variant === 'att' && c.centerValues) return () => noGrad(() => tidy(() => void att.centeredReadout(bundles, x, undefined, p)));
      if (p.variant === 'att') return () => noGrad(() => tidy(() => void superposedReadout(bundles, p.m, att.omega, att.kernel)));
      return () => noGrad(() => tidy(() => void blockCore(bundles, att.omega, att.kernel)));
    });
    const infer = specs.map((p) => () => noGrad(() => tidy(() => void models.get(p.variant)!.forward(ids, undefined, { m: p.m, n: p.n }))));
    const label = (p: MIMOFormerBenchPointSpec) => (p.m * p.n === 1 && p.variant !== 'att' && p.variant !== 'att-mlp' ? p.variant : `${p.variant} ${p.m}×${p.n}`);
    progress(`warm-up (${c.warmup} round${c.warmup === 1 ? '' : 's'})`);
    for (let w = 0; w < c.warmup; w++) specs.forEach((_, i) => (infer[i](), cores[i]()));
    const ms = specs.map(() => [] as number[]);
    const coreMs = specs.map(() => [] as number[]);
    for (let r = 0; r < c.runs; r++) {
      specs.forEach((_, i) => {
        ms[i].push(timeMs(infer[i]));
        coreMs[i].push(timeMs(cores[i]));
      });
      progress(`round ${r + 1}/${c.runs}: ` + specs.map((p, i) => `${label(p)} ${r2(ms[i][r])} ms (core ${r2(coreMs[i][r])})`).join(', '));
    }
    const med = ms.map(median);
    const coreMed = coreMs.map(median);
    const best = ms.map((xs) => Math.min(...xs));
    const coreBest = coreMs.map((xs) => Math.min(...xs));
    const macs = specs.map((p) => models.get(p.variant)!.macs({ m: p.m, n: p.n }, L));
    const points = specs.map((p, i): MIMOFormerBenchPoint => ({
      variant: p.variant, m: p.m, n: p.n,
      infer_sequences_per_s: r2((c.sequences * 1000) / med[i]),
      speedup: r3(med[0] / med[i]), ideal_speedup: r3(macs[0].total / macs[i].total),
      core_speedup: r3(coreMed[0] / coreMed[i]), ideal_core_speedup: r3(macs[0].core / macs[i].core),
      best_speedup: r3(best[0] / best[i]), best_core_speedup: r3(coreBest[0] / coreBest[i]),
      infer_ms_per_batch: r2(med[i]), core_ms_per_batch: r2(coreMed[i]), macs_per_sequence: Math.round(macs[i].total),
    }));
    return {
      config: {
        model: `MIMOFormer ${shape.layers}×${shape.dim} (${c.task}-shaped, CPU-sized)`, task: c.task, seq_length: L, vocab_size: shape.vocabSize,
        dim: shape.dim, ffn: shape.ffn, heads: shape.heads, head_dim: shape.headDim, layers: shape.layers, features: shape.features, classes: shape.classes,
        sequences_per_batch: c.sequences, runs: c.runs, warmup: c.warmup, center_values: c.centerValues,
        kernel: models.get('performer')!.layers[0].attention.kernel, // as the built models have it
        models: Object.fromEntries([...caps].map(([v, cap]) => [v, `${cap.m}×${cap.n}`])),
        timed: 'forward pass (eval mode, no gradients) of the whole model; and one layer’s attention core alone: FAVOR+ on random q, k, v [B, L, H, D] as the projections lay them out (Performer), FAVOR+S on random bundles of the same sizes (att, att-mlp: binding and bundling are folded into the Q/K/V projections, att’s unbinding into the output projection)' + (c.centerValues ? '; att centres its values, and its core then includes the centering (mean inputs, their value and output projections, the bundled means taken out of the value bundles)' : ''),
        device, threads: getThreads(), spin_waits: spinWaits(), allocator: allocator(), libtorch: libtorchVersion(),
        cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism(), node: process.version, date: new Date().toISOString(),
      },
      points,
    };
  } finally {
    for (const m of models.values()) m.dispose();
    for (const t of owned) t.dispose();
  }
}
