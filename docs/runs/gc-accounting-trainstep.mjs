// A/B record (2026-11-24): MIMOFormer training step (text-shaped, batch 64, L 1000, random ids,
// padded lengths) and inference forward pass (listops-shaped, batch 16) with the addon given by
// MIMO_NATIVE: this tree's build (tensors report their size to V8 only outside scopes, each storage
// once) against a build whose wrap() reports every tensor's full storage, views included (the
// accounting before). Run from docs/runs with jemalloc preloaded
// (LD_PRELOAD=libjemalloc.so.2 MALLOC_CONF=oversize_threshold:0,dirty_decay_ms:-1,muzzy_decay_ms:-1);
// output in gc-accounting-trainstep.txt.
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { randint, tidy, noGrad, Generator, F } from '../../dist/tensor/index.js';
import { MIMOFormer } from '../../dist/models/mimoformer.js';
import { AdamW } from '../../dist/nn/optim/adamw.js';
import { median } from '../../dist/bench/stats.js';
let major = 0;
new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) major++; }).observe({ entryTypes: ['gc'] });
const out = [];
const text = { maxLength: 1000, vocabSize: 256, classes: 2, dim: 64, ffn: 128, heads: 2, headDim: 64, layers: 1, features: 64 };
const ids = randint(1, 256, [64, 1000], { generator: new Generator(1) });
const y = randint(0, 2, [64], { generator: new Generator(2) });
const lengths = Array.from({ length: 64 }, (_, i) => 500 + ((i * 37) % 500));
for (const [variant, m, n] of [['performer', 1, 1], ['att', 4, 4]]) {
  const model = new MIMOFormer({ ...text, variant, m, n }, new Generator(0));
  const opt = new AdamW(model.parameters(), { lr: 1e-3 });
  const t = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    tidy(() => { opt.zeroGrad(); F.crossEntropy(model.forward(ids, lengths, { m, n }), y).backward(); opt.step(); });
    t.push(performance.now() - t0);
  }
  out.push(`train ${variant} ${m}x${n} ${median(t.slice(2)).toFixed(0)} ms`);
}
const listops = { maxLength: 2048, vocabSize: 32, classes: 10, dim: 64, ffn: 128, heads: 2, headDim: 64, layers: 1, features: 256 };
const lids = randint(1, 32, [16, 2048], { generator: new Generator(3) });
for (const [variant, m, n] of [['performer', 1, 1], ['att', 2, 2]]) {
  const model = new MIMOFormer({ ...listops, variant, m, n }, new Generator(0)).eval();
  const t = [];
  for (let i = 0; i < 12; i++) {
    const t0 = performance.now();
    noGrad(() => tidy(() => void model.forward(lids, undefined, { m, n })));
    t.push(performance.now() - t0);
  }
  out.push(`infer ${variant} ${m}x${n} ${median(t.slice(2)).toFixed(0)} ms`);
}
await new Promise((r) => setTimeout(r, 50));
console.log(process.env.MIMO_NATIVE ? 'before' : 'after ', out.join('  '), ` full GCs ${major}`);
