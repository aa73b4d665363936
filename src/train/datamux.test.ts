import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Generator, cudaAvailable, noGrad, tensor, tidy } from '../tensor/index.js';
import { Rng, Vocab, loadSst2, resolveDataDir } from '../data/index.js';
import type { VocabJson } from '../data/index.js';
import { loadFile } from '../io/index.js';
import { loadDataMUX } from '../models/checkpoint.js';
import { DataMUX } from '../models/datamux.js';
import { selectRows } from './evaluate.js';
import { batchLogits, checkpointSteps, encodeSentences, evaluateDataMUX, lrFactor, defaultDataMUXTrainConfig, sentenceLengths, trainDataMUX } from './datamux.js';

const small = { dim: 48, layers: 1, heads: 2, ffn: 96, maxLength: 24, maxWords: 2000, groups: 32, lr: 3e-3, dropout: 0 };

test('retrieval warm-up on real SST-2 text: at N = 2 the demux recovers each instance’s words on dev sentences', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'datamux-train-'));
  try {
    // Measured: 0.61 after 150 warm-up steps (about 12 s on 2 cores); always answering the most frequent token ([UNK]) scores 0.20.
    await trainDataMUX({ out, ...small, instances: 2, warmupSteps: 150, steps: 0, evalEvery: 150, limit: 8000, evalLimit: 64 });
    const { model, info } = loadDataMUX(path.join(out, 'model.safetensors'));
    const vocab = Vocab.fromJSON((info.extra as { vocab: VocabJson }).vocab);
    const dev = loadSst2(resolveDataDir(), 'dev', { limit: 256 });
    model.eval();
    const acc = noGrad(() =>
      tidy(() => {
        const ids = encodeSentences(vocab, dev.sentences, 24);
        const o = model.run(ids, 2, { retrieval: true, generator: new Generator(1) });
        // Count only the word positions (not the [CLS] every sentence starts with).
        const words = o.retrievalTargets!.ne(Vocab.CLS);
        return o.retrievalLogits!.argmax(1).eq(o.retrievalTargets!).logicalAnd(words).sum().item() / words.sum().item();
      }),
    );
    model.dispose();
    // Always answering the most frequent word of these sentences:
    const counts = new Map<number, number>();
    let words = 0;
    for (const sen of dev.sentences) for (const id of vocab.encode(sen, 23, { pad: false })) (counts.set(id, (counts.get(id) ?? 0) + 1), words++);
    const majority = Math.max(...counts.values()) / words;
    assert.ok(majority < 0.25, `most frequent word share ${majority}`); // 0.20: [UNK], with 2000 words kept
    assert.ok(acc > 0.45 && acc > 1.4 * majority, `dev retrieval accuracy ${acc} (most frequent word: ${majority})`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('SST-2 at N = 2: retrieval warm-up then task training classifies two mixed sentences above chance', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'datamux-sst2-'));
  try {
    // Measured: 0.69 on the first 300 dev sentences after 50 warm-up + 250 task steps (about 30 s on
    // 2 cores). These sentences are 150 negative and 150 positive (chance 0.5).
    const r = await trainDataMUX({
      out, dim: 64, layers: 1, heads: 2, ffn: 128, maxLength: 32, maxWords: 4000, groups: 32, lr: 3e-3, dropout: 0, instances: 2,
      warmupSteps: 50, steps: 250, evalEvery: 300, limit: 8000, evalLimit: 300,
    });
    const last = r.evals[r.evals.length - 1];
    assert.equal(last.step, 300);
    assert.ok(last.eval_accuracy['2'] > 0.6, `dev accuracy ${last.eval_accuracy['2']}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('a run resumed from its checkpoint ends with the same weights and metrics as an uninterrupted one', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'datamux-resume-'));
  try {
    const cfg = { ...small, dim: 16, ffn: 32, instances: 2, points: [1, 2], warmupSteps: 3, steps: 3, evalEvery: 3, limit: 300, evalLimit: 20, dropout: 0.1 };
    const a = path.join(root, 'a');
    const b = path.join(root, 'b');
    await trainDataMUX({ out: a, ...cfg });
    const first = await trainDataMUX({ out: b, ...cfg, stopAfter: 3 });
    assert.equal(first.evals.length, 1);
    await assert.rejects(trainDataMUX({ out: b, ...cfg }), /already holds a run/);
    await assert.rejects(trainDataMUX({ out: b, ...cfg, lr: 1e-3, resume: true }), /other settings \(lr: saved 0\.003, given 0\.001\)/);
    if (!cudaAvailable()) await assert.rejects(trainDataMUX({ out: b, ...cfg, resume: true, device: 'cuda' }), /no CUDA support/);
    const rest = await trainDataMUX({ out: b, ...cfg, resume: true });
    assert.equal(rest.startStep, 3);
    const wa = loadFile(path.join(a, 'model.safetensors')).tensors;
    const wb = loadFile(path.join(b, 'model.safetensors')).tensors;
    for (const [k, t] of wa) {
      assert.deepEqual(t.toFlatArray(), wb.get(k)!.toFlatArray(), `weights differ at ${k}`);
    }
    for (const t of [...wa.values(), ...wb.values()]) t.dispose();
    const lines = (d: string) => readFileSync(path.join(d, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const la = lines(a);
    const lb = lines(b);
    assert.deepEqual(la.map((l) => [l.step, l.phase, l.train_loss, l.eval_accuracy]), lb.map((l) => [l.step, l.phase, l.train_loss, l.eval_accuracy]));
    assert.deepEqual(la.map((l) => l.phase), ['retrieval', 'task']);
    assert.deepEqual(Object.keys(la[1].eval_accuracy as object), ['1', '2']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('schedule: checkpoints every evalEvery and at each phase end; lr warms up and decays within each phase', () => {
  const c = { ...defaultDataMUXTrainConfig, warmupSteps: 10, steps: 25, evalEvery: 20, warmupFraction: 0.2 };
  assert.deepEqual(checkpointSteps(c), [10, 20, 35]);
  assert.equal(lrFactor(c, 0), 1 / 3); // warm-up of round(0.2·10) = 2 steps: 1/3, 2/3, then 1
  assert.equal(lrFactor(c, 2), 1);
  assert.equal(lrFactor(c, 9), 1 / 8);
  assert.equal(lrFactor(c, 10), 1 / 6); // the task phase starts its own warm-up (5 steps)
  assert.equal(lrFactor(c, 15), 1);
  assert.equal(lrFactor(c, 34), 1 / 20);
});

test('evaluateDataMUX cuts each batch to its longest sentence and counts exactly what the full-length model predicts', () => {
  const vocab = Vocab.build(['a fine film', 'dull and slow and far too long', 'the best of the year', 'not good']);
  const model = new DataMUX({ vocabSize: vocab.size, padId: Vocab.PAD, maxLength: 16, instances: 2, dim: 16, layers: 1, heads: 2, ffn: 32, dropout: 0, muxNorm: 4, classes: 3 }, new Generator(4));
  try {
    const rng = new Rng(6);
    const words = vocab.tokens.slice(vocab.firstWordId);
    const sentences = Array.from({ length: 40 }, () => Array.from({ length: 1 + rng.below(12) }, () => words[rng.below(words.length)]).join(' '));
    const ids = encodeSentences(vocab, sentences, 16);
    assert.deepEqual(Array.from(sentenceLengths(ids, Vocab.PAD)), sentences.map((x) => 1 + x.split(' ').length));
    const labels = tensor(sentences.map(() => rng.below(3)), { dtype: 'int64' });
    const lengths = sentenceLengths(ids, Vocab.PAD);
    const rows = [5, 0, 9, 3, 3, 5]; // three mixes of 2, in this order, with repeats as in a filled last mix
    noGrad(() => tidy(() => {
      const full = model.forward(selectRows(ids, rows), 2).toArray() as number[][];
      const cut = batchLogits(model, ids, lengths, rows, 2).toArray() as number[][];
      full.forEach((w, i) => assert.ok(w.every((v, k) => Math.abs(v - cut[i][k]) < 1e-5), `row ${i}: ${cut[i]} vs ${w}`));
    }));
    for (const n of [1, 2]) {
      // Consecutive sentences share a mix ('given'); the whole set at full length in one pass.
      const want = noGrad(() => tidy(() => model.forward(ids, n).argmax(1).eq(labels).sum().item()));
      const [r] = evaluateDataMUX(model, ids, labels, [n], { groups: 3, grouping: 'given' });
      assert.deepEqual([r.n, r.total, r.correct], [n, 40, want]);
    }
    ids.dispose();
    labels.dispose();
  } finally {
    model.dispose();
  }
});
