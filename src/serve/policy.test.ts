import test from 'node:test';
import assert from 'node:assert/strict';
import { CostModel } from './cost.js';
import { RateMeter } from './rate.js';
import { HEADROOM, MAX_UTILISATION, capacity, chooseAutoN, drainMs, largestBatchGroups, parsePolicy, policyJson } from './policy.js';
import { ServeError } from './errors.js';

test('CostModel.fit recovers the overhead and per-superposition cost from exact timings', () => {
  const truth = { a: { 1: 2, 2: 2.5, 4: 3 } as Record<number, number>, b: { 1: 1.5, 2: 1.7, 4: 2.1 } as Record<number, number> };
  const samples = [1, 2, 4].flatMap((n) => [1, 8, 32].map((groups) => ({ n, groups, ms: truth.a[n] + truth.b[n] * groups })));
  const m = CostModel.fit([1, 2, 4], samples);
  for (const n of [1, 2, 4]) {
    assert.ok(Math.abs(m.overheadMs(n) - truth.a[n]) < 1e-9);
    assert.ok(Math.abs(m.perGroupMs(n) - truth.b[n]) < 1e-9);
  }
  assert.ok(Math.abs(m.batchMs(4, 9) - (3 + 2.1 * 3)) < 1e-9); // 9 inputs at n = 4: 3 superpositions
  assert.ok(Math.abs(m.inputsPerSecond(4, 32) - (1000 * 128) / (3 + 2.1 * 32)) < 1e-9);
  assert.throws(() => CostModel.fit([1], [{ n: 1, groups: 4, ms: 3 }]), /two sizes/);
});

test('CostModel.observe: a slower machine seen at one n raises the predictions at every n', () => {
  const m = new CostModel([1, 2, 4], { 1: 1, 2: 1, 4: 1.2 }, { 1: 2, 2: 2.2, 4: 2.5 });
  const before = m.batchMs(1, 32);
  // Batches at n = 4, of varied sizes, now take twice their calibrated time.
  for (let i = 0; i < 200; i++) {
    const g = 1 + (i % 8);
    m.observe(4, g, 2 * (1.2 + 2.5 * g));
  }
  const ratio = m.batchMs(1, 32) / before;
  assert.ok(ratio > 1.85 && ratio <= 2, `n = 1 prediction grew ${ratio}x`);
  assert.ok(Math.abs(m.perGroupMs(2) / 2.2 - ratio) < 0.1);
  assert.throws(() => m.perGroupMs(3), /n = 3/);
});

test('CostModel.observe: small batches slower than calibrated show as overhead, not as superposition cost', () => {
  const m = new CostModel([1, 2, 4], 1, { 1: 2, 2: 2.2, 4: 2.5 });
  for (let i = 0; i < 200; i++) m.observe(1, 1, 1 + 2 + 5); // 5 ms more than calibrated, one superposition each
  const s = m.snapshot().load_factors;
  assert.ok(s.overhead > 4, JSON.stringify(s));
  assert.ok(Math.abs(s.per_group - 1) < 0.15, JSON.stringify(s));
  assert.ok(Math.abs(m.batchMs(1, 1) - 8) < 0.5, `predicts ${m.batchMs(1, 1)} ms for the batches it saw`);
});

test('RateMeter counts the events of the last window only', () => {
  const r = new RateMeter(1000, 10);
  r.add(5, 0);
  r.add(5, 450);
  assert.equal(r.perSecond(500), 10);
  assert.equal(r.perSecond(1050), 5); // the first 5 left the window
  assert.equal(r.perSecond(5000), 0);
  r.add(3, 5000);
  assert.equal(r.perSecond(5001), 3);
});

test('parsePolicy: fixed and auto; errors name the operating points', () => {
  assert.deepEqual(parsePolicy({ mode: 'fixed', n: 2 }, [1, 2, 4], 50), { mode: 'fixed', n: 2 });
  assert.deepEqual(parsePolicy({ n: 4 }, [1, 2, 4], 50), { mode: 'fixed', n: 4 });
  assert.deepEqual(parsePolicy({ mode: 'auto', target_p99_ms: 20 }, [1, 2, 4], 50), { mode: 'auto', targetP99Ms: 20 });
  assert.deepEqual(parsePolicy({ mode: 'auto' }, [1, 2, 4], 50), { mode: 'auto', targetP99Ms: 50 });
  assert.deepEqual(policyJson({ mode: 'auto', targetP99Ms: 20 }), { mode: 'auto', target_p99_ms: 20 });
  const bad = (body: unknown, re: RegExp) => assert.throws(() => parsePolicy(body, [1, 2, 4], 50), (e: ServeError) => e.status === 400 && re.test(e.message));
  bad({ mode: 'fixed', n: 3 }, /operating points \(inputs per superposition\): 1, 2, 4; got 3/);
  assert.throws(() => parsePolicy({ n: 2 }, [1, 4, 16], 50), /operating points \(inputs per superposition\): 1, 4, 16; got 2/);
  assert.deepEqual(parsePolicy({ n: 16 }, [1, 4, 16], 50), { mode: 'fixed', n: 16 });
  bad({ mode: 'fixed', n: '2' }, /operating points \(inputs per superposition\): 1, 2, 4; got/);
  bad({ mode: 'fixed' }, /operating points \(inputs per superposition\): 1, 2, 4; got/);
  bad({ mode: 'auto', target_p99_ms: -1 }, /target_p99_ms must be a positive/);
  bad({ mode: 'turbo' }, /mode must be 'fixed' or 'auto'/);
  bad({ mode: 'fixed', n: 1, speed: 3 }, /unknown field 'speed'/);
  bad([1], /JSON object/);
});

// n = 1: 10 ms per input; n = 2: 6 ms per input; n = 4: 3 ms per input; 2 ms per batch.
const cost = new CostModel([1, 2, 4], 2, { 1: 10, 2: 12, 4: 12 });
const ns = [1, 2, 4];
const limits = { maxGroups: 32, maxQueue: 512 };

test('auto: n = 1 at low load, and the smallest n that keeps up as the arrival rate grows', () => {
  const idle = { arrivalRate: 5, queued: 0, oldestAgeMs: 0 };
  assert.equal(chooseAutoN(cost, ns, 50, idle, limits), 1);
  // n = 1 serves at most ~100 inputs/s (with the utilisation margin less); 120/s needs n = 2 (~166/s).
  assert.equal(chooseAutoN(cost, ns, 1000, { ...idle, arrivalRate: 120 }, limits), 2);
  assert.equal(chooseAutoN(cost, ns, 1000, { ...idle, arrivalRate: 200 }, limits), 4);
  // Beyond every n's capacity: the n with the highest throughput.
  assert.equal(chooseAutoN(cost, ns, 1000, { ...idle, arrivalRate: 1e6 }, limits), 4);
});

test('auto: the steady-state estimate must fit the target with headroom', () => {
  // At 60 inputs/s, n = 1 is busy 60 % of the time: batches of T = 2 / 0.4 = 5 ms, latency ~2T = 10 ms.
  const load = { arrivalRate: 60, queued: 0, oldestAgeMs: 0 };
  const t1 = 2 / (1 - 0.6);
  assert.ok(0.6 < MAX_UTILISATION);
  assert.equal(chooseAutoN(cost, ns, (2 * t1) / HEADROOM + 0.01, load, limits), 1);
  assert.equal(chooseAutoN(cost, ns, (2 * t1) / HEADROOM - 0.01, load, limits), 2);
});

test('auto: a backlog that n = 1 cannot clear within the target moves to a larger n', () => {
  const load = { arrivalRate: 0, queued: 10, oldestAgeMs: 20 };
  assert.equal(drainMs(cost, 1, 10, 32), 2 + 100);
  assert.equal(drainMs(cost, 4, 10, 2), 2 + 12 * 2 + 2 + 12 * 1); // two batches: 8 inputs, then 2
  assert.equal(chooseAutoN(cost, ns, 200, load, limits), 1); // 20 + 102 ms fits 200 ms
  assert.equal(chooseAutoN(cost, ns, 100, load, limits), 2); // 20 + 2 + 60 ms
  assert.equal(chooseAutoN(cost, ns, 60, load, limits), 4); // 20 + 2 + 36 ms
});

test('the largest batch at n: at most maxGroups superpositions, and no more inputs than the queue holds (ListOps 8×8: 8 of 64)', () => {
  const at = (n: number, maxGroups: number, maxQueue: number) => largestBatchGroups(n, { maxGroups, maxQueue });
  assert.deepEqual([at(4, 32, 512), at(64, 32, 512), at(64, 32, 100), at(1024, 32, 512), at(3, 32, 100)], [32, 8, 2, 1, 32]);
});

test('auto: at a large n the queue, not maxGroups, bounds the batch, and so the capacity auto plans with', () => {
  // n = 4: 1.6 + 0.75 ms per superposition, 32 of them (128 inputs) in 25.6 ms: 5,000 inputs/s.
  // n = 64: 100 + 1 ms per superposition; 32 of them would serve 2,048 inputs in 132 ms (15,515/s),
  // but a 512-input queue holds 8: 512 inputs in 108 ms, 4,741/s.
  const big = new CostModel([1, 4, 64], { 1: 2, 4: 1.6, 64: 100 }, { 1: 1, 4: 0.75, 64: 1 });
  const bounded = { maxGroups: 32, maxQueue: 512 };
  assert.ok(Math.abs(capacity(big, 4, bounded) - 5000) < 1e-6);
  assert.ok(Math.abs(capacity(big, 64, bounded) - (1000 * 512) / 108) < 1e-6);
  assert.ok(Math.abs(capacity(big, 64, { maxGroups: 32, maxQueue: 4096 }) - (1000 * 2048) / 132) < 1e-6);
  const load = { arrivalRate: 6000, queued: 0, oldestAgeMs: 0 };
  // With room for 32 superpositions n = 64 would keep up with 6,000/s; under the queue's bound no n
  // does, and n = 4 serves the most.
  assert.equal(chooseAutoN(big, [1, 4, 64], 1000, load, { maxGroups: 32, maxQueue: 4096 }), 64);
  assert.equal(chooseAutoN(big, [1, 4, 64], 1000, load, bounded), 4);
  // The backlog drains in the bounded batches too: 600 queued at n = 64 take two batches (512, then 88).
  assert.equal(drainMs(big, 64, 600, largestBatchGroups(64, bounded)), 100 + 8 + 100 + 2);
});
