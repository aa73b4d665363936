// Threads, the BLAS that is actually loaded, and devices.
import os from 'node:os';
import { native } from './native.js';

export interface BlasInfo {
  kind: 'openblas' | 'mkl' | 'reference' | 'none';
  path: string;
  config?: string;
  threads?: number;
}

export function blasInfo(): BlasInfo {
  return native.blasInfo();
}

export interface ThreadSettings {
  /** libtorch intra-op (OpenMP) threads: convolutions, elementwise ops, reductions. */
  intraOp: number;
  /** OpenBLAS threads: matrix products. */
  blas: number;
}

export function getThreads(): ThreadSettings {
  return { intraOp: native.numThreads(), blas: blasInfo().threads ?? 1 };
}

/**
 * Sets thread counts. On 2 cores, oversubscription (both pools busy at once) is the main trap:
 * see docs/engine.md for the measurements behind the defaults.
 */
export function setThreads(s: Partial<ThreadSettings>): void {
  for (const [k, v] of Object.entries(s)) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new RangeError(`threads.${k} must be a positive integer, got ${v}`);
  }
  if (s.intraOp !== undefined) native.setNumThreads(s.intraOp);
  if (s.blas !== undefined) native.setBlasThreads(s.blas);
}

function envInt(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got '${v}'`);
  return n;
}

/** Defaults: every core for intra-op work and for BLAS; MIMO_NUM_THREADS / MIMO_BLAS_THREADS override. */
export function defaultThreads(): ThreadSettings {
  const cores = os.availableParallelism();
  return { intraOp: envInt('MIMO_NUM_THREADS') ?? cores, blas: envInt('MIMO_BLAS_THREADS') ?? cores };
}

let warned = false;
/** Warns once (on stderr) when libtorch runs on the slow reference BLAS. */
export function checkBlas(): BlasInfo {
  const info = blasInfo();
  if (info.kind === 'reference' && !warned && !process.env.MIMO_QUIET_BLAS) {
    warned = true;
    process.stderr.write(
      `mimo: warning: libtorch is using the reference BLAS (${info.path}); matrix products will be ~30x slower. ` +
        'Install OpenBLAS: apt-get install -y libopenblas0-pthread\n',
    );
  }
  return info;
}

export function cudaAvailable(): boolean {
  return native.cudaAvailable();
}
export function cudaDeviceCount(): number {
  return native.cudaDeviceCount();
}
/** Waits until the GPU has finished the work queued so far (a no-op without CUDA); timers of GPU work call it. */
export function synchronize(): void {
  native.synchronize();
}
/** 'cuda' when a GPU is usable, else 'cpu'. */
export function defaultDevice(): string {
  return cudaAvailable() ? 'cuda' : 'cpu';
}

export function libtorchVersion(): string {
  return native.version().torch;
}

/** Applies the default thread settings once, at import. */
setThreads(defaultThreads());
checkBlas();
