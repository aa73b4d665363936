// The cost of the image input pipeline per training batch: select a batch of CIFAR-shaped uint8
// images, random crop with reflect padding + horizontal flip, normalise, mixup; to compare with
// a model's step time. Random bytes stand in for CIFAR-10 (the cost does not depend on the content).
import { Generator, Tensor, F, cat, keep, liveTensors, randint, tidy } from '../tensor/index.js';
import { Rng } from '../data/random.js';
import { augmentImages, cropReflect, normalize, randomCropFlip, mixup } from '../data/transforms.js';
import { median, sample, r2 } from './stats.js';

export interface DataBenchOptions {
  /** Images per model input before superposition (CIFAR: 128). */
  batch: number;
  /** Superposition channels: a batch holds batch x cap images (default 4). */
  cap: number;
  /** Images in the pool batches are drawn from. */
  pool: number;
  runs: number;
  pad: number;
  mixupAlpha: number;
  seed: number;
  /** Also time the per-image alternative (narrow + F.pad + narrow per image) for comparison. */
  perImage: boolean;
}

export const defaultDataBench: DataBenchOptions = { batch: 128, cap: 4, pool: 4096, runs: 20, pad: 4, mixupAlpha: 1, seed: 0, perImage: true };

export interface DataBenchResult {
  images_per_batch: number;
  /** The whole pipeline: index select + crop/flip + normalise + mixup. */
  ms_per_batch: number;
  images_per_s: number;
  parts_ms: { select: number; crop_flip: number; normalize: number; mixup: number };
  /** Crop + flip of float32 images done image by image (F.pad, narrow, flip per image), against the batched gather on the same float32 images. */
  per_image_crop_flip_ms: number | null;
  batched_float_crop_flip_ms: number | null;
  live_tensor_growth: number;
  config: DataBenchOptions;
}

/** Times the image pipeline on one batch of batch x cap CIFAR-shaped images. */
export function runDataBench(o: Partial<DataBenchOptions> = {}): DataBenchResult {
  const c: DataBenchOptions = { ...defaultDataBench, ...o };
  const n = c.batch * c.cap;
  const g = new Generator(c.seed);
  const rng = new Rng(c.seed);
  const pool = keep(randint(0, 256, [c.pool, 3, 32, 32], { generator: g, dtype: 'uint8' }));
  const labels = keep(randint(0, 10, [c.pool], { generator: g }));
  const idx = keep(randint(0, c.pool, [n], { generator: g }));
  const before = liveTensors();
  const opts = { pad: c.pad, flipP: 0.5, mixupAlpha: c.mixupAlpha };
  const xb = keep(pool.indexSelect(0, idx));
  const yb = keep(labels.indexSelect(0, idx));
  const select = sample(() => tidy(() => void pool.indexSelect(0, idx)), c.runs);
  const crop = sample(() => tidy(() => void randomCropFlip(xb, c.pad, { generator: g })), c.runs);
  const xf = keep(normalize(xb));
  const norm = sample(() => tidy(() => void normalize(xb)), c.runs);
  const mix = sample(() => tidy(() => void mixup(xf, yb, c.mixupAlpha, rng)), c.runs);
  // The whole pipeline, timed after the parts (so the allocator is warm for both).
  const whole = sample(() => tidy(() => {
    const x = pool.indexSelect(0, idx);
    const y = labels.indexSelect(0, idx);
    augmentImages(x, y, opts, { generator: g, rng });
  }), c.runs, 2);
  let perImage: number | null = null;
  let perImageBatched: number | null = null;
  if (c.perImage) {
    const offsets = keep(randint(0, 2 * c.pad + 1, [n, 2], { generator: g }));
    const flips = keep(randint(0, 2, [n], { generator: g }));
    // F.pad's reflect mode has no uint8 kernel in libtorch, so this path runs on float32 images.
    const xq = keep(xb.to('float32'));
    const off = offsets.toFlatArray();
    const fl = flips.toFlatArray();
    const loop = () => tidy(() => {
      const out: Tensor[] = [];
      for (let i = 0; i < n; i++) {
        const p = F.pad(xq.narrow(0, i, 1), [c.pad, c.pad, c.pad, c.pad], { mode: 'reflect' });
        const w = p.narrow(2, off[2 * i], 32).narrow(3, off[2 * i + 1], 32);
        out.push(fl[i] ? w.flip(3) : w);
      }
      void cat(out, 0);
    });
    perImage = median(sample(loop, Math.max(3, Math.floor(c.runs / 4))));
    // Same draws through the batched path, to be sure the two agree (cheap insurance for the comparison).
    const same = tidy(() => {
      const out: Tensor[] = [];
      for (let i = 0; i < Math.min(n, 8); i++) {
        const p = F.pad(xq.narrow(0, i, 1), [c.pad, c.pad, c.pad, c.pad], { mode: 'reflect' });
        const w = p.narrow(2, off[2 * i], 32).narrow(3, off[2 * i + 1], 32);
        out.push(fl[i] ? w.flip(3) : w);
      }
      const k = out.length;
      return cat(out, 0).eq(cropReflect(xq.narrow(0, 0, k), c.pad, offsets.narrow(0, 0, k), flips.narrow(0, 0, k))).all().item() === 1;
    });
    if (!same) throw new Error('data bench: the per-image crop and the batched crop disagree');
    const batched = sample(() => tidy(() => void cropReflect(xq, c.pad, offsets, flips)), c.runs);
    perImageBatched = median(batched);
    [offsets, flips, xq].forEach((t) => t.dispose());
  }
  [xb, yb, xf].forEach((t) => t.dispose());
  const growth = liveTensors() - before;
  [pool, labels, idx].forEach((t) => t.dispose());
  const ms = median(whole);
  return {
    images_per_batch: n,
    ms_per_batch: r2(ms),
    images_per_s: Math.round((n / ms) * 1000),
    parts_ms: { select: r2(median(select)), crop_flip: r2(median(crop)), normalize: r2(median(norm)), mixup: r2(median(mix)) },
    per_image_crop_flip_ms: perImage === null ? null : r2(perImage),
    batched_float_crop_flip_ms: perImageBatched === null ? null : r2(perImageBatched),
    live_tensor_growth: growth,
    config: c,
  };
}
