import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The spin-wait defaults are set before libtorch (and with it libgomp and OpenBLAS) loads, and a
// value the user gave is kept. Checked in a fresh process: they are read once, at load.
const index = fileURLToPath(new URL('./index.js', import.meta.url));

function spinEnv(extra: Record<string, string>): { g: string | null; o: string | null } {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of ['GOMP_SPINCOUNT', 'OMP_WAIT_POLICY', 'OPENBLAS_THREAD_TIMEOUT']) delete env[k];
  const script = `const t = await import(${JSON.stringify(index)}); t.zeros([2]).add(1); console.log(JSON.stringify({ g: process.env.GOMP_SPINCOUNT ?? null, o: process.env.OPENBLAS_THREAD_TIMEOUT ?? null }));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...env, ...extra }, encoding: 'utf8' }));
}

test('native: short spin-waits for OpenMP and OpenBLAS by default, the user’s settings win', () => {
  assert.deepEqual(spinEnv({}), { g: '10000', o: '16' });
  assert.deepEqual(spinEnv({ OPENBLAS_THREAD_TIMEOUT: '20', GOMP_SPINCOUNT: '5' }), { g: '5', o: '20' });
  assert.deepEqual(spinEnv({ OMP_WAIT_POLICY: 'PASSIVE' }), { g: null, o: '16' });
});
