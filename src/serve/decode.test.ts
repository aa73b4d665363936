import test from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { decodeInputs } from './decode.js';
import type { InputSpec } from './decode.js';
import { ServeError } from './errors.js';

const grey: InputSpec = { channels: 1, height: 2, width: 3, mean: [0.5], std: [0.25] };
const rgb: InputSpec = { channels: 3, height: 2, width: 2, mean: [0.1, 0.2, 0.3], std: [0.5, 0.25, 0.125] };
const q = (s = '') => new URLSearchParams(s);
const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const close = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-6, `element ${i}: ${a[i]} vs ${b[i]}`);
};
const expectError = (f: () => unknown, status: number, re: RegExp) =>
  assert.throws(f, (e: ServeError) => e instanceof ServeError && e.status === status && re.test(e.message), `expected ${status} ${re}`);

const pixels = [0, 51, 102, 153, 204, 255];
const normalised = (spec: InputSpec, px: number[]) => px.map((v, i) => (v / 255 - spec.mean[Math.floor(i / (spec.height * spec.width))]) / spec.std[Math.floor(i / (spec.height * spec.width))]);

test('JSON: one input or a list, flat, [H, W] or [C, H, W], pixels normalised with the mean and std', () => {
  const want = normalised(grey, pixels);
  close(decodeInputs('application/json', json({ input: pixels }), q(), grey, 8)[0], want);
  const nested = [[0, 51, 102], [153, 204, 255]];
  const [a, b] = decodeInputs('application/json; charset=utf-8', json({ inputs: [nested, [nested]] }), q(), grey, 8);
  close(a, want);
  close(b, want);
  const raw = [0.5, -1, 2, 3, 4, 5];
  close(decodeInputs('application/json', json({ input: raw, scale: 'normalized' }), q(), grey, 8)[0], raw);
});

test('JSON: malformed bodies and wrong shapes are 400 with the reason; too many inputs 413', () => {
  const ct = 'application/json';
  expectError(() => decodeInputs(ct, Buffer.from('{"input": [1, 2,'), q(), grey, 8), 400, /malformed JSON/);
  expectError(() => decodeInputs(ct, Buffer.from('{"input": [NaN, 0, 0, 0, 0, 0]}'), q(), grey, 8), 400, /malformed JSON/);
  expectError(() => decodeInputs(ct, json({ input: [1, 2, 3] }), q(), grey, 8), 400, /shape \[3\]; the model takes \[6\] or \[1,2,3\] or \[2,3\]/);
  expectError(() => decodeInputs(ct, json({ input: ['NaN', 0, 0, 0, 0, 0] }), q(), grey, 8), 400, /element 0 is "NaN", not a finite number/);
  expectError(() => decodeInputs(ct, Buffer.from('{"input": [1e999, 0, 0, 0, 0, 0]}'), q(), grey, 8), 400, /Infinity, not a finite number/);
  expectError(() => decodeInputs(ct, json({ input: [0, 0, 0, 0, 0, 256] }), q(), grey, 8), 400, /element 5 is 256; pixel values must be in \[0, 255\]/);
  expectError(() => decodeInputs(ct, json({ inputs: [pixels, [[1, 2, 3], [4, 5]]] }), q(), grey, 8), 400, /inputs\[1\]: ragged/);
  expectError(() => decodeInputs(ct, json({ input: pixels, inputs: [pixels] }), q(), grey, 8), 400, /exactly one of "input"/);
  expectError(() => decodeInputs(ct, json({ images: [pixels] }), q(), grey, 8), 400, /unknown field 'images'/);
  expectError(() => decodeInputs(ct, json([pixels]), q(), grey, 8), 400, /JSON object/);
  expectError(() => decodeInputs(ct, json({ input: pixels, scale: 'unit' }), q(), grey, 8), 400, /scale must be "pixels" or "normalized"/);
  expectError(() => decodeInputs(ct, json({ inputs: [pixels, pixels, pixels] }), q(), grey, 2), 413, /3 inputs .* at most 2/);
});

test('binary: uint8 pixels or float32 little-endian, N from the length, shape checked when given', () => {
  const want = normalised(grey, pixels);
  const u8 = Buffer.from([...pixels, ...pixels]);
  const two = decodeInputs('application/octet-stream', u8, q(), grey, 8);
  assert.equal(two.length, 2);
  close(two[1], want);
  const f32 = Buffer.alloc(24);
  pixels.forEach((v, i) => f32.writeFloatLE(v, 4 * i));
  close(decodeInputs('application/octet-stream', f32, q('dtype=float32&shape=1,1,2,3'), grey, 8)[0], want);
  const norm = Buffer.alloc(24);
  [0.5, -1, 2, 3, 4, 5].forEach((v, i) => norm.writeFloatLE(v, 4 * i));
  close(decodeInputs('application/octet-stream', norm, q('dtype=float32&scale=normalized&shape=1,2,3'), grey, 8)[0], [0.5, -1, 2, 3, 4, 5]);
  const ct = 'application/octet-stream';
  expectError(() => decodeInputs(ct, Buffer.alloc(7), q(), grey, 8), 400, /7 bytes, not a positive multiple of one uint8 image \[1, 2, 3\] \(6 bytes\)/);
  expectError(() => decodeInputs(ct, Buffer.alloc(12), q('shape=1,1,2,3'), grey, 8), 400, /shape=1,1,2,3 does not match the body \(2 uint8 images/);
  expectError(() => decodeInputs(ct, Buffer.alloc(6), q('dtype=float64'), grey, 8), 400, /dtype must be uint8 or float32/);
  const nan = Buffer.alloc(24);
  nan.writeFloatLE(NaN, 8);
  expectError(() => decodeInputs(ct, nan, q('dtype=float32'), grey, 8), 400, /element 2 is NaN/);
  expectError(() => decodeInputs(ct, Buffer.alloc(18), q(), grey, 2), 413, /3 inputs/);
});

function png(width: number, height: number, rgba: number[], colorType: 0 | 2 | 6 = 6): Buffer {
  const p = new PNG({ width, height });
  p.data = Buffer.from(rgba);
  return PNG.sync.write(p, { colorType, inputColorType: 6, inputHasAlpha: true });
}

test('PNG: grey and RGB images of the model size, converted to its channels', () => {
  // A grey PNG stores one channel: the model sees exactly those values.
  const g = png(3, 2, pixels.flatMap((v) => [v, v, v, 255]), 0);
  close(decodeInputs('image/png', g, q(), grey, 8)[0], normalised(grey, pixels));
  // Colour into a grey model: ITU-R 601 luma.
  const colours = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30], [200, 100, 50], [1, 2, 3]];
  const c = png(3, 2, colours.flatMap(([r, gg, b]) => [r, gg, b, 128]), 6);
  close(decodeInputs('image/png', c, q(), grey, 8)[0], normalised(grey, colours.map(([r, gg, b]) => (299 * r + 587 * gg + 114 * b) / 1000)));
  // RGB model: channel planes.
  const four = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]];
  const rgbPng = png(2, 2, four.flatMap((v) => [...v, 255]), 2);
  close(decodeInputs('image/png', rgbPng, q(), rgb, 8)[0], normalised(rgb, [0, 1, 2].flatMap((ch) => four.map((v) => v[ch]))));
});

test('PNG: wrong size, not a PNG, corrupt data are 400; other content types 415', () => {
  const g = png(3, 2, pixels.flatMap((v) => [v, v, v, 255]), 0);
  expectError(() => decodeInputs('image/png', png(2, 2, new Array(16).fill(9)), q(), grey, 8), 400, /the image is 2x2 pixels; the model takes 3x2/);
  expectError(() => decodeInputs('image/png', Buffer.from('GIF89a not a png at all, sorry'), q(), grey, 8), 400, /not a PNG image/);
  const corrupt = Buffer.from(g);
  corrupt.fill(0x55, 40);
  expectError(() => decodeInputs('image/png', corrupt, q(), grey, 8), 400, /undecodable PNG/);
  expectError(() => decodeInputs('text/plain', Buffer.from('1 2 3'), q(), grey, 8), 415, /unsupported Content-Type 'text\/plain'.*application\/json/);
  expectError(() => decodeInputs(undefined, Buffer.from('{}'), q(), grey, 8), 415, /\(none\)/);
});
