// Session 18: how much of an att model's projections lies in the subspace that Hadamard keys keep
// free of crosstalk. With keys a_mn = s⊙h_(m·N'+n) every product a_mn⊙a_m'n' of two cells is a
// Hadamard row h_j, 0 < j < B = M·N', and those vanish on the vectors C that are constant over each
// aligned block of B coordinates of a head (D/B dimensions). Scores of queries and keys in C, and
// values in C read back through C, carry no crosstalk. Prints, per head, the share of W_q, W_k and W_v
// (outputs, [D, d] per head) and of W_o (inputs, [d, D] per head) in C; a matrix that ignores C has
// the share 1/B. Run from the repository root:
//   node docs/runs/mimoformer-long18-clean-subspace.mjs CHECKPOINT [LAYER]   (after `npm run build`)
import { loadFile } from '../../dist/io/safetensors.js';
import { hadamardKeyRows } from '../../dist/models/mimoformer.js';
const [file, layer = '0'] = process.argv.slice(2);
const { tensors, metadata } = loadFile(file);
const get = (name) => {
  const t = tensors.get(name);
  return t && { shape: t.shape, data: Float32Array.from(t.float().data()) };
};
const p = `layer${layer}.attention.`;
const keys = get(p + 'keys');
if (!keys) throw new Error(`${file}: no attention keys (not an att or att-mlp model)`);
const [M, N, D] = keys.shape;
const B = hadamardKeyRows(M, N).rows;
const w = { q: get(p + 'q.weight'), k: get(p + 'k.weight'), v: get(p + 'v.weight'), o: get(p + 'out.weight') };
const d = w.q.shape[1], H = w.q.shape[0] / D;
/** Share of the vectors x(i), i over one head's D coordinates, in C: Σ_blocks (Σ_i x)²/B over Σ x². */
function share(at, count) {
  let inside = 0, total = 0;
  for (let c = 0; c < count; c++) {
    for (let b = 0; b < D / B; b++) {
      let s = 0;
      for (let i = b * B; i < (b + 1) * B; i++) {
        const x = at(c, i);
        s += x;
        total += x * x;
      }
      inside += (s * s) / B;
    }
  }
  return +(inside / total).toFixed(4);
}
const rows = [];
for (let h = 0; h < H; h++) {
  const row = { head: h };
  for (const name of ['q', 'k', 'v']) row[`W_${name}`] = share((j, i) => w[name].data[(h * D + i) * d + j], d); // column j of the head's [D, d] block
  row.W_o = share((j, i) => w.o.data[j * H * D + h * D + i], d); // row j of W_o restricted to the head
  rows.push(row);
}
const config = metadata?.mimo_config ? JSON.parse(metadata.mimo_config) : undefined;
console.log(JSON.stringify({ checkpoint: file, layer: Number(layer), keys: config?.keys ?? 'random', grid: `${M}x${N}`, block: B, D, heads: H, d, random_share: +(1 / B).toFixed(4), rows }, null, 1));
