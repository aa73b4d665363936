// Session 24: SST-2 dev accuracy of a DataMUX checkpoint answered by `mimo serve` (over HTTP on
// loopback), at each operating point, next to what the same server reports per request. Every dev
// sentence is posted as text/plain, `CONCURRENCY` requests in flight, so the server groups them into
// mixes as it would live traffic (longest first within each batch). Run from the repository root
// after `npm run build`, with jemalloc as the CLI has it:
//   node bin/mimo.js run docs/runs/serve-datamux-accuracy.mjs CHECKPOINT 1,10 > OUT.json
import { serve, data } from '../../dist/index.js';

const [checkpoint, pointsArg = '1', concurrencyArg = '64'] = process.argv.slice(2);
const points = pointsArg.split(',').map(Number);
const CONCURRENCY = Number(concurrencyArg);
const dev = data.loadSst2(data.resolveDataDir(undefined), 'dev');
const srv = await serve.startServer({ checkpoint, port: 0, points, policy: { mode: 'fixed', n: points[0] }, calibrate: true });
const rows = [];
try {
  for (const n of points) {
    srv.scheduler.policy = { mode: 'fixed', n };
    const classes = new Array(dev.sentences.length);
    let next = 0;
    const t0 = performance.now();
    const client = async () => {
      while (next < dev.sentences.length) {
        const i = next++;
        const r = await fetch(`${srv.url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: dev.sentences[i] });
        const body = await r.json();
        if (r.status !== 200) throw new Error(`sentence ${i}: ${r.status} ${JSON.stringify(body)}`);
        if (body.outputs[0].n !== n) throw new Error(`sentence ${i}: answered at n = ${body.outputs[0].n}, not ${n}`);
        classes[i] = body.outputs[0].class;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, client));
    const seconds = (performance.now() - t0) / 1000;
    const correct = classes.filter((c, i) => c === dev.labels[i]).length;
    rows.push({ n, sentences: dev.sentences.length, correct, accuracy: correct / dev.sentences.length, seconds: Math.round(seconds * 100) / 100, sentences_per_s: Math.round(dev.sentences.length / seconds) });
    process.stderr.write(`n = ${n}: ${(100 * correct / dev.sentences.length).toFixed(2)} % in ${seconds.toFixed(1)} s\n`);
  }
} finally {
  await srv.close();
}
console.log(JSON.stringify({ checkpoint, concurrency: CONCURRENCY, model: srv.model.kind, instances: srv.model.instances, date: new Date().toISOString(), points: rows }, null, 2));
