// Session 17: how much of the query and key projections lies in the space the random features see.
// φ(q) = ReLU(Ω·q·D^(-1/4)) + 1e-3 reads q only through the R rows of Ω; with R < D (one orthogonal
// block) that is an R-dimensional subspace of the head's D dimensions. At grid cell (m, n) of an att
// model the features read a_mn⊙q, i.e. q through the rows of Ω·diag(a_mn): a different subspace per
// cell, so one W_q cannot concentrate in all of them, while a Performer's can in its one. Prints, per
// head, the share ‖U·W‖²_F / ‖W‖²_F of W_q and W_k (each [D, d] per head) in the row space U of
// Ω (Performer) or Ω·diag(a_mn) (each cell of an att model; mean, min and max over cells);
// R/D is the share of a random matrix. Run from the repository root:
//   node docs/runs/mimoformer-long17-feature-subspace.mjs CHECKPOINT [LAYER]   (after `npm run build`)
import { loadFile } from '../../dist/io/safetensors.js';
const [file, layer = '0'] = process.argv.slice(2);
const { tensors } = loadFile(file);
const get = (name) => {
  const t = tensors.get(name);
  return t && { shape: t.shape, data: Float32Array.from(t.float().data()) };
};
const p = `layer${layer}.attention.`;
const omega = get(p + 'omega'), keys = get(p + 'keys'), wq = get(p + 'q.weight'), wk = get(p + 'k.weight');
const [R, D] = omega.shape;
if (R > D) throw new Error(`R = ${R} > D = ${D}: the features see all of the head (share 1)`);
const d = wq.shape[1], H = wq.shape[0] / D;
// Unit rows of Ω (orthogonal within its one block, so U has orthonormal rows).
const U = Array.from({ length: R }, (_, r) => {
  const row = omega.data.subarray(r * D, (r + 1) * D);
  const norm = Math.hypot(...row);
  return Array.from(row, (x) => x / norm);
});
/** Share of W (rows h·D…, [D, d]) in the row space of U·diag(a). */
function share(w, h, a) {
  let inside = 0, total = 0;
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < D; i++) total += w.data[(h * D + i) * d + j] ** 2;
    for (let r = 0; r < R; r++) {
      let s = 0;
      for (let i = 0; i < D; i++) s += U[r][i] * (a ? a[i] : 1) * w.data[(h * D + i) * d + j];
      inside += s * s;
    }
  }
  return inside / total;
}
const cells = [];
if (keys) {
  const [M, N] = keys.shape;
  for (let m = 0; m < M; m++) for (let c = 0; c < N; c++) cells.push({ m, n: c, a: keys.data.subarray((m * N + c) * D, (m * N + c + 1) * D) });
}
const rows = [];
for (let h = 0; h < H; h++) {
  for (const [name, w] of [['q', wq], ['k', wk]]) {
    const row = { head: h, projection: name, random_share: R / D, omega_share: +share(w, h).toFixed(4) };
    if (cells.length) {
      const s = cells.map((c) => share(w, h, c.a));
      Object.assign(row, { cell_share_mean: +(s.reduce((x, y) => x + y, 0) / s.length).toFixed(4), cell_share_min: +Math.min(...s).toFixed(4), cell_share_max: +Math.max(...s).toFixed(4) });
    }
    rows.push(row);
  }
}
console.log(JSON.stringify({ checkpoint: file, layer: Number(layer), R, D, heads: H, d, rows }, null, 1));
