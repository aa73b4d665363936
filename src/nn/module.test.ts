import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, Tensor, liveTensors, noGrad, ones, randn, tensor, tidy, zeros } from '../tensor/index.js';
import { Module } from './module.js';
import { PReLU, ReLU } from './layers/activation.js';
import { BatchNorm2d } from './layers/batchnorm.js';
import { Conv2d } from './layers/conv.js';
import { Flatten } from './layers/flatten.js';
import { Linear } from './layers/linear.js';
import { Sequential } from './layers/sequential.js';
import { assertClose } from './testing.js';

/** conv(1→2, 3x3) + bn + prelu, then flatten + linear(8→3): input [N, 1, 4, 4]. */
function net(seed: number): Sequential {
  const generator = new Generator(seed);
  return new Sequential({
    layer1: new Sequential({ conv: new Conv2d(1, 2, 3, { generator }), bn: new BatchNorm2d(2), act: new PReLU() }),
    head: new Sequential(new Flatten(), new Linear(8, 3, { generator })),
  });
}

const PARAM_NAMES = [
  'layer1.conv.weight',
  'layer1.conv.bias',
  'layer1.bn.weight',
  'layer1.bn.bias',
  'layer1.act.weight',
  'head.1.weight',
  'head.1.bias',
];

test('namedParameters / namedBuffers / stateDict names and order for nested Sequentials', () => {
  const m = net(0);
  assert.deepEqual(m.namedParameters().map(([n]) => n), PARAM_NAMES);
  assert.deepEqual(m.namedBuffers().map(([n]) => n), ['layer1.bn.running_mean', 'layer1.bn.running_var', 'layer1.bn.num_batches_tracked']);
  assert.deepEqual(m.namedModules().map(([n]) => n), ['', 'layer1', 'layer1.conv', 'layer1.bn', 'layer1.act', 'head', 'head.0', 'head.1']);
  assert.equal(m.children().length, 2);
  assert.deepEqual(m.namedParameters('model').map(([n]) => n)[0], 'model.layer1.conv.weight');
  tidy(() => {
    assert.deepEqual(
      [...m.stateDict().keys()],
      [...PARAM_NAMES.slice(0, 4), 'layer1.bn.running_mean', 'layer1.bn.running_var', 'layer1.bn.num_batches_tracked', ...PARAM_NAMES.slice(4)],
    );
  });
  assert.equal(m.numParameters(), 2 * 9 + 2 + 2 + 2 + 1 + 8 * 3 + 3);
  assert.ok(m.parameters().every((p) => p.requiresGrad));
  m.dispose();
});

test('stateDict → loadStateDict into a freshly initialised model gives identical outputs', () => {
  const a = net(1);
  const b = net(2);
  const x = randn([2, 1, 4, 4], { generator: new Generator(5) });
  // Train a a little so its running statistics differ from the defaults.
  tidy(() => a.forward(x));
  a.eval();
  b.eval();
  const weightBefore = b.parameters()[0];
  tidy(() => {
    const ya = a.forward(x).toFlatArray();
    assert.notDeepEqual(b.forward(x).toFlatArray(), ya);
    const res = b.loadStateDict(a.stateDict());
    assert.deepEqual(res, { missingKeys: [], unexpectedKeys: [] });
    assert.deepEqual(b.forward(x).toFlatArray(), ya);
  });
  assert.equal(b.parameters()[0], weightBefore, 'loaded in place');
  const nbt = (m: Module) => m.namedBuffers().find(([n]) => n.endsWith('num_batches_tracked'))![1].item();
  assert.equal(nbt(b), 1);
  x.dispose();
  a.dispose();
  b.dispose();
});

test('loadStateDict strict errors name the keys and shapes; nothing is copied on error', () => {
  const m = net(3);
  const donor = net(4);
  const before = m.parameters()[0].toFlatArray();
  const withSd = (edit: (sd: Map<string, Tensor>) => void, fn: (sd: Map<string, Tensor>) => void) =>
    tidy(() => {
      const sd = donor.stateDict();
      edit(sd);
      fn(sd);
    });
  withSd(
    (sd) => sd.delete('head.1.bias'),
    (sd) => assert.throws(() => m.loadStateDict(sd), /missing key\(s\): 'head\.1\.bias'/),
  );
  withSd(
    (sd) => sd.set('extra.weight', zeros([1])),
    (sd) => assert.throws(() => m.loadStateDict(sd), /unexpected key\(s\): 'extra\.weight'/),
  );
  withSd(
    (sd) => sd.set('head.1.weight', zeros([3, 9])),
    (sd) =>
      assert.throws(
        () => m.loadStateDict(sd),
        (e: Error) => /shape mismatch for 'head\.1\.weight'/.test(e.message) && e.message.includes('expected [3, 8]') && e.message.includes('got [3, 9]'),
      ),
  );
  withSd(
    (sd) => sd.set('head.1.bias', zeros([3], { dtype: 'float64' })),
    (sd) => assert.throws(() => m.loadStateDict(sd), /dtype mismatch for 'head\.1\.bias': expected float32 \(model\), got float64/),
  );
  assert.deepEqual(m.parameters()[0].toFlatArray(), before, 'unchanged after failed loads');
  // Non-strict: missing and unexpected keys are reported, the rest is loaded.
  withSd(
    (sd) => {
      sd.delete('head.1.bias');
      sd.set('extra', zeros([1]));
    },
    (sd) => {
      assert.deepEqual(m.loadStateDict(sd, { strict: false }), { missingKeys: ['head.1.bias'], unexpectedKeys: ['extra'] });
      assert.deepEqual(m.parameters()[0].toFlatArray(), sd.get('layer1.conv.weight')!.toFlatArray());
    },
  );
  m.dispose();
  donor.dispose();
});

test('BatchNorm2d: training uses batch statistics and updates running ones; eval uses running ones', () => {
  const bn = new BatchNorm2d(2, { momentum: 0.1 });
  noGrad(() => tidy(() => bn.weight!.copy_(tensor([2, 0.5]))));
  // x [N=2, C=2, H=1, W=2]; channel c values are x[n][c][0][w].
  const xs = [
    [[[1, 2]], [[0, -1]]],
    [[[3, 6]], [[4, 1]]],
  ];
  const x = tensor(xs);
  const chan = (c: number) => [xs[0][c][0], xs[1][c][0]].flat();
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const varB = (v: number[]) => mean(v.map((a) => (a - mean(v)) ** 2));
  const varU = (v: number[]) => (varB(v) * v.length) / (v.length - 1);
  const w = [2, 0.5];
  const eps = 1e-5;
  const apply = (m: number[], v: number[]) =>
    xs.flatMap((n) => n.flatMap((cRow, c) => cRow[0].map((val) => ((val - m[c]) / Math.sqrt(v[c] + eps)) * w[c])));

  assert.equal(bn.training, true);
  tidy(() => {
    const y = bn.forward(x).toFlatArray();
    const m = [0, 1].map((c) => mean(chan(c)));
    assertClose(y, apply(m, [0, 1].map((c) => varB(chan(c)))), 1e-5);
  });
  const rm = [0, 1].map((c) => 0.9 * 0 + 0.1 * mean(chan(c)));
  const rv = [0, 1].map((c) => 0.9 * 1 + 0.1 * varU(chan(c)));
  assertClose(bn.runningMean!.toFlatArray(), rm, 1e-6);
  assertClose(bn.runningVar!.toFlatArray(), rv, 1e-6);
  assert.equal(bn.numBatchesTracked!.item(), 1);

  bn.eval();
  assert.equal(bn.training, false);
  tidy(() => assertClose(bn.forward(x).toFlatArray(), apply(rm, rv), 1e-5));
  assertClose(bn.runningMean!.toFlatArray(), rm, 1e-6, 0, 'eval leaves running stats');
  assert.equal(bn.numBatchesTracked!.item(), 1);
  x.dispose();
  bn.dispose();
});

test('BatchNorm2d with momentum null keeps a cumulative average', () => {
  const bn = new BatchNorm2d(1, { momentum: null, affine: false });
  assert.equal(bn.parameters().length, 0);
  const batches = [[1, 3], [5, 7], [0, 2]];
  for (const b of batches) tidy(() => bn.forward(tensor(b, { shape: [2, 1, 1, 1] })));
  const means = batches.map((b) => (b[0] + b[1]) / 2);
  assertClose(bn.runningMean!.toFlatArray(), [means.reduce((a, b) => a + b) / 3], 1e-6);
  bn.dispose();
});

test('BatchNorm2d statistics sets: each set tracks only the batches seen while it is active; eval uses the active set', () => {
  const bn = new BatchNorm2d(1, { momentum: null, affine: false, statisticsSets: ['n1', 'n4'] });
  assert.deepEqual(bn.namedBuffers().map(([n]) => n), [
    'running_mean_n1', 'running_var_n1', 'num_batches_tracked_n1', 'running_mean_n4', 'running_var_n4', 'num_batches_tracked_n4',
  ]);
  assert.equal(bn.statistics, 'n1');
  tidy(() => bn.forward(tensor([1, 3], { shape: [2, 1, 1, 1] })));
  bn.statistics = 'n4';
  tidy(() => bn.forward(tensor([10, 30], { shape: [2, 1, 1, 1] })));
  tidy(() => bn.forward(tensor([20, 40], { shape: [2, 1, 1, 1] })));
  bn.eval();
  const at = (v: number) => tidy(() => bn.forward(tensor([v], { shape: [1, 1, 1, 1] })).item());
  // n4: mean of (20, 30) = 25; unbiased variances 200 and 200 → 200.
  assertClose([at(25), at(25 + Math.sqrt(200 + 1e-5))], [0, 1], 1e-5);
  bn.statistics = 'n1';
  assertClose([at(2), at(2 + Math.sqrt(2 + 1e-5))], [0, 1], 1e-5);
  assert.equal(bn.numBatchesTracked!.item(), 1);
  assert.throws(() => (bn.statistics = 'n2'), /no statistics set 'n2' \(sets: 'n1', 'n4'\)/);
  assert.throws(() => new BatchNorm2d(1, { statisticsSets: ['a', 'a'] }), /distinct/);
  assert.throws(() => new BatchNorm2d(1, { statisticsSets: ['a.b'] }), /letters, digits/);
  bn.dispose();
});

class Custom extends Module {
  constructor() {
    super();
    this.registerParameter('w', ones([2]));
    this.registerBuffer('scratch', zeros([2]), false);
    this.registerModule('act', new ReLU());
  }
  override forward(x: Tensor): Tensor {
    return x.mul(this.getParameter('w'));
  }
  replace(): Tensor {
    return this.registerParameter('w', zeros([2]));
  }
}

test('registration: replacing disposes the old tensor; names must be unique; non-persistent buffers', () => {
  const m = new Custom();
  const old = m.parameters()[0];
  const fresh = m.replace();
  assert.equal(old.isDisposed, true);
  assert.equal(m.parameters()[0], fresh);
  assert.equal(fresh.requiresGrad, true);
  assert.throws(() => m.registerBuffer('w', zeros([1])), /cannot register buffer 'w': the name is already a parameter/);
  assert.throws(() => m.registerParameter('act', zeros([1])), /already a submodule/);
  assert.throws(() => m.registerParameter('a.b', zeros([1])), /without '\.'/);
  assert.deepEqual(m.namedBuffers().map(([n]) => n), ['scratch']);
  tidy(() => assert.deepEqual([...m.stateDict().keys()], ['w']));
  m.dispose();
});

test('parameters created inside tidy survive it; dispose frees them all', () => {
  const base = liveTensors();
  const m = tidy(() => net(6));
  const n = m.parameters().length + m.buffers().length;
  assert.equal(liveTensors() - base, n);
  m.dispose();
  assert.equal(liveTensors(), base);
});

test('train/eval are recursive; zeroGrad clears grads; to(dtype) converts floating tensors', () => {
  const m = net(7);
  m.eval();
  assert.ok(m.modules().every((c) => !c.training));
  m.train();
  assert.ok(m.modules().every((c) => c.training));
  tidy(() => m.forward(randn([2, 1, 4, 4])).sum().backward());
  tidy(() => assert.ok(m.parameters().every((p) => p.grad !== undefined)));
  m.zeroGrad();
  assert.ok(m.parameters().every((p) => p.grad === undefined));
  m.to('float64');
  assert.ok(m.parameters().every((p) => p.dtype === 'float64' && p.requiresGrad && p.isLeaf));
  assert.deepEqual(m.buffers().map((b) => b.dtype), ['float64', 'float64', 'int64']);
  tidy(() => assert.deepEqual(m.forward(randn([1, 1, 4, 4], { dtype: 'float64' })).shape, [1, 3]));
  m.dispose();
});

class Tied extends Module {
  constructor() {
    super();
    const a = this.registerModule('a', new Linear(2, 2, { generator: new Generator(0) }));
    const b = this.registerModule('b', new Linear(2, 2, { generator: new Generator(1) }));
    b.registerParameter('weight', a.weight); // weight tying; b's own weight is disposed
  }
  override forward(x: Tensor): Tensor {
    return x;
  }
}

test('tied tensors are listed once and stay tied through to()', () => {
  const m = new Tied();
  assert.deepEqual(m.namedParameters().map(([n]) => n), ['a.weight', 'a.bias', 'b.bias']);
  assert.equal(m.numParameters(), 8);
  tidy(() => assert.deepEqual([...m.stateDict().keys()], ['a.weight', 'a.bias', 'b.weight', 'b.bias']));
  m.to('float64');
  const [a, b] = m.children() as Linear[];
  assert.equal(a.weight, b.weight);
  assert.equal(a.weight.dtype, 'float64');
  assert.equal(b.bias!.dtype, 'float64');
  m.dispose();
});
