// Request bodies → token sequences for a MIMOFormer, tokenized as its LRA task was in training. Each
// input comes out as a float32 vector of `length` token ids, padded with the padding id.
//
//   application/json          {"input": X} or {"inputs": [X, ...]}. X is a string, tokenized by the
//                             task (text: UTF-8 bytes, id = byte + 1, stripped of surrounding
//                             whitespace and cut to `length` as LRA does; listops: an expression such
//                             as "[MAX 2 9 [MIN 4 7 ] 0 ]", which must fit in `length` tokens), or an
//                             array of token ids as the model sees them (image: the 1024 grey levels
//                             0..255, flat or [32, 32]; text/listops: ids 1..vocab−1, 0 is padding).
//   text/plain                one text or expression (text and listops).
//   image/png                 one 32×32 image (image): grey levels as LRA makes them (lra_image.ts).
//   application/octet-stream  raw uint8 grey levels, 1024 per image (image).
// Anything malformed is a ServeError: 400 (with what is wrong), 413 (too many inputs), 415 (type).
import type { LraTask } from '../data/lra.js';
import { LRA_IMAGE_LENGTH, greyLevel } from '../data/lra_image.js';
import { byteTokens } from '../data/lra_text.js';
import { listOpsTreeError, tokenizeListOps } from '../data/listops.js';
import { ServeError } from './errors.js';
import { bad, jsonInputs, mediaType, nestedShape, pngPixels, readJsonObject } from './decode.js';

export interface SequenceSpec {
  task: LraTask;
  /** Tokens per sequence (the model's maxLength). */
  length: number;
  vocabSize: number;
  /** The padding id, or null where every id is a token (image). */
  padId: number | null;
}

const IMAGE_SIDE = 32;

/** The lowest token id that is not padding (LRA pads with 0 or not at all); warm-up and calibration inputs use it. */
export function fillerToken(padId: number | null): number {
  return padId === 0 ? 1 : 0;
}

/** Media types each task takes. */
export function sequenceMediaTypes(task: LraTask): string[] {
  return task === 'image' ? ['application/json', 'image/png', 'application/octet-stream'] : ['application/json', 'text/plain'];
}

/** ids (first `count` real) as a padded float32 vector of spec.length. */
function padded(spec: SequenceSpec, ids: ArrayLike<number>, count: number): Float32Array {
  const out = new Float32Array(spec.length).fill(spec.padId ?? 0);
  for (let i = 0; i < count; i++) out[i] = ids[i];
  return out;
}

/** Tokenizes one text or ListOps expression (`what` names it in errors). */
export function encodeText(spec: SequenceSpec, text: string, what: string): Float32Array {
  if (spec.task === 'image') return bad(`${what}: this model takes images (LRA image: 1024 grey levels), not text`);
  if (spec.task === 'text') {
    const { ids, count } = byteTokens(text, spec.length);
    if (count === 0) bad(`${what}: the text is empty (after stripping surrounding whitespace)`);
    return padded(spec, ids, count);
  }
  const ids = new Uint8Array(spec.length);
  let count: number;
  try {
    count = tokenizeListOps(text, ids);
  } catch (e) {
    return bad(`${what}: ${(e as Error).message.replace(/^tokenizeListOps: /, '')}`);
  }
  if (count === 0) bad(`${what}: the expression has no tokens`);
  if (count > spec.length) bad(`${what}: the expression has ${count} tokens; the model takes at most ${spec.length}`);
  const error = listOpsTreeError(ids, count);
  if (error) bad(`${what}: not a ListOps expression: ${error}`);
  return padded(spec, ids, count);
}

/** Token ids given as (nested) arrays. */
function fromIds(spec: SequenceSpec, x: unknown[], what: string): Float32Array {
  const shape = nestedShape(x, what);
  if (spec.task === 'image') {
    const ok = (shape.length === 1 && shape[0] === LRA_IMAGE_LENGTH) || (shape.length === 2 && shape[0] === IMAGE_SIDE && shape[1] === IMAGE_SIDE);
    if (!ok) bad(`${what} has shape [${shape}]; the model takes [${LRA_IMAGE_LENGTH}] or [${IMAGE_SIDE}, ${IMAGE_SIDE}] grey levels`);
  } else if (shape.length !== 1 || shape[0] < 1 || shape[0] > spec.length) {
    bad(`${what} has shape [${shape}]; the model takes a list of 1 to ${spec.length} token ids`);
  }
  const flat = (shape.length === 1 ? x : x.flat(shape.length - 1)) as unknown[];
  const lo = fillerToken(spec.padId);
  flat.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v >= spec.vocabSize || v === spec.padId) {
      bad(`${what}: element ${i} is ${JSON.stringify(v) ?? typeof v}; token ids are integers in [${lo}, ${spec.vocabSize})${spec.padId === null ? '' : ` (${spec.padId} is padding)`}`);
    }
  });
  return padded(spec, flat as number[], flat.length);
}

function fromJson(body: Buffer, spec: SequenceSpec, maxInputs: number): Float32Array[] {
  const form = spec.task === 'image' ? 'GREY_LEVELS' : 'TEXT';
  const o = readJsonObject(body, `{"input": ${form}} or {"inputs": [${form}, ...]}`);
  return jsonInputs(o, maxInputs).map(({ value, what }) => {
    if (typeof value === 'string') return encodeText(spec, value, what);
    if (Array.isArray(value)) return fromIds(spec, value, what);
    return bad(`${what} must be ${spec.task === 'image' ? 'an array of grey levels' : 'a string or an array of token ids'}, got ${value === null ? 'null' : typeof value}`);
  });
}

function fromPng(body: Buffer): Float32Array {
  const px = pngPixels(body, IMAGE_SIDE, IMAGE_SIDE);
  return Float32Array.from({ length: LRA_IMAGE_LENGTH }, (_, i) => greyLevel(px[4 * i], px[4 * i + 1], px[4 * i + 2]));
}

function fromBytes(body: Buffer, maxInputs: number): Float32Array[] {
  if (body.length === 0 || body.length % LRA_IMAGE_LENGTH !== 0) bad(`the body has ${body.length} bytes, not a positive multiple of one image's ${LRA_IMAGE_LENGTH} grey levels`);
  const count = body.length / LRA_IMAGE_LENGTH;
  if (count > maxInputs) throw new ServeError(413, `${count} inputs in one request; at most ${maxInputs}`);
  return Array.from({ length: count }, (_, k) => Float32Array.from(body.subarray(k * LRA_IMAGE_LENGTH, (k + 1) * LRA_IMAGE_LENGTH)));
}

/** Decodes a /v1/predict body into padded token sequences for the model (see the file's header). */
export function decodeSequences(contentType: string | undefined, body: Buffer, spec: SequenceSpec, maxInputs: number): Float32Array[] {
  const type = mediaType(contentType);
  if (!sequenceMediaTypes(spec.task).includes(type)) {
    throw new ServeError(415, `unsupported Content-Type '${contentType ?? '(none)'}' for an LRA ${spec.task} model; send ${sequenceMediaTypes(spec.task).join(', ')}`);
  }
  if (type === 'application/json') return fromJson(body, spec, maxInputs);
  if (type === 'text/plain') return [encodeText(spec, body.toString('utf8'), 'the text')];
  if (type === 'image/png') return [fromPng(body)];
  return fromBytes(body, maxInputs);
}
