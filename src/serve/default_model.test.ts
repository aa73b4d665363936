import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDefaultModel } from './default_model.js';
import { describeCheckpoint } from './model.js';

test('the default model is trained once when missing, then reused', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'mimo-default-'));
  const dir = path.join(root, 'serve-default');
  try {
    const told: string[] = [];
    let steps = 0;
    const small = { limit: 64, groups: 16, evalLimit: 32, calibrationGroups: 2 };
    const file = await ensureDefaultModel({
      dir, config: small,
      onTrainStart: (what, total) => told.push(`${what} (${total} steps)`),
      onStep: () => steps++,
      onTrainEnd: (ckpt) => told.push(`saved ${ckpt}`),
    });
    assert.equal(file, path.join(dir, 'model.safetensors'));
    assert.equal(told.length, 2);
    assert.match(told[0], /no checkpoint given and .*model\.safetensors does not exist: training the default model \(MIMOConv WRN-10-1, cap 4/);
    assert.equal(steps, 4); // 64 images / 16 superpositions per step
    const m = describeCheckpoint(file);
    assert.ok(m.kind === 'mimoconv');
    assert.deepEqual([m.cap, m.classes, m.dataset, m.input.channels, m.input.height, m.input.width], [4, 10, 'mnist', 1, 28, 28]);
    const mtime = statSync(file).mtimeMs;
    const again = await ensureDefaultModel({ dir, config: small, onTrainStart: () => assert.fail('trained again') });
    assert.equal(again, file);
    assert.equal(statSync(file).mtimeMs, mtime);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
