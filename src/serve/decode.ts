// Request bodies → MIMOConv inputs (MIMOFormer sequences: decode_sequence.ts, which shares the JSON
// and PNG helpers here). Three forms, chosen by Content-Type; every input is one image of
// the model's shape [C, H, W], and comes out as a float32 vector normalised like the training data:
// (pixel/255 − mean[c]) / std[c] with the checkpoint's mean and std.
//
//   application/json          {"input": IMAGE} or {"inputs": [IMAGE, ...]}, optional "scale".
//                             IMAGE: nested arrays of numbers shaped [C·H·W], [C, H, W] or (C = 1)
//                             [H, W]. scale "pixels" (default): values in [0, 255]; "normalized":
//                             already normalised floats, used as they are.
//   application/octet-stream  raw row-major [N, C, H, W]. Query ?dtype=uint8 (default; pixels
//                             0..255) or float32 (little-endian; pixels 0..255, or normalised with
//                             &scale=normalized); optional &shape=N,C,H,W (or C,H,W) to check
//                             against; N is the body length over one image's size.
//   image/png                 one PNG image of exactly H×W pixels: grey for C = 1 (colour is
//                             converted with ITU-R 601 luma, (299R + 587G + 114B)/1000), RGB for
//                             C = 3; alpha is ignored.
// Anything malformed is a ServeError: 400 (with what is wrong), 413 (too many inputs), 415 (type).
import { PNG } from 'pngjs';
import { ServeError } from './errors.js';

export interface InputSpec {
  channels: number;
  height: number;
  width: number;
  mean: readonly number[];
  std: readonly number[];
}

export type Scale = 'pixels' | 'normalized';

export const MEDIA_TYPES = ['application/json', 'application/octet-stream', 'image/png'] as const;

export const bad = (msg: string): never => {
  throw new ServeError(400, msg);
};

const size = (s: InputSpec) => s.channels * s.height * s.width;
const shapeText = (s: InputSpec) => `[${s.channels}, ${s.height}, ${s.width}]`;

/** Normalises one image given as `get(i)` for i in [0, C·H·W) (pixels or already-normalised values). */
function toInput(spec: InputSpec, scale: Scale, get: (i: number) => number, what: string): Float32Array {
  const hw = spec.height * spec.width;
  const out = new Float32Array(size(spec));
  for (let c = 0; c < spec.channels; c++) {
    const m = spec.mean[c], s = spec.std[c];
    for (let i = c * hw; i < (c + 1) * hw; i++) {
      const v = get(i);
      if (typeof v !== 'number' || !Number.isFinite(v)) bad(`${what}: element ${i} is ${typeof v === 'number' ? String(v) : JSON.stringify(v) ?? typeof v}, not a finite number`);
      if (scale === 'pixels') {
        if (v < 0 || v > 255) bad(`${what}: element ${i} is ${v}; pixel values must be in [0, 255] (send already-normalised values with scale "normalized")`);
        out[i] = (v / 255 - m) / s;
      } else out[i] = v;
    }
  }
  return out;
}

function parseScale(v: unknown, where: string): Scale {
  if (v === undefined || v === null || v === 'pixels') return 'pixels';
  if (v === 'normalized') return 'normalized';
  return bad(`${where} must be "pixels" or "normalized", got ${JSON.stringify(v)}`);
}

/** The shape of nested arrays (checking they are not ragged). */
export function nestedShape(x: unknown, what: string): number[] {
  const shape: number[] = [];
  let level: unknown = x;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  const check = (v: unknown, d: number): void => {
    if (d === shape.length) {
      if (Array.isArray(v)) bad(`${what}: ragged nested arrays (deeper than shape [${shape}])`);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[d]) bad(`${what}: ragged nested arrays (expected length ${shape[d]} at depth ${d})`);
    for (const e of v as unknown[]) check(e, d + 1);
  };
  check(x, 0);
  return shape;
}

function jsonImage(x: unknown, spec: InputSpec, scale: Scale, what: string): Float32Array {
  if (!Array.isArray(x)) bad(`${what} must be an array of numbers shaped ${shapeText(spec)}, got ${x === null ? 'null' : typeof x}`);
  const shape = nestedShape(x, what);
  const { channels: C, height: H, width: W } = spec;
  const ok = [[C * H * W], [C, H, W], ...(C === 1 ? [[H, W]] : [])];
  if (!ok.some((s) => s.length === shape.length && s.every((d, i) => d === shape[i]))) {
    bad(`${what} has shape [${shape}]; the model takes ${ok.map((s) => `[${s}]`).join(' or ')}`);
  }
  const flat = (shape.length === 1 ? x : (x as unknown[]).flat(shape.length - 1)) as unknown[];
  return toInput(spec, scale, (i) => flat[i] as number, what);
}

/** The body as a JSON object (400 naming the problem otherwise); `usage` shows the expected form. */
export function readJsonObject(body: Buffer, usage: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (e) {
    return bad(`malformed JSON: ${(e as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return bad(`the body must be a JSON object: ${usage}`);
  return doc as Record<string, unknown>;
}

/**
 * The inputs of {"input": X} or {"inputs": [X, ...]} (other fields: `options`), each with a name for
 * messages; 400 for unknown fields or neither/both, 413 for more than maxInputs.
 */
export function jsonInputs(o: Record<string, unknown>, maxInputs: number, options: readonly string[] = []): { value: unknown; what: string }[] {
  const extra = Object.keys(o).filter((k) => !['input', 'inputs', ...options].includes(k));
  const also = options.length ? `, and optionally ${options.join(', ')}` : '';
  if (extra.length) bad(`unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => `'${k}'`).join(', ')} (expected input or inputs${also})`);
  if ((o.input === undefined) === (o.inputs === undefined)) bad('give exactly one of "input" (one input) and "inputs" (a list of inputs)');
  if (o.input !== undefined) return [{ value: o.input, what: 'input' }];
  if (!Array.isArray(o.inputs) || o.inputs.length === 0) return bad('"inputs" must be a non-empty list');
  if (o.inputs.length > maxInputs) throw new ServeError(413, `${o.inputs.length} inputs in one request; at most ${maxInputs}`);
  return o.inputs.map((value, i) => ({ value, what: `inputs[${i}]` }));
}

function decodeJson(body: Buffer, spec: InputSpec, maxInputs: number): Float32Array[] {
  const o = readJsonObject(body, '{"input": IMAGE} or {"inputs": [IMAGE, ...]}');
  const items = jsonInputs(o, maxInputs, ['scale']);
  const scale = parseScale(o.scale, 'scale');
  return items.map(({ value, what }) => jsonImage(value, spec, scale, what));
}

function decodeBinary(body: Buffer, query: URLSearchParams, spec: InputSpec, maxInputs: number): Float32Array[] {
  const dtype = query.get('dtype') ?? 'uint8';
  if (dtype !== 'uint8' && dtype !== 'float32') bad(`dtype must be uint8 or float32, got '${dtype}'`);
  const scale = parseScale(query.get('scale') ?? undefined, 'the query parameter scale');
  if (dtype === 'uint8' && scale === 'normalized') bad('uint8 data are pixels; scale=normalized needs dtype=float32');
  const bytes = dtype === 'uint8' ? 1 : 4;
  const per = size(spec) * bytes;
  if (body.length === 0 || body.length % per !== 0) {
    bad(`the body has ${body.length} bytes, not a positive multiple of one ${dtype} image ${shapeText(spec)} (${per} bytes)`);
  }
  const count = body.length / per;
  const shape = query.get('shape');
  if (shape !== null) {
    const dims = shape.split(',').map((d) => Number(d));
    const want = [spec.channels, spec.height, spec.width];
    const okShape = dims.every((d) => Number.isInteger(d) && d > 0) &&
      ((dims.length === 4 && dims[0] === count && dims.slice(1).every((d, i) => d === want[i])) || (dims.length === 3 && count === 1 && dims.every((d, i) => d === want[i])));
    if (!okShape) bad(`shape=${shape} does not match the body (${count} ${dtype} image${count > 1 ? 's' : ''} of ${shapeText(spec)})`);
  }
  if (count > maxInputs) throw new ServeError(413, `${count} inputs in one request; at most ${maxInputs}`);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  return Array.from({ length: count }, (_, k) =>
    toInput(spec, scale, dtype === 'uint8' ? (i) => body[k * per + i] : (i) => view.getFloat32(k * per + 4 * i, true), count > 1 ? `image ${k}` : 'the image'));
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * The RGBA pixels (8 bits per channel) of a PNG body that must be exactly width×height; the size is
 * read from the header (IHDR) first, so a wrong or huge image is refused before decoding.
 */
export function pngPixels(body: Buffer, width: number, height: number): Buffer {
  if (body.length < 24 || !body.subarray(0, 8).equals(PNG_SIGNATURE) || body.toString('latin1', 12, 16) !== 'IHDR') bad('the body is not a PNG image (no PNG signature and IHDR header)');
  const w = body.readUInt32BE(16), h = body.readUInt32BE(20);
  if (w !== width || h !== height) bad(`the image is ${w}x${h} pixels; the model takes ${width}x${height}`);
  try {
    return PNG.sync.read(body).data;
  } catch (e) {
    return bad(`undecodable PNG: ${(e as Error).message}`);
  }
}

function decodePng(body: Buffer, spec: InputSpec): Float32Array[] {
  if (spec.channels !== 1 && spec.channels !== 3) bad(`PNG input needs a model with 1 or 3 channels; this one takes ${spec.channels}`);
  const px = pngPixels(body, spec.width, spec.height);
  const hw = spec.height * spec.width;
  const get = spec.channels === 1
    ? (i: number) => (299 * px[4 * i] + 587 * px[4 * i + 1] + 114 * px[4 * i + 2]) / 1000
    : (i: number) => px[4 * (i % hw) + Math.floor(i / hw)];
  return [toInput(spec, 'pixels', get, 'the image')];
}

/** The media type of a Content-Type header, lower-case, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** Decodes a /v1/predict body into normalised inputs of the model's shape. */
export function decodeInputs(contentType: string | undefined, body: Buffer, query: URLSearchParams, spec: InputSpec, maxInputs: number): Float32Array[] {
  const type = mediaType(contentType);
  if (type === 'application/json') return decodeJson(body, spec, maxInputs);
  if (type === 'application/octet-stream') return decodeBinary(body, query, spec, maxInputs);
  if (type === 'image/png') return decodePng(body, spec);
  throw new ServeError(415, `unsupported Content-Type '${contentType ?? '(none)'}'; send ${MEDIA_TYPES.join(', ')}`);
}
