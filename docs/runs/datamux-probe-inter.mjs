// Session 24 probe (inter), cited in docs/results.md "Serving DataMUX, session 24". Run from the repository root after
// `npm run build`: node bin/mimo.js run docs/runs/datamux-probe-inter.mjs [ARGS]
import { models, randint, Generator, noGrad, tidy } from '../../dist/index.js';
const arch = { vocabSize: 16000, maxLength: 128, dim: 768, layers: 12, heads: 12, ffn: 3072, muxNorm: 20, dropout: 0.1 };
const mk = (n) => { const m = new models.DataMUX({ ...arch, instances: n }, new Generator(n)); m.eval(); return { m, n, ids: randint(1, 16000, [8 * n, 128], { generator: new Generator(n) }) }; };
const a = mk(1), b = mk(40);
const run = (x) => { const t0 = performance.now(); noGrad(() => tidy(() => x.m.forward(x.ids, x.n).data())); return performance.now() - t0; };
const med = (v) => v.sort((p, q) => p - q)[Math.floor(v.length / 2)];
run(a); run(b);
const alone = { 1: [], 40: [] }, inter = { 1: [], 40: [] };
for (let r = 0; r < 4; r++) { alone[1].push(run(a)); }
for (let r = 0; r < 4; r++) { alone[40].push(run(b)); }
for (let r = 0; r < 4; r++) { inter[1].push(run(a)); inter[40].push(run(b)); }
console.log(JSON.stringify({ alone: { 1: Math.round(med(alone[1])), 40: Math.round(med(alone[40])) }, interleaved: { 1: Math.round(med(inter[1])), 40: Math.round(med(inter[40])) } }));
