// Session 15: tokens per training batch (each batch cut to its longest row, as lraBatch does) with
// and without --group-by-length, over the first 3,000 steps of seed 0 at batch 64, on the LRA ListOps
// and Text training splits. Run from the repository root after `npm run build`:
//   node docs/runs/mimoformer-long15-padding.mjs > OUT.json
import { loadLraTask, resolveDataDir } from '../../dist/data/index.js';
import { trainingRows } from '../../dist/train/mimoformer.js';
const out = {};
for (const task of ['listops', 'text']) {
  const d = await loadLraTask(task, resolveDataDir(undefined), 'train', { listopsDir: 'runs/listops' });
  const row = {};
  for (const groupByLength of [false, true]) {
    let tokens = 0, real = 0;
    for (let s = 0; s < 3000; s++) {
      const rows = trainingRows(s, { seed: 0, batch: 64, groupByLength }, d.lengths);
      tokens += rows.length * Math.max(...rows.map((i) => d.lengths[i]));
      real += rows.reduce((a, i) => a + d.lengths[i], 0);
    }
    row[groupByLength ? 'grouped' : 'uniform'] = { tokens_per_batch: Math.round(tokens / 3000), real_share: +(real / tokens).toFixed(3) };
  }
  row.token_ratio = +(row.uniform.tokens_per_batch / row.grouped.tokens_per_batch).toFixed(2);
  out[task] = { sequences: d.lengths.length, mean_length: +(d.lengths.reduce((a, b) => a + b, 0) / d.lengths.length).toFixed(1), ...row };
  d.inputs.dispose(); d.labels.dispose();
}
console.log(JSON.stringify(out, null, 1));
