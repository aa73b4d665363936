// Session 15: how much of its attention pattern a ListOps sequence keeps ("kept", the interference
// probe's deviation_kept) when its superposition group holds sequences of mixed lengths (the dev
// subset's seeded random order, 'given', and a second random order, 'shuffled') or of similar length
// (the same sequences sorted by length, 'sorted', as eval --grouping length groups them). fill: the
// share of the groups' (sequence, position) slots, up to each group's longest sequence, that hold a
// real token. Run from the repository root after `npm run build`:
//   node docs/runs/mimoformer-long15-kept-by-length.mjs CHECKPOINT GRIDS [SEQUENCES] [untrained] > OUT.json
// With 'untrained', an untrained model of the checkpoint's configuration (seed 0) instead of its weights.
import { loadMIMOFormer } from '../../dist/models/checkpoint.js';
import { MIMOFormer } from '../../dist/models/mimoformer.js';
import { Generator } from '../../dist/tensor/index.js';
import { loadLraTask, resolveDataDir, takeSubset } from '../../dist/data/index.js';
import { lraBatch } from '../../dist/train/mimoformer.js';
import { interferenceProbe } from '../../dist/models/mimoformer_interference.js';
const [ckpt, gridsArg, countArg = '64', weights = 'trained', task = 'listops'] = process.argv.slice(2);
const COUNT = Number(countArg);
const loaded = loadMIMOFormer(ckpt).model;
const model = weights === 'untrained' ? new MIMOFormer(loaded.config, new Generator(0)) : loaded;
const data = takeSubset(await loadLraTask(task, resolveDataDir(undefined), 'dev', { length: model.config.maxLength, listopsDir: 'runs/listops' }), COUNT, 0);
const idx = Array.from({ length: COUNT }, (_, i) => i);
const shuffled = [...idx]; let st = 12345; for (let i = shuffled.length - 1; i > 0; i--) { st = (st * 1103515245 + 12345) % 2147483648; const j = st % (i + 1); [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]]; }
const orders = { given: idx, shuffled, sorted: [...idx].sort((a, b) => data.lengths[a] - data.lengths[b]) };
const out = [];
for (const g of gridsArg.split(',')) {
  const [m, n] = g.split('x').map(Number);
  for (const [name, order] of Object.entries(orders)) {
    const b = lraBatch(data, order);
    // Share of (group, position) slots where the group has a real token, weighted: mean real sequences per real position over G.
    const G = m * n;
    const lens = order.map((i) => data.lengths[i]);
    let real = 0, slots = 0;
    for (let s = 0; s < COUNT; s += G) { const grp = lens.slice(s, s + G); const mx = Math.max(...grp); real += grp.reduce((x, y) => x + y, 0); slots += mx * G; }
    for (const r of interferenceProbe(model, b.ids, b.mask, { m, n }, { maxPositions: 128 })) {
      out.push({ grid: g, order: name, layer: r.layer, fill: +(real / slots).toFixed(3), kept: +r.deviation_kept.toFixed(3), pattern: +(r.pattern_error_rms / r.output_rms).toFixed(3), values: +(r.value_crosstalk_rms / r.output_rms).toFixed(3), out_rel_err: +r.output_rel_error.toFixed(3), inv_sqrt_mn: +(1 / Math.sqrt(G)).toFixed(3) });
    }
    for (const t of [b.ids, b.mask, b.labels]) t.dispose();
  }
}
console.log(JSON.stringify({ ckpt, weights, lengths: { min: Math.min(...data.lengths.slice(0, COUNT)), max: Math.max(...data.lengths.slice(0, COUNT)) }, rows: out }, null, 1));
