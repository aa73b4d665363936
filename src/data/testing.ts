// Test support for the data loaders (not exported from the package): building small tar archives,
// and reading an entry of a real archive by a route independent of archive.ts (zlib + the tar format).
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';

// A fixed modification time keeps the archives byte-for-byte reproducible (tar-stream stamps the
// current time otherwise, and then which layer first notices a corrupted .tar.gz varies from run to run).
const FIXED_MTIME = new Date(Date.UTC(2020, 0, 1));

/** A tar archive (gzipped unless gzip is false) holding the given files, in the given order. */
export async function makeTar(files: [string, Uint8Array | string][], opts: { gzip?: boolean } = {}): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  })();
  for (const [name, data] of files) {
    await new Promise<void>((resolve, reject) => pack.entry({ name, mtime: FIXED_MTIME }, typeof data === 'string' ? data : Buffer.from(data), (e) => (e ? reject(e) : resolve())));
  }
  pack.finalize();
  await done;
  const raw = Buffer.concat(chunks);
  return opts.gzip === false ? raw : gzipSync(raw);
}

/**
 * The contents of `name` in a .tar.gz, found by gunzipping it whole and walking the 512-byte ustar
 * headers (name + prefix fields, octal size). Independent of archive.ts and tar-stream, for checks.
 */
export function readTarEntryDirect(file: string, name: string): Buffer {
  const data = gunzipSync(readFileSync(file));
  const field = (h: Buffer, at: number, len: number) => h.subarray(at, at + len).toString('latin1').replace(/\0.*$/s, '');
  for (let at = 0; at + 512 <= data.length; ) {
    const h = data.subarray(at, at + 512);
    if (h.every((b) => b === 0)) break;
    const prefix = field(h, 345, 155);
    const entry = (prefix ? `${prefix}/` : '') + field(h, 0, 100);
    const size = parseInt(field(h, 124, 12).trim() || '0', 8);
    if (entry.replace(/^\.\//, '') === name) return Buffer.from(data.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${file} has no entry ${name}`);
}
