// The addon in worker threads: tensors work there, and terminating a worker in the middle of a
// libtorch call ends that worker only. (N-API calls fail while a worker's environment is torn down;
// a C++ exception escaping at that point used to abort the whole process.) The terminations run in
// a child process, so a regression fails this test instead of killing the test runner.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';

const tensorModule = new URL('./index.js', import.meta.url).href;

// A worker that reports, then computes until it is terminated.
const busyWorker = `
  const { parentPort } = await import('node:worker_threads');
  const { randn, tidy } = await import(${JSON.stringify(tensorModule)});
  parentPort.postMessage('ready');
  for (;;) tidy(() => { const a = randn([128, 128]); for (let i = 0; i < 20; i++) a.matmul(a).sum(); });
`;

test('a worker thread computes with tensors and returns the result', async () => {
  const w = new Worker(
    `const { parentPort } = await import('node:worker_threads');
     const { tensor } = await import(${JSON.stringify(tensorModule)});
     parentPort.postMessage(tensor([[1, 2], [3, 4]]).matmul(tensor([[5], [6]])).toFlatArray());`,
    { eval: true },
  );
  const got = await new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  assert.deepEqual(got, [17, 39]);
  await w.terminate();
});

test('terminating workers in the middle of libtorch calls does not abort the process', () => {
  const script = `
    const { Worker } = await import('node:worker_threads');
    for (let i = 0; i < 12; i++) {
      const w = new Worker(${JSON.stringify(busyWorker)}, { eval: true });
      await new Promise((r) => w.once('message', r));
      await new Promise((r) => setTimeout(r, 3 + 5 * i));
      await w.terminate();
    }
    console.log('survived');
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, MIMO_NUM_THREADS: '1' } });
  assert.equal(r.status, 0, `child exited with ${r.status} (signal ${r.signal}): ${r.stderr}`);
  assert.match(r.stdout, /survived/);
});
