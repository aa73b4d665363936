import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LISTOPS_FILES, generateListOps, listOpsText, tokenizeListOps, writeListOpsTsv } from './listops.js';
import { LRA_IMAGE_TRAIN, LRA_TASK_INFO, loadLraTask, subsetRows } from './lra.js';
import { projectRoot } from './paths.js';

let tmp: string;
let gen: ReturnType<typeof generateListOps>;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mimo-lra-'));
  gen = generateListOps({ train: 40, val: 10, test: 10, minLength: 10, maxLength: 120, maxDepth: 5, seed: 3 });
  mkdirSync(path.join(tmp, 'listops'));
  writeListOpsTsv(path.join(tmp, 'listops', LISTOPS_FILES.train), gen.train);
  writeListOpsTsv(path.join(tmp, 'listops', LISTOPS_FILES.val), gen.val);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('ListOps: dev is the val file; ids, lengths and labels match the tokenizer and the trees', async () => {
  const d = await loadLraTask('listops', tmp, 'dev', { length: 64 });
  assert.deepEqual(d.inputs.shape, [10, 64]);
  const ids = d.inputs.toFlatArray();
  for (let i = 0; i < 10; i++) {
    const row = new Uint8Array(64);
    const count = tokenizeListOps(listOpsText(gen.val[i].codes), row);
    assert.equal(d.lengths[i], Math.min(64, count));
    assert.deepEqual(ids.slice(i * 64, (i + 1) * 64), Array.from(row));
  }
  assert.deepEqual(d.labels.toFlatArray(), gen.val.map((e) => e.label));
  d.inputs.dispose();
  d.labels.dispose();
});

test('ListOps: a missing file names the command that makes it', async () => {
  await assert.rejects(loadLraTask('listops', tmp, 'test'), /basic_test\.tsv is missing; generate the data with `mimo data listops --out/);
});

test('subsetRows: a seeded random subset, the same rows for the same seed, all rows when asked for more', async () => {
  const d = await loadLraTask('listops', tmp, 'train', { length: 32 });
  const a = subsetRows(d, 12, 5);
  const b = subsetRows(d, 12, 5);
  assert.deepEqual(a.labels.toFlatArray(), b.labels.toFlatArray());
  // Each chosen row is a row of the split, with its own label and length.
  const rows = d.inputs.toFlatArray();
  const sub = a.inputs.toFlatArray();
  const labels = d.labels.toFlatArray();
  for (let i = 0; i < 12; i++) {
    const row = sub.slice(i * 32, (i + 1) * 32).join(',');
    const j = Array.from({ length: 40 }, (_, k) => k).find((k) => rows.slice(k * 32, (k + 1) * 32).join(',') === row && d.lengths[k] === a.lengths[i]);
    assert.ok(j !== undefined, `subset row ${i} is not a row of the split`);
    assert.equal(a.labels.toFlatArray()[i], labels[j]);
  }
  assert.notDeepEqual(a.labels.toFlatArray(), subsetRows(d, 12, 6).labels.toFlatArray());
  assert.equal(subsetRows(d, 100, 5), d);
  for (const t of [a.inputs, a.labels, b.inputs, b.labels, d.inputs, d.labels]) t.dispose();
});

test('task facts and length checks', async () => {
  assert.deepEqual([LRA_TASK_INFO.listops.classes, LRA_TASK_INFO.text.classes, LRA_TASK_INFO.image.classes], [10, 2, 10]);
  assert.equal(LRA_TASK_INFO.image.padId, null);
  await assert.rejects(loadLraTask('image', tmp, 'train', { length: 512 }), /image: length must be 1024/);
  await assert.rejects(loadLraTask('listops', tmp, 'train', { length: 0 }), /length must be a positive integer/);
});

test('Image on the real CIFAR-10: train = first 45,000, dev = last 5,000 of the training images, full length', async () => {
  const dir = path.resolve(projectRoot(), '..', 'shared', 'data');
  assert.ok(existsSync(path.join(dir, 'cifar10', 'cifar-10-binary.tar.gz')), 'the real CIFAR-10 data is missing (see shared/data/README.md)');
  const dev = await loadLraTask('image', dir, 'dev');
  assert.deepEqual(dev.inputs.shape, [50000 - LRA_IMAGE_TRAIN, 1024]);
  assert.ok(dev.lengths.every((l) => l === 1024));
  const { loadLraImage } = await import('./lra_image.js');
  const all = await loadLraImage(dir, 'train');
  assert.deepEqual(dev.labels.toFlatArray(), all.labels.narrow(0, LRA_IMAGE_TRAIN, 5000).toFlatArray());
  assert.deepEqual(dev.inputs.narrow(0, 0, 2).toFlatArray(), all.inputs.narrow(0, LRA_IMAGE_TRAIN, 2).toFlatArray());
  for (const t of [dev.inputs, dev.labels, all.inputs, all.labels]) t.dispose();
});
