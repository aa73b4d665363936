import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Generator, zeros } from '../../tensor/index.js';
import { saveFile } from '../../io/index.js';
import { WideResNet } from '../../models/wideresnet.js';
import { saveModelCheckpoint } from '../../models/checkpoint.js';
import { trainCommand } from './train.js';
import { accuracyThroughputSvg, evalCommand } from './eval.js';
import { UsageError } from '../output.js';
import { captureCommand, runCommand } from '../../testing/cli.js';

let tmp: string;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mimo-train-cli-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const train = (args: string[]) => runCommand(trainCommand(), ['mimoconv', ...args]);
const tinyArgs = ['--dataset', 'mnist', '--depth', '10', '--width', '1', '--initial-width', '1', '--cap', '4', '--groups', '8', '--limit', '96', '--eval-limit', '64', '--seed', '1'];

let checkpoint: string;

test('mimo train mimoconv trains, resumes with the saved settings, and reports JSON', async () => {
  const out = path.join(tmp, 'run');
  const first = JSON.parse(await train([...tinyArgs, '--epochs', '2', '--stop-after', '1', '--low', '2', '--fast-prob', '0.5', '--isometry', '1e-3', '--out', out, '--json']));
  assert.equal(first.start_epoch, 0);
  assert.equal(first.config.isometryWeight, 1e-3);
  assert.ok(first.epochs[0].train_isometry_loss > 0);
  assert.equal(first.epochs.length, 1);
  assert.equal(first.config.cap, 4);
  assert.deepEqual(first.config.low, [2]);
  assert.equal(first.config.mixupAlpha, 0, 'mixup defaults to 0 on MNIST');
  assert.equal(first.steps_per_epoch, 12);
  assert.deepEqual(Object.keys(first.epochs[0].eval_accuracy), ['1', '2', '4']);
  // --resume takes every setting not given from the run.
  const second = JSON.parse(await train(['--out', out, '--resume', '--json']));
  assert.equal(second.start_epoch, 1);
  assert.deepEqual(second.epochs.map((e: { epoch: number }) => e.epoch), [2]);
  assert.deepEqual(second.config.low, [2]);
  assert.equal(second.config.limit, 96);
  assert.equal(second.config.isometryWeight, 1e-3);
  const lines = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.epoch), [1, 2]);
  checkpoint = path.join(out, 'model.safetensors');
  assert.ok(existsSync(checkpoint));
  // A conflicting setting on resume is refused.
  await assert.rejects(train(['--out', out, '--resume', '--cap', '2']), /other settings \(cap: saved 4, given 2/);
  // The baseline's command does not resume a MIMOConv run (and the other way round): it names the right one.
  await assert.rejects(runCommand(trainCommand(), ['wideresnet', '--out', out, '--resume']), /holds a MIMOConv run; continue it with `mimo train mimoconv --resume --out /);
});

test('mimo train mimoconv: usage errors for bad options, missing data is named', async () => {
  const out = path.join(tmp, 'bad');
  const usage = async (args: string[], re: RegExp) => {
    const r = await captureCommand(trainCommand(), ['mimoconv', ...args]);
    assert.ok(r.error instanceof UsageError, `${args.join(' ')}: expected a UsageError, got ${String(r.error)}`);
    assert.match((r.error as Error).message, re);
  };
  await usage([...tinyArgs, '--low', '3', '--out', out], /--low 3 does not divide --cap 4 \(choose from 1, 2, 4\)/);
  await usage([...tinyArgs, '--dataset', 'imagenet', '--out', out], /--dataset must be one of mnist, cifar10/);
  await usage([...tinyArgs, '--depth', '12', '--out', out], /--depth must be one of 10, 16, 28/);
  await usage([...tinyArgs, '--fast-prob', '1.5', '--out', out], /--fast-prob must be a probability/);
  await usage([...tinyArgs, '--isometry', '-1', '--out', out], /--isometry must be/);
  await usage([...tinyArgs, '--groups', '500', '--out', out], /fewer than one step/);
  await usage(['--out', path.join(tmp, 'nothing'), '--resume'], /holds no train_state.safetensors/);
  const r = await captureCommand(trainCommand(), ['mimoconv', ...tinyArgs, '--data', path.join(tmp, 'no-data'), '--out', path.join(tmp, 'nd')]);
  assert.match(String((r.error as Error)?.message), /MNIST file not found/);
  assert.ok(!(r.error instanceof UsageError));
  const help = trainCommand().commands[0].helpInformation();
  for (const o of ['--dataset', '--cap', '--binding', '--fast-prob', '--low', '--mixup', '--val', '--resume', '--out']) assert.ok(help.includes(o), o);
});

test('mimo eval: accuracy and throughput per n as JSON and a table, an SVG with one point per n', async () => {
  assert.ok(checkpoint, 'needs the checkpoint of the first test');
  const svg = path.join(tmp, 'plot.svg');
  const res = JSON.parse(await runCommand(evalCommand(), [checkpoint, '--n', '1,2,4', '--limit', '100', '--json', '--plot', svg]));
  assert.equal(res.model, 'mimoconv');
  assert.equal(res.dataset, 'mnist');
  assert.equal(res.split, 'test');
  assert.equal(res.images, 100);
  assert.equal(res.epoch, 2);
  assert.deepEqual(res.points.map((p: { n: number }) => p.n), [1, 2, 4]);
  for (const p of res.points) {
    assert.ok(p.accuracy >= 0 && p.accuracy <= 1);
    assert.equal(p.total, 100);
    assert.ok(p.images_per_s > 0 && p.macs_per_input > 0);
  }
  assert.ok(res.points[2].macs_per_input < res.points[0].macs_per_input, 'n = 4 costs less per image than n = 1');
  const text = readFileSync(svg, 'utf8');
  assert.ok(text.includes('<svg') && text.trim().endsWith('</svg>'));
  assert.equal((text.match(/<circle class="point"/g) ?? []).length, 3);
  for (const n of [1, 2, 4]) assert.ok(text.includes(`>n=${n}</text>`), `label n=${n}`);
  assert.equal((text.match(/</g) ?? []).length, (text.match(/>/g) ?? []).length, 'balanced tags');
  await assert.rejects(runCommand(evalCommand(), [checkpoint, '--limit', '50', '--plot', tmp]), /--plot .* is a directory; name a file/);
  const table = await runCommand(evalCommand(), [checkpoint, '--limit', '50']);
  assert.match(table, /n\s+accuracy\s+images\/s/);
  assert.equal(table.trim().split('\n').length, 2 + 3);
});

test('mimo eval: n not dividing cap, another architecture, missing data and files are clear errors', async () => {
  let r = await captureCommand(evalCommand(), [checkpoint, '--n', '3']);
  assert.ok(r.error instanceof UsageError);
  assert.match((r.error as Error).message, /n must divide the checkpoint's capacity cap = 4 \(choose from 1, 2, 4\)/);
  r = await captureCommand(evalCommand(), [checkpoint, '--n', '1,x']);
  assert.ok(r.error instanceof UsageError);
  r = await captureCommand(evalCommand(), [checkpoint, '--uniform-attention']);
  assert.ok(r.error instanceof UsageError && /--uniform-attention: only for MIMOFormer checkpoints, .* holds a mimoconv model/.test(r.error.message), String(r.error));
  r = await captureCommand(evalCommand(), [checkpoint, '--grids', '2x2']);
  assert.ok(r.error instanceof UsageError && /--grids: only for MIMOFormer checkpoints, .* holds a mimoconv model/.test(r.error.message), String(r.error));
  r = await captureCommand(evalCommand(), [checkpoint, '--grouping', 'length']);
  assert.ok(r.error instanceof UsageError && /--grouping length: only for sequence models \(MIMOFormer, DataMUX sentences\), .* holds a mimoconv model/.test(r.error.message), String(r.error));
  const wrn = new WideResNet({ inChannels: 1, depth: 10, width: 1, initialWidth: 1 }, new Generator(0));
  const other = path.join(tmp, 'wrn.safetensors');
  saveModelCheckpoint(other, 'wideresnet', wrn, wrn.config, { dataset: 'mnist' });
  wrn.dispose();
  r = await captureCommand(evalCommand(), [other, '--n', '2']);
  assert.match(String((r.error as Error)?.message), /capacity cap = 1 \(choose from 1\)/);
  const notModel = path.join(tmp, 'state.safetensors');
  saveFile(notModel, { x: zeros([1]) });
  r = await captureCommand(evalCommand(), [notModel]);
  assert.match(String((r.error as Error)?.message), /not a mimo model checkpoint/);
  r = await captureCommand(evalCommand(), [checkpoint, '--data', path.join(tmp, 'no-data')]);
  assert.match(String((r.error as Error)?.message), /MNIST file not found/);
  r = await captureCommand(evalCommand(), [path.join(tmp, 'missing.safetensors')]);
  assert.ok(r.error instanceof UsageError);
  assert.match((r.error as Error).message, /checkpoint not found/);
  r = await captureCommand(evalCommand(), [checkpoint, '--dataset', 'cifar10']);
  assert.match(String((r.error as Error)?.message), /takes 1-channel images; cifar10 has 3/);
});

test('mimo train wideresnet trains the plain baseline with the same loop; mimo eval reports it at n = 1', async () => {
  const out = path.join(tmp, 'wrn-run');
  const args = ['--dataset', 'mnist', '--depth', '10', '--width', '1', '--initial-width', '1', '--groups', '16', '--limit', '96', '--eval-limit', '64', '--seed', '1'];
  const r = JSON.parse(await runCommand(trainCommand(), ['wideresnet', ...args, '--out', out, '--json']));
  assert.equal(r.config.baseline, true);
  assert.equal(r.config.cap, 1);
  assert.equal(r.steps_per_epoch, 6);
  assert.deepEqual(Object.keys(r.epochs[0].eval_accuracy), ['1']);
  const ev = JSON.parse(await runCommand(evalCommand(), [path.join(out, 'model.safetensors'), '--limit', '64', '--json']));
  assert.equal(ev.model, 'wideresnet');
  assert.equal(ev.points.length, 1);
  assert.equal(ev.points[0].accuracy, r.epochs[0].eval_accuracy['1'], 'eval reproduces the accuracy measured in training');
  const sub = trainCommand().commands.find((c) => c.name() === 'wideresnet')!;
  sub.configureOutput({ writeErr: () => undefined });
  const bad = await captureCommand(sub, [...args, '--cap', '4', '--out', path.join(tmp, 'wrn-bad')]);
  assert.match(String((bad.error as Error)?.message), /unknown option '--cap'/);
});

test('accuracyThroughputSvg draws axes, ticks and a labelled point per operating point', () => {
  const s = accuracyThroughputSvg([{ n: 1, accuracy: 0.9, imagesPerS: 100 }, { n: 2, accuracy: 0.85, imagesPerS: 190 }], 'a <title> & more');
  assert.ok(s.includes('a &lt;title&gt; &amp; more'));
  assert.equal((s.match(/<circle class="point"/g) ?? []).length, 2);
  assert.ok(s.includes('throughput (images/s)') && s.includes('accuracy (%)'));
  // A single point still plots.
  assert.equal((accuracyThroughputSvg([{ n: 4, accuracy: 1, imagesPerS: 5 }], 'x').match(/<circle/g) ?? []).length, 1);
});
