import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, images, postJson, tinyCheckpoint, tinyDataMUXCheckpoint, tinyMIMOFormerCheckpoint } from '../../serve/testing.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/mimo.js');

/**
 * `mimo serve ARGS` in a child process; `listening` resolves with its URL once it says it listens.
 * bin/mimo.js may re-run itself (jemalloc) and cannot pass SIGKILL on: kill() ends the whole process
 * group, so a failed assertion fails the test instead of leaving a server that keeps it waiting.
 */
function startServe(args: string[]) {
  const child = spawn(process.execPath, [bin, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const kill = () => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const out = { stdout: '', stderr: '' };
  child.stderr.on('data', (d) => (out.stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out.stdout += d;
      const m = /listening on (http:\/\/\S+) /.exec(out.stdout);
      if (m) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`mimo serve exited (${code}): ${out.stderr}`)));
  });
  return { child, out, exited, listening, kill };
}

test('mimo serve: listens, answers, and on SIGTERM answers what it received before exiting 0', async () => {
  const checkpoint = tinyCheckpoint();
  const { child, out, exited, listening, kill } = startServe([checkpoint, '--port', '0', '--n', '1', '--max-groups', '1', '--no-calibrate']);
  try {
    const url = await listening;
    assert.match(out.stdout, /MIMOConv, cap 4, images \[1,28,28\], operating points n = 1, 2, 4; now n = 1/);
    const imgs = images(8, 11);
    const replies = imgs.map((img) => postJson(`${url}/v1/predict`, { input: Array.from(img) }));
    let answered = 0;
    replies.forEach((p) => void p.then(() => answered++));
    // Wait until the server has received all 8 (answered, or accepted and waiting).
    for (;;) {
      const inFlight = (await call(`${url}/v1/health`)).body.in_flight as number;
      if (inFlight + answered >= 8) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGTERM');
    const all = await Promise.all(replies);
    assert.deepEqual(all.map((r) => r.status), new Array(8).fill(200));
    assert.equal(await exited, 0, out.stderr);
    assert.match(out.stderr, /SIGTERM: no new requests/);
    assert.match(out.stderr, /stopped/);
  } finally {
    kill();
  }
});

test('mimo serve: a missing checkpoint and a bad --n are usage errors', async () => {
  const run = (...args: string[]) => new Promise<{ code: number | null; err: string }>((resolve) => {
    const c = spawn(process.execPath, [bin, 'serve', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    c.on('exit', (code) => resolve({ code, err }));
  });
  const missing = await run('/nonexistent/model.safetensors');
  assert.equal(missing.code, 2);
  assert.match(missing.err, /checkpoint not found: \/nonexistent\/model.safetensors/);
  const badN = await run(tinyCheckpoint(), '--n', '3', '--port', '0', '--no-calibrate');
  assert.equal(badN.code, 2);
  assert.match(badN.err, /operating points \(inputs per superposition\): 1, 2, 4; got 3/);
  const badPort = await run(tinyCheckpoint(), '--port', '99999');
  assert.equal(badPort.code, 2);
  assert.match(badPort.err, /--port must be a TCP port, an integer in 0\.\.65535, got '99999'/);
});

test('mimo serve: a MIMOFormer checkpoint serves LRA sequences at its grids; MIMOConv-only options are refused', async () => {
  const checkpoint = tinyMIMOFormerCheckpoint('text');
  const { child, out, exited, listening, kill } = startServe([checkpoint, '--port', '0', '--n', '4', '--no-calibrate']);
  try {
    const url = await listening;
    assert.match(out.stdout, /MIMOFormer att, cap 4, LRA text sequences of up to 48 tokens, operating points n = 1 \(1x1\), 4 \(2x2\); now n = 4/);
    const r = await postJson(`${url}/v1/predict`, { inputs: ['good', 'bad', 'fine', 'odd'] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    // Grouped longest first (ties in arrival order): good, fine, bad, odd.
    assert.deepEqual(r.body.outputs.map((o: { grid: string; slot: number }) => [o.grid, o.slot]), [['2x2', 0], ['2x2', 2], ['2x2', 1], ['2x2', 3]]);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out.stderr);
  } finally {
    kill();
  }
  const run = (...args: string[]) => new Promise<{ code: number | null; err: string }>((resolve) => {
    const c = spawn(process.execPath, [bin, 'serve', ...args, '--port', '0', '--no-calibrate'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    c.on('exit', (code) => resolve({ code, err }));
  });
  const size = await run(checkpoint, '--image-size', '32x32');
  assert.equal(size.code, 2);
  assert.match(size.err, /an image size applies to MIMOConv checkpoints/);
  const grids = await run(tinyCheckpoint(), '--grids', '2x2');
  assert.equal(grids.code, 2);
  assert.match(grids.err, /grids apply to MIMOFormer checkpoints/);
});

test('mimo serve: a DataMUX checkpoint serves sentences at the points given; points beyond its N are a usage error', async () => {
  const checkpoint = tinyDataMUXCheckpoint();
  const { child, out, exited, listening, kill } = startServe([checkpoint, '--port', '0', '--points', '2', '--n', '2', '--no-calibrate']);
  try {
    const url = await listening;
    assert.match(out.stdout, /DataMUX N = 2, cap 2, sentences of up to 11 words, operating points n = 2; now n = 2/);
    const r = await postJson(`${url}/v1/predict`, { inputs: ['a fine film', 'dull'] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.outputs.map((o: { n: number; slot: number }) => [o.n, o.slot]), [[2, 0], [2, 1]]);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out.stderr);
  } finally {
    kill();
  }
  const c = spawn(process.execPath, [bin, 'serve', checkpoint, '--points', '1,3', '--port', '0', '--no-calibrate'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  c.stderr.on('data', (d) => (err += d));
  assert.equal(await new Promise<number | null>((resolve) => c.on('exit', resolve)), 2, err);
  assert.match(err, /operating point 3: the checkpoint holds N = 2 instances/);
});

test('mimo bench serve: --lengths task on a model that is not a ListOps MIMOFormer is a usage error', async () => {
  const c = spawn(process.execPath, [bin, 'bench', 'serve', tinyMIMOFormerCheckpoint('text'), '--lengths', 'task', '--json'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  c.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((resolve) => c.on('exit', resolve));
  assert.equal(code, 2, err);
  assert.match(err, /mimo: lengths 'task' generates ListOps trees; this model's task is text/);
});
