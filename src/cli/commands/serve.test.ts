import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, images, postJson, tinyCheckpoint } from '../../serve/testing.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/mimo.js');

test('mimo serve: listens, answers, and on SIGTERM answers what it received before exiting 0', async () => {
  const checkpoint = tinyCheckpoint();
  const child = spawn(process.execPath, [bin, 'serve', checkpoint, '--port', '0', '--n', '1', '--max-groups', '1', '--no-calibrate'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        const m = /listening on (http:\/\/\S+) /.exec(stdout);
        if (m) resolve(m[1]);
      });
      void exited.then((code) => reject(new Error(`mimo serve exited (${code}): ${stderr}`)));
    });
    assert.match(stdout, /cap 4, inputs \[1,28,28\], operating point n = 1/);
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
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, /SIGTERM: no new requests/);
    assert.match(stderr, /stopped/);
  } finally {
    child.kill('SIGKILL');
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
  assert.match(badN.err, /n = 3 must divide the capacity cap = 4 \(one of 1, 2, 4\)/);
});
