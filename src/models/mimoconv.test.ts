import test from 'node:test';
import assert from 'node:assert/strict';
import { F, Generator, Tensor, cat, liveTensors, noGrad, randint, randn, tensor, tidy } from '../tensor/index.js';
import { averageReplicas, repeatSlots, superpose } from '../superposition/index.js';
import { assertClose } from '../testing/assert.js';
import { MIMOConv, defaultMIMOConvConfig } from './mimoconv.js';
import type { Binding, MIMOConvConfig } from './mimoconv.js';
import { WideResNet, globalAvgPool } from './wideresnet.js';

// Tiny: C = 16, trunk widths 16/32/64, one block per stage, 8×8 images.
const tiny = (o: Partial<MIMOConvConfig> = {}) => new MIMOConv({ depth: 10, width: 1, initialWidth: 1, ...o }, new Generator(7));
const images = (B: number, seed = 1) => randn([B, 3, 8, 8], { generator: new Generator(seed) });
const divisorsOf = (m: number) => Array.from({ length: m }, (_, i) => i + 1).filter((d) => m % d === 0);

test('MIMOConv: logits [B, classes] for every n | cap (cap 4: 1, 2, 4; cap 6: 1, 2, 3, 6), every binding', () => {
  for (const [cap, binding] of [[4, 'hrr'], [6, 'hrr'], [4, 'mbat'], [4, 'none']] as [number, Binding][]) {
    const m = tiny({ cap, binding });
    for (const n of divisorsOf(cap)) {
      tidy(() => {
        const y = m.forward(images(12), n);
        assert.deepEqual(y.shape, [12, 10], `cap ${cap} ${binding} n ${n}`);
        assert.ok(y.isfinite().all().item());
      });
    }
    assert.equal(m.n, cap, 'default operating point: n = cap');
    m.dispose();
  }
});

test('MIMOConv: the folded repeat+bind+sum equals binding every slot and summing (hrr circulant and FFT, mbat, none)', () => {
  const cases: [Partial<MIMOConvConfig>, number][] = [
    [{ binding: 'hrr', cap: 4 }, 1e-5],
    [{ binding: 'mbat', cap: 4 }, 1e-5],
    [{ binding: 'none', cap: 4 }, 1e-6],
    [{ binding: 'hrr', cap: 6 }, 1e-5],
    [{ binding: 'hrr', cap: 2, initialWidth: 9 }, 1e-5], // C = 144: the FFT path
  ];
  for (const [cfg, atol] of cases) {
    const m = tiny(cfg);
    const cap = m.config.cap;
    for (const n of divisorsOf(cap)) {
      tidy(() => {
        const h = randn([2 * n, m.channels, 3, 3], { generator: new Generator(n) });
        const grouped = h.reshape([2, n, m.channels, 3, 3]);
        const slots = repeatSlots(grouped, cap);
        const bound = m.binder ? (m.binder.forward(slots) as Tensor) : slots;
        assertClose(m.superpose(h, n), superpose(bound, 1).toFlatArray(), atol, 1e-4);
      });
    }
    m.dispose();
  }
});

test('MIMOConv n = 1 with slot repetition: the output averages the unbound replicas, each image on its own', () => {
  // binding 'none', cap 2, n = 1: the trunk sees 2·stem(x); the unbinding gives [relu(u_0), relu(u_1)]
  // per image and the head sees their mean. Computed here from the parts.
  const m = tiny({ binding: 'none', cap: 2 }).eval();
  noGrad(() =>
    tidy(() => {
      const x = images(5);
      const pooled = globalAvgPool(m.trunk.forward(m.stem.forward(x).mul(2))); // [5, 64]
      const u = F.linear(pooled, m.unbinder.weight, m.unbinder.bias).relu(); // [5, 128]
      const mean = u.narrow(1, 0, 64).add(u.narrow(1, 64, 64)).div(2);
      assertClose(m.forward(x, 1), F.linear(mean, m.head.weight, m.head.bias).toFlatArray(), 1e-5, 1e-4);
    }),
  );
  m.dispose();
  // HRR, cap 4, n = 1 in eval mode: permuting the batch permutes the outputs (no image sees another).
  const h = tiny({ cap: 4 }).eval();
  noGrad(() =>
    tidy(() => {
      const x = images(6);
      const perm = tensor([3, 0, 5, 1, 4, 2], { dtype: 'int64' });
      assertClose(h.forward(x.indexSelect(0, perm), 1), h.forward(x, 1).indexSelect(0, perm).toFlatArray(), 1e-5, 1e-4);
      // ... while at n = 2 an image's logits do depend on its group partner.
      const y = h.forward(x, 2);
      const x2 = cat([x.narrow(0, 0, 1), images(1, 9), x.narrow(0, 2, 4)], 0);
      const y2 = h.forward(x2, 2);
      assert.ok(y.narrow(0, 0, 1).sub(y2.narrow(0, 0, 1)).abs().amax().item() > 1e-6, 'partner affects image 0 at n = 2');
      assertClose(y2.narrow(0, 2, 4), y.narrow(0, 2, 4).toFlatArray(), 1e-6, 1e-5); // other groups untouched
    }),
  );
  // averageReplicas is the layout the model relies on: [G, r, n, W] with slot j = ρn + i.
  tidy(() => assertClose(averageReplicas(tensor([[[1], [2], [10], [20]]]), 2), [5.5, 11]));
  h.dispose();
});

test('MIMOConv: one backward reaches the keys, stem, trunk, unbinding and head (n = 1 and n = 4)', () => {
  for (const n of [1, 4]) {
    const m = tiny({ cap: 4 });
    tidy(() => {
      const y = randint(0, 10, [8], { generator: new Generator(3) });
      F.crossEntropy(m.forward(images(8), n), y).add(m.keyLoss().mul(0.1)).backward();
    });
    const grads: [string, Tensor][] = [
      ['keys', m.keys!],
      ['stem', m.stem.conv.weight],
      ['trunk first conv', m.trunk.blocks[0].conv1.weight],
      ['trunk last conv', m.trunk.blocks[m.trunk.blocks.length - 1].conv2.weight],
      ['unbinding', m.unbinder.weight],
      ['head', m.head.weight],
    ];
    for (const [what, p] of grads) {
      assert.ok(p.grad, `${what} has a gradient (n = ${n})`);
      assert.ok(tidy(() => p.grad!.abs().sum().item()) > 0, `${what} gradient is non-zero (n = ${n})`);
    }
    assert.equal(m.activationParameters().length, 2 * m.trunk.blocks.length, 'two PReLUs per block');
    m.dispose();
  }
});

test('MIMOConv: invalid operating points fail clearly; keyLoss is zero without HRR', () => {
  const m = tiny({ cap: 4 });
  assert.throws(() => (m.n = 3), /n = 3 must divide the capacity cap = 4 \(n in \{1, 2, 4\}\)/);
  assert.throws(() => (m.n = 0), /must divide the capacity/);
  assert.equal(m.n, 4);
  tidy(() => {
    assert.throws(() => m.forward(images(6), 4), /batch size 6 must be a positive multiple of n = 4/);
    assert.throws(() => m.forward(images(6), 3), /must divide the capacity/);
    assert.throws(() => m.forward(randn([4, 1, 8, 8])), /expected images \[B, 3, H, W\]/);
    assert.ok(m.keyLoss().item() > 0);
  });
  assert.throws(() => tiny({ cap: 0 }), /cap must be a positive integer/);
  assert.throws(() => tiny({ depth: 12 as 10 }), /depth must be 10, 16 or 28/);
  assert.throws(() => tiny({ binding: 'map' as Binding }), /binding must be 'hrr', 'mbat' or 'none'/);
  for (const binding of ['mbat', 'none'] as Binding[]) {
    const b = tiny({ binding });
    tidy(() => assert.equal(b.keyLoss().item(), 0));
    b.dispose();
  }
  m.dispose();
});

test('MIMOConv: switching n touches no weight or buffer (eval mode)', () => {
  const m = tiny({ cap: 4 }).eval();
  const before = tidy(() => [...m.stateDict()].map(([k, t]) => [k, t.toFlatArray()] as const));
  noGrad(() =>
    tidy(() => {
      for (const n of [1, 2, 4, 2, 1]) {
        m.n = n;
        m.forward(images(4));
      }
    }),
  );
  const after = tidy(() => [...m.stateDict()].map(([k, t]) => [k, t.toFlatArray()] as const));
  assert.deepEqual(after, before);
  m.dispose();
});

test('MIMOConv normPerPoint: training at n updates only n\'s trunk statistics; recalibrate(x, n) makes eval outputs match batch statistics', () => {
  const m = tiny({ cap: 4 });
  const names = [...m.namedBuffers().map(([k]) => k)].filter((k) => k.startsWith('trunk.stage1_block1.bn1.'));
  assert.deepEqual(names, ['1', '2', '4'].flatMap((n) => [`running_mean_n${n}`, `running_var_n${n}`, `num_batches_tracked_n${n}`].map((b) => `trunk.stage1_block1.bn1.${b}`)));
  const stat = (n: number) => tidy(() => m.stateDict().get(`trunk.stage1_block1.bn1.running_mean_n${n}`)!.toFlatArray());
  const n1 = stat(1);
  tidy(() => void m.forward(images(8), 4)); // training mode
  assert.deepEqual(stat(1), n1, 'n = 1 statistics untouched by a step at n = 4');
  assert.notDeepEqual(stat(4), n1);

  // Precise BN over one batch holding all of x: the running mean is x's batch mean and the running
  // variance its unbiased variance, so eval-mode logits equal those with batch statistics in the
  // trunk (stem in eval mode either way) up to the factor N/(N−1) on the variance (N ≥ 16·4·4 values).
  const x = randn([32, 3, 16, 16], { generator: new Generator(5) });
  const logits = (n: number, batchStats: boolean) => {
    m.eval();
    if (batchStats) m.trunk.train();
    const y = noGrad(() => tidy(() => m.forward(x, n).toFlatArray()));
    m.train();
    return y;
  };
  const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
  for (const n of [1, 2]) {
    assert.ok(maxDiff(logits(n, false), logits(n, true)) > 1e-2, 'before recalibration the running statistics differ from x\'s');
    const before1 = n === 2 ? stat(1) : undefined;
    m.recalibrate(x, n, { batchSize: 32 });
    if (before1) assert.deepEqual(stat(1), before1, 'recalibrating n = 2 leaves n = 1 alone');
    assertClose(logits(n, false), logits(n, true), 1e-3, 1e-2);
  }
  assert.equal(m.training, true, 'recalibrate restores the training mode');
  assert.throws(() => m.recalibrate(images(1), 2), /needs at least n = 2 images/);
  m.dispose();
});

test('MIMOConv: a forward pass leaks no tensors', () => {
  const m = tiny({ cap: 4 });
  tidy(() => m.forward(images(4))); // first call may create lasting state (BN counters exist already)
  const live = liveTensors();
  for (const n of [1, 2, 4]) tidy(() => void m.forward(images(4), n));
  assert.equal(liveTensors(), live);
  m.dispose();
});

test('macsPerInput: n = 1 > 2 > 4, ideal speedup within 10 % of n for WRN-16-4 cap 4; parts from the layer shapes', () => {
  const m = new MIMOConv({}, new Generator(0)); // WRN-16-4, C = 64, cap 4, HRR
  const size: [number, number] = [32, 32];
  const [t1, t2, t4] = [1, 2, 4].map((n) => m.macsPerInput(n, size));
  assert.ok(t1 > t2 && t2 > t4, `${t1} > ${t2} > ${t4}`);
  for (const [n, t] of [[2, t2], [4, t4]]) {
    const ideal = t1 / t;
    assert.ok(ideal <= n && ideal >= 0.9 * n, `ideal speedup at n = ${n}: ${ideal}`);
  }
  const parts = m.macs(4, size);
  assert.equal(parts.stem, 64 * 3 * 9 * 1024);
  assert.equal(parts.bind, 4 * 64 * 64 * 1024, 'n folded C×C maps per pixel');
  assert.equal(parts.bindPerSlot, 4 * 64 * 64 * 1024);
  assert.equal(parts.unbind, 256 * 1024);
  assert.equal(parts.head, 2560);
  // The trunk is the plain WideResNet's: baseline = stem + trunk + head.
  const base = new WideResNet({ activation: 'prelu' }, new Generator(0));
  assert.equal(base.macsPerInput(size), parts.stem + parts.trunk + parts.head);
  assert.equal(tiny({ binding: 'none' }).macs(2, [8, 8]).bind, 0);
  assert.deepEqual(Object.keys(defaultMIMOConvConfig).sort(), Object.keys(m.config).sort());
  m.dispose();
  base.dispose();
});
