import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { captureCommand } from '../../testing/cli.js';
import { listopsCommand } from './listops.js';
import { UsageError } from '../output.js';
import { evaluateListOps, listOpsLength, readListOpsTsv } from '../../data/listops.js';

let tmp: string;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mimo-listops-cli-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

async function run(args: string[]): Promise<string> {
  const r = await captureCommand(listopsCommand(), args);
  if (r.error) throw r.error;
  return r.out;
}

const tiny = ['--train', '40', '--val', '6', '--test', '6', '--min-length', '10', '--max-length', '120', '--max-depth', '5', '--seed', '3'];

test('listops writes the three LRA files atomically, with a JSON summary', async () => {
  const out = path.join(tmp, 'a');
  const summary = JSON.parse(await run(['--out', out, ...tiny, '--json']));
  assert.deepEqual(readdirSync(out).sort(), ['basic_test.tsv', 'basic_train.tsv', 'basic_val.tsv']);
  assert.equal(summary.splits.train.count, 40);
  assert.equal(summary.splits.val.labels.reduce((a: number, b: number) => a + b, 0), 6);
  assert.ok(summary.sampled >= 52 && summary.rejection_rate >= 0 && summary.rejection_rate < 1);
  assert.equal(summary.config.maxDepth, 5);
  const rows = readListOpsTsv(path.join(out, 'basic_train.tsv'));
  assert.equal(rows.length, 40);
  for (const r of rows) {
    assert.equal(evaluateListOps(r.source), r.target);
    const L = listOpsLength(r.source);
    assert.ok(L > 10 && L < 120);
  }
  assert.ok(summary.splits.train.length.min >= 11 && summary.splits.train.length.max <= 119);
  // The same seed writes the same files.
  const again = path.join(tmp, 'b');
  await run(['--out', again, ...tiny, '--json']);
  for (const f of ['basic_train.tsv', 'basic_val.tsv', 'basic_test.tsv']) {
    assert.equal(readFileSync(path.join(again, f), 'latin1'), readFileSync(path.join(out, f), 'latin1'));
  }
});

test('--verify re-checks the written files cleanly, and reports a wrong label by line', async () => {
  const out = path.join(tmp, 'c');
  const text = await run(['--out', out, ...tiny]);
  assert.match(text, /basic_train\.tsv +40 trees/);
  const ok = JSON.parse(await run(['--out', out, '--verify', '--min-length', '10', '--max-length', '120', '--json']));
  assert.equal(ok.ok, true);
  assert.deepEqual(ok.files.map((f: { rows: number }) => f.rows), [40, 6, 6]);
  // Corrupt the label on line 4 of the validation file.
  const val = path.join(out, 'basic_val.tsv');
  const lines = readFileSync(val, 'latin1').split('\n');
  const [src, y] = lines[3].split('\t');
  lines[3] = `${src}\t${(Number(y) + 1) % 10}`;
  writeFileSync(val, lines.join('\n'));
  const bad = await captureCommand(listopsCommand(), ['--out', out, '--verify', '--min-length', '10', '--max-length', '120']);
  assert.match(String(bad.error), /verification failed: 1 problem/);
  assert.match(bad.out, /basic_val\.tsv:4: label: target \d but the expression evaluates to \d/);
  const js = await captureCommand(listopsCommand(), ['--out', out, '--verify', '--min-length', '10', '--max-length', '120', '--json']);
  const rep = JSON.parse(js.out);
  assert.equal(rep.ok, false);
  assert.deepEqual(rep.files[1].issues.map((i: { line: number; kind: string }) => [i.line, i.kind]), [[4, 'label']]);
});

test('usage mistakes are usage errors; no temporary files are left', async () => {
  await assert.rejects(() => run(['--out', path.join(tmp, 'd'), '--max-args', '1']), UsageError);
  await assert.rejects(() => run(['--out', path.join(tmp, 'd'), '--min-length', '10', '--max-length', '11']), UsageError);
  await assert.rejects(() => run(['--out', path.join(tmp, 'nothing'), '--verify']), /does not exist/);
  // Depth 2 with 3 arguments: no tree is longer than 5 tokens.
  await assert.rejects(() => run(['--out', path.join(tmp, 'd'), '--max-depth', '2', '--max-args', '3', '--min-length', '5']), /no tree of depth <= 2 with <= 3 arguments is longer than minLength 5 \(the longest has 5 tokens\)/);
  // An empty split says so, with no NaN lengths.
  const none = await run(['--out', path.join(tmp, 'e'), ...tiny, '--val', '0']);
  assert.match(none, /basic_val\.tsv +0 trees\n/);
  assert.doesNotMatch(none, /NaN/);
  // Files already there are kept unless --force.
  const before = readFileSync(path.join(tmp, 'a', 'basic_train.tsv'), 'latin1');
  await assert.rejects(() => run(['--out', path.join(tmp, 'a'), ...tiny, '--train', '3']), /already holds basic_train\.tsv, basic_val\.tsv, basic_test\.tsv; pass --force/);
  assert.equal(readFileSync(path.join(tmp, 'a', 'basic_train.tsv'), 'latin1'), before);
  await run(['--out', path.join(tmp, 'a'), ...tiny, '--train', '3', '--force']);
  assert.equal(readListOpsTsv(path.join(tmp, 'a', 'basic_train.tsv')).length, 3);
  assert.ok(!existsSync(path.join(tmp, 'd', 'basic_train.tsv')));
  for (const d of ['a', 'b', 'c']) assert.ok(readdirSync(path.join(tmp, d)).every((f) => !f.includes('.tmp-')));
});
