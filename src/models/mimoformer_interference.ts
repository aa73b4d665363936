// Interference between the superposition channels of a MIMOFormer (att / att-mlp), layer by layer,
// measured on a batch (the digest's §5). For the sequence at grid cell (m, n), query position l and
// key position l′, with q and k scaled as the kernel sees them (1/√(mn) and D^(-1/4) each):
//
//   signal      s = ⟨q_mn(l), k_mn(l′)⟩
//   crosstalk   ε = ⟨q̃_n(l), k̃_m(l′)⟩ − s = Σ_{(m′,n′)≠(m,n)} Σ_d a_m′n[d]·a_mn′[d]·q_m′n[d]·k_mn′[d]
//   predicted   Var(ε | q, k) = Σ_{(m′,n′)≠(m,n)} Σ_d q_m′n[d]²·k_mn′[d]²   (random keys, E ε = 0)
//   theory      for random-like q, k: SIR ≈ √(D/(MN−1)) against the aligned score ‖q‖‖k‖
//               (sir_aligned), and ≈ 1/√(MN−1) against a random score ⟨q, k⟩ (sir)
//
// RMS values run over every head and every pair of real tokens (both positions unpadded in sequence
// (m, n)) among the first maxPositions positions; padded queries and keys are zeroed before
// bundling as in the model. Output crosstalk: the att core's unbound output o_mn against the same
// layer's separate Performer on sequence (m, n) alone with features Ω·diag(a_mn) and q, k at the
// grid's 1/√(mn) scale (what o_mn would be without the other sequences; the scale matters only to the
// softmax kernel), RMS over real query positions, before and after the output
// projection W_o, and against the separate output's deviation from the sequence's mean value. For
// att-mlp, whose output is never unbound, the output rows use the att core on that layer's q, k, v:
// they measure the bundled attention channel.
//
// The output crosstalk splits exactly in two. The "own" output ô_mn is the superposed output with
// every other sequence's values set to zero: the sequence's own values weighed by the attention
// pattern of the bundles (φ(q̃_n)·φ(k̃_m), normalised over bundle m). Then
//   pattern error   ô_mn − o_mn         the bundles' pattern against the sequence's own
//   value crosstalk o_mn superposed − ô_mn   the other sequences' values let through by unbinding
// and "kept" = ⟨ô_mn − v̄_mn, o_mn − v̄_mn⟩ / ‖o_mn − v̄_mn‖² says how much of what the sequence's own
// attention adds to its mean value survives in superposition (1: all; 0: none, as uniform attention).
// The ReLU kernel is positively homogeneous, so its score depends on the angle of q̃_n and k̃_m,
// which a bundle of MN-fold sums dilutes: the pattern flattens as the grid grows (kept ≈ 1/√(MN)).
// The softmax kernel's crosstalk multiplies each weight by exp(ε) instead, which adds noise to the
// pattern without flattening it on average.
import { Tensor, noGrad, tidy } from '../tensor/index.js';
import { favorFeatures, linearAttention } from './favor.js';
import { centerValues, ownValuesAttention, superposedAttention } from './mimoformer_attention.js';
import type { GridPoint, MIMOFormer, MIMOFormerAttention } from './mimoformer.js';

export interface InterferenceRow {
  layer: number;
  m: number;
  n: number;
  head_dim: number;
  /** (query, key) pairs of real tokens measured, over all sequences and heads. */
  pairs: number;
  signal_rms: number;
  crosstalk_rms: number;
  /** signal_rms / crosstalk_rms (Infinity on a 1×1 grid). */
  sir: number;
  /** √(mean Var(ε | q, k)): the conditional-variance prediction of crosstalk_rms. */
  predicted_crosstalk_rms: number;
  predicted_sir: number;
  /** RMS of ‖q_mn(l)‖·‖k_mn(l′)‖, the largest score the pair could have. */
  aligned_rms: number;
  sir_aligned: number;
  /** √(D/(mn−1)). */
  theory_sir_aligned: number;
  /** 1/√(mn−1). */
  theory_sir_random: number;
  /** RMS of the separate Performers' outputs. */
  output_rms: number;
  /** RMS(o_mn superposed − o_mn separate). */
  output_crosstalk_rms: number;
  /** output_crosstalk_rms / output_rms. */
  output_rel_error: number;
  /**
   * The same two outputs after the layer's output projection (W_o·o, the bias left out: it cancels
   * in the difference): RMS of W_o·o_mn separate, of W_o·(o_mn superposed − o_mn separate), and their
   * ratio. The crosstalk is spread over all H·D coordinates while a sequence's own values lie in
   * W_v's column space (at most d of them), so a trained W_o can reject part of it (a random one
   * weighs the own outputs' few directions by chance).
   */
  projected_output_rms: number;
  projected_output_crosstalk_rms: number;
  projected_output_rel_error: number;
  /**
   * RMS of o_mn − v̄_mn (separate), what the attention pattern adds to the sequence's own mean value
   * v̄_mn (uniform attention gives v̄_mn): the part of the output that depends on the scores.
   */
  deviation_rms: number;
  /** output_crosstalk_rms / deviation_rms: the crosstalk against what attention contributes beyond the mean. */
  deviation_rel_error: number;
  /** The same two after the output projection W_o. */
  projected_deviation_rms: number;
  projected_deviation_rel_error: number;
  /** RMS(ô_mn − o_mn): the own values under the bundles' attention pattern against the separate output. */
  pattern_error_rms: number;
  /** RMS(o_mn superposed − ô_mn): the other sequences' values after unbinding. (Pattern error + value crosstalk = the output crosstalk, as vectors.) */
  value_crosstalk_rms: number;
  /** ⟨ô − v̄, o − v̄⟩ / ‖o − v̄‖² over real query positions: the share of the attention's deviation from the mean value kept in superposition (1 on a 1×1 grid). */
  deviation_kept: number;
  /**
   * Share of the power of q, k and v (over real tokens, per head) in each sequence's own mean over
   * its tokens. A sequence's key is the same at every position, so in superposition its mean
   * value leaks into the others' outputs coherently, without averaging out over positions (value
   * centering takes v's out of the bundles).
   */
  q_mean_share: number;
  k_mean_share: number;
  v_mean_share: number;
}

export interface InterferenceOptions {
  /** Query and key positions measured (the first ones; default 128): the score tensors are L² per sequence and head. */
  maxPositions?: number;
}

/** Weighted RMS sqrt(Σ w·x² / Σ w) (x² given), as a number. */
function rms(sq: Tensor, w: Tensor, total: number): number {
  return Math.sqrt(sq.mul(w).sum().item() / total);
}

function layerRow(layer: number, att: MIMOFormerAttention, normed: Tensor, mask: Tensor, p: GridPoint, P: number): InterferenceRow {
  return tidy(() => {
    const D = att.config.headDim;
    const g = att.projectGrid(normed, mask, p); // [B′, m, n, H, L, D]
    const a = att.keysAt(p);
    const key = a.reshape([1, p.m, p.n, 1, 1, D]);
    const s = D ** -0.25;
    const L = g.q.shape[4];
    const Pn = Math.min(P, L);
    const mq = g.mask.narrow(3, 0, Pn); // [B′, m, n, P]
    const w6 = mq.unsqueeze(3).unsqueeze(5); // [B′, m, n, 1, P, 1]
    const q = g.q.narrow(4, 0, Pn).mul(s).mul(w6); // padded queries and keys zeroed, as the core does
    const k = g.k.narrow(4, 0, Pn).mul(s).mul(w6);
    const signal = q.matmul(k.transpose(-2, -1)); // [B′, m, n, H, P, P]
    const qt = q.mul(key).sum(1); // [B′, n, H, P, D]
    const kt = k.mul(key).sum(2); // [B′, m, H, P, D]
    const full = qt.unsqueeze(1).matmul(kt.unsqueeze(2).transpose(-2, -1)); // [B′, m, n, H, P, P]
    const eps = full.sub(signal);
    const q2 = q.square();
    const k2 = k.square();
    const predicted = q2.sum(1).unsqueeze(1).matmul(k2.sum(2).unsqueeze(2).transpose(-2, -1)).sub(q2.matmul(k2.transpose(-2, -1)));
    const aligned2 = q2.sum(-1).unsqueeze(-1).mul(k2.sum(-1).unsqueeze(-2)); // ‖q‖²‖k‖²
    const w = mq.unsqueeze(4).mul(mq.unsqueeze(3)).unsqueeze(3); // [B′, m, n, 1, P, P]: real query × real key
    const H = q.shape[3];
    const pairs = w.sum().item() * H;
    const total = Math.max(pairs, 1);
    const signalRms = rms(signal.square(), w, total);
    const crossRms = rms(eps.square(), w, total);
    const predRms = rms(predicted, w, total);
    const alignedRms = rms(aligned2, w, total);
    // Output crosstalk over the whole length.
    // With value centering the means bypass the bundles and are added back after unbinding, as in the model.
    const centered = att.config.centerValues ? centerValues(g.v, g.mask) : undefined;
    const withCentering = (core: typeof superposedAttention) =>
      centered ? core(g.q, g.k, centered.v, g.mask, a, att.omega, att.kernel).add(centered.mean) : core(g.q, g.k, g.v, g.mask, a, att.omega, att.kernel);
    const bundled = withCentering(superposedAttention); // [B′, m, n, H, L, D]
    const Wt = att.out.weight.t(); // [H·D, d]
    const project = (t: Tensor) => t.transpose(1, 2).reshape([t.shape[0], L, H * D]).matmul(Wt); // [B′, H, L, D] → [B′, L, d]
    let outSq = 0;
    let diffSq = 0;
    let projOutSq = 0;
    let projDiffSq = 0;
    let devSq = 0;
    let projDevSq = 0;
    const own = (centered ?? centerValues(g.v, g.mask)).mean; // v̄_mn [B′, m, n, H, 1, D]
    // ô_mn: the superposed output with every other sequence's values zeroed (centred: the mean added back).
    const alone = withCentering(ownValuesAttention); // [B′, m, n, H, L, D]
    let patternSq = 0;
    let valueSq = 0;
    let keptDot = 0;
    for (let i = 0; i < p.m; i++) {
      for (let j = 0; j < p.n; j++) {
        tidy(() => {
          const omegaMn = att.omega.mul(a.select(0, i).select(0, j).unsqueeze(0)); // Ω·diag(a_mn)
          const cell = (t: Tensor) => t.select(1, i).select(1, j); // [B′, H, L, D]
          const km = g.mask.select(1, i).select(1, j).unsqueeze(1).expand([g.q.shape[0], H, L]);
          const o = linearAttention(favorFeatures(att.kernel, cell(g.q), omegaMn, true), favorFeatures(att.kernel, cell(g.k), omegaMn, false), cell(g.v), km);
          const wq = km.to(o.dtype).unsqueeze(3);
          const diff = cell(bundled).sub(o);
          outSq += o.square().mul(wq).sum().item();
          diffSq += diff.square().mul(wq).sum().item();
          const wl = km.select(1, 0).to(o.dtype).unsqueeze(2); // [B′, L, 1]
          projOutSq += project(o).square().mul(wl).sum().item();
          projDiffSq += project(diff).square().mul(wl).sum().item();
          const dev = o.sub(cell(own)).mul(wq);
          devSq += dev.square().sum().item();
          projDevSq += project(dev).square().sum().item();
          const ownOut = cell(alone);
          patternSq += ownOut.sub(o).square().mul(wq).sum().item();
          valueSq += cell(bundled).sub(ownOut).square().mul(wq).sum().item();
          keptDot += ownOut.sub(cell(own)).mul(dev).sum().item();
        });
      }
    }
    const queries = g.mask.sum().item() * H * D;
    const outputRms = Math.sqrt(outSq / Math.max(queries, 1));
    const outputCross = Math.sqrt(diffSq / Math.max(queries, 1));
    const projected = g.mask.sum().item() * att.out.weight.shape[0];
    const projOut = Math.sqrt(projOutSq / Math.max(projected, 1));
    const projCross = Math.sqrt(projDiffSq / Math.max(projected, 1));
    const devRms = Math.sqrt(devSq / Math.max(queries, 1));
    const projDevRms = Math.sqrt(projDevSq / Math.max(projected, 1));
    const G = p.m * p.n;
    const tokens = g.mask.to(g.v.dtype).unsqueeze(3).unsqueeze(5); // [B′, m, n, 1, L, 1]
    // Σ ‖x‖² = Σ ‖x − own mean‖² + Σ_seq tokens·‖own mean‖² over real tokens, so the means' share is 1 − the centred power's.
    const meanShare = (t: Tensor) => 1 - centerValues(t, g.mask).v.square().sum().item() / t.square().mul(tokens).sum().item();
    return {
      layer, m: p.m, n: p.n, head_dim: D, pairs,
      signal_rms: signalRms, crosstalk_rms: crossRms, sir: signalRms / crossRms,
      predicted_crosstalk_rms: predRms, predicted_sir: signalRms / predRms,
      aligned_rms: alignedRms, sir_aligned: alignedRms / crossRms,
      theory_sir_aligned: G > 1 ? Math.sqrt(D / (G - 1)) : Infinity, theory_sir_random: G > 1 ? 1 / Math.sqrt(G - 1) : Infinity,
      output_rms: outputRms, output_crosstalk_rms: outputCross, output_rel_error: outputCross / outputRms,
      projected_output_rms: projOut, projected_output_crosstalk_rms: projCross, projected_output_rel_error: projCross / projOut,
      deviation_rms: devRms, deviation_rel_error: outputCross / devRms, projected_deviation_rms: projDevRms, projected_deviation_rel_error: projCross / projDevRms,
      pattern_error_rms: Math.sqrt(patternSq / Math.max(queries, 1)), value_crosstalk_rms: Math.sqrt(valueSq / Math.max(queries, 1)), deviation_kept: keptDot / devSq,
      q_mean_share: meanShare(g.q), k_mean_share: meanShare(g.k), v_mean_share: meanShare(g.v),
    };
  });
}

/**
 * Per-layer interference of an att or att-mlp model on ids [B, L] (mask or lengths as for forward)
 * at an operating point (default: the capacity). Runs the model once in eval mode without
 * gradients (its training mode is restored afterwards).
 */
export function interferenceProbe(model: MIMOFormer, ids: Tensor, mask?: Tensor | readonly number[], point?: GridPoint, o: InterferenceOptions = {}): InterferenceRow[] {
  const v = model.config.variant;
  if (v !== 'att' && v !== 'att-mlp') throw new RangeError(`interferenceProbe: needs an att or att-mlp model (channels in superposition), got the ${v} variant`);
  const P = o.maxPositions ?? 128;
  if (!Number.isInteger(P) || P < 1) throw new RangeError(`interferenceProbe: maxPositions must be a positive integer, got ${String(P)}`);
  const p = model.checkPoint(point);
  const wasTraining = model.training;
  model.eval();
  const rows: InterferenceRow[] = [];
  try {
    noGrad(() => tidy(() => void model.encode(ids, mask, p, (layer, att, normed, w) => rows.push(layerRow(layer, att, normed, w, p, P)))));
  } finally {
    model.train(wasTraining);
  }
  return rows;
}
