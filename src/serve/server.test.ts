import test from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { loadMIMOConv } from '../models/checkpoint.js';
import type { MIMOConv } from '../models/mimoconv.js';
import { startServer } from './server.js';
import type { RunningServer } from './server.js';
import { call, checkAgainstModel, expectedLogits, images, postBytes, postJson, tinyCheckpoint } from './testing.js';
import type { Out, Reply } from './testing.js';
import { CRASH_VALUE } from './testing_worker.js';

const checkpoint = tinyCheckpoint();
let model: MIMOConv;
let srv: RunningServer;
/** Statuses of every /v1/predict reply from srv, to compare with its metrics. */
const statuses = new Map<number, number>();
let servedInputs = 0;

async function predict(body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const r = await postJson(`${srv.url}/v1/predict`, body, headers);
  count(r);
  return r;
}
function count(r: Reply): void {
  statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
  if (r.status === 200) servedInputs += r.body.outputs.length;
}
const setPoint = (p: unknown) => call(`${srv.url}/v1/operating-point`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(p) });

test.before(async () => {
  model = loadMIMOConv(checkpoint).model;
  model.eval();
  // The test worker dies on a batch that starts with CRASH_VALUE.
  srv = await startServer({ checkpoint, port: 0, policy: { mode: 'fixed', n: 1 }, maxBodyBytes: 1 << 20, maxInputsPerRequest: 300, workerUrl: new URL('./testing_worker.js', import.meta.url) });
});
test.after(async () => {
  await srv?.close();
  model?.dispose();
});

test('n = 1: concurrent callers each get exactly single-input inference of their own image', async () => {
  const imgs = images(12, 1);
  const replies = await Promise.all(imgs.map((img) => predict({ input: Array.from(img) })));
  replies.forEach((r, i) => {
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const [out] = r.body.outputs as Out[];
    assert.equal(out.n, 1);
    const want = expectedLogits(model, [imgs[i]], 1)[0];
    assert.ok(want.every((w, k) => Math.abs(w - out.logits[k]) < 1e-4), `request ${i}: ${out.logits} vs ${want}`);
    assert.ok(r.body.latency_ms.total >= r.body.latency_ms.compute);
  });
});

test('n = 4: JSON, binary and PNG requests in one superposition each get their own outputs, in order', async () => {
  assert.equal((await setPoint({ mode: 'fixed', n: 4 })).status, 200);
  const imgs = images(9, 2);
  const pngOf = (img: Uint8Array) => {
    const p = new PNG({ width: 28, height: 28 });
    p.data = Buffer.from(Array.from(img).flatMap((v) => [v, v, v, 255]));
    return PNG.sync.write(p, { colorType: 0, inputColorType: 6 });
  };
  const f32 = new Float32Array(784).map((_, i) => imgs[6][i]);
  const reqs: [Uint8Array[], Promise<Reply>][] = [
    [[imgs[0]], predict({ input: Array.from(imgs[0]) })],
    [[imgs[1], imgs[2], imgs[3]], predict({ inputs: [1, 2, 3].map((k) => Array.from(imgs[k])) })],
    [[imgs[4], imgs[5]], postBytes(`${srv.url}/v1/predict`, Buffer.concat([imgs[4], imgs[5]]), 'application/octet-stream')],
    [[imgs[6]], postBytes(`${srv.url}/v1/predict?dtype=float32&shape=1,1,28,28`, new Uint8Array(f32.buffer), 'application/octet-stream')],
    [[imgs[7]], postBytes(`${srv.url}/v1/predict`, pngOf(imgs[7]), 'image/png')],
    [[imgs[8]], predict({ input: Array.from({ length: 28 }, (_, r) => Array.from(imgs[8].subarray(28 * r, 28 * r + 28))) })],
  ];
  const seen: { image: Uint8Array; out: Out }[] = [];
  for (const [sent, p] of reqs) {
    const r = await p;
    if (!r.headers.get('content-type')?.includes('json') || r.body.outputs === undefined) assert.fail(`status ${r.status}: ${JSON.stringify(r.body)}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.outputs.length, sent.length);
    sent.forEach((image, k) => seen.push({ image, out: r.body.outputs[k] }));
  }
  for (const r of reqs.slice(2, 5)) count(await r[1]);
  assert.ok(seen.every((s) => s.out.n === 4));
  checkAgainstModel(model, seen);
});

test('switching the operating point under load loses nothing and each answer fits its n', async () => {
  const imgs = images(48, 3);
  const points = [{ mode: 'fixed', n: 2 }, { mode: 'fixed', n: 1 }, { mode: 'auto', target_p99_ms: 5 }, { mode: 'fixed', n: 4 }, { mode: 'auto', target_p99_ms: 10_000 }];
  const replies: Promise<Reply>[] = [];
  const puts: Promise<Reply>[] = [];
  for (let wave = 0; wave < points.length; wave++) {
    for (let i = 0; i < 48 / points.length + 1 && replies.length < imgs.length; i++) replies.push(predict({ input: Array.from(imgs[replies.length]) }));
    puts.push(setPoint(points[wave]));
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.ok((await Promise.all(puts)).every((r) => r.status === 200));
  const done = await Promise.all(replies);
  const seen = done.map((r, i) => {
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return { image: imgs[i], out: r.body.outputs[0] as Out };
  });
  assert.ok(new Set(seen.map((s) => s.out.n)).size >= 2, 'the requests ran at more than one n');
  checkAgainstModel(model, seen);
  assert.equal((await setPoint({ mode: 'fixed', n: 2 })).status, 200);
});

test('malformed requests get 400/404/405/413/415 with a message', async () => {
  const url = `${srv.url}/v1/predict`;
  const expect = async (p: Promise<Reply>, status: number, re: RegExp) => {
    const r = await p;
    count(r);
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.match(r.body.error, re);
  };
  await expect(call(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"input": [1, 2' }), 400, /malformed JSON/);
  await expect(call(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"input": [NaN${', 0'.repeat(783)}]}` }), 400, /malformed JSON/);
  await expect(postJson(url, { input: [1, 2, 3] }), 400, /shape \[3\]; the model takes \[784\] or \[1,28,28\] or \[28,28\]/);
  await expect(postJson(url, { input: new Array(784).fill('x') }), 400, /element 0 is "x"/);
  await expect(postBytes(url, new Uint8Array(785), 'application/octet-stream'), 400, /785 bytes, not a positive multiple of one uint8 image \[1, 28, 28\]/);
  await expect(postBytes(url, new Uint8Array(10), 'text/plain'), 415, /unsupported Content-Type 'text\/plain'/);
  await expect(postBytes(url, Buffer.from('\x89PNG\r\n\x1a\n garbage garbage garbage'), 'image/png'), 400, /not a PNG|undecodable PNG/);
  await expect(postBytes(url, new Uint8Array((1 << 20) + 1), 'application/octet-stream'), 413, /limit is 1048576 bytes/);
  await expect(postJson(url, { inputs: new Array(301).fill(new Array(784).fill(0)) }), 413, /301 inputs in one request; at most 300/);
  await expect(postJson(url, { input: new Array(784).fill(0) }, { 'x-deadline-ms': 'soon' }), 400, /X-Deadline-Ms/);
  const bad = await setPoint({ mode: 'fixed', n: 3 });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /operating points \(inputs per superposition\): 1, 2, 4; got/);
  assert.equal((await setPoint({ mode: 'auto', target_p99_ms: 0 })).status, 400);
  assert.equal((await call(`${srv.url}/v1/operating-point`, { method: 'PUT', body: 'fixed 4' })).status, 400);
  assert.equal((await call(`${srv.url}/v1/predict`)).status, 405);
  assert.equal((await call(`${srv.url}/v2/predict`)).status, 404);
  assert.deepEqual((await call(`${srv.url}/v1/operating-point`)).body.n, 2, 'a refused change leaves the operating point');
});

test('a request still queued past its deadline gets 503 and is not computed', async () => {
  const big = images(1, 4)[0];
  const busy = predict({ inputs: new Array(300).fill(Array.from(big)) }); // 150 superpositions at n = 2: several batches
  while (srv.scheduler.inFlight === 0) await new Promise((r) => setTimeout(r, 1));
  const late = await predict({ input: Array.from(big) }, { 'x-deadline-ms': '1' });
  assert.equal(late.status, 503, JSON.stringify(late.body));
  assert.match(late.body.error, /past its deadline of 1 ms/);
  assert.ok(Number(late.headers.get('retry-after')) >= 1);
  assert.equal((await busy).status, 200);
});

test('metrics count what happened: replies by status, inputs by n, the operating point', async () => {
  const text = (await call(`${srv.url}/v1/metrics`)).body as string;
  const value = (re: RegExp) => {
    const m = text.match(re);
    return m ? Number(m[1]) : 0;
  };
  for (const [status, k] of statuses) assert.equal(value(new RegExp(`^mimo_requests_total\\{status="${status}"\\} (\\S+)$`, 'm')), k, `status ${status}`);
  const byN = [1, 2, 4].map((n) => value(new RegExp(`^mimo_inputs_total\\{n="${n}"\\} (\\S+)$`, 'm')));
  assert.equal(byN.reduce((a, b) => a + b, 0), servedInputs);
  assert.ok(byN[0] >= 12 && byN[2] >= 9);
  assert.equal(value(/^mimo_operating_point (\S+)$/m), 2);
  assert.equal(value(/^mimo_operating_point_auto (\S+)$/m), 0);
  assert.equal(value(/^mimo_queue_depth (\S+)$/m), 0);
  assert.match(text, /^mimo_request_duration_seconds_bucket\{le="0\.1",status="200"\} \d+$/m);
  const health = await call(`${srv.url}/v1/health`);
  assert.equal(health.status, 200);
  assert.deepEqual(health.body.model.input_shape, [1, 28, 28]);
});

test('a worker that dies fails its batch with 500; the next request is served by a new worker', async () => {
  const img = images(1, 5)[0];
  const before = srv.engine.threadId;
  const poison = [CRASH_VALUE, ...new Array(783).fill(0)];
  const dying = await predict({ input: poison, scale: 'normalized' });
  assert.equal(dying.status, 500, JSON.stringify(dying.body).slice(0, 200));
  assert.match(dying.body.error, /inference worker stopped \(injected crash\)/);
  const after = await predict({ input: Array.from(img) });
  assert.equal(after.status, 200);
  checkAgainstModel(model, [{ image: img, out: after.body.outputs[0] }]);
  assert.notEqual(srv.engine.threadId, before);
  assert.equal((await call(`${srv.url}/v1/health`)).body.worker_restarts, 1);
});

test('a full queue answers 429 with Retry-After, never a timeout; every accepted request is answered', async () => {
  const small = await startServer({ checkpoint, port: 0, policy: { mode: 'fixed', n: 1 }, maxQueue: 4, maxGroups: 1, calibrate: false });
  try {
    const img = Array.from(images(1, 6)[0]);
    const replies = await Promise.all(Array.from({ length: 40 }, () => postJson(`${small.url}/v1/predict`, { input: img })));
    const by = (s: number) => replies.filter((r) => r.status === s);
    assert.equal(by(200).length + by(429).length, 40, `statuses ${replies.map((r) => r.status)}`);
    assert.ok(by(429).length > 0 && by(200).length >= 5);
    for (const r of by(429)) {
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
      assert.match(r.body.error, /queue is full \(\d+ of 4 inputs waiting\)/);
    }
  } finally {
    await small.close();
  }
});

test('close() answers every request already received, then refuses connections', async () => {
  const s = await startServer({ checkpoint, port: 0, policy: { mode: 'fixed', n: 1 }, maxGroups: 2, calibrate: false });
  const imgs = images(16, 7);
  const replies = imgs.map((img) => postJson(`${s.url}/v1/predict`, { input: Array.from(img) }));
  let answered = 0;
  replies.forEach((p) => void p.then(() => answered++));
  while (s.scheduler.inFlight + answered < 16) await new Promise((r) => setTimeout(r, 1));
  const waiting = s.scheduler.inFlight;
  await s.close();
  assert.ok(waiting > 0, 'close() came while requests were waiting');
  const done = await Promise.all(replies);
  done.forEach((r, i) => {
    assert.equal(r.status, 200);
    checkAgainstModel(model, [{ image: imgs[i], out: r.body.outputs[0] }]);
  });
  await assert.rejects(fetch(`${s.url}/v1/health`));
});
