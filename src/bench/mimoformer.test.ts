import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIMOFormer } from '../models/mimoformer.js';
import { cudaAvailable } from '../tensor/index.js';
import { parseMIMOFormerPoints, runMIMOFormerBench } from './mimoformer.js';

test('bench mimoformer: the Performer first, one point per variant and grid, speedups and ideal speedups from the MAC counts', () => {
  const shape = { maxLength: 16, vocabSize: 20, dim: 8, ffn: 8, heads: 2, headDim: 8, features: 16 };
  const r = runMIMOFormerBench({ task: 'image', shape, points: parseMIMOFormerPoints('att:2x2,att:4x4,att-mlp:2x1'), sequences: 16, runs: 1, warmup: 0 });
  assert.deepEqual(r.points.map((p) => `${p.variant} ${p.m}x${p.n}`), ['performer 1x1', 'att 2x2', 'att 4x4', 'att-mlp 2x1']);
  const keys = ['variant', 'm', 'n', 'infer_sequences_per_s', 'speedup', 'ideal_speedup', 'core_speedup', 'ideal_core_speedup', 'best_speedup', 'best_core_speedup', 'infer_ms_per_batch', 'core_ms_per_batch', 'macs_per_sequence'];
  for (const p of r.points) {
    assert.deepEqual(Object.keys(p), keys);
    assert.ok(p.infer_sequences_per_s > 0 && p.core_speedup > 0 && p.infer_ms_per_batch > 0 && p.core_ms_per_batch > 0);
    // One round: its fastest round is its median.
    assert.equal(p.best_speedup, p.speedup);
    assert.equal(p.best_core_speedup, p.core_speedup);
  }
  assert.equal(r.points[0].speedup, 1);
  assert.equal(r.points[0].core_speedup, 1);
  const cfg = { ...shape, classes: 10, layers: 1 };
  const perf = new MIMOFormer({ ...cfg, variant: 'performer', m: 1, n: 1 });
  const att = new MIMOFormer({ ...cfg, variant: 'att', m: 4, n: 4 });
  const [p0, p4] = [perf.macs(), att.macs({ m: 4, n: 4 })];
  assert.equal(r.points[2].ideal_speedup, Math.round((p0.total / p4.total) * 1000) / 1000);
  assert.equal(r.points[2].ideal_core_speedup, Math.round((p0.core / p4.core) * 1000) / 1000);
  assert.equal(r.points[2].macs_per_sequence, Math.round(p4.total));
  perf.dispose();
  att.dispose();
  assert.equal(r.config.seq_length, 16);
  assert.equal(r.config.device, 'cpu');
  if (!cudaAvailable()) assert.throws(() => runMIMOFormerBench({ shape, sequences: 16, runs: 1, warmup: 0, device: 'cuda' }), /no CUDA support/);
  assert.deepEqual(r.config.models, { performer: '1×1', att: '4×4', 'att-mlp': '2×1' });
  JSON.parse(JSON.stringify(r));
  assert.throws(() => runMIMOFormerBench({ shape, points: parseMIMOFormerPoints('att:4x4'), sequences: 8 }), /sequences \(8\) must be a multiple of m·n .* att 4×4 needs 16/);
  assert.throws(() => parseMIMOFormerPoints('att'), /'att' needs a grid, e.g. att:2x2/);
  assert.throws(() => parseMIMOFormerPoints('performer:2x2'), /performer has no grid/);
  assert.throws(() => parseMIMOFormerPoints('linear:2x2'), /is not VARIANT or VARIANT:MxN/);
});

test('bench mimoformer --center-values: att points run the value-centred model and count its MACs; att-mlp is unchanged', () => {
  const shape = { maxLength: 16, vocabSize: 20, dim: 8, ffn: 8, heads: 2, headDim: 8, features: 16 };
  const points = parseMIMOFormerPoints('att:2x2,att-mlp:2x2');
  const plain = runMIMOFormerBench({ task: 'image', shape, points, sequences: 8, runs: 1, warmup: 0 });
  const centred = runMIMOFormerBench({ task: 'image', shape, points, sequences: 8, runs: 1, warmup: 0, centerValues: true });
  assert.equal(plain.config.center_values, false);
  assert.equal(centred.config.center_values, true);
  const cfg = { ...shape, classes: 10, layers: 1, variant: 'att' as const, m: 2, n: 2 };
  const model = new MIMOFormer({ ...cfg, centerValues: true });
  const macs = model.macs({ m: 2, n: 2 });
  model.dispose();
  assert.equal(centred.points[1].macs_per_sequence, Math.round(macs.total));
  assert.ok(centred.points[1].macs_per_sequence > plain.points[1].macs_per_sequence);
  assert.equal(centred.points[2].macs_per_sequence, plain.points[2].macs_per_sequence);
  assert.equal(centred.points[0].macs_per_sequence, plain.points[0].macs_per_sequence);
  assert.ok(centred.points[1].core_ms_per_batch > 0);
});

test('bench mimoformer --kernel softmax: the Performer and the att / att-mlp models are built with the softmax kernel; unknown kernels fail', () => {
  const shape = { maxLength: 16, vocabSize: 20, dim: 8, ffn: 8, heads: 2, headDim: 8, features: 16 };
  const points = parseMIMOFormerPoints('att:2x2,att-mlp:2x1,softmax');
  const relu = runMIMOFormerBench({ task: 'image', shape, points, sequences: 4, runs: 1, warmup: 0 });
  const soft = runMIMOFormerBench({ task: 'image', shape, points, sequences: 4, runs: 1, warmup: 0, kernel: 'softmax' });
  assert.equal(relu.config.kernel, 'relu');
  assert.equal(soft.config.kernel, 'softmax');
  assert.deepEqual(soft.points.map((p) => `${p.variant} ${p.m}x${p.n}`), ['performer 1x1', 'att 2x2', 'att-mlp 2x1', 'softmax 1x1']);
  for (const p of soft.points) assert.ok(p.infer_sequences_per_s > 0 && p.core_ms_per_batch > 0);
  assert.throws(() => runMIMOFormerBench({ shape, points, sequences: 4, kernel: 'gelu' as never }), /kernel must be one of relu, softmax, got 'gelu'/);
});
