// Entry module of the inference worker thread (see worker.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { runWorker } from './worker.js';
import type { WorkerInit, WorkerPort } from './worker.js';

if (!parentPort) throw new Error('worker_main.js runs as a worker thread (new Worker(...)), not on its own');
runWorker(parentPort as unknown as WorkerPort, workerData as WorkerInit);
