import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIMOConv } from '../models/mimoconv.js';
import { WideResNet } from '../models/wideresnet.js';
import { runMIMOConvBench } from './mimoconv.js';

test('bench mimoconv: every n | cap against the plain WideResNet, speedups from the measured rates, ideal speedups from the MAC counts, at any input shape', () => {
  const arch = { depth: 10 as const, width: 1, initialWidth: 1, activation: 'relu' as const };
  const r = runMIMOConvBench({ ...arch, cap: 4, groups: 2, runs: 1, warmup: 0, imageSize: 12, inChannels: 1, train: true });
  assert.deepEqual(r.points.map((p) => p.n), [1, 2, 4]);
  assert.equal(r.config.image_size, 12);
  assert.equal(r.config.in_channels, 1);
  const keys = ['n', 'infer_images_per_s', 'train_images_per_s', 'speedup', 'ideal_speedup', 'speedup_vs_baseline', 'macs_per_image', 'infer_ms_per_batch', 'train_ms_per_batch'];
  const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
  for (const p of r.points) {
    assert.deepEqual(Object.keys(p), keys);
    assert.ok(p.infer_images_per_s > 0 && (p.train_images_per_s ?? 0) > 0, JSON.stringify(p));
    // A batch at n holds groups·n images: the rate is those images over the batch's time.
    assert.ok(Math.abs(p.infer_images_per_s - (2 * p.n * 1000) / p.infer_ms_per_batch) <= 0.02 * p.infer_images_per_s);
    assert.ok(Math.abs(p.speedup - p.infer_images_per_s / r.points[0].infer_images_per_s) < 0.01);
    assert.ok(Math.abs(p.speedup_vs_baseline - p.infer_images_per_s / r.baseline_images_per_s) < 0.01);
  }
  assert.equal(r.points[0].speedup, 1);
  // The MAC counts of the models the bench built, for 1×12×12 inputs.
  const mimo = new MIMOConv({ ...arch, inChannels: 1, classes: 10, cap: 4 });
  const base = new WideResNet({ ...arch, inChannels: 1, classes: 10 });
  for (const p of r.points) {
    assert.equal(p.macs_per_image, Math.round(mimo.macsPerInput(p.n, [12, 12])));
    assert.equal(p.ideal_speedup, round(mimo.macsPerInput(1, [12, 12]) / mimo.macsPerInput(p.n, [12, 12]), 3));
  }
  assert.equal(r.baseline_macs_per_image, base.macsPerInput([12, 12]));
  mimo.dispose();
  base.dispose();
  const noTrain = runMIMOConvBench({ ...arch, cap: 2, groups: 2, runs: 1, warmup: 0, imageSize: 8, train: false });
  assert.equal(noTrain.baseline_train_images_per_s, null);
  assert.ok(noTrain.points.every((p) => p.train_images_per_s === null && p.train_ms_per_batch === null));
  JSON.parse(JSON.stringify(r));
});
