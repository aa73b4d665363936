import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadFile } from '../io/index.js';
import { loadMnist, resolveDataDir, toFloatImages } from '../data/index.js';
import { MnistCnn } from '../models/mnist_cnn.js';
import { evaluateClassifier } from '../train/classifier.js';
import { tidy } from '../tensor/index.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/mimo.js');
const mimo = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });

test('--help on every command', () => {
  const root = mimo('--help');
  assert.equal(root.status, 0);
  for (const c of ['train', 'eval', 'serve', 'demo', 'bench', 'info', 'interference', 'data', 'run']) assert.match(root.stdout, new RegExp(`\\b${c}\\b`));
  for (const args of [['demo', '--help'], ['bench', '--help'], ['interference', '--help'], ['data', '--help'], ['data', 'verify', '--help'], ['data', 'listops', '--help'], ['train', 'mimoconv', '--help'], ['eval', '--help'], ['serve', '--help'], ['bench', 'serve', '--help'], ['bench', 'mimoconv', '--help'], ['bench', 'data', '--help'], ['bench', 'engine', '--help'], ['info', '--help'], ['run', '--help']]) {
    const r = mimo(...args);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /Usage: mimo/);
  }
});

test('info --json describes the runtime', () => {
  const r = mimo('info', '--json');
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  assert.match(info.libtorch, /^\d+\.\d+\.\d+$/);
  assert.ok(['openblas', 'mkl', 'reference', 'none'].includes(info.blas.kind));
  assert.ok(info.threads.intraOp >= 1 && info.threads.blas >= 1);
  assert.equal(typeof info.cuda.available, 'boolean');
});

test('run: a script gets its arguments and the mimo command\'s allocator; missing or failing scripts are reported', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mimo-run-'));
  try {
    const engine = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bench/engine.js')).href;
    const script = path.join(dir, 'probe.mjs');
    writeFileSync(script, `import { allocator } from ${JSON.stringify(engine)};\nconsole.log(JSON.stringify({ argv: process.argv.slice(1), allocator: allocator() }));\n`);
    const r = mimo('run', script, '--epochs', '3', 'x');
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout);
    assert.deepEqual(got.argv, [script, '--epochs', '3', 'x']);
    assert.equal(got.allocator, JSON.parse(mimo('info', '--json').stdout).allocator);
    const missing = mimo('run', path.join(dir, 'nope.mjs'));
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /run: no such script: .*nope\.mjs/);
    const failing = path.join(dir, 'fails.mjs');
    writeFileSync(failing, "throw new Error('script broke');\n");
    const f = mimo('run', failing);
    assert.equal(f.status, 1);
    assert.match(f.stderr, /mimo: .*fails\.mjs failed:\nError: script broke\n\s+at .*fails\.mjs:1:7/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('usage mistakes exit 2 with a message naming the option; unknown commands fail', () => {
  const r = mimo('demo', '--epochs', '0');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--epochs must be a positive integer, got '0'/);
  const u = mimo('frobnicate');
  assert.notEqual(u.status, 0);
  assert.match(u.stderr, /unknown command/);
});

test('missing data is named with where to put it', () => {
  const r = mimo('demo', '--data', '/nonexistent/data', '--limit', '100');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\/nonexistent\/data/);
  assert.match(r.stderr, /MIMO_DATA|--data/);
});

test('demo --json --save: the saved weights reload to the reported accuracy', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mimo-cli-'));
  try {
    const file = path.join(dir, 'demo.safetensors');
    const r = mimo('demo', '--model', 'cnn', '--limit', '1000', '--batch-size', '50', '--json', '--save', file);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.train_images, 1000);
    assert.equal(out.test_total, 10000);
    assert.ok(out.test_accuracy > 0.5, `accuracy ${out.test_accuracy}`);
    const { tensors, metadata } = loadFile(file);
    assert.equal(metadata.model, 'MnistCnn');
    const model = new MnistCnn(JSON.parse(metadata.config));
    model.loadStateDict(tensors);
    tensors.forEach((t) => t.dispose());
    const acc = tidy(() => {
      const t = loadMnist(resolveDataDir(), 'test');
      return evaluateClassifier(model, toFloatImages(t.images), t.labels).accuracy;
    });
    assert.equal(acc, out.test_accuracy);
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('demo --model mimoconv: one set of weights at n = 1, 2, 4; the saved checkpoint reloads to the reported accuracy', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mimo-cli-'));
  try {
    const file = path.join(dir, 'demo-mimoconv.safetensors');
    const r = mimo('demo', '--model', 'mimoconv', '--limit', '1000', '--json', '--save', file);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.model, 'MIMOConv');
    assert.equal(out.train_images, 1000);
    assert.deepEqual(out.points.map((p: { n: number }) => p.n), [1, 2, 4]);
    for (const p of out.points) {
      assert.equal(p.test_total, 10000);
      assert.ok(p.test_accuracy > 0.1 && p.images_per_s > 0, JSON.stringify(p));
    }
    assert.equal(out.points[0].speedup, 1);
    const { loadMIMOConv } = await import('../models/checkpoint.js');
    const { DATASET_SPECS, evaluateMIMOConv } = await import('../train/mimoconv.js');
    const { normalize } = await import('../data/index.js');
    const { model } = loadMIMOConv(file);
    const accuracy = tidy(() => {
      const t = loadMnist(resolveDataDir(), 'test');
      const x = normalize(t.images.unsqueeze(1), DATASET_SPECS.mnist.mean, DATASET_SPECS.mnist.std);
      return evaluateMIMOConv(model, x, t.labels, [1, 4]).map((p) => p.accuracy);
    });
    assert.deepEqual(accuracy, [out.points[0].test_accuracy, out.points[2].test_accuracy]);
    model.dispose();
    const bad = mimo('demo', '--model', 'mimoconv', '--batch-size', '8');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--batch-size: only for --model cnn/);
    // --save is checked before training: a file already there is kept, a directory or a missing folder is refused.
    const before = readFileSync(file);
    for (const [target, message] of [[file, /already exists; remove it or choose another file/], [dir, /is a directory; name a file/], [path.join(dir, 'no', 'x.safetensors'), /the directory .* does not exist/]] as const) {
      const refused = mimo('demo', '--limit', '100', '--save', target);
      assert.equal(refused.status, 2, refused.stderr);
      assert.match(refused.stderr, message);
      assert.doesNotMatch(refused.stdout + refused.stderr, /Training|epoch/i, 'nothing was trained');
    }
    assert.deepEqual(readFileSync(file), before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
