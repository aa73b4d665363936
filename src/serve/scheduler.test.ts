import test from 'node:test';
import assert from 'node:assert/strict';
import { Scheduler } from './scheduler.js';
import type { Answer, Engine } from './scheduler.js';
import { CostModel } from './cost.js';
import { ServeError } from './errors.js';
import type { Policy } from './policy.js';

/**
 * A stand-in engine whose output shows what was superposed: for input x (one number) in a group of n
 * slots, [x, sum of the group's slots, n]. Batches wait until the test releases them.
 */
class FakeEngine implements Engine {
  batches: { n: number; inputs: number[] }[] = [];
  private waiting: { resolve: (o: Float32Array[]) => void; reject: (e: Error) => void; n: number; inputs: readonly Float32Array[] }[] = [];
  run(n: number, inputs: readonly Float32Array[]): Promise<Float32Array[]> {
    assert.equal(inputs.length % n, 0, 'a batch holds whole superpositions');
    this.batches.push({ n, inputs: inputs.map((x) => x[0]) });
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject, n, inputs }));
  }
  get running(): number {
    return this.waiting.length;
  }
  /** Finishes the running batch. */
  finish(): void {
    const b = this.waiting.shift();
    assert.ok(b, 'no batch is running');
    const out = b.inputs.map((x, i) => {
      const g = Math.floor(i / b.n) * b.n;
      const sum = b.inputs.slice(g, g + b.n).reduce((a, y) => a + y[0], 0);
      return Float32Array.of(x[0], sum, b.n);
    });
    b.resolve(out);
  }
  fail(msg: string): void {
    this.waiting.shift()!.reject(new Error(msg));
  }
}

const tick = () => new Promise((r) => setImmediate(r));
const vec = (v: number) => Float32Array.of(v);
const cost = () => new CostModel([1, 2, 4], 1, { 1: 1, 2: 1.1, 4: 1.2 });

function setup(policy: Policy, o: { maxQueue?: number; maxGroups?: number; deadlineMs?: number; lengthOf?: (x: Float32Array) => number } = {}) {
  const engine = new FakeEngine();
  let t = 0;
  const statuses: number[] = [];
  const s = new Scheduler(engine, {
    ns: [1, 2, 4], policy, cost: cost(), maxQueue: o.maxQueue ?? 100, maxGroups: o.maxGroups ?? 2, deadlineMs: o.deadlineMs ?? 1000,
    now: () => t, onReject: (st) => statuses.push(st), ...(o.lengthOf ? { lengthOf: o.lengthOf } : {}),
  });
  return { engine, s, statuses, advance: (ms: number) => (t += ms) };
}

test('each request gets its own outputs in order, tagged with n; a partial superposition is padded with its own inputs', async () => {
  const { engine, s } = setup({ mode: 'fixed', n: 4 }, { maxGroups: 8 });
  const first = s.submit([vec(1)]); // runs alone: [1, 1, 1, 1]
  const a = s.submit([vec(2), vec(3), vec(4)]);
  const b = s.submit([vec(5), vec(6)]);
  const c = s.submit([vec(7)]);
  assert.equal(engine.running, 1);
  assert.deepEqual(engine.batches[0].inputs, [1, 1, 1, 1]);
  engine.finish();
  const r0 = await first;
  assert.deepEqual([...r0.outputs[0].output], [1, 4, 4]);
  await tick();
  // The queued 6 inputs form one batch: superpositions [2,3,4,5] and [6,7,6,7] (6 and 7 repeated).
  assert.deepEqual(engine.batches[1], { n: 4, inputs: [2, 3, 4, 5, 6, 7, 6, 7] });
  engine.finish();
  const [ra, rb, rc] = await Promise.all([a, b, c]);
  assert.deepEqual(ra.outputs.map((o) => [...o.output]), [[2, 14, 4], [3, 14, 4], [4, 14, 4]]);
  assert.deepEqual(rb.outputs.map((o) => [...o.output]), [[5, 14, 4], [6, 26, 4]]);
  assert.deepEqual(rc.outputs.map((o) => [...o.output]), [[7, 26, 4]]);
  assert.deepEqual(rb.outputs.map((o) => [o.n, o.batch, o.slot]), [[4, 2, 3], [4, 2, 4]]);
});

test('with lengthOf, each batch (taken first come, first served) is grouped longest first; outputs keep their callers', async () => {
  // The input's value is its length here; ties keep their order (stable).
  const { engine, s } = setup({ mode: 'fixed', n: 2 }, { maxGroups: 2, lengthOf: (x) => Math.abs(x[0]) });
  const first = s.submit([vec(1)]);
  const a = s.submit([vec(3), vec(9)]);
  const b = s.submit([vec(-9), vec(5), vec(4)]);
  const c = s.submit([vec(8)]);
  engine.finish();
  await tick();
  // The next batch takes the first 4 queued (3, 9, -9, 5: 4 and 8 wait, longer or not) and orders them.
  assert.deepEqual(engine.batches[1], { n: 2, inputs: [9, -9, 5, 3] });
  engine.finish();
  await tick();
  assert.deepEqual(engine.batches[2], { n: 2, inputs: [8, 4] });
  engine.finish();
  const [ra, rb, rc] = await Promise.all([a, b, c, first]);
  assert.deepEqual(ra.outputs.map((o) => [o.output[0], o.output[1], o.batch, o.slot]), [[3, 8, 2, 3], [9, 0, 2, 0]]);
  assert.deepEqual(rb.outputs.map((o) => [o.output[0], o.output[1], o.batch, o.slot]), [[-9, 0, 2, 1], [5, 8, 2, 2], [4, 12, 3, 1]]);
  assert.deepEqual(rc.outputs.map((o) => [o.output[0], o.output[1], o.batch, o.slot]), [[8, 12, 3, 0]]);
});

test('a batch holds at most maxGroups superpositions; the rest waits for the next', async () => {
  const { engine, s } = setup({ mode: 'fixed', n: 2 }, { maxGroups: 2 });
  const reqs = [s.submit([vec(0)])];
  for (let i = 1; i <= 6; i++) reqs.push(s.submit([vec(i)]));
  engine.finish();
  await tick();
  assert.deepEqual(engine.batches.slice(1).map((b) => b.inputs), [[1, 2, 3, 4]]);
  assert.equal(s.queued, 2);
  engine.finish();
  await tick();
  assert.deepEqual(engine.batches[2].inputs, [5, 6]);
  engine.finish();
  const answers = await Promise.all(reqs);
  assert.deepEqual(answers.map((r) => r.outputs[0].output[0]), [0, 1, 2, 3, 4, 5, 6]);
});

test('switching the policy between batches loses nothing: queued inputs run at the new n', async () => {
  const { engine, s } = setup({ mode: 'fixed', n: 1 }, { maxGroups: 4 });
  const reqs: Promise<Answer>[] = [];
  reqs.push(s.submit([vec(1)]));
  for (let i = 2; i <= 5; i++) reqs.push(s.submit([vec(i)]));
  s.policy = { mode: 'fixed', n: 4 };
  engine.finish();
  await tick();
  assert.equal(engine.batches[1].n, 4);
  s.policy = { mode: 'fixed', n: 2 };
  for (let i = 6; i <= 7; i++) reqs.push(s.submit([vec(i)]));
  engine.finish();
  await tick();
  assert.equal(engine.batches[2].n, 2);
  engine.finish();
  const answers = await Promise.all(reqs);
  assert.deepEqual(answers.map((a) => [a.outputs[0].output[0], a.outputs[0].n]), [[1, 1], [2, 4], [3, 4], [4, 4], [5, 4], [6, 2], [7, 2]]);
  assert.throws(() => (s.policy = { mode: 'fixed', n: 3 }), (e: ServeError) => e.status === 400 && /1, 2, 4/.test(e.message));
});

test('a full queue refuses with 429 and Retry-After; nothing accepted is lost', async () => {
  const { engine, s, statuses } = setup({ mode: 'fixed', n: 1 }, { maxQueue: 3, maxGroups: 1 });
  const ok = [s.submit([vec(1)])]; // running, not queued
  ok.push(s.submit([vec(2), vec(3)]));
  await assert.rejects(s.submit([vec(4), vec(5)]), (e: ServeError) => e.status === 429 && e.retryAfterS! >= 1 && /queue is full/.test(e.message));
  ok.push(s.submit([vec(6)]));
  await assert.rejects(s.submit([vec(7)]), (e: ServeError) => e.status === 429);
  await assert.rejects(s.submit([vec(1), vec(2), vec(3), vec(4)]), (e: ServeError) => e.status === 413);
  for (let i = 0; i < 4; i++) {
    engine.finish();
    await tick();
  }
  assert.deepEqual((await Promise.all(ok)).map((a) => a.outputs.map((o) => o.output[0])), [[1], [2, 3], [6]]);
  assert.deepEqual(statuses, [429, 429, 413]);
});

test('a request past its deadline is failed with 503 and never computed', async () => {
  const { engine, s, advance } = setup({ mode: 'fixed', n: 1 }, { deadlineMs: 100, maxGroups: 4 });
  const running = s.submit([vec(1)]);
  const late = s.submit([vec(2)], { deadlineMs: 10 });
  const fine = s.submit([vec(3)]);
  advance(50);
  engine.finish();
  await running;
  await assert.rejects(late, (e: ServeError) => e.status === 503 && /deadline of 10 ms/.test(e.message));
  await tick();
  assert.deepEqual(engine.batches.map((b) => b.inputs), [[1], [3]]);
  engine.finish();
  assert.equal((await fine).outputs[0].output[0], 3);
});

test('a failed batch fails its requests with 500; the next batch still runs', async () => {
  const { engine, s } = setup({ mode: 'fixed', n: 2 }, { maxGroups: 1 });
  const a = s.submit([vec(1), vec(2), vec(3)]); // straddles two batches
  const b = s.submit([vec(4)]);
  engine.fail('worker died');
  await assert.rejects(a, (e: ServeError) => e.status === 500 && /worker died/.test(e.message));
  await tick();
  // a's second half is dropped with it; b runs.
  assert.deepEqual(engine.batches.map((x) => x.inputs), [[1, 2], [4, 4]]);
  engine.finish();
  assert.equal((await b).outputs[0].output[0], 4);
  assert.equal(s.inFlight, 0);
});

test('close(): new requests get 503, accepted ones are served, then drained() resolves', async () => {
  const { engine, s } = setup({ mode: 'fixed', n: 1 }, { maxGroups: 1 });
  const a = s.submit([vec(1)]);
  const b = s.submit([vec(2)]);
  s.close();
  await assert.rejects(s.submit([vec(3)]), (e: ServeError) => e.status === 503);
  let drained = false;
  const d = s.drained().then(() => (drained = true));
  engine.finish();
  await tick();
  assert.equal(drained, false);
  engine.finish();
  await d;
  assert.deepEqual([(await a).outputs[0].output[0], (await b).outputs[0].output[0]], [1, 2]);
});

test('auto: n = 1 when idle, a larger n once the queue would miss the target', async () => {
  const engine = new FakeEngine();
  let t = 0;
  // n = 1 costs 10 ms per input, n = 4 costs 3 ms per input (12 ms per superposition).
  const s = new Scheduler(engine, {
    ns: [1, 2, 4], policy: { mode: 'auto', targetP99Ms: 100 }, cost: new CostModel([1, 2, 4], 1, { 1: 10, 2: 14, 4: 12 }),
    maxQueue: 1000, maxGroups: 64, deadlineMs: 10_000, now: () => t,
  });
  const first = s.submit([vec(0)]);
  assert.equal(engine.batches[0].n, 1);
  const many = Array.from({ length: 20 }, (_, i) => s.submit([vec(i + 1)]));
  t += 5;
  engine.finish();
  await first;
  await tick();
  // 20 inputs at n = 1 would take ~200 ms, past the 100 ms target; at n = 4 ~60 ms.
  assert.equal(engine.batches[1].n, 4);
  engine.finish();
  const out = await Promise.all(many);
  assert.ok(out.every((a, i) => a.outputs[0].output[0] === i + 1 && a.outputs[0].n === 4));
});

test('auto: measured latencies over the target lift the n that the cost model alone would choose', async () => {
  const engine = new FakeEngine();
  let t = 0;
  const s = new Scheduler(engine, {
    ns: [1, 2, 4], policy: { mode: 'auto', targetP99Ms: 100 }, cost: new CostModel([1, 2, 4], 0.1, { 1: 0.1, 2: 0.1, 4: 0.1 }),
    maxQueue: 1000, maxGroups: 64, deadlineMs: 10_000, now: () => t,
  });
  const a = s.submit([vec(1)]);
  assert.equal(engine.batches[0].n, 1); // the model sees no reason for more
  engine.finish();
  await a;
  for (let i = 0; i < 50; i++) s.recordLatency(500);
  t += 500;
  const b = s.submit([vec(2)]);
  assert.equal(engine.batches[1].n, 2);
  assert.equal(s.autoFloor, 2);
  engine.finish();
  assert.equal((await b).outputs[0].n, 2);
});
