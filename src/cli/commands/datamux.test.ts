import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trainCommand } from './train.js';
import { evalCommand } from './eval.js';
import { benchCommand } from './bench.js';
import { UsageError } from '../output.js';
import { captureCommand, runCommand } from '../../testing/cli.js';

let tmp: string;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mimo-datamux-cli-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const tiny = ['--dim', '16', '--layers', '1', '--heads', '2', '--ffn', '32', '--max-length', '16', '--groups', '4', '--limit', '200', '--eval-limit', '24', '--seed', '1'];

test('mimo train datamux trains, resumes with the saved settings, and mimo eval reports each trained n', async () => {
  const out = path.join(tmp, 'run');
  const first = JSON.parse(await runCommand(trainCommand(), ['datamux', ...tiny, '--n', '3', '--points', '1,3', '--mux', 'orthogonal', '--demux', 'rsa',
    '--warmup-steps', '2', '--steps', '2', '--eval-every', '2', '--stop-after', '2', '--out', out, '--json']));
  assert.equal(first.start_step, 0);
  assert.deepEqual(first.evals.map((e: { phase: string }) => e.phase), ['retrieval']);
  assert.equal(first.config.instances, 3);
  assert.equal(first.config.mux, 'orthogonal');
  assert.equal(first.config.maskPadding, true);
  const second = JSON.parse(await runCommand(trainCommand(), ['datamux', '--out', out, '--resume', '--json']));
  assert.equal(second.start_step, 2);
  assert.deepEqual(second.config.points, [1, 3]);
  assert.equal(second.config.demux, 'rsa');
  const ev = JSON.parse(await runCommand(evalCommand(), [path.join(out, 'model.safetensors'), '--limit', '20', '--json']));
  assert.equal(ev.model, 'datamux');
  assert.equal(ev.split, 'dev');
  assert.deepEqual(ev.points.map((p: { n: number }) => p.n), [1, 3]);
  for (const p of ev.points) assert.ok(p.total === 20 && p.accuracy >= 0 && p.accuracy <= 1 && p.instances_per_s > 0);
  // Who shares a mix: at n = 1 nobody does, so every grouping and seed gives the same accuracy.
  const byLength = JSON.parse(await runCommand(evalCommand(), [path.join(out, 'model.safetensors'), '--limit', '20', '--grouping', 'length', '--grouping-seed', '2', '--json']));
  assert.deepEqual([byLength.grouping, byLength.grouping_seed, byLength.points[0].n], ['length', 2, 1]);
  assert.equal(byLength.points[0].correct, ev.points[0].correct);
  const bad = await captureCommand(evalCommand(), [path.join(out, 'model.safetensors'), '--n', '4']);
  assert.ok(bad.error instanceof UsageError && /holds N = 3 instances/.test(bad.error.message), String(bad.error));
});

test('mimo train datamux rejects bad settings as usage errors', async () => {
  for (const [args, re] of [
    [['--n', '41'], /--n must be an integer from 1 to 40/],
    [['--mux', 'hrr'], /--mux must be one of gaussian, orthogonal, binary/],
    [['--points', '3', '--n', '2'], /operating point 3 must be in 1\.\.N = 2/],
    [['--task', 'mnist', '--device', 'cuda'], /--device cuda: the MNIST DataMUX trains on the CPU only so far/],
  ] as [string[], RegExp][]) {
    const r = await captureCommand(trainCommand(), ['datamux', ...tiny, ...args, '--out', path.join(tmp, 'bad')]);
    assert.ok(r.error instanceof UsageError && re.test(r.error.message), `${args.join(' ')}: ${String(r.error)}`);
  }
});

test('mimo bench datamux --json reports config and one point per n', async () => {
  const r = JSON.parse(await runCommand(benchCommand(), ['datamux', '--json', '--n', '1,2', '--length', '8', '--groups', '2', '--runs', '1']));
  assert.equal(r.config.preset, 'default');
  assert.equal(r.config.layers, 2);
  assert.deepEqual(r.points.map((p: { n: number }) => p.n), [1, 2]);
  for (const k of ['n', 'infer_instances_per_s', 'speedup', 'ideal_speedup']) assert.ok(k in r.points[1]);
});

test('mimo train datamux --task mnist trains the vision variant and mimo eval reports it per n', async () => {
  const out = path.join(tmp, 'mnist');
  const r = JSON.parse(await runCommand(trainCommand(), ['datamux', '--task', 'mnist', '--n', '2', '--points', '1,2', '--conv-mux', 'nonlinear', '--epochs', '1',
    '--groups', '8', '--limit', '160', '--eval-limit', '40', '--out', out, '--json']));
  assert.equal(r.config.mux, 'nonlinear');
  assert.equal(r.config.lr, 0.1, 'the vision default lr');
  assert.deepEqual(Object.keys(r.epochs[0].eval_accuracy), ['1', '2']);
  const ev = JSON.parse(await runCommand(evalCommand(), [path.join(out, 'model.safetensors'), '--limit', '30', '--json']));
  assert.equal(ev.model, 'datamux-vision');
  assert.deepEqual(ev.points.map((p: { n: number; total: number }) => [p.n, p.total]), [[1, 30], [2, 30]]);
});
