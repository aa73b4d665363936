import test from 'node:test';
import assert from 'node:assert/strict';
import { Vocab } from '../data/vocab.js';
import { ServeError } from './errors.js';
import { decodeSentences } from './decode_sentence.js';

const vocab = new Vocab(['[PAD]', '[UNK]', '[CLS]', 'good', 'film', 'not']);
const spec = { vocab, length: 5 };
const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const ids = (x: Float32Array) => Array.from(x);
const fails = (f: () => unknown, status: number, message: RegExp) =>
  assert.throws(f, (e: unknown) => e instanceof ServeError && e.status === status && message.test(e.message));

test('decodeSentences: [CLS], the words (lower-cased, unknown ones [UNK]), cut to the length and padded', () => {
  const [a] = decodeSentences('text/plain; charset=utf-8', Buffer.from('  Not GOOD \n'), spec, 8);
  assert.deepEqual(ids(a), [2, 5, 3, 0, 0]);
  const two = decodeSentences('application/json', json({ inputs: ['good film', 'a good , good film indeed'] }), spec, 8);
  assert.deepEqual(two.map(ids), [[2, 3, 4, 0, 0], [2, 1, 3, 1, 3]]);
  assert.deepEqual(decodeSentences('application/json', json({ input: 'film' }), spec, 8).map(ids), [[2, 4, 0, 0, 0]]);
});

test('decodeSentences: malformed bodies name the problem', () => {
  fails(() => decodeSentences('text/plain', Buffer.from(' \t'), spec, 8), 400, /the sentence has no words/);
  fails(() => decodeSentences('application/json', json({ inputs: ['good', ''] }), spec, 8), 400, /inputs\[1\]: the sentence has no words/);
  fails(() => decodeSentences('application/json', json({ input: [3, 4] }), spec, 8), 400, /input must be a sentence \(a string\), got an array/);
  fails(() => decodeSentences('application/json', json({ inputs: ['good', null] }), spec, 8), 400, /inputs\[1\] must be a sentence \(a string\), got null/);
  fails(() => decodeSentences('application/json', Buffer.from('{"input": "good'), spec, 8), 400, /malformed JSON/);
  fails(() => decodeSentences('application/json', json({ inputs: ['good', 'film', 'not'] }), spec, 2), 413, /3 inputs in one request; at most 2/);
  fails(() => decodeSentences('image/png', Buffer.from([1]), spec, 8), 415, /DataMUX sentence model; send application\/json, text\/plain/);
});
