import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zeros } from '../../tensor/index.js';
import { AdamW } from './adamw.js';
import { LinearWarmupDecay, OneCycleLR } from './schedule.js';
import { SGD } from './sgd.js';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

/** PyTorch's OneCycleLR.get_lr() re-derived with plain numbers: [lr, momentum] at a step. */
function torchOneCycle(
  step: number,
  o: { maxLr: number; total: number; pct?: number; div?: number; finalDiv?: number; linear?: boolean; threePhase?: boolean },
): [number, number] {
  const { maxLr, total, pct = 0.3, div = 25, finalDiv = 1e4 } = o;
  const initial = maxLr / div;
  const min = initial / finalDiv;
  const [lo, hi] = [0.85, 0.95];
  const phases: [number, number, number, number, number][] = o.threePhase
    ? [
        [pct * total - 1, initial, maxLr, hi, lo],
        [2 * pct * total - 2, maxLr, initial, lo, hi],
        [total - 1, initial, min, hi, hi],
      ]
    : [
        [pct * total - 1, initial, maxLr, hi, lo],
        [total - 1, maxLr, min, lo, hi],
      ];
  const anneal = (a: number, b: number, t: number) => (o.linear ? a + (b - a) * t : b + ((a - b) * (1 + Math.cos(Math.PI * t))) / 2);
  let start = 0;
  for (let i = 0; i < phases.length; i++) {
    const [end, lrA, lrB, mA, mB] = phases[i];
    if (step <= end || i === phases.length - 1) {
      const t = (step - start) / (end - start);
      return [anneal(lrA, lrB, t), anneal(mA, mB, t)];
    }
    start = end;
  }
  throw new Error('unreachable');
}

function withOptimizer<T>(kind: 'sgd' | 'adamw', fn: (opt: SGD | AdamW) => T): T {
  const p = zeros([1]).requiresGrad_(true);
  const opt = kind === 'sgd' ? new SGD([p], { lr: 1, momentum: 0.9 }) : new AdamW([p], { lr: 1 });
  try {
    return fn(opt);
  } finally {
    opt.dispose();
    p.dispose();
  }
}

test('OneCycleLR (cos): every step matches the re-derived formula; known points hold', () => {
  withOptimizer('sgd', (opt) => {
    const sched = new OneCycleLR(opt, { maxLr: 1, totalSteps: 100 });
    const seen: number[] = [sched.lr];
    for (let s = 1; s < 100; s++) {
      sched.step();
      seen.push(sched.lr);
    }
    seen.forEach((lr, s) => close(lr, torchOneCycle(s, { maxLr: 1, total: 100 })[0]));
    close(seen[0], 1 / 25); // start = maxLr / divFactor
    close(seen[29], 1); // peak at pctStart * total - 1
    close(seen[64], (1 + 4e-6) / 2); // half-way down the cosine: (max + min) / 2
    close(seen[99], 1 / (25 * 1e4)); // end = maxLr / (divFactor * finalDivFactor)
    assert.ok(seen.slice(0, 30).every((v, i) => i === 0 || v > seen[i - 1]), 'increasing during warm-up');
    assert.ok(seen.slice(29).every((v, i) => i === 0 || v < seen[29 + i - 1]), 'decreasing after the peak');
    // Momentum: max at the start, base at the peak, back to max at the end.
    const m = (opt as SGD).paramGroups[0].momentum;
    close(m, 0.95);
    sched.step(); // step 100 = totalSteps is still allowed (as in PyTorch)
    assert.throws(() => sched.step(), /tried to step 101 times; the specified number of total steps is 100/);
    assert.equal(sched.lastStep, 100);
  });
});

test('OneCycleLR (linear, three phases, custom factors) matches the re-derived formula', () => {
  withOptimizer('sgd', (opt) => {
    const o = { maxLr: 0.4, totalSteps: 50, pctStart: 0.25, divFactor: 10, finalDivFactor: 100, annealStrategy: 'linear' as const, threePhase: true };
    const sched = new OneCycleLR(opt, o);
    for (let s = 0; s < 50; s++) {
      const [lr, mom] = torchOneCycle(s, { maxLr: 0.4, total: 50, pct: 0.25, div: 10, finalDiv: 100, linear: true, threePhase: true });
      close(sched.lr, lr);
      close((opt as SGD).paramGroups[0].momentum, mom);
      if (s < 49) sched.step();
    }
    close(sched.lr, 0.4 / 10 / 100);
    // Hand-computed: step 5 of a linear rise from 0.04 to 0.4 ending at step 11.5.
    sched.loadStateDict({ step: 5 });
    close(sched.lr, 0.04 + (0.36 * 5) / 11.5);
  });
});

test('OneCycleLR cycles AdamW beta1 and keeps beta2', () => {
  withOptimizer('adamw', (opt) => {
    const sched = new OneCycleLR(opt, { maxLr: 0.01, totalSteps: 10 });
    const betas = () => (opt as AdamW).paramGroups[0].betas;
    assert.deepEqual(betas(), [0.95, 0.999]);
    for (let s = 1; s <= 2; s++) sched.step();
    close(betas()[0], 0.85); // the peak (step 2 = 0.3*10 - 1)
    assert.equal(betas()[1], 0.999);
    close(sched.lr, 0.01);
  });
});

test('OneCycleLR state dict round trip restores lr and momentum', () => {
  withOptimizer('sgd', (a) =>
    withOptimizer('sgd', (b) => {
      const sa = new OneCycleLR(a, { maxLr: 2, totalSteps: 40 });
      for (let s = 0; s < 17; s++) sa.step();
      const sd = JSON.parse(JSON.stringify(sa.stateDict()));
      const sb = new OneCycleLR(b, { maxLr: 2, totalSteps: 40 });
      sb.loadStateDict(sd);
      assert.equal(sb.lastStep, 17);
      assert.equal(sb.lr, sa.lr);
      assert.equal((b as SGD).paramGroups[0].momentum, (a as SGD).paramGroups[0].momentum);
      sa.step();
      sb.step();
      assert.equal(sb.lr, sa.lr);
    }),
  );
});

test('LinearWarmupDecay follows get_linear_schedule_with_warmup', () => {
  withOptimizer('sgd', (opt) => {
    opt.paramGroups[0].lr = 0.1;
    const sched = new LinearWarmupDecay(opt, 10, 100);
    const ref = (s: number) => 0.1 * (s < 10 ? s / 10 : Math.max(0, (100 - s) / 90));
    const seen = [sched.lr];
    for (let s = 1; s <= 120; s++) {
      sched.step();
      seen.push(sched.lr);
    }
    seen.forEach((lr, s) => close(lr, ref(s)));
    assert.equal(seen[0], 0);
    close(seen[5], 0.05);
    close(seen[10], 0.1);
    close(seen[55], 0.05);
    assert.equal(seen[100], 0);
    assert.equal(seen[120], 0);
    const sd = sched.stateDict();
    assert.deepEqual(sd, { step: 120, baseLrs: [0.1] });
    sched.loadStateDict({ step: 37, baseLrs: [0.1] });
    close(sched.lr, ref(37));
  });
});

test('LinearWarmupDecay scales every group from its own base lr', () => {
  const a = zeros([1]).requiresGrad_(true);
  const b = zeros([1]).requiresGrad_(true);
  const opt = new SGD([{ params: [a], lr: 1 }, { params: [b], lr: 0.5 }]);
  const sched = new LinearWarmupDecay(opt, 4, 8);
  sched.step();
  assert.deepEqual(sched.lrs, [0.25, 0.125]);
  assert.throws(() => new LinearWarmupDecay(opt, 5, 3), /totalSteps must be an integer >= warmupSteps/);
  opt.dispose();
  a.dispose();
  b.dispose();
});

test('OneCycleLR with a warm-up of one step (pctStart · totalSteps = 1) starts at the peak, never NaN', () => {
  const p = zeros([2]).requiresGrad_();
  const opt = new AdamW([p], { lr: 1 });
  const s = new OneCycleLR(opt, { maxLr: 1e-3, totalSteps: 10, pctStart: 0.1, annealStrategy: 'linear' });
  const lrs = [opt.paramGroups[0].lr];
  for (let i = 0; i < 9; i++) {
    s.step();
    lrs.push(opt.paramGroups[0].lr);
  }
  assert.ok(lrs.every(Number.isFinite), `lrs ${lrs.join(', ')}`);
  assert.equal(lrs[0], 1e-3);
  // Then linear from the peak to maxLr / 25 / 1e4 over steps 0..9.
  const min = 1e-3 / 25 / 1e4;
  lrs.forEach((lr, i) => assert.ok(Math.abs(lr - (1e-3 + (min - 1e-3) * (i / 9))) < 1e-12, `step ${i}: ${lr}`));
  opt.dispose();
  p.dispose();
});
