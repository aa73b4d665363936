// Session 24 probe (enc), cited in docs/results.md "Serving DataMUX, session 24". Run from the repository root after
// `npm run build`: node bin/mimo.js run docs/runs/datamux-probe-enc.mjs [ARGS]
import { models, randn, Generator, noGrad, tidy, zeros } from '../../dist/index.js';
const m = new models.DataMUX({ vocabSize: 16000, maxLength: 128, instances: 40, dim: 768, layers: 12, heads: 12, ffn: 3072, muxNorm: 20, dropout: 0.1 }, new Generator(0));
m.eval();
const time = (f, reps) => { f(); const ts = []; for (let r = 0; r < reps; r++) { const t0 = performance.now(); f(); ts.push(performance.now() - t0); } ts.sort((a, b) => a - b); return ts[Math.floor(ts.length / 2)]; };
const out = [];
for (const L of [130, 139, 169, 130, 139, 169]) {
  const x = randn([8, L, 768], { generator: new Generator(L) });
  const mask = zeros([8, L], { dtype: 'bool' });
  const ms = time(() => noGrad(() => tidy(() => m.encoder.forward(x, mask).sum().item())), 4);
  out.push({ L, ms: Math.round(ms), macs: m.encoder.macs(L) });
}
const base = out[0];
for (const o of out) console.log(o.L, o.ms, (o.ms / base.ms).toFixed(3), (o.macs / base.macs).toFixed(3));
