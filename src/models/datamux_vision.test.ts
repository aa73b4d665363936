import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { F, Generator, cat, rand, tidy } from '../tensor/index.js';
import { assertClose } from '../testing/assert.js';
import { DataMUXVision } from './datamux_vision.js';
import { loadDataMUXVision, saveModelCheckpoint } from './checkpoint.js';

test('vision DataMUX: shapes for every conv mux and n ≤ N, and the mux equals the per-instance convolutions summed', () => {
  for (const mux of ['gaussian', 'learnable', 'nonlinear', 'nonlinear-expand'] as const) {
    const m = new DataMUXVision({ instances: 3, mux }, new Generator(1));
    const params = Object.fromEntries([...m.namedParameters(), ...m.namedBuffers()]);
    tidy(() => {
      const x = rand([6, 1, 20, 20], { generator: new Generator(2) });
      for (const n of [1, 2, 3]) assert.deepEqual(m.forward(x, n).shape, [6, 10]);
      const mixed = m.multiplex(x, 3); // [2, C, 20, 20]
      assert.deepEqual(mixed.shape, [2, m.muxChannels, 20, 20]);
      // Independent: instance i's own convolution(s) on its image, one at a time, then the sum.
      const C = m.muxChannels;
      const one = (img: ReturnType<typeof rand>, i: number) => {
        if (mux === 'gaussian' || mux === 'learnable') return F.conv2d(img, params.mux_weight.narrow(0, i, 1), undefined, { padding: 1 });
        const h = F.conv2d(img, params.mux_weight1.narrow(0, 16 * i, 16), params.mux_bias1.narrow(0, 16 * i, 16), { padding: 1 }).tanh();
        return F.conv2d(h, params.mux_weight2.narrow(0, C * i, C), params.mux_bias2.narrow(0, C * i, C), { padding: 1 }).tanh();
      };
      const want = cat([0, 1].map((b) => [0, 1, 2].map((i) => one(x.narrow(0, 3 * b + i, 1), i)).reduce((a, v) => a.add(v))), 0);
      assertClose(mixed, want.toFlatArray() as number[], 1e-5);
    });
    m.dispose();
  }
});

test('vision DataMUX: output rows follow the input order, bad n and shapes fail clearly, checkpoints round-trip', () => {
  const m = new DataMUXVision({ instances: 2 }, new Generator(3)).eval();
  const dir = mkdtempSync(path.join(tmpdir(), 'dmxv-'));
  try {
    tidy(() => {
      const x = rand([4, 1, 20, 20], { generator: new Generator(4) });
      const y = m.forward(x).toArray() as number[][];
      const swapped = m.forward(cat([x.narrow(0, 2, 2), x.narrow(0, 0, 2)], 0)).toArray() as number[][];
      assertClose([...swapped[2], ...swapped[3], ...swapped[0], ...swapped[1]], y.flat(), 1e-5);
      assert.throws(() => m.forward(x, 3), /n = 3 must be an integer in 1\.\.N = 2/);
      assert.throws(() => m.forward(x.narrow(0, 0, 3)), /3 must be a positive multiple of n = 2/);
      assert.throws(() => m.forward(rand([2, 1, 28, 28])), /expected images \[B·n, 1, 20, 20\]/);
      const file = path.join(dir, 'v.safetensors');
      saveModelCheckpoint(file, 'datamux-vision', m, m.config, { epoch: 1 });
      const { model } = loadDataMUXVision(file);
      model.eval();
      assertClose(model.forward(x), y.flat(), 1e-6);
      model.dispose();
    });
    assert.throws(() => new DataMUXVision({ instances: 41 }), /instances N must be an integer in 1\.\.40/);
    assert.ok(m.macsPerInput(2) < m.macsPerInput(1));
  } finally {
    m.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
