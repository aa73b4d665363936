import test from 'node:test';
import assert from 'node:assert/strict';
import { LOWER_AT, LatencyFloor, MIN_HOLD_MS, MIN_SAMPLES, RAISE_AT } from './feedback.js';

const target = 100;
/** Feeds `count` latencies of `ms` spread over [from, to) and updates the floor at `to`. */
function feed(f: LatencyFloor, ms: number, from: number, to: number, rate: number, count = 50): number {
  for (let i = 0; i < count; i++) f.record(ms, from + ((to - from) * i) / count);
  return f.update(target, to, rate);
}

test('the floor stays at n = 1 while measured latencies are well under the target, or too few', () => {
  const f = new LatencyFloor([1, 2, 4], 0);
  assert.equal(feed(f, 0.5 * target, 0, 1000, 500), 1);
  assert.equal(feed(f, 10 * target, 1000, 2000, 500, MIN_SAMPLES - 1), 1);
});

test('a p99 over the raise threshold lifts the floor one operating point at a time, up to cap', () => {
  const f = new LatencyFloor([1, 2, 4], 0);
  assert.equal(feed(f, 1.1 * RAISE_AT * target, 0, 300, 1000), 2);
  // Not again before a quarter window has passed at the new floor.
  assert.equal(feed(f, 2 * target, 300, 400, 1000), 2);
  assert.equal(feed(f, 2 * target, 400, 600, 1000), 4);
  assert.equal(feed(f, 2 * target, 600, 900, 1000), 4);
});

test('after the hold time, low latencies lower the floor, but not back to a point that was too slow at this rate', () => {
  const f = new LatencyFloor([1, 2, 4], 0);
  assert.equal(feed(f, 2 * target, 0, 300, 1000), 2); // n = 1 was too slow at 1000/s
  // Well under the target at n = 2, but still ~1000 inputs/s: stays.
  assert.equal(feed(f, 0.5 * LOWER_AT * target, 300, 300 + 2 * MIN_HOLD_MS, 950), 2);
  // The rate fell to half: n = 1 is tried again.
  assert.equal(feed(f, 0.5 * LOWER_AT * target, 300 + 2 * MIN_HOLD_MS, 300 + 3 * MIN_HOLD_MS, 500), 1);
});

test('latencies between the thresholds hold the floor where it is', () => {
  const f = new LatencyFloor([1, 2, 4], 0);
  assert.equal(feed(f, 2 * target, 0, 300, 1000), 2);
  const between = ((LOWER_AT + RAISE_AT) / 2) * target;
  for (let t = 300; t < 300 + 5 * MIN_HOLD_MS; t += 500) assert.equal(feed(f, between, t, t + 500, 100), 2);
});
