// A worker entry for tests: the real worker loop, except that a batch whose first value is
// CRASH_VALUE (send it already normalised) makes the thread die with an uncaught error while that
// batch is outstanding (a crash as the engine would meet it).
import { parentPort, workerData } from 'node:worker_threads';
import { runWorker } from './worker.js';
import type { ToWorker, WorkerInit, WorkerPort } from './worker.js';

export const CRASH_VALUE = -1234.5;

if (parentPort) {
  const real = parentPort;
  const port: WorkerPort = {
    on: (_event, listener) =>
      real.on('message', (m: ToWorker) => {
        if (m.type === 'run' && m.data[0] === CRASH_VALUE) {
          setImmediate(() => {
            throw new Error('injected crash');
          });
        } else listener(m);
      }),
    postMessage: (v, transfer) => real.postMessage(v, transfer),
    close: () => real.close(),
  };
  runWorker(port, workerData as WorkerInit);
}
