import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator, noGrad, randint, randn, tensor, tidy } from '../tensor/index.js';
import { MIMOConv } from './mimoconv.js';
import { WideResNet } from './wideresnet.js';
import { loadCheckpointInto, loadMIMOConv, loadMIMOFormer, loadWideResNet, nonFiniteTensors, readCheckpointInfo, saveModelCheckpoint } from './checkpoint.js';
import { saveFile } from '../io/safetensors.js';
import { MIMOFormer } from './mimoformer.js';

const cfg = { depth: 10 as const, width: 1, initialWidth: 1, cap: 4 };
const dir = mkdtempSync(join(tmpdir(), 'mimo-ckpt-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('checkpoint: save and reload a MIMOConv gives bitwise identical outputs at every n', () => {
  const m = new MIMOConv(cfg, new Generator(1));
  tidy(() => void m.forward(randn([8, 3, 8, 8]), 2)); // train mode: BN running statistics move off their init
  m.eval();
  const file = join(dir, 'mimo.safetensors');
  saveModelCheckpoint(file, 'mimoconv', m, m.config, { epoch: 3, lr: 0.1 });
  const info = readCheckpointInfo(file);
  assert.equal(info.model, 'mimoconv');
  assert.deepEqual(info.config, { ...m.config });
  assert.equal(info.epoch, 3);
  assert.deepEqual(info.extra, { epoch: 3, lr: 0.1 });
  const { model: r } = loadMIMOConv(file);
  r.eval();
  const x = randn([8, 3, 8, 8], { generator: new Generator(5) });
  noGrad(() =>
    tidy(() => {
      for (const n of [1, 2, 4]) assert.deepEqual(r.forward(x, n).toFlatArray(), m.forward(x, n).toFlatArray(), `n = ${n}`);
    }),
  );
  // Resuming into an existing model of the same config.
  const fresh = new MIMOConv(cfg, new Generator(9)).eval();
  loadCheckpointInto(file, fresh);
  noGrad(() => tidy(() => assert.deepEqual(fresh.forward(x, 4).toFlatArray(), m.forward(x, 4).toFlatArray())));
  x.dispose();
  [m, r, fresh].forEach((a) => a.dispose());
});

test('checkpoint: another architecture, another depth or mismatched shapes fail with errors naming both', () => {
  const w = new WideResNet({ depth: 10, width: 1, initialWidth: 1 }, new Generator(2));
  const wFile = join(dir, 'wrn.safetensors');
  saveModelCheckpoint(wFile, 'wideresnet', w, w.config);
  assert.throws(() => loadMIMOConv(wFile), /holds a 'wideresnet' model, expected a 'mimoconv' model/);
  const { model: w2 } = loadWideResNet(wFile);
  const m10 = new MIMOConv(cfg);
  assert.throws(() => loadCheckpointInto(wFile, m10), /holds a 'wideresnet' model, expected a 'mimoconv' model/);

  const m16 = new MIMOConv({ ...cfg, depth: 16 });
  const f16 = join(dir, 'mimo16.safetensors');
  saveModelCheckpoint(f16, 'mimoconv', m16, m16.config);
  assert.throws(() => loadCheckpointInto(f16, m10), /config differs from the model's: depth: 16 \(checkpoint\) vs 10 \(model\)/);

  // A config that does not describe the tensors: every mismatched key is named with both shapes.
  const m2 = new MIMOConv({ ...cfg, width: 2 });
  const lie = join(dir, 'lie.safetensors');
  saveModelCheckpoint(lie, 'mimoconv', m2, { ...m2.config, width: 1 });
  assert.throws(
    () => loadMIMOConv(lie),
    /shape mismatch for 'trunk\.stage1_block1\.conv1\.weight': expected \[16, 16, 3, 3\] \(model\), got \[32, 16, 3, 3\] \(state dict\)/,
  );
  assert.throws(() => saveModelCheckpoint(lie, 'resnet', m2, {}), /kind must be one of mimoconv, wideresnet/);
  [w, w2, m10, m16, m2].forEach((a) => a.dispose());
});

test('checkpoint: a MIMOFormer (att-mlp) round-trips with its Ω and binding keys, at every operating point', () => {
  const cfg = { vocabSize: 12, maxLength: 8, classes: 3, dim: 8, ffn: 8, heads: 2, headDim: 4, layers: 2, features: 8, variant: 'att-mlp' as const, m: 2, n: 2 };
  const m = new MIMOFormer(cfg, new Generator(1)).eval();
  const file = join(dir, 'mimoformer.safetensors');
  saveModelCheckpoint(file, 'mimoformer', m, m.config, { epoch: 2 });
  const info = readCheckpointInfo(file);
  assert.equal(info.model, 'mimoformer');
  assert.deepEqual(info.config, { ...m.config });
  const { model: r } = loadMIMOFormer(file);
  r.eval();
  assert.deepEqual(r.config, m.config);
  const ids = randint(1, 12, [4, 6], { generator: new Generator(2) });
  noGrad(() =>
    tidy(() => {
      for (const p of [{ m: 2, n: 2 }, { m: 2, n: 1 }, { m: 1, n: 1 }]) assert.deepEqual(r.forward(ids, undefined, p).toFlatArray(), m.forward(ids, undefined, p).toFlatArray());
    }),
  );
  // A fresh model (other Ω and keys) gives other logits until the checkpoint is loaded into it.
  const fresh = new MIMOFormer(cfg, new Generator(7)).eval();
  const before = noGrad(() => tidy(() => fresh.forward(ids).toFlatArray()));
  loadCheckpointInto(file, fresh);
  noGrad(() => tidy(() => assert.deepEqual(fresh.forward(ids).toFlatArray(), m.forward(ids).toFlatArray())));
  assert.notDeepEqual(before, noGrad(() => tidy(() => fresh.forward(ids).toFlatArray())));
  assert.throws(() => loadCheckpointInto(file, new MIMOFormer({ ...cfg, variant: 'att' })), /config differs from the model's: variant: "att-mlp" \(checkpoint\) vs "att" \(model\)/);
  assert.throws(() => loadMIMOConv(file), /holds a 'mimoformer' model, expected a 'mimoconv' model/);
  ids.dispose();
  [m, r, fresh].forEach((a) => a.dispose());
});

test('checkpoint: weights with NaN or Inf are neither saved (the file there is kept) nor loaded', () => {
  const m = new MIMOConv(cfg, new Generator(2));
  const file = join(dir, 'diverged.safetensors');
  saveModelCheckpoint(file, 'mimoconv', m, m.config, { epoch: 1 });
  const before = readFileSync(file);
  const [[wName, w], [bName, b]] = m.namedParameters().filter(([, t]) => t.ndim > 1).slice(0, 2);
  noGrad(() => {
    w.flatten().narrow(0, 0, 3).fill_(NaN);
    b.flatten().narrow(0, 1, 1).fill_(-Infinity);
  });
  const sd = m.stateDict();
  assert.deepEqual(nonFiniteTensors(sd), [{ name: wName, count: 3 }, { name: bName, count: 1 }]);
  for (const t of sd.values()) t.dispose();
  assert.throws(() => saveModelCheckpoint(file, 'mimoconv', m, m.config, { epoch: 2 }), (e: Error) => {
    assert.match(e.message, /mimoconv model diverged at epoch 2: 4 NaN or infinite values in /);
    assert.ok(e.message.includes(wName) && e.message.includes(bName) && e.message.includes('(2 tensors)'), e.message);
    return true;
  });
  assert.deepEqual(readFileSync(file), before, 'the earlier checkpoint is kept');
  // A file written around the check (by another tool, or before it existed) is refused on load.
  const raw = join(dir, 'nan.safetensors');
  const clean = new MIMOConv(cfg, new Generator(3));
  const good = clean.stateDict();
  const nan = randn(w.shape);
  noGrad(() => nan.flatten().narrow(0, 1, 1).fill_(NaN));
  const tensors = new Map(good);
  tensors.set(wName, nan);
  saveFile(raw, tensors, { mimo_model: 'mimoconv', mimo_config: JSON.stringify(clean.config), mimo_extra: '{}' });
  for (const t of good.values()) t.dispose();
  nan.dispose();
  assert.throws(() => loadMIMOConv(raw), (e: Error) => e.message.startsWith(`${raw}: the weights are not finite: 1 NaN or infinite value in ${wName} (1 tensor)`));
  tidy(() => assert.deepEqual(nonFiniteTensors(new Map([['i', tensor([1, 2], { dtype: 'int64' })]])), [], 'integer tensors are skipped'));
  m.dispose();
  clean.dispose();
});
