// Request bodies → word-id sequences for a DataMUX sentence classifier, encoded as in training
// (train/datamux.ts): [CLS], then the words (lower-cased, split on whitespace; a word outside the
// checkpoint's vocabulary is [UNK]), cut to the model's length and padded with [PAD]. Each input
// comes out as a float32 vector of `length` ids.
//
//   application/json   {"input": "a sentence"} or {"inputs": ["one", "two", ...]}
//   text/plain         one sentence
// Anything malformed is a ServeError: 400 (with what is wrong), 413 (too many inputs), 415 (type).
import { tokenize } from '../data/vocab.js';
import type { Vocab } from '../data/vocab.js';
import { ServeError } from './errors.js';
import { bad, jsonInputs, mediaType, readJsonObject } from './decode.js';

export interface SentenceSpec {
  vocab: Vocab;
  /** Ids per sentence, [CLS] included (the model's maxLength). */
  length: number;
}

export const SENTENCE_MEDIA_TYPES = ['application/json', 'text/plain'] as const;

/** One sentence (`what` names it in errors). */
export function encodeSentence(spec: SentenceSpec, value: unknown, what: string): Float32Array {
  if (typeof value !== 'string') return bad(`${what} must be a sentence (a string), got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  if (tokenize(value).length === 0) bad(`${what}: the sentence has no words`);
  return Float32Array.from(spec.vocab.encode(value, spec.length, { addCls: true }));
}

/** Decodes a /v1/predict body into padded word-id sequences (see the file's header). */
export function decodeSentences(contentType: string | undefined, body: Buffer, spec: SentenceSpec, maxInputs: number): Float32Array[] {
  const type = mediaType(contentType);
  if (type === 'text/plain') return [encodeSentence(spec, body.toString('utf8'), 'the sentence')];
  if (type !== 'application/json') {
    throw new ServeError(415, `unsupported Content-Type '${contentType ?? '(none)'}' for a DataMUX sentence model; send ${SENTENCE_MEDIA_TYPES.join(', ')}`);
  }
  const o = readJsonObject(body, '{"input": "SENTENCE"} or {"inputs": ["SENTENCE", ...]}');
  return jsonInputs(o, maxInputs).map(({ value, what }) => encodeSentence(spec, value, what));
}
