import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LISTOPS_FILES, generateListOps, writeListOpsTsv } from '../../data/listops.js';
import { trainCommand } from './train.js';
import { evalCommand } from './eval.js';
import { interferenceCommand } from './interference.js';
import { gridList } from './train_mimoformer.js';
import { UsageError } from '../output.js';
import { captureCommand, runCommand } from '../../testing/cli.js';

let tmp: string;
let listops: string;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mimo-mimoformer-cli-'));
  listops = path.join(tmp, 'listops');
  mkdirSync(listops);
  const g = generateListOps({ train: 64, val: 24, test: 8, minLength: 4, maxLength: 30, maxDepth: 3, seed: 2 });
  writeListOpsTsv(path.join(listops, LISTOPS_FILES.train), g.train);
  writeListOpsTsv(path.join(listops, LISTOPS_FILES.val), g.val);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const tiny = ['--task', 'listops', '--listops-dir', '', '--dim', '16', '--ffn', '32', '--heads', '2', '--head-dim', '8', '--features', '16', '--length', '64', '--batch', '8', '--eval-limit', '16'];
const args = (...more: string[]) => tiny.map((a) => (a === '' ? listops : a)).concat(more);

test('gridList parses MxN lists and names bad ones', () => {
  assert.deepEqual(gridList('--points')('1x1, 2×2,4x2'), [[1, 1], [2, 2], [4, 2]]);
  for (const bad of ['2', '2x', '0x2', 'axb', '2x2;4x4']) assert.throws(() => gridList('--points')(bad), /--points takes grids MxN separated by commas/);
});

test('mimo train mimoformer trains and resumes; eval reports each grid; interference --model probes trained and untrained weights', async () => {
  const out = path.join(tmp, 'att');
  const first = JSON.parse(await runCommand(trainCommand(), ['mimoformer', ...args('--variant', 'att', '--m', '2', '--n', '2', '--points', '1x1,2x2',
    '--curriculum-steps', '2', '--curriculum-stages', '2', '--steps', '4', '--eval-every', '2', '--stop-after', '2', '--out', out, '--json')]));
  assert.equal(first.start_step, 0);
  assert.deepEqual(first.config.points, [[1, 1], [2, 2]]);
  assert.equal(first.config.curriculumStages, 2);
  assert.equal(first.config.length, 64);
  const second = JSON.parse(await runCommand(trainCommand(), ['mimoformer', '--out', out, '--resume', '--listops-dir', listops, '--json']));
  assert.equal(second.start_step, 2);
  assert.equal(second.config.variant, 'att');
  assert.equal(second.config.curriculumStages, 2);
  assert.deepEqual(second.evals.map((e: { step: number }) => e.step), [4]);
  // The evaluation at the curriculum's end (step 2) does not count for best.safetensors; step 4 does.
  assert.equal(first.best, null);
  assert.equal(second.best.step, 4);
  assert.equal(second.best.checkpoint, path.join(path.resolve(out), 'best.safetensors'));
  assert.equal(second.best.dev_score, Math.round(((second.evals[0].eval_accuracy['1×1'] + second.evals[0].eval_accuracy['2×2']) / 2) * 1e6) / 1e6);

  const ev = JSON.parse(await runCommand(evalCommand(), [path.join(out, 'model.safetensors'), '--listops-dir', listops, '--grids', '1x1,2x2,2x1', '--groups', '8', '--json']));
  assert.equal(ev.model, 'mimoformer');
  assert.equal(ev.task, 'listops');
  assert.equal(ev.split, 'dev');
  assert.deepEqual(ev.points.map((p: { m: number; n: number }) => `${p.m}x${p.n}`), ['1x1', '2x2', '2x1']);
  for (const p of ev.points) assert.ok(p.total === 24 && p.accuracy >= 0 && p.accuracy <= 1 && p.macs_per_sequence > p.core_macs_per_sequence);
  // Superposition shares the attention core: fewer core MACs per sequence on the bigger grid.
  assert.ok(ev.points[1].core_macs_per_sequence < ev.points[0].core_macs_per_sequence);
  // Grouping decides which sequences share a grid; at 1×1 nothing is shared, so the stored order gives
  // the same predictions as the default random one (inputs and labels permuted together).
  assert.equal(ev.grouping, 'random');
  const given = JSON.parse(await runCommand(evalCommand(), [path.join(out, 'model.safetensors'), '--listops-dir', listops, '--grids', '1x1', '--groups', '8', '--grouping', 'given', '--json']));
  assert.equal(given.grouping, 'given');
  assert.equal(given.points[0].correct, ev.points[0].correct);
  const byLength = JSON.parse(await runCommand(evalCommand(), [path.join(out, 'model.safetensors'), '--listops-dir', listops, '--grids', '1x1,2x2', '--groups', '8', '--grouping', 'length', '--json']));
  assert.equal(byLength.grouping, 'length');
  assert.equal(byLength.points[0].correct, ev.points[0].correct);
  assert.equal(byLength.points[1].total, 24);
  assert.equal(ev.uniform_attention, false);
  const uniform = JSON.parse(await runCommand(evalCommand(), [path.join(out, 'model.safetensors'), '--listops-dir', listops, '--grids', '1x1', '--groups', '8', '--uniform-attention', '--json']));
  assert.equal(uniform.uniform_attention, true);
  assert.equal(uniform.points[0].total, 24);
  const badGrouping = await captureCommand(evalCommand(), [path.join(out, 'model.safetensors'), '--listops-dir', listops, '--grouping', 'sorted']);
  assert.ok(badGrouping.error instanceof UsageError && /--grouping must be one of random, given, length, got 'sorted'/.test(badGrouping.error.message), String(badGrouping.error));
  const bad = await captureCommand(evalCommand(), [path.join(out, 'model.safetensors'), '--listops-dir', listops, '--grids', '4x4']);
  assert.ok(bad.error instanceof UsageError && /grid capacity is 2×2/.test(bad.error.message), String(bad.error));
  assert.deepEqual(ev.warmup_grids, []); // its warm-up grid, 1×1, is one of its points
  // A static 2×2 model whose curriculum trained 1×1 first: eval names that grid.
  const single = path.join(tmp, 'att-static');
  await runCommand(trainCommand(), ['mimoformer', ...args('--variant', 'att', '--m', '2', '--n', '2', '--curriculum-steps', '2', '--steps', '4', '--eval-every', '4', '--out', single, '--json')]);
  const staticTable = await runCommand(evalCommand(), [path.join(single, 'model.safetensors'), '--listops-dir', listops, '--groups', '8']);
  assert.match(staticTable, /The curriculum also trained 1x1; evaluate them with --grids 1x1,2x2/);
  assert.deepEqual(JSON.parse(await runCommand(evalCommand(), [path.join(single, 'model.safetensors'), '--listops-dir', listops, '--groups', '8', '--json'])).warmup_grids, ['1x1']);

  const rows = JSON.parse(await runCommand(interferenceCommand(), ['--model', path.join(out, 'model.safetensors'), '--listops-dir', listops, '--sequences', '8', '--positions', '16', '--json']));
  assert.deepEqual(rows.map((r: { weights: string; m: number }) => `${r.weights} ${r.m}`), ['trained 1', 'untrained 1', 'trained 2', 'untrained 2']);
  assert.equal(rows[0].crosstalk_rms, 0); // one sequence per bundle: nothing to interfere
  assert.ok(rows[2].crosstalk_rms > 0 && rows[2].sir > 0);
  assert.ok(Math.abs(rows[0].deviation_kept - 1) < 1e-4 && rows[0].value_crosstalk_rms === 0);
  assert.ok(rows[2].pattern_error_rms > 0 && rows[2].value_crosstalk_rms > 0 && rows[2].deviation_kept < 1);
  assert.ok(rows.every((r: { grouping: string }) => r.grouping === 'random'));
  // --grouping length: the same sequences, sorted by length into groups; 1×1 (one sequence per group)
  // is unchanged by the order, 2×2 groups other sequences together.
  const sorted = JSON.parse(await runCommand(interferenceCommand(), ['--model', path.join(out, 'model.safetensors'), '--listops-dir', listops, '--sequences', '8', '--positions', '16', '--grouping', 'length', '--json']));
  assert.ok(sorted.every((r: { grouping: string }) => r.grouping === 'length'));
  assert.ok(Math.abs(sorted[0].signal_rms - rows[0].signal_rms) < 1e-6 * rows[0].signal_rms);
  assert.notEqual(sorted[2].crosstalk_rms, rows[2].crosstalk_rms);
  const badProbeGrouping = await captureCommand(interferenceCommand(), ['--model', path.join(out, 'model.safetensors'), '--listops-dir', listops, '--grouping', 'given']);
  assert.ok(badProbeGrouping.error instanceof UsageError && /--grouping must be one of random, length, got 'given'/.test(badProbeGrouping.error.message), String(badProbeGrouping.error));
  const table = await runCommand(interferenceCommand(), ['--model', path.join(out, 'model.safetensors'), '--listops-dir', listops, '--sequences', '8', '--positions', '16']);
  assert.match(table.split('\n')[0], /pattern \/ values\s+kept\s+q\/k\/v in means$/);
});

test('mimo train mimoformer --uniform-attention trains the no-attention baseline (here with --kernel softmax); eval says so', async () => {
  const out = path.join(tmp, 'uniform');
  const r = JSON.parse(await runCommand(trainCommand(), ['mimoformer', ...args('--variant', 'performer', '--kernel', 'softmax', '--uniform-attention', '--steps', '4', '--eval-every', '2', '--stop-after', '2', '--out', out, '--json')]));
  assert.equal(r.config.uniformAttention, true);
  assert.equal(r.config.kernel, 'softmax');
  const ev = JSON.parse(await runCommand(evalCommand(), [path.join(out, 'model.safetensors'), '--listops-dir', listops, '--groups', '8', '--json']));
  assert.equal(ev.uniform_attention, true);
  assert.equal(ev.config.uniformAttention, true);
  const human = await runCommand(evalCommand(), [path.join(out, 'model.safetensors'), '--listops-dir', listops, '--groups', '8']);
  assert.match(human, /\(performer, step 2, softmax kernel, trained with uniform attention\) on LRA listops dev/);
  const resumed = JSON.parse(await runCommand(trainCommand(), ['mimoformer', '--out', out, '--resume', '--listops-dir', listops, '--json']));
  assert.equal(resumed.config.uniformAttention, true);
  assert.equal(resumed.start_step, 2);
});

test('mimo train mimoformer --keys hadamard --clean-init: the run and its checkpoint keep them, eval says so', async () => {
  const out = path.join(tmp, 'hadamard');
  const r = JSON.parse(await runCommand(trainCommand(), ['mimoformer', ...args('--variant', 'att', '--m', '2', '--n', '2', '--keys', 'hadamard', '--clean-init', '--steps', '2', '--eval-every', '2', '--out', out, '--json')]));
  assert.equal(r.config.keys, 'hadamard');
  assert.equal(r.config.cleanInit, true);
  const ev = JSON.parse(await runCommand(evalCommand(), [path.join(out, 'model.safetensors'), '--listops-dir', listops, '--groups', '8', '--json']));
  assert.equal(ev.config.keys, 'hadamard');
  assert.equal(ev.config.cleanInit, true);
  const human = await runCommand(evalCommand(), [path.join(out, 'model.safetensors'), '--listops-dir', listops, '--groups', '8']);
  assert.match(human, /\(att, step 2, Hadamard keys\) on LRA listops dev/);
});

test('mimo train mimoformer and interference --model reject impossible settings as usage errors', async () => {
  for (const [a, re] of [
    [['--variant', 'performer', '--m', '2'], /the performer baseline has a 1×1 grid/],
    [['--variant', 'att', '--m', '2', '--n', '2', '--points', '4x4'], /point 4×4 exceeds the grid capacity 2×2/],
    [['--variant', 'att', '--m', '3', '--n', '1'], /batch \(8\) must be a multiple of m·n = 3/],
    [['--variant', 'linear'], /--variant must be one of/],
    [['--variant', 'att', '--m', '2', '--n', '2', '--curriculum-steps', '1', '--curriculum-stages', '2'], /curriculumStages \(2\) needs at least as many curriculumSteps, got 1/],
    [['--variant', 'att', '--m', '2', '--n', '2', '--curriculum-stages', '0'], /--curriculum-stages/],
    [['--kernel', 'exp'], /--kernel must be one of relu, softmax/],
    [['--keys', 'walsh'], /--keys must be one of random, hadamard/],
    [['--variant', 'att', '--m', '2', '--n', '2', '--head-dim', '12', '--keys', 'hadamard'], /Hadamard keys need a head dimension that is a power of 2/],
    [['--variant', 'att', '--m', '2', '--n', '2', '--clean-init'], /cleanInit needs keys 'hadamard'/],
  ] as [string[], RegExp][]) {
    const r = await captureCommand(trainCommand(), ['mimoformer', ...args(...a), '--out', path.join(tmp, 'bad')]);
    assert.ok(r.error instanceof UsageError && re.test(r.error.message), `${a.join(' ')}: ${String(r.error)}`);
  }
  const perf = path.join(tmp, 'perf');
  await runCommand(trainCommand(), ['mimoformer', ...args('--variant', 'performer', '--steps', '1', '--eval-every', '1', '--out', perf, '--json')]);
  const r = await captureCommand(interferenceCommand(), ['--model', path.join(perf, 'model.safetensors'), '--listops-dir', listops]);
  assert.ok(r.error instanceof UsageError && /the performer variant has no channels in superposition/.test(r.error.message), String(r.error));
});
