import test from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { decodeSequences } from './decode_sequence.js';
import type { SequenceSpec } from './decode_sequence.js';
import { ServeError } from './errors.js';
import { greyLevel } from '../data/lra_image.js';
import { tokenizeListOps } from '../data/listops.js';

const text: SequenceSpec = { task: 'text', length: 12, vocabSize: 257, padId: 0 };
const listops: SequenceSpec = { task: 'listops', length: 10, vocabSize: 16, padId: 0 };
const image: SequenceSpec = { task: 'image', length: 1024, vocabSize: 256, padId: null };
const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const expectError = (f: () => unknown, status: number, re: RegExp) =>
  assert.throws(f, (e: ServeError) => e instanceof ServeError && e.status === status && re.test(e.message), `expected ${status} ${re}`);

test('text: UTF-8 bytes + 1, stripped, cut to the length, padded with 0; JSON strings, id lists and text/plain', () => {
  const [a, b] = decodeSequences('application/json', json({ inputs: ['  hé!\n', 'abcdefghijklmnopq'] }), text, 8);
  // 'h' = 0x68, 'é' = C3 A9, '!' = 0x21 (each + 1); surrounding whitespace stripped.
  assert.deepEqual(Array.from(a), [0x69, 0xc4, 0xaa, 0x22, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(b), Array.from('abcdefghijkl', (c) => c.charCodeAt(0) + 1)); // cut at 12, as LRA cuts at 1000
  assert.deepEqual(Array.from(decodeSequences('text/plain; charset=utf-8', Buffer.from('hé!'), text, 8)[0]), Array.from(a));
  assert.deepEqual(Array.from(decodeSequences('application/json', json({ input: [5, 6] }), text, 8)[0]), [5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
});

test('listops: the expression tokenized as in training; it must fit', () => {
  const expr = '[MAX 2 9 [MIN 4 7 ] 0 ]';
  const want = new Uint8Array(10);
  tokenizeListOps(expr, want);
  assert.deepEqual(Array.from(decodeSequences('application/json', json({ input: expr }), listops, 8)[0]), Array.from(want));
  assert.deepEqual(Array.from(decodeSequences('text/plain', Buffer.from(expr), listops, 8)[0]), Array.from(want));
  expectError(() => decodeSequences('text/plain', Buffer.from('[MAX 1 2 3 4 5 6 7 8 9 ]'), listops, 8), 400, /the text: the expression has 11 tokens; the model takes at most 10/);
  expectError(() => decodeSequences('application/json', json({ input: '[MAX 2 [FOO 1 ] ]' }), listops, 8), 400, /input: unknown symbol '\[FOO'/);
  expectError(() => decodeSequences('application/json', json({ input: '( )' }), listops, 8), 400, /no tokens/);
  const malformed: [string, RegExp][] = [
    ['[MAX', /1 operator is not closed by '\]'/],
    ['[MAX [MIN 2 9', /2 operators are not closed/],
    ['2 3', /token 1: more than one expression \(the first ends at token 0\)/],
    [']', /token 0: '\]' closes no operator/],
    ['[MAX 2 ] ]', /token 3: more than one expression/],
    ['[MAX ]', /token 1: an operator with no arguments/],
  ];
  for (const [input, re] of malformed) {
    expectError(() => decodeSequences('application/json', json({ input }), listops, 8), 400, new RegExp(`input: not a ListOps expression: ${re.source}`));
  }
  assert.deepEqual(Array.from(decodeSequences('text/plain', Buffer.from('( ( ( [MAX 2 ) 9 ) ] )'), listops, 8)[0]).slice(0, 5), [12, 3, 10, 15, 0], "LRA's text form, with parentheses");
  assert.equal(decodeSequences('text/plain', Buffer.from('7'), listops, 8).length, 1, 'a single digit is an expression');
});

test('image: PNG grey levels as LRA makes them, id lists flat or 32×32, raw uint8', () => {
  const rgb = Array.from({ length: 1024 }, (_, i) => [(i * 7) % 256, (i * 13) % 256, (i * 29) % 256]);
  const png = new PNG({ width: 32, height: 32 });
  png.data = Buffer.from(rgb.flatMap((c) => [...c, 255]));
  const [x] = decodeSequences('image/png', PNG.sync.write(png), image, 8);
  assert.deepEqual(Array.from(x), rgb.map(([r, g, b]) => greyLevel(r, g, b)));
  const levels = Array.from(x);
  const rows = Array.from({ length: 32 }, (_, r) => levels.slice(32 * r, 32 * r + 32));
  const [flat, nested] = decodeSequences('application/json', json({ inputs: [levels, rows] }), image, 8);
  assert.deepEqual(Array.from(flat), levels);
  assert.deepEqual(Array.from(nested), levels);
  const raw = decodeSequences('application/octet-stream', Buffer.from([...levels, ...levels.map((v) => 255 - v)]), image, 8);
  assert.equal(raw.length, 2);
  assert.deepEqual(Array.from(raw[1]), levels.map((v) => 255 - v));
});

test('bad sequences: 400 naming the problem, 413 for too many, 415 for a type the task does not take', () => {
  const ct = 'application/json';
  expectError(() => decodeSequences(ct, json({ input: '   ' }), text, 8), 400, /the text is empty/);
  expectError(() => decodeSequences(ct, json({ input: [5, 0, 6] }), text, 8), 400, /input: element 1 is 0; token ids are integers in \[1, 257\) \(0 is padding\)/);
  expectError(() => decodeSequences(ct, json({ input: [5, 257] }), text, 8), 400, /element 1 is 257/);
  expectError(() => decodeSequences(ct, json({ input: [1.5] }), text, 8), 400, /element 0 is 1.5/);
  expectError(() => decodeSequences(ct, json({ input: new Array(13).fill(1) }), text, 8), 400, /shape \[13\]; the model takes a list of 1 to 12 token ids/);
  expectError(() => decodeSequences(ct, json({ input: [] }), text, 8), 400, /shape \[0\]/);
  expectError(() => decodeSequences(ct, json({ input: { text: 'x' } }), text, 8), 400, /input must be a string or an array of token ids, got object/);
  expectError(() => decodeSequences(ct, json({ inputs: new Array(9).fill('x') }), text, 8), 413, /9 inputs in one request; at most 8/);
  expectError(() => decodeSequences(ct, Buffer.from('{"input": "x"'), text, 8), 400, /malformed JSON/);
  expectError(() => decodeSequences(ct, json({ input: 'x', extra: 1 }), text, 8), 400, /unknown field 'extra'/);
  expectError(() => decodeSequences('image/png', Buffer.from('x'), text, 8), 415, /for an LRA text model; send application\/json, text\/plain/);
  expectError(() => decodeSequences('text/plain', Buffer.from('x'), image, 8), 415, /send application\/json, image\/png, application\/octet-stream/);
  expectError(() => decodeSequences(ct, json({ input: 'a cat' }), image, 8), 400, /takes images .*not text/);
  expectError(() => decodeSequences(ct, json({ input: new Array(1024).fill(256) }), image, 8), 400, /element 0 is 256; token ids are integers in \[0, 256\)/);
  expectError(() => decodeSequences(ct, json({ input: [[1, 2], [3, 4]] }), image, 8), 400, /shape \[2,2\]; the model takes \[1024\] or \[32, 32\]/);
  expectError(() => decodeSequences('application/octet-stream', Buffer.alloc(1000), image, 8), 400, /1000 bytes, not a positive multiple of one image's 1024/);
  const small = new PNG({ width: 28, height: 28 });
  expectError(() => decodeSequences('image/png', PNG.sync.write(small), image, 8), 400, /28x28 pixels; the model takes 32x32/);
});
