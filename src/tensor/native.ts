// Loads the libtorch addon and gives every native call the name of its op in error messages.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** An opaque reference to a libtorch tensor held by the addon. */
export type Handle = { readonly __tensor: unique symbol };

/** A libtorch error (or an addon argument error) surfaced as a JavaScript exception. */
export class TorchError extends Error {
  readonly op: string;
  constructor(op: string, cause: unknown) {
    const msg = cause instanceof Error ? cause.message : String(cause);
    super(`${op}: ${msg.trim()}`);
    this.name = 'TorchError';
    this.op = op;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type NativeFn = (...args: any[]) => any;

function addonPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = path.resolve(here, '..', '..');
  const candidates = [
    process.env.MIMO_NATIVE,
    path.join(root, 'build', 'Release', 'mimo_native.node'),
    path.join(root, 'build', 'Debug', 'mimo_native.node'),
  ].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `mimo's native addon is not built (looked in ${candidates.join(', ')}). ` +
        'Install libtorch (apt-get install -y libtorch-dev libopenblas0-pthread) and run `npm run build:native`.',
    );
  }
  return found;
}

// OpenMP threads that spin-wait after each parallel region steal the cores OpenBLAS needs next (on
// 2 cores a Transformer step took 198 ms with libgomp's default spinning, 97 ms with a short spin;
// docs/results.md). libgomp reads this when it is loaded, i.e. with the addon just below; an explicit
// GOMP_SPINCOUNT or OMP_WAIT_POLICY from the user wins.
if (process.env.GOMP_SPINCOUNT === undefined && process.env.OMP_WAIT_POLICY === undefined) {
  process.env.GOMP_SPINCOUNT = '10000';
}
// The same trap the other way round: OpenBLAS's worker threads spin for 2^28 cycles (~0.1 s) after
// each matrix product, so the elementwise ops that follow one (run by OpenMP on the same cores) wait
// for a time slice. A short spin (2^16 cycles, ~25 µs) made MIMOFormer training steps ~1.15x faster
// on 2 cores (docs/results.md). OpenBLAS reads it when it is loaded; the user's setting wins.
if (process.env.OPENBLAS_THREAD_TIMEOUT === undefined) {
  process.env.OPENBLAS_THREAD_TIMEOUT = '16';
}

const raw: Record<string, NativeFn> = createRequire(import.meta.url)(addonPath());

export const unaryNames: string[] = raw.unaryNames();
export const binaryNames: string[] = raw.binaryNames();
export const inplaceNames: string[] = raw.inplaceNames();

function codeTable(names: string[]): Record<string, number> {
  return Object.fromEntries(names.map((n, i) => [n, i]));
}
export const UNARY = codeTable(unaryNames);
export const BINARY = codeTable(binaryNames);
export const INPLACE = codeTable(inplaceNames);

function named(name: string, fn: NativeFn, table?: string[]): NativeFn {
  return (...args) => {
    try {
      return fn(...args);
    } catch (e) {
      throw new TorchError(table ? (table[args[0]] ?? name) : name, e);
    }
  };
}

/** The addon's functions, each rethrowing native failures as TorchError named after the op. */
export const native: Record<string, NativeFn> = Object.fromEntries(
  Object.entries(raw).map(([k, fn]) => [
    k,
    named(k, fn, k === 'unary' ? unaryNames : k === 'binary' ? binaryNames : k === 'inplace' ? inplaceNames : undefined),
  ]),
);
