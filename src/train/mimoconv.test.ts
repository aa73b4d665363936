import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cudaAvailable, liveTensors, tidy } from '../tensor/index.js';
import { loadFile } from '../io/index.js';
import { loadMIMOConv, loadWideResNet, readCheckpointInfo } from '../models/checkpoint.js';
import { TrainConfigError, divisorsOf, readRunConfig, trainMIMOConv } from './mimoconv.js';
import { RUN_FILES } from './run_dir.js';
import type { EpochMetrics } from './mimoconv.js';

let tmp: string;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mimo-mimoconv-train-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const metricsOf = (dir: string): EpochMetrics[] =>
  readFileSync(path.join(dir, RUN_FILES.metrics), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as EpochMetrics);

/** The tensors of a safetensors file as name -> bytes (hex digest-free: the raw bytes). */
function bytesOf(file: string): Map<string, Buffer> {
  const { tensors } = loadFile(file);
  const out = new Map<string, Buffer>();
  for (const [k, t] of tensors) {
    out.set(k, Buffer.from(t.bytes()));
    t.dispose();
  }
  return out;
}

// A tiny run exercising everything: a validation split, dynamic superposition (n = 2 or 1), mixup.
const tiny = {
  dataset: 'mnist' as const, depth: 10 as const, width: 1, initialWidth: 1, cap: 2, groups: 8, limit: 200, val: 40, evalLimit: 40,
  low: [1], fastProbability: 0.5, mixupAlpha: 1, lr: 0.1, epochs: 2, seed: 5,
};

test('resume continues exactly: 2 epochs straight equal 1 epoch + resume, bitwise (weights, BN buffers, momentum, lr)', async () => {
  const live = liveTensors();
  const a = path.join(tmp, 'straight');
  const b = path.join(tmp, 'resumed');
  const ra = await trainMIMOConv({ ...tiny, out: a });
  assert.equal(ra.epochs.length, 2);
  const rb1 = await trainMIMOConv({ ...tiny, out: b, stopAfter: 1 });
  assert.equal(rb1.epochs.length, 1);
  assert.equal(readRunConfig(b)?.epoch, 1);
  assert.equal(readCheckpointInfo(path.join(b, RUN_FILES.model)).epoch, 1);
  await assert.rejects(trainMIMOConv({ ...tiny, out: b }), /already holds a run.*--resume/);
  await assert.rejects(trainMIMOConv({ ...tiny, seed: 6, out: b, resume: true }), /other settings \(seed: saved 5, given 6\)/);
  const rb2 = await trainMIMOConv({ ...tiny, out: b, resume: true });
  assert.equal(rb2.startEpoch, 1);
  assert.deepEqual(rb2.epochs.map((e) => e.epoch), [2]);
  await assert.rejects(trainMIMOConv({ ...tiny, out: b, resume: true }), /all 2 epochs are done/);
  for (const f of [RUN_FILES.model, RUN_FILES.state]) {
    const x = bytesOf(path.join(a, f));
    const y = bytesOf(path.join(b, f));
    assert.deepEqual([...x.keys()], [...y.keys()]);
    assert.ok(x.size > 10);
    for (const [k, v] of x) assert.ok(v.equals(y.get(k)!), `${f}: ${k} differs after resume`);
  }
  // The metrics agree too, except for timings.
  const strip = (m: EpochMetrics) => ({ ...m, images_per_s: 0, seconds: 0, eval_seconds: 0 });
  const ma = metricsOf(a), mb = metricsOf(b);
  assert.deepEqual(mb.map(strip), ma.map(strip));
  // Dynamic superposition drew both kinds of steps; the split is the validation split.
  const steps = Math.floor(160 / 8);
  for (const m of ma) {
    assert.equal(m.steps, steps);
    assert.equal(m.fast_steps + m.slow_steps, steps);
    assert.equal(m.eval_split, 'val');
    assert.equal(m.eval_images, 40);
  }
  assert.ok(ma.reduce((s, m) => s + m.slow_steps, 0) > 0 && ma.reduce((s, m) => s + m.fast_steps, 0) > 0);
  assert.equal(liveTensors(), live, 'training leaked tensors');
});

test('several slow points: slow steps draw n from the list, fast steps use cap; AdamW runs and resumes its state', async () => {
  const seen = new Map<number, number>();
  const out = path.join(tmp, 'lows');
  const r = await trainMIMOConv({
    ...tiny, cap: 4, low: [1, 2], fastProbability: 0.4, epochs: 1, groups: 4, optimizer: 'adamw', lr: 1e-3, out,
    onStep: (s) => seen.set(s.n, (seen.get(s.n) ?? 0) + 1),
  });
  assert.deepEqual([...seen.keys()].sort(), [1, 2, 4]);
  const m = r.epochs[0];
  assert.equal(m.fast_steps, seen.get(4));
  assert.equal(m.slow_steps, (seen.get(1) ?? 0) + (seen.get(2) ?? 0));
  assert.ok(Number.isFinite(m.train_loss));
  const state = loadFile(path.join(out, RUN_FILES.state));
  assert.ok([...state.tensors.keys()].some((k) => k.includes('exp_avg')), 'AdamW moments saved for resume');
  for (const t of state.tensors.values()) t.dispose();
});

test('the isometry regulariser: a weighted run ends nearer to isometric trunk convolutions, and its metrics carry the mean penalty', async () => {
  const penaltyOf = (file: string, baseline: boolean): number => {
    const { model } = baseline ? loadWideResNet(file) : loadMIMOConv(file);
    try {
      return tidy(() => model.isometryLoss().item());
    } finally {
      model.dispose();
    }
  };
  const one = { ...tiny, epochs: 1 };
  const off = await trainMIMOConv({ ...one, out: path.join(tmp, 'iso-off') });
  const on = await trainMIMOConv({ ...one, isometryWeight: 0.2, out: path.join(tmp, 'iso-on') });
  assert.equal(off.epochs[0].train_isometry_loss, null, 'not computed when off');
  const seen = on.epochs[0].train_isometry_loss;
  assert.ok(typeof seen === 'number' && seen > 0, `mean penalty ${seen}`);
  const [pOff, pOn] = [penaltyOf(off.checkpoint, false), penaltyOf(on.checkpoint, false)];
  assert.ok(pOn < 0.6 * pOff, `penalty after training: ${pOn} with the regulariser, ${pOff} without`);
  assert.ok(pOn < seen, `the penalty falls during the run: epoch mean ${seen}, end ${pOn}`);
  // the baseline takes it too
  const base = await trainMIMOConv({ ...one, baseline: true, cap: 1, low: [1], isometryWeight: 0.2, out: path.join(tmp, 'iso-baseline') });
  assert.ok((base.epochs[0].train_isometry_loss ?? 0) > 0);
  assert.ok(penaltyOf(base.checkpoint, true) < base.epochs[0].train_isometry_loss!);
  await assert.rejects(trainMIMOConv({ ...one, isometryWeight: -1, out: path.join(tmp, 'iso-bad') }), /isometryWeight must be a non-negative number, got -1/);
});

test('bad settings are TrainConfigErrors naming the setting', async () => {
  const out = path.join(tmp, 'bad');
  await assert.rejects(trainMIMOConv({ ...tiny, out, low: [1, 3], cap: 4 }), (e: unknown) => e instanceof TrainConfigError && /low = 3 does not divide cap = 4 \(choose from 1, 2, 4\)/.test(e.message));
  await assert.rejects(trainMIMOConv({ ...tiny, out, groups: 1000 }), (e: unknown) => e instanceof TrainConfigError && /fewer than one step/.test(e.message));
  await assert.rejects(trainMIMOConv({ ...tiny, out, fastProbability: 2 }), TrainConfigError);
  await assert.rejects(trainMIMOConv({ ...tiny, out, resume: true }), /holds no train_state/);
  await assert.rejects(trainMIMOConv({ ...tiny, out: path.join(tmp, 'nodata'), data: path.join(tmp, 'no-such-dir') }), /MNIST file not found/);
  if (!cudaAvailable()) await assert.rejects(trainMIMOConv({ ...tiny, out, device: 'cuda' }), /device 'cuda' requested, but this libtorch has no CUDA support/);
  await assert.rejects(trainMIMOConv({ ...tiny, out, device: 'gpu' }), /device must be cpu, cuda or cuda:N \(N = 0, 1, …\), got 'gpu'/);
  assert.equal(existsSync(out), false, 'a run that fails its settings leaves no run directory');
  assert.deepEqual(divisorsOf(12), [1, 2, 3, 4, 6, 12]);
});

test('MIMOConv learns real MNIST in superposition: > 60% test accuracy at n = 2 (and n = 1) from 8,000 images in 2 epochs; metrics.jsonl has one line per epoch', async () => {
  const out = path.join(tmp, 'real');
  const t0 = performance.now();
  const r = await trainMIMOConv({
    dataset: 'mnist', depth: 10, width: 1, initialWidth: 1, cap: 2, groups: 32, limit: 8000, evalLimit: 1000, mixupAlpha: 0, lr: 0.2, epochs: 2, seed: 0, out,
  });
  const secs = (performance.now() - t0) / 1000;
  const m = metricsOf(out);
  assert.equal(m.length, 2);
  assert.deepEqual(m.map((e) => e.epoch), [1, 2]);
  for (const e of m) {
    for (const k of ['lr', 'train_loss', 'train_accuracy', 'images_per_s', 'seconds', 'grad_norm_mean']) assert.equal(typeof (e as unknown as Record<string, unknown>)[k], 'number', k);
    assert.deepEqual(Object.keys(e.eval_accuracy), ['1', '2']);
    assert.equal(e.skipped_steps, 0);
    assert.equal(e.steps, 250);
    assert.equal(e.fast_steps, 250);
  }
  const last = m[1];
  assert.ok(last.train_loss < m[0].train_loss, `loss ${m[0].train_loss} -> ${last.train_loss}`);
  assert.ok(last.eval_accuracy['2'] > 0.6, `n = 2 test accuracy ${last.eval_accuracy['2']}`);
  assert.ok(last.eval_accuracy['1'] > 0.6, `n = 1 test accuracy ${last.eval_accuracy['1']}`);
  assert.ok(last.lr < 1e-3, `OneCycle ends near 0, got ${last.lr}`);
  const info = readCheckpointInfo(r.checkpoint);
  assert.equal(info.model, 'mimoconv');
  assert.equal(info.epoch, 2);
  assert.equal((info.config as { cap: number }).cap, 2);
  console.log(`# real MNIST run: n=1 ${last.eval_accuracy['1']}, n=2 ${last.eval_accuracy['2']} in ${secs.toFixed(1)} s`);
});
