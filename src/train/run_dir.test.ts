import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tensor } from '../tensor/index.js';
import { saveFile } from '../io/index.js';
import { RUN_FILES, openRun, readRunConfig } from './run_dir.js';
import { Linear } from '../nn/index.js';
import { saveModelCheckpoint } from '../models/checkpoint.js';

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

test('openRun on resume: fields added since the run was saved take their defaults; other differences are named', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mimo-run-dir-'));
  try {
    const defaults = { lr: 0.1, pooling: 'cls' };
    const lin = new Linear(2, 2);
    saveModelCheckpoint(path.join(dir, RUN_FILES.model), 'mimoformer', lin, {}, { step: 4 });
    lin.dispose();
    const moment = tensor([1, 2]);
    // Saved before 'pooling' existed.
    saveFile(path.join(dir, RUN_FILES.state), { 'optimizer.m': moment }, { format: 'fmt/1', config: JSON.stringify({ lr: 0.5 }), step: '4', optimizer: '{}' });
    moment.dispose();
    const open = (config: typeof defaults) => openRun(dir, { resume: true, format: 'fmt/1', what: 'Test', config, defaults, position: 'step', total: 10 });
    const r = open({ lr: 0.5, pooling: 'cls' });
    assert.equal(r.start, 4);
    for (const t of Object.values(r.saved!.optimizer.tensors)) t.dispose();
    assert.throws(() => open({ lr: 0.5, pooling: 'mean' }), /the run was started with other settings \(pooling: saved "cls", given "mean"\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('openRun: --out that is a file or empty, a metrics line that is not JSON and a checkpoint without a position are named; nothing is changed', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mimo-run-dir-'));
  try {
    const defaults = { lr: 0.1 };
    const open = (out: string, resume: boolean) => openRun(out, { resume, format: 'fmt/1', what: 'Test', config: { lr: 0.5 }, defaults, position: 'step', total: 10 });
    const file = path.join(dir, 'a-file');
    writeFileSync(file, 'keep');
    assert.throws(() => open(file, false), /--out .*a-file is a file, not a directory/);
    assert.equal(readFileSync(file, 'utf8'), 'keep');
    assert.throws(() => open('', false), /--out must name a directory, got an empty path/);

    const lin = new Linear(2, 2);
    saveModelCheckpoint(path.join(dir, RUN_FILES.model), 'mimoformer', lin, {}, { step: 4 });
    const moment = tensor([1, 2]);
    saveFile(path.join(dir, RUN_FILES.state), { 'optimizer.m': moment }, { format: 'fmt/1', config: JSON.stringify({ lr: 0.5 }), step: '4', optimizer: '{}' });
    moment.dispose();
    const metrics = '{"step":2}\n{"step":4}\ngarbage{\n{"step":6}\n';
    writeFileSync(path.join(dir, RUN_FILES.metrics), metrics);
    assert.throws(() => open(dir, true), /cannot resume .*: line 3 of metrics\.jsonl is not JSON \(.*\); repair or remove that line/);
    assert.equal(readFileSync(path.join(dir, RUN_FILES.metrics), 'utf8'), metrics, 'the metrics are left as they were');

    writeFileSync(path.join(dir, RUN_FILES.metrics), '{"step":2}\n{"step":4}\n{"step":6}\n');
    saveModelCheckpoint(path.join(dir, RUN_FILES.model), 'mimoformer', lin, {}, { epoch: 4 }); // another trainer's checkpoint
    lin.dispose();
    assert.throws(() => open(dir, true), /cannot resume .*: model\.safetensors records no step \(is it this run's checkpoint\?\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
