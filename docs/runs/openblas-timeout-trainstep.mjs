// A/B record (2026-11-24): MIMOFormer training step (text-shaped, batch 64, L 1000, random ids) at
// the OPENBLAS_THREAD_TIMEOUT given in the environment. Run from docs/runs with jemalloc preloaded
// (LD_PRELOAD=libjemalloc.so.2 MALLOC_CONF=oversize_threshold:0,dirty_decay_ms:-1,muzzy_decay_ms:-1),
// alternating OPENBLAS_THREAD_TIMEOUT=28 (OpenBLAS default) and 16; output in openblas-timeout-trainstep.txt.
import { randint, tidy, Generator, F } from '../../dist/tensor/index.js';
import { MIMOFormer } from '../../dist/models/mimoformer.js';
import { AdamW } from '../../dist/nn/optim/adamw.js';
import { median } from '../../dist/bench/stats.js';
const shape = { maxLength: 1000, vocabSize: 256, classes: 2, dim: 64, ffn: 128, heads: 2, headDim: 64, layers: 1, features: 64 };
const B = 64, L = 1000;
const ids = randint(1, 256, [B, L], { generator: new Generator(1) });
const y = randint(0, 2, [B], { generator: new Generator(2) });
const lengths = Array.from({ length: B }, (_, i) => 500 + ((i * 37) % 500));
const out = [];
for (const [variant, m, n] of [['performer', 1, 1], ['att', 4, 4]]) {
  const model = new MIMOFormer({ ...shape, variant, m, n }, new Generator(0));
  const opt = new AdamW(model.parameters(), { lr: 1e-3 });
  const t = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    tidy(() => { opt.zeroGrad(); F.crossEntropy(model.forward(ids, lengths, { m, n }), y).backward(); opt.step(); });
    t.push(performance.now() - t0);
  }
  out.push(`${variant} ${m}x${n} ${median(t.slice(2)).toFixed(0)} ms/step`);
}
console.log(`TIMEOUT=${process.env.OPENBLAS_THREAD_TIMEOUT ?? ''}`, out.join('  '));
