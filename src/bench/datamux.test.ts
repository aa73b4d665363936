import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataMUX } from '../models/datamux.js';
import { cudaAvailable } from '../tensor/index.js';
import { runDataMUXBench } from './datamux.js';

test('bench datamux: one point per n, speedups against the first n, ideal speedups from the MAC counts', () => {
  const r = runDataMUXBench({ ns: [1, 2, 4], length: 8, vocabSize: 50, groups: 2, runs: 1, warmup: 0 });
  assert.deepEqual(r.points.map((p) => p.n), [1, 2, 4]);
  assert.equal(r.points[0].speedup, 1);
  assert.equal(r.points[0].ideal_speedup, 1);
  for (const p of r.points) assert.ok(p.infer_instances_per_s > 0 && p.infer_ms_per_batch > 0);
  const macs = [1, 4].map((n) => {
    const m = new DataMUX({ dim: 128, layers: 2, heads: 4, ffn: 512, instances: n, maxLength: 8, vocabSize: 50 });
    const v = m.macsPerInput(n, 8);
    m.dispose();
    return v;
  });
  assert.equal(r.points[2].macs_per_instance, Math.round(macs[1]));
  assert.equal(r.points[2].ideal_speedup, Math.round((macs[0] / macs[1]) * 1000) / 1000);
  assert.equal(r.config.seq_length, 8);
  assert.equal(r.config.preset, 'default');
  assert.equal(r.config.device, 'cpu');
  if (!cudaAvailable()) assert.throws(() => runDataMUXBench({ ns: [1], length: 8, vocabSize: 50, groups: 2, runs: 1, warmup: 0, device: 'cuda' }), /no CUDA support/);
});
