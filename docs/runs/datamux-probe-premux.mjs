// Session 24 probe (premux), cited in docs/results.md "Serving DataMUX, session 24". Run from the repository root after
// `npm run build`: node bin/mimo.js run docs/runs/datamux-probe-premux.mjs [ARGS]
// What it measures: how long the per-instance work before the mux takes in a DataMUX forward pass (paper preset).
import { models, randint, Generator, noGrad, tidy, arange } from '../../dist/index.js';
const [presetArg = 'paper', nArg = '40'] = process.argv.slice(2);
const n = Number(nArg);
const arch = presetArg === 'paper' ? { dim: 768, layers: 12, heads: 12, ffn: 3072, muxNorm: 20 } : { dim: 128, layers: 2, heads: 4, ffn: 512 };
const groups = presetArg === 'paper' ? 8 : 16;
const m = new models.DataMUX({ vocabSize: 16000, maxLength: 128, instances: n, ...arch, dropout: 0.1 }, new Generator(0));
m.eval();
const ids = randint(1, 16000, [groups * n, 128], { generator: new Generator(1) });
const time = (f, reps) => { f(); const ts = []; for (let r = 0; r < reps; r++) { const t0 = performance.now(); f(); ts.push(performance.now() - t0); } ts.sort((a, b) => a - b); return ts[Math.floor(ts.length / 2)]; };
const reps = presetArg === 'paper' ? 5 : 20;
const whole = time(() => noGrad(() => tidy(() => m.forward(ids, n).data())), reps);
const premux = time(() => noGrad(() => tidy(() => {
  const full = m['withPrefix'](ids, n);
  const [rows, L] = full.shape;
  const positions = arange(0, L, 1, { dtype: 'int64' });
  let e = m.embeddingNorm.forward(m.tokenEmbedding.forward(full).add(m.positionEmbedding.forward(positions)));
  const isPad = full.eq(0);
  e = e.mul(isPad.logicalNot().unsqueeze(2).to(e.dtype));
  const mixed = m['mux'](e.reshape([rows / n, n, L, arch.dim]), n);
  return mixed.sum().item();
})), reps);
console.log(JSON.stringify({ preset: presetArg, n, groups, whole_ms: Math.round(whole), premux_ms: Math.round(premux), share: Math.round(100 * premux / whole) / 100 }));
