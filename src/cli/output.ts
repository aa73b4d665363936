// Output conventions shared by commands: JSON on stdout when asked, human text otherwise, progress on stderr.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** A progress bar on stderr (silent when stderr is not a terminal). */
export function progressBar(label: string, total: number, fields: Record<string, string | number> = {}) {
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} {bar} {percentage}% | {value}/{total} | ETA {eta_formatted}{extra}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const fmt = (f: Record<string, string | number>) => ({
    extra: Object.entries(f).map(([k, v]) => ` | ${k} ${v}`).join(''),
  });
  bar.start(total, 0, fmt(fields));
  return {
    update(value: number, f: Record<string, string | number> = {}) {
      bar.update(value, fmt(f));
    },
    stop() {
      bar.stop();
    },
  };
}

/** Parses a positive integer option, with an error naming the option. */
export function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer, got '${v}'`);
    return n;
  };
}

/** A non-negative integer option (seeds, limits). */
export function nonNegativeInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} must be a non-negative integer, got '${v}'`);
    return n;
  };
}

/** A TCP port: an integer in 0..65535 (0: any free port). */
export function portNumber(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${name} must be a TCP port, an integer in 0..65535, got '${v}'`);
    return n;
  };
}

export function positiveNumber(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number, got '${v}'`);
    return n;
  };
}

/** Parses a comma-separated list of positive integers ("1,2,4,8"), for the option called name. */
export function positiveIntList(name: string) {
  return (v: string): number[] => {
    const parts = v.split(',').map((s) => s.trim());
    const ns = parts.map(Number);
    if (parts.some((p) => p === '') || ns.some((n) => !Number.isInteger(n) || n < 1)) {
      throw new UsageError(`${name} must be a comma-separated list of positive integers (e.g. 1,2,4,8), got '${v}'`);
    }
    return ns;
  };
}

/** An option that must be one of `choices`, with an error naming the option and the choices. */
export function choice<T extends string | number>(name: string, choices: readonly T[]) {
  return (v: string): T => {
    const hit = choices.find((c) => String(c) === v);
    if (hit === undefined) throw new UsageError(`${name} must be one of ${choices.join(', ')}, got '${v}'`);
    return hit;
  };
}

/** A non-negative number option. */
export function nonNegativeNumber(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`${name} must be a non-negative number, got '${v}'`);
    return n;
  };
}

/** A mistake in how the command was called: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The help of every --device option: what it takes and what cuda needs. */
export const DEVICE_HELP = 'cpu, cuda, cuda:1, ... (cuda needs the addon built against a CUDA libtorch)';

/**
 * Checks, before any work, that `file` can be written by the option `flag`: not a directory, in a
 * directory that exists, and (with keep) not a file that is already there, which would be lost.
 */
export function checkOutputFile(flag: string, file: string, o: { keep?: boolean } = {}): void {
  if (existsSync(file) && statSync(file).isDirectory()) throw new UsageError(`${flag} ${file} is a directory; name a file`);
  if (o.keep && existsSync(file)) throw new UsageError(`${flag} ${file} already exists; remove it or choose another file`);
  const dir = path.dirname(path.resolve(file));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${flag} ${file}: the directory ${dir} does not exist`);
}

/** An aligned text table: the first column left-aligned, the others right-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
