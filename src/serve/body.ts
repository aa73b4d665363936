// Reading a request body with a size limit (413 past it) and small JSON/text replies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ServeError } from './errors.js';

/** The whole body; a ServeError(413) as soon as it is known to exceed `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  const tooLarge = (n: string) => new ServeError(413, `the body is ${n} bytes; the limit is ${limit} bytes`);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume(); // discard what arrives; the reply closes the connection
    return Promise.reject(tooLarge(String(declared)));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge(`more than ${limit}`));
        return;
      }
      chunks.push(c);
    });
    const fail = (why: string) => {
      if (failed) return;
      failed = true;
      reject(new ServeError(400, `could not read the body: ${why}`));
    };
    req.on('end', () => failed || resolve(Buffer.concat(chunks, size)));
    req.on('error', (e) => fail(e.message));
    req.on('close', () => req.complete || fail('the connection closed before the body ended'));
  });
}

/** Sends a JSON reply. */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string | number> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Sends an error reply {"error": message} (with Retry-After when the error has one). */
export function sendError(res: ServerResponse, e: ServeError, headers: Record<string, string | number> = {}): void {
  const h: Record<string, string | number> = { ...headers };
  if (e.retryAfterS !== undefined) h['Retry-After'] = Math.max(1, Math.ceil(e.retryAfterS));
  if (e.status === 413) h.Connection = 'close';
  sendJson(res, e.status, { error: e.message, status: e.status }, h);
}
