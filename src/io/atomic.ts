// Atomic file writes: nothing already saved is lost when a write fails half-way.
import { closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

/**
 * Writes `file` atomically: `write(fd)` fills a fresh temporary file in the same directory, which is
 * fsynced and renamed over `file` (over what a symlink points at, not the link). On any failure the
 * temporary file is removed, an existing `file` is left as it was, and the error is rethrown.
 * Parent directories are created as needed.
 */
export function writeFileAtomic(file: string, write: (fd: number) => void): void {
  let target = path.resolve(file);
  mkdirSync(path.dirname(target), { recursive: true });
  if (lstatSync(target, { throwIfNoEntry: false })?.isSymbolicLink()) target = realpathSync(target);
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx');
    write(fd);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing; the original error is the one to report
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      // it may never have been created
    }
    throw e;
  }
  // Make the rename itself durable (best effort: not every platform can fsync a directory).
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // ignore
  }
}

/** Writes a UTF-8 text file atomically (writeFileAtomic). */
export function writeTextAtomic(file: string, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  writeFileAtomic(file, (fd) => {
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
  });
}

/** Appends one line to a text file (e.g. metrics.jsonl) by rewriting it atomically: a crash never leaves half a line. */
export function appendLineAtomic(file: string, line: string): void {
  const prev = existsSync(file) ? readFileSync(file, 'utf8') : '';
  writeTextAtomic(file, prev + line + '\n');
}
