import test from 'node:test';
import assert from 'node:assert/strict';
import { interferenceCommand } from './interference.js';
import { runCommand } from '../../testing/cli.js';

const run = (...args: string[]) => runCommand(interferenceCommand(), args);

test('interference --json prints one row per N with the documented fields', async () => {
  const rows = JSON.parse(await run('--binding', 'map', '--dim', '128', '--n', '1,2,4', '--trials', '20', '--seed', '3', '--json'));
  assert.equal(rows.length, 3);
  assert.deepEqual(rows.map((r: { n: number }) => r.n), [1, 2, 4]);
  for (const r of rows) {
    for (const k of ['binding', 'dim', 'n', 'trials', 'cosine', 'sir', 'sir_theory', 'ratio']) assert.ok(k in r, `missing ${k}`);
    assert.equal(r.binding, 'map');
    assert.equal(r.dim, 128);
    assert.equal(r.trials, 20);
  }
  assert.equal(rows[0].sir, null); // N = 1: no interference
  assert.equal(rows[1].sir_theory, Math.sqrt(128));
  assert.ok(Math.abs(rows[2].ratio - 1) < 0.2);
});

test('interference prints an aligned table of measured vs theory by default', async () => {
  const out = await run('--binding', 'hrr', '--dim', '64', '--n', '2,8', '--trials', '10');
  const lines = out.trim().split('\n');
  assert.match(lines[0], /^binding\s+D\s+N\s+trials\s+cosine\s+theory\s+SIR\s+theory\s+ratio\s+sqrt\(D\/\(N-1\)\)$/);
  assert.match(lines[1], /^hrr\s+64\s+2\s+10\s+\d\.\d{4}\s+\d\.\d{4}\s+\d+\.\d\d\s+\d+\.\d\d\s+\d\.\d{3}\s+8\.00$/);
  assert.equal(lines[1].length, lines[0].length);
  assert.equal(lines[2].length, lines[0].length);
  assert.match(out, /SIR: mean <r, x1>/);
});

test('interference: bad options are usage errors that name the problem', async () => {
  await assert.rejects(run('--binding', 'foo'), { name: 'UsageError', message: "unknown binding 'foo' (choose from hrr, hrr-exact, map, mbat)" });
  await assert.rejects(run('--n', '1,,4'), { name: 'UsageError', message: /--n must be a comma-separated list of positive integers \(e\.g\. 1,2,4,8\), got '1,,4'/ });
  await assert.rejects(run('--n', '2,0'), { name: 'UsageError', message: /got '2,0'/ });
  await assert.rejects(run('--dim', '1'), { name: 'UsageError', message: /--dim must be at least 2/ });
  await assert.rejects(run('--trials', '0'), { name: 'UsageError', message: /--trials must be a positive integer/ });
  await assert.rejects(run('--grids', '2x2', '--listops-dir', 'x'), { name: 'UsageError', message: '--grids, --listops-dir: only with --model CHECKPOINT' });
});
