// `mimo info`: what the engine runs on (libtorch, BLAS, threads, allocator, devices).
import os from 'node:os';
import { Command } from 'commander';
import { blasInfo, cudaAvailable, cudaDeviceCount, getThreads, libtorchVersion } from '../../tensor/index.js';
import { allocator, spinWaits } from '../../bench/engine.js';
import { printJson } from '../output.js';

export function runtimeFacts() {
  return {
    libtorch: libtorchVersion(),
    blas: blasInfo(),
    threads: getThreads(),
    spin_waits: spinWaits(),
    allocator: allocator(),
    cuda: { available: cudaAvailable(), devices: cudaDeviceCount() },
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    node: process.version,
  };
}

export function infoCommand(): Command {
  return new Command('info')
    .description('show the compute engine: libtorch version, BLAS, threads, allocator, devices')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const f = runtimeFacts();
      if (opts.json) return printJson(f);
      console.log(`libtorch   ${f.libtorch}`);
      console.log(`BLAS       ${f.blas.kind} (${f.blas.path || 'not found'})${f.blas.config ? `\n           ${f.blas.config}` : ''}`);
      console.log(`threads    intra-op ${f.threads.intraOp}, BLAS ${f.threads.blas}  (MIMO_NUM_THREADS, MIMO_BLAS_THREADS)`);
      console.log(`spin-waits ${Object.entries(f.spin_waits).map(([k, v]) => `${k}=${v}`).join(', ') || 'library defaults'}`);
      console.log(`allocator  ${f.allocator}`);
      console.log(`CUDA       ${f.cuda.available ? `${f.cuda.devices} device(s)` : 'not available'}`);
      console.log(`CPU        ${f.cpu}, ${f.cores} cores; Node ${f.node}`);
    });
}
