import test from 'node:test';
import assert from 'node:assert/strict';
import { runServeBench, defaultServeBench } from './serve.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tinyCheckpoint, tinyDataMUXCheckpoint, tinyMIMOFormerCheckpoint } from '../serve/testing.js';

test('bench serve: a short run reports every policy and rate with consistent counts', async () => {
  const r = await runServeBench({
    ...defaultServeBench, checkpoint: tinyCheckpoint(), rates: [0.25], seconds: 0.3, capacitySeconds: 0.3, concurrency: 8, maxGroups: 8,
  });
  assert.ok(r.n1_capacity_rps > 0);
  assert.equal(r.target_p99_ms, 50);
  assert.deepEqual(r.runs.map((x) => x.policy), ['fixed-1', 'fixed-cap', 'auto']);
  for (const run of r.runs) {
    assert.ok(Math.abs(run.offered_rps - 0.25 * r.n1_capacity_rps) < 0.2);
    const answered = Object.values(run.status).reduce((a, b) => a + b, 0);
    assert.equal(answered + run.lost, run.sent);
    assert.equal(run.lost, 0);
    if (run.status['200']) {
      assert.ok(run.p50_ms! <= run.p99_ms!);
      assert.ok(Math.abs(Object.values(run.n_share).reduce((a, b) => a + b, 0) - 1) < 0.01);
    }
  }
  assert.deepEqual(Object.keys(r.runs[0].n_share), ['1']);
  assert.deepEqual(Object.keys(r.runs[1].n_share), ['4']);
});

test('bench serve: a MIMOFormer checkpoint is driven with full-length token sequences at its grids', async () => {
  const r = await runServeBench({
    ...defaultServeBench, checkpoint: tinyMIMOFormerCheckpoint('listops'), rates: [0.25], policies: ['fixed-1', 'fixed-cap'], seconds: 0.3, capacitySeconds: 0.3, concurrency: 8, maxGroups: 8,
  });
  assert.ok(r.n1_capacity_rps > 0);
  assert.deepEqual([r.config.model, r.config.operating_points, r.config.input], ['mimoformer', [1, 4], 'LRA listops sequences of up to 48 tokens']);
  for (const run of r.runs) assert.equal(run.status['400'] ?? 0, 0);
  assert.deepEqual(r.runs.map((x) => Object.keys(x.n_share)), [['1'], ['4']]);
});

test('bench serve: lengths task drives a ListOps model with generator trees of LRA-scaled lengths; other tasks are refused', async () => {
  const opts = { ...defaultServeBench, rates: [0.25], policies: ['fixed-cap' as const], seconds: 0.3, capacitySeconds: 0.3, concurrency: 8, maxGroups: 8, lengths: 'task' as const };
  for (const lengthGrouping of [true, false]) {
    const r = await runServeBench({ ...opts, checkpoint: tinyMIMOFormerCheckpoint('listops'), lengthGrouping });
    assert.deepEqual([r.config.lengths, r.config.length_grouping], ['task', lengthGrouping]);
    // Trees with 48·500/2000 = 12 < L < 48 tokens.
    const mean = r.config.mean_tokens as number;
    assert.ok(mean > 12 && mean < 48, `mean tokens ${mean}`);
    assert.ok(r.n1_capacity_rps > 0);
    for (const run of r.runs) assert.deepEqual([run.status['400'] ?? 0, run.lost], [0, 0]);
  }
  await assert.rejects(runServeBench({ ...opts, checkpoint: tinyMIMOFormerCheckpoint('text') }), /lengths 'task' generates ListOps trees; this model's task is text/);
  await assert.rejects(runServeBench({ ...opts, checkpoint: tinyCheckpoint() }), /lengths 'task' applies to sequence models \(MIMOFormer ListOps, DataMUX sentences\); this checkpoint takes images/);
});

test('bench serve: a DataMUX sentence model is driven with SST-2 dev sentences (task) or sentences as long as it takes (full)', async () => {
  const data = mkdtempSync(path.join(tmpdir(), 'mimo-bench-sst2-'));
  try {
    mkdirSync(path.join(data, 'sst2'));
    const dev = ['good', 'a fine film', 'not good at all , and far too long for what it is'];
    writeFileSync(path.join(data, 'sst2', 'dev.tsv'), `sentence\tlabel\n${dev.map((x, i) => `${x}\t${i % 2}`).join('\n')}\n`);
    const opts = { ...defaultServeBench, rates: [0.25], policies: ['fixed-cap' as const], seconds: 0.3, capacitySeconds: 0.3, concurrency: 8, maxGroups: 8 };
    const task = await runServeBench({ ...opts, checkpoint: tinyDataMUXCheckpoint(), lengths: 'task', data });
    // [CLS] and the words, cut at the model's 12: 2, 4 and 12 tokens.
    assert.deepEqual([task.config.model, task.config.operating_points, task.config.input, task.config.mean_tokens], ['datamux', [1, 2], 'sentences of up to 11 words', 6]);
    const full = await runServeBench({ ...opts, checkpoint: tinyDataMUXCheckpoint() });
    assert.equal(full.config.mean_tokens, 12);
    // Three sentences per request: a JSON list.
    const batched = await runServeBench({ ...opts, checkpoint: tinyDataMUXCheckpoint(), lengths: 'task', data, inputsPerRequest: 3 });
    assert.equal(batched.config.inputs_per_request, 3);
    for (const run of batched.runs) {
      assert.deepEqual([run.status['400'] ?? 0, run.lost], [0, 0]);
      assert.ok(Math.abs(run.achieved_inputs_per_s - 3 * run.achieved_rps) <= 0.2, `${run.achieved_inputs_per_s} inputs/s at ${run.achieved_rps} requests/s`); // both rounded to 0.1
    }
    for (const r of [task, full]) {
      assert.ok(r.n1_capacity_rps > 0);
      for (const run of r.runs) assert.deepEqual([run.status['400'] ?? 0, run.lost, Object.keys(run.n_share)], [0, 0, ['2']]);
    }
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});

test('bench serve: k inputs per request (raw images back to back) are answered k at a time', async () => {
  const r = await runServeBench({
    ...defaultServeBench, checkpoint: tinyCheckpoint(), rates: [0.25], policies: ['fixed-cap'], seconds: 0.3, capacitySeconds: 0.3, concurrency: 8, maxGroups: 8, inputsPerRequest: 4,
  });
  assert.equal(r.config.inputs_per_request, 4);
  const [run] = r.runs;
  assert.deepEqual([run.status['413'] ?? 0, run.status['400'] ?? 0, run.lost, Object.keys(run.n_share)], [0, 0, 0, ['4']]);
  assert.ok(run.status['200'] > 0);
  assert.ok(Math.abs(run.achieved_inputs_per_s - 4 * run.achieved_rps) <= 0.25, `${run.achieved_inputs_per_s} inputs/s at ${run.achieved_rps} requests/s`); // both rounded to 0.1
});
