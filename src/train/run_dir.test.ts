import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tensor } from '../tensor/index.js';
import { saveFile } from '../io/index.js';
import { RUN_FILES, readRunConfig } from './run_dir.js';

test('readRunConfig: config and position from the state header; none without a state; a wrong format is named', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mimo-run-dir-'));
  try {
    assert.equal(readRunConfig(dir, 'fmt/1', 'Test', 'step'), null);
    const moment = tensor([1, 2, 3]);
    saveFile(path.join(dir, RUN_FILES.state), { 'optimizer.m': moment }, { format: 'fmt/1', config: JSON.stringify({ lr: 0.5, grids: [[2, 2]] }), step: '7' });
    moment.dispose();
    assert.deepEqual(readRunConfig(dir, 'fmt/1', 'Test', 'step'), { config: { lr: 0.5, grids: [[2, 2]] }, position: 7 });
    assert.throws(() => readRunConfig(dir, 'other/1', 'DataMUX', 'step'), /train_state\.safetensors: not a DataMUX training state \(format 'fmt\/1', expected 'other\/1'\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
