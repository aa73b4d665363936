// LRA ListOps (Tay et al. 2021, after Nangia and Bowman 2018): the synthetic data set of nested
// list operations, generated exactly as specified in shared/data/README.md ("LRA ListOps"):
//
// - a node at depth d (the root has d = 1) draws r uniform in [0, 1) if d < maxDepth, else r = 1;
//   r > 0.25 gives a leaf holding a uniform digit; otherwise an operator node with k arguments,
//   k uniform in 2..maxArgs, whose k children are sampled at depth d + 1, after which its operator
//   is drawn uniformly among MIN, MAX, MED, SM (children first, then the operator);
// - a tree's length L counts operators, digits and closing brackets (not parentheses): a leaf has
//   length 1, an operator node 2 + its children's lengths; a tree is kept iff minLength < L < maxLength;
// - only distinct trees are kept, until train + val + test are collected; the splits are taken in order;
// - the text form is LRA's left-nested chain of pairs: [MAX 2 9 ] prints as ( ( ( [MAX 2 ) 9 ) ] ).
//
// Randomness comes from Rng (xoshiro128**, random.ts) seeded by the caller, so a seed reproduces a
// data set exactly. The released LRA files were made without a seed; this reproduces their
// distribution, not their contents.
//
// Trees are kept in a compact prefix code (one byte per operator, digit or closing bracket, i.e.
// exactly L bytes): 0-9 digits, 10-13 the operators MIN, MAX, MED, SM, 14 the closing bracket.
// Model ids are these codes plus one (0 is padding), see LISTOPS_SYMBOLS.
//
// Cost: with the defaults most sampled trees are far too short (a root is a leaf 3 times in 4) and
// some are far too long (the tree can reach 10^9 nodes); sampling writes codes into a fixed buffer
// and stops a tree as soon as it reaches maxLength, so a rejected tree costs at most maxLength
// draws. (Stopping early only skips draws of a tree that is rejected anyway; the accepted trees
// keep exactly their distribution.)
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic.js';
import { Tensor, fromBytes } from '../tensor/index.js';
import { Rng } from './random.js';
import { DataFileError } from './mnist.js';

// ---- codes -----------------------------------------------------------------------------------

/** The operators, in code order (code 10 + i). */
export const LISTOPS_OPERATORS = ['[MIN', '[MAX', '[MED', '[SM'] as const;
export type ListOpsOperator = (typeof LISTOPS_OPERATORS)[number];
const OP_BASE = 10;
const END = 14;
const PENDING = 255; // an operator slot whose operator is not drawn yet

/** Model input symbols by id: 0 is padding, then the 15 symbols (digits, operators, X for `]`). */
export const LISTOPS_SYMBOLS: readonly string[] = Object.freeze([
  '<pad>', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '[MIN', '[MAX', '[MED', '[SM', 'X',
]);
/** Vocabulary size of the model input (15 symbols + padding). */
export const LISTOPS_VOCAB_SIZE = LISTOPS_SYMBOLS.length;
export const LISTOPS_PAD_ID = 0;
/** Default model input length (LRA: 2000). */
export const LISTOPS_SEQ_LEN = 2000;

/** The LRA file names of the splits. */
export const LISTOPS_FILES = { train: 'basic_train.tsv', val: 'basic_val.tsv', test: 'basic_test.tsv' } as const;
export type ListOpsSplit = keyof typeof LISTOPS_FILES;

// ---- generation ------------------------------------------------------------------------------

export interface ListOpsShape {
  /** Maximum depth of a tree (root = 1); nodes at this depth are leaves. LRA: 10. */
  maxDepth: number;
  /** Maximum number of arguments of an operator (at least 2). LRA: 10. */
  maxArgs: number;
  /** Trees are kept iff minLength < L < maxLength (both exclusive). LRA: 500 and 2000. */
  minLength: number;
  maxLength: number;
}

export interface ListOpsConfig extends ListOpsShape {
  train: number;
  val: number;
  test: number;
  seed: number;
}

/** LRA's settings. */
export const LISTOPS_DEFAULTS: Readonly<ListOpsConfig> = Object.freeze({
  train: 96_000,
  val: 2_000,
  test: 2_000,
  maxDepth: 10,
  maxArgs: 10,
  minLength: 500,
  maxLength: 2000,
  seed: 0,
});

/** One tree: its prefix codes (codes.length is its length L) and its value 0-9. */
export interface ListOpsExample {
  codes: Uint8Array;
  label: number;
}

/** Counts of what the sampler drew: every tree sampled, and why trees were dropped. */
export interface ListOpsStats {
  sampled: number;
  accepted: number;
  tooShort: number;
  tooLong: number;
  duplicates: number;
}

function checkShape(o: ListOpsShape): void {
  const int = (name: string, v: number, min: number) => {
    if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`ListOps: ${name} must be an integer >= ${min}, got ${v}`);
  };
  int('maxDepth', o.maxDepth, 1);
  int('maxArgs', o.maxArgs, 2);
  int('minLength', o.minLength, 0);
  int('maxLength', o.maxLength, 1);
  if (o.maxLength > 1e8) throw new RangeError(`ListOps: maxLength must be at most 1e8, got ${o.maxLength}`);
  if (o.maxLength - o.minLength < 2) {
    throw new RangeError(`ListOps: no length satisfies ${o.minLength} < L < ${o.maxLength}`);
  }
  // The longest tree: every operator takes maxArgs arguments down to maxDepth (an operator adds 2, '[OP' and ']').
  let longest = 1;
  for (let d = 2; d <= o.maxDepth && longest <= o.minLength; d++) longest = 2 + o.maxArgs * longest;
  if (longest <= o.minLength) {
    throw new RangeError(`ListOps: no tree of depth <= ${o.maxDepth} with <= ${o.maxArgs} arguments is longer than minLength ${o.minLength} (the longest has ${longest} tokens)`);
  }
}

/** Trees in a row the sampler may reject before it gives up: settings that almost never give a tree fail instead of running for ever. */
export const MAX_CONSECUTIVE_REJECTIONS = 1_000_000;

/** 53-bit hash of a code sequence (two 32-bit multiplicative hashes), for the duplicate set. */
function hashCodes(c: Uint8Array): number {
  let h1 = 0x811c9dc5 ^ c.length;
  let h2 = 0x9e3779b9 ^ Math.imul(c.length, 0x85ebca6b);
  for (let i = 0; i < c.length; i++) {
    h1 = Math.imul(h1 ^ c[i], 0x01000193);
    h2 = Math.imul(h2 + c[i] + 1, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return (h1 >>> 0) * 2097152 + ((h2 >>> 0) & 0x1fffff);
}

function sameCodes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Samples ListOps trees from a seed. `sample()` draws one tree as specified (no filter);
 * `next()` returns the next distinct tree within the length bounds.
 */
export class ListOpsSampler {
  readonly shape: Readonly<ListOpsShape>;
  readonly stats: ListOpsStats = { sampled: 0, accepted: 0, tooShort: 0, tooLong: 0, duplicates: 0 };
  private readonly rng: Rng;
  private readonly buf: Uint8Array;
  private readonly slot: Int32Array;
  private readonly left: Int32Array;
  private readonly depthOf: Int32Array;
  private readonly seen = new Map<number, Uint8Array | Uint8Array[]>();

  /** `rng` may be given instead of a seed (e.g. a scripted one in tests). */
  constructor(seed: number | Rng, shape: Partial<ListOpsShape> = {}) {
    const s: ListOpsShape = {
      maxDepth: shape.maxDepth ?? LISTOPS_DEFAULTS.maxDepth,
      maxArgs: shape.maxArgs ?? LISTOPS_DEFAULTS.maxArgs,
      minLength: shape.minLength ?? LISTOPS_DEFAULTS.minLength,
      maxLength: shape.maxLength ?? LISTOPS_DEFAULTS.maxLength,
    };
    checkShape(s);
    this.shape = Object.freeze(s);
    this.rng = typeof seed === 'number' ? new Rng(seed) : seed;
    this.buf = new Uint8Array(s.maxLength);
    this.slot = new Int32Array(s.maxDepth + 1);
    this.left = new Int32Array(s.maxDepth + 1);
    this.depthOf = new Int32Array(s.maxDepth + 1);
  }

  /**
   * Draws one tree into the internal buffer and returns its length L, or -1 when it reached
   * maxLength (sampling stopped: it would be rejected). The codes are `buffer.subarray(0, L)`.
   */
  sampleRaw(): number {
    const rng = this.rng, buf = this.buf, slot = this.slot, left = this.left, depthOf = this.depthOf;
    const maxDepth = this.shape.maxDepth, nArgs = this.shape.maxArgs - 1, cap = buf.length;
    this.stats.sampled++;
    let pos = 0;
    let sp = 0;
    let depth = 1;
    for (;;) {
      if (pos >= cap) return -1;
      // r = u / 2^32 > 0.25  <=>  u > 2^30; at maxDepth there is no draw (r = 1).
      if (depth >= maxDepth || rng.nextUint32() > 0x40000000) {
        buf[pos++] = rng.below(10);
      } else {
        left[sp] = 2 + rng.below(nArgs);
        slot[sp] = pos;
        depthOf[sp] = depth;
        sp++;
        buf[pos++] = PENDING;
      }
      // Close every operator whose children are all done: `]`, then its operator is drawn.
      while (sp > 0 && left[sp - 1] === 0) {
        if (pos >= cap) return -1;
        buf[pos++] = END;
        sp--;
        buf[slot[sp]] = OP_BASE + rng.below(4);
      }
      if (sp === 0) return pos;
      left[sp - 1]--;
      depth = depthOf[sp - 1] + 1;
    }
  }

  /** The buffer sampleRaw() writes into (overwritten by the next call). */
  get buffer(): Uint8Array {
    return this.buf;
  }

  /** One tree drawn as specified, with no length filter or duplicate check; null if it reached maxLength. */
  sample(): Uint8Array | null {
    const n = this.sampleRaw();
    return n < 0 ? null : this.buf.slice(0, n);
  }

  /** The next distinct tree with minLength < L < maxLength. */
  next(): ListOpsExample {
    const { minLength } = this.shape;
    for (let tries = 0; ; tries++) {
      if (tries === MAX_CONSECUTIVE_REJECTIONS) {
        const st = this.stats;
        throw new RangeError(
          `ListOps: ${tries} trees in a row were rejected after ${st.accepted} accepted (so far too short ${st.tooShort}, too long ${st.tooLong}, duplicates ${st.duplicates}); ` +
            'these settings almost never give a new tree: widen the length range, allow deeper trees or more arguments, or ask for fewer trees',
        );
      }
      const n = this.sampleRaw();
      if (n < 0) {
        this.stats.tooLong++;
        continue;
      }
      if (n <= minLength) {
        this.stats.tooShort++;
        continue;
      }
      // n < maxLength holds here: a tree of length maxLength is the only complete one that fills the buffer.
      if (n >= this.shape.maxLength) {
        this.stats.tooLong++;
        continue;
      }
      const codes = this.buf.slice(0, n);
      if (!this.remember(codes)) {
        this.stats.duplicates++;
        continue;
      }
      this.stats.accepted++;
      return { codes, label: evaluateCodes(codes) };
    }
  }

  /** Adds codes to the set of trees seen; false if an identical tree was already there. */
  private remember(codes: Uint8Array): boolean {
    const h = hashCodes(codes);
    const prev = this.seen.get(h);
    if (prev === undefined) {
      this.seen.set(h, codes);
      return true;
    }
    const list = Array.isArray(prev) ? prev : [prev];
    if (list.some((p) => sameCodes(p, codes))) return false;
    this.seen.set(h, [...list, codes]);
    return true;
  }
}

export interface GeneratedListOps {
  train: ListOpsExample[];
  val: ListOpsExample[];
  test: ListOpsExample[];
  stats: ListOpsStats;
  config: ListOpsConfig;
}

function checkCount(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`ListOps: ${name} must be a non-negative integer, got ${v}`);
}

/** The full configuration: defaults (LRA's) overridden by `o`. */
export function listOpsConfig(o: Partial<ListOpsConfig> = {}): ListOpsConfig {
  const c: ListOpsConfig = { ...LISTOPS_DEFAULTS };
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (c as unknown as Record<string, number>)[k] = v as number;
  for (const k of ['train', 'val', 'test', 'seed'] as const) checkCount(k, c[k]);
  checkShape(c);
  return c;
}

/**
 * Generates train, validation and test trees (distinct across all three, taken in that order).
 * `onProgress(done, total)` is called after each accepted tree.
 */
export function generateListOps(o: Partial<ListOpsConfig> = {}, onProgress?: (done: number, total: number) => void): GeneratedListOps {
  const config = listOpsConfig(o);
  const sampler = new ListOpsSampler(config.seed, config);
  const total = config.train + config.val + config.test;
  let done = 0;
  const take = (n: number) =>
    Array.from({ length: n }, () => {
      const e = sampler.next();
      onProgress?.(++done, total);
      return e;
    });
  const train = take(config.train);
  const val = take(config.val);
  const test = take(config.test);
  return { train, val, test, stats: { ...sampler.stats }, config };
}

// ---- values ----------------------------------------------------------------------------------

/** The value of an operator over digits: MIN, MAX, MED (even count: mean of the middle two, rounded down), SM (sum mod 10). */
export function applyListOp(op: number | ListOpsOperator, args: readonly number[]): number {
  const o = typeof op === 'number' ? op : LISTOPS_OPERATORS.indexOf(op);
  if (args.length === 0) throw new RangeError('ListOps: an operator needs at least one argument');
  switch (o) {
    case 0:
      return Math.min(...args);
    case 1:
      return Math.max(...args);
    case 2: {
      const s = [...args].sort((a, b) => a - b);
      const m = s.length >> 1;
      return s.length % 2 ? s[m] : Math.floor((s[m - 1] + s[m]) / 2);
    }
    case 3:
      return args.reduce((a, b) => a + b, 0) % 10;
    default:
      throw new RangeError(`ListOps: unknown operator ${op}`);
  }
}

/** The value of a tree in prefix codes (the generator's own evaluator). */
export function evaluateCodes(codes: Uint8Array): number {
  const values: number[] = [];
  const frames: number[] = []; // per open operator: its code position, then where its arguments start
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c < 10) values.push(c);
    else if (c < END) frames.push(c, values.length);
    else if (c === END) {
      const start = frames.pop()!;
      const op = frames.pop()!;
      const v = applyListOp(op - OP_BASE, values.splice(start));
      values.push(v);
    } else throw new RangeError(`ListOps: bad code ${c} at ${i}`);
  }
  if (values.length !== 1 || frames.length !== 0) throw new RangeError('ListOps: codes do not form one tree');
  return values[0];
}

/**
 * Why the first `count` model ids (codes + 1, as tokenizeListOps writes them) do not form one tree,
 * or undefined when they do: every ']' closes an open operator that has at least one argument, and
 * one expression is left at the end.
 */
export function listOpsTreeError(ids: ArrayLike<number>, count: number): string | undefined {
  let open = 0; // operators not yet closed
  const args: number[] = []; // arguments so far of each open operator
  let done = false; // a whole expression has ended at the top level
  for (let i = 0; i < count; i++) {
    const c = ids[i] - 1;
    if (done) return `token ${i}: more than one expression (the first ends at token ${i - 1})`;
    if (c >= 0 && c < OP_BASE) {
      if (open === 0) done = true;
      else args[open - 1]++;
    } else if (c >= OP_BASE && c < END) {
      args[open++] = 0;
    } else if (c === END) {
      if (open === 0) return `token ${i}: ']' closes no operator`;
      if (args[--open] === 0) return `token ${i}: an operator with no arguments`;
      if (open === 0) done = true;
      else args[open - 1]++;
    } else return `token ${i}: id ${ids[i]} is not a ListOps symbol`;
  }
  if (open > 0) return `${open} operator${open === 1 ? ' is' : 's are'} not closed by ']'`;
  return undefined;
}

// ---- text form -------------------------------------------------------------------------------

const OP_BYTES = LISTOPS_OPERATORS.map((s) => Buffer.from(s, 'latin1'));

/** An upper bound on the text size of codes (bytes). */
function textBound(codes: Uint8Array): number {
  return codes.length * 10 + 8;
}

/** Writes the text form of codes into out at offset; returns the new offset. */
function writeText(codes: Uint8Array, out: Uint8Array, offset: number): number {
  const n = codes.length;
  // Number of children of each operator, for its k + 1 opening parentheses.
  const kids = new Int32Array(n);
  const open: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = codes[i];
    if (c === END) open.pop();
    else {
      if (open.length) kids[open[open.length - 1]]++;
      if (c >= OP_BASE) open.push(i);
    }
  }
  let p = offset;
  let depth = 0; // open operators
  for (let i = 0; i < n; i++) {
    const c = codes[i];
    if (i > 0) out[p++] = 0x20;
    if (c < 10) {
      out[p++] = 0x30 + c;
      if (depth > 0) {
        out[p++] = 0x20;
        out[p++] = 0x29; // ' )' closes the pair (chain, child)
      }
    } else if (c < END) {
      for (let j = 0; j <= kids[i]; j++) {
        out[p++] = 0x28;
        out[p++] = 0x20;
      }
      const name = OP_BYTES[c - OP_BASE];
      out.set(name, p);
      p += name.length;
      depth++;
    } else {
      out[p++] = 0x5d; // ']'
      out[p++] = 0x20;
      out[p++] = 0x29; // the pair (chain, ])
      depth--;
      if (depth > 0) {
        out[p++] = 0x20;
        out[p++] = 0x29; // the pair (parent chain, this expression)
      }
    }
  }
  return p;
}

/** The LRA text form of a tree in prefix codes, e.g. `( ( ( [MAX 2 ) 9 ) ] )`. */
export function listOpsText(codes: Uint8Array): string {
  const out = Buffer.allocUnsafe(textBound(codes));
  const n = writeText(codes, out, 0);
  return out.toString('latin1', 0, n);
}

/** A malformed ListOps expression; `position` is the index of the offending token. */
export class ListOpsSyntaxError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(message);
    this.name = 'ListOpsSyntaxError';
    this.position = position;
  }
}

/** Whitespace (ASCII, as Python's str.split() sees it). */
const SPACE = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]) SPACE[c] = 1;

const asBytes = (s: string | Uint8Array): Uint8Array => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s);
const snippet = (b: Uint8Array, a: number, e: number) => Buffer.from(b.buffer, b.byteOffset + a, Math.max(0, Math.min(e - a, 20))).toString('utf8');

// Token kinds of the text evaluator.
const T_OPEN = 20, T_CLOSE = 21, T_END = END;

/** Classifies the token b[a, e): 0-9 digit, 10-13 operator, T_OPEN, T_CLOSE, T_END; -1 unknown. */
function classify(b: Uint8Array, a: number, e: number): number {
  const len = e - a;
  const c0 = b[a];
  if (len === 1) {
    if (c0 >= 0x30 && c0 <= 0x39) return c0 - 0x30;
    if (c0 === 0x28) return T_OPEN;
    if (c0 === 0x29) return T_CLOSE;
    if (c0 === 0x5d) return T_END;
    return -1;
  }
  if (c0 !== 0x5b) return -1;
  if (len === 3) return b[a + 1] === 0x53 && b[a + 2] === 0x4d ? OP_BASE + 3 : -1; // [SM
  if (len === 4 && b[a + 1] === 0x4d) {
    const x = b[a + 2], y = b[a + 3];
    if (x === 0x49 && y === 0x4e) return OP_BASE; // [MIN
    if (x === 0x41 && y === 0x58) return OP_BASE + 1; // [MAX
    if (x === 0x45 && y === 0x44) return OP_BASE + 2; // [MED
  }
  return -1;
}

// Scratch stacks of the evaluator, grown on demand.
let kindS = new Int32Array(4096), argStartS = new Int32Array(4096), argsS = new Int32Array(4096);
const countsS = new Int32Array(10);

/**
 * Evaluates the LRA text form, independently of the generator: a stack machine over the tokens that
 * checks the exact pair structure. '(' opens a pair; ')' closes the pair of the two items above it:
 * (operator, digit) starts an argument list, (list, digit) extends it, (list, ]) applies the operator.
 * A bare digit is also an expression. Throws ListOpsSyntaxError on anything else.
 * Takes the text as a string or as its bytes (e.g. a line of a file).
 */
export function evaluateListOps(text: string | Uint8Array): number {
  const b = asBytes(text);
  const n = b.length;
  const need = (n >> 1) + 2; // tokens are separated by whitespace
  if (kindS.length < need) {
    kindS = new Int32Array(need);
    argStartS = new Int32Array(need);
    argsS = new Int32Array(need);
  }
  // Item stack: kind (-1 '(', 0-9 value, 10-13 operator, 14 ']', 100-103 argument list), and for lists
  // where their arguments start on the argument stack.
  const kind = kindS, argStart = argStartS, args = argsS, counts = countsS;
  let sp = 0, ap = 0, tok = 0, i = 0;
  const fail = (msg: string): never => {
    throw new ListOpsSyntaxError(`ListOps: token ${tok}: ${msg}`, tok);
  };
  while (i < n) {
    while (i < n && SPACE[b[i]]) i++;
    if (i >= n) break;
    const a = i;
    while (i < n && !SPACE[b[i]]) i++;
    const t = classify(b, a, i);
    if (t < 0) fail(`unknown token '${snippet(b, a, i)}'`);
    if (t === T_OPEN) kind[sp++] = -1;
    else if (t === T_CLOSE) {
      if (sp < 3 || kind[sp - 3] !== -1) fail("')' does not close a pair of two items");
      const x = kind[sp - 2], y = kind[sp - 1];
      if (y < 0 || (y > 9 && y !== END)) fail("the second item of a pair must be a digit, an expression or ']'");
      if (x >= OP_BASE && x < END && y <= 9) {
        // (operator, first argument)
        kind[sp - 3] = 100 + (x - OP_BASE);
        argStart[sp - 3] = ap;
        args[ap++] = y;
      } else if (x >= 100 && y <= 9) {
        kind[sp - 3] = x;
        argStart[sp - 3] = argStart[sp - 2];
        args[ap++] = y;
      } else if (x >= 100 && y === END) {
        const start = argStart[sp - 2];
        counts.fill(0);
        for (let j = start; j < ap; j++) counts[args[j]]++;
        kind[sp - 3] = applyCounts(x - 100, counts, ap - start);
        ap = start;
      } else fail('a pair must be (operator digit), (list digit) or (list ])');
      sp -= 2;
    } else {
      if (t >= OP_BASE && t < END && (sp === 0 || kind[sp - 1] !== -1)) fail("an operator must directly follow '('");
      kind[sp++] = t;
    }
    tok++;
  }
  if (sp !== 1 || kind[0] < 0 || kind[0] > 9) {
    throw new ListOpsSyntaxError(`ListOps: the text is not one complete expression (${tok} tokens)`, tok);
  }
  return kind[0];
}

/** An operator's value from the histogram of its digit arguments. */
function applyCounts(op: number, counts: Int32Array, k: number): number {
  if (op === 0) for (let d = 0; d < 10; d++) if (counts[d]) return d;
  if (op === 1) for (let d = 9; d >= 0; d--) if (counts[d]) return d;
  if (op === 3) {
    let s = 0;
    for (let d = 0; d < 10; d++) s += d * counts[d];
    return s % 10;
  }
  // median: the values of ranks lo and hi (0-based) of the sorted arguments
  const lo = (k - 1) >> 1, hi = k >> 1;
  let seen = 0, a = -1, b = -1;
  for (let d = 0; d < 10 && b < 0; d++) {
    seen += counts[d];
    if (a < 0 && seen > lo) a = d;
    if (seen > hi) b = d;
  }
  return (a + b) >> 1;
}

/** The length L of an expression in text form: operators, digits and `]`, not parentheses. */
export function listOpsLength(text: string | Uint8Array): number {
  const b = asBytes(text);
  const len = b.length;
  let n = 0, i = 0;
  while (i < len) {
    while (i < len && SPACE[b[i]]) i++;
    if (i >= len) break;
    const a = i;
    while (i < len && !SPACE[b[i]]) i++;
    if (!(i - a === 1 && (b[a] === 0x28 || b[a] === 0x29))) n++;
  }
  return n;
}

// ---- TSV files -------------------------------------------------------------------------------

export const LISTOPS_TSV_HEADER = 'Source\tTarget';

/** A row of a ListOps TSV file: the expression and its value; `line` is the 1-based line number. */
export interface ListOpsRow {
  source: string;
  target: number;
  line: number;
}

/**
 * Writes a ListOps TSV (header `Source<TAB>Target`, LF line ends) atomically: into a temporary file
 * beside `file`, fsynced, then renamed over it. Rows are trees or (source, target) pairs.
 * Returns the number of rows written.
 */
export function writeListOpsTsv(file: string, rows: Iterable<ListOpsExample | { source: string; target: number }>): number {
  let count = 0;
  writeFileAtomic(file, (fd) => {
    let chunk = Buffer.allocUnsafe(1 << 22);
    let p = 0;
    const flush = () => {
      let off = 0;
      while (off < p) off += writeSync(fd, chunk, off, p - off);
      p = 0;
    };
    const ensure = (bytes: number) => {
      if (p + bytes <= chunk.length) return;
      flush();
      if (bytes > chunk.length) chunk = Buffer.allocUnsafe(bytes);
    };
    ensure(LISTOPS_TSV_HEADER.length + 1);
    p += chunk.write(`${LISTOPS_TSV_HEADER}\n`, p, 'latin1');
    for (const r of rows) {
      if ('codes' in r) {
        ensure(textBound(r.codes) + 8);
        p = writeText(r.codes, chunk, p);
        p += chunk.write(`\t${r.label}\n`, p, 'latin1');
      } else {
        if (/[\t\r\n]/.test(r.source)) throw new RangeError(`writeListOpsTsv: row ${count + 1}: the source holds a tab or line break`);
        const line = `${r.source}\t${r.target}\n`;
        const bytes = Buffer.byteLength(line);
        ensure(bytes);
        p += chunk.write(line, p, 'utf8');
      }
      count++;
    }
    flush();
  });
  return count;
}

/**
 * The lines of a file as byte views (without '\n' or a final '\r'), read in chunks: files may exceed
 * the longest JS string. A view is valid until the next line is requested.
 */
export function* readLineBytes(file: string): Generator<Uint8Array> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new DataFileError(file, `cannot read: ${(e as Error).message}`, { cause: e });
  }
  try {
    const buf = Buffer.allocUnsafe(1 << 22);
    let rest: Buffer = Buffer.alloc(0);
    for (;;) {
      const got = readSync(fd, buf, 0, buf.length, null);
      if (got === 0) break;
      const data: Buffer = rest.length ? Buffer.concat([rest, buf.subarray(0, got)]) : buf.subarray(0, got);
      let start = 0;
      for (;;) {
        const nl = data.indexOf(10, start);
        if (nl < 0) break;
        const end = nl > start && data[nl - 1] === 13 ? nl - 1 : nl;
        yield data.subarray(start, end);
        start = nl + 1;
      }
      rest = Buffer.from(data.subarray(start)); // a copy: buf is reused
    }
    if (rest.length) yield rest.subarray(0, rest[rest.length - 1] === 13 ? rest.length - 1 : rest.length);
  } finally {
    closeSync(fd);
  }
}

/** The lines of a text file (UTF-8), read in chunks; '\r' before '\n' is stripped. */
export function* readLines(file: string): Generator<string> {
  for (const l of readLineBytes(file)) yield Buffer.from(l.buffer, l.byteOffset, l.length).toString('utf8');
}

const HEADER_BYTES = Buffer.from(LISTOPS_TSV_HEADER, 'latin1');
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function isHeader(l: Uint8Array): boolean {
  const b = Buffer.from(l.buffer, l.byteOffset, l.length);
  return b.equals(HEADER_BYTES) || (b.length === HEADER_BYTES.length + 3 && b.subarray(0, 3).equals(BOM) && b.subarray(3).equals(HEADER_BYTES));
}

/** A TSV row's tab position and target, or why it is malformed. */
function parseRow(l: Uint8Array): { tab: number; target: number } | string {
  const tab = l.indexOf(9);
  if (tab < 0) return 'no tab between source and target';
  if (l.indexOf(9, tab + 1) >= 0) return 'more than two fields';
  let a = tab + 1, e = l.length;
  while (a < e && SPACE[l[a]]) a++;
  while (e > a && SPACE[l[e - 1]]) e--;
  if (e - a !== 1 || l[a] < 0x30 || l[a] > 0x39) return `target '${snippet(l, a, e)}' is not a digit 0-9`;
  return { tab, target: l[a] - 0x30 };
}

/** The rows of a TSV file as byte views with their line numbers; a bad header or row throws, naming the line. */
function* tsvRows(file: string): Generator<{ line: number; bytes: Uint8Array; tab: number; target: number }> {
  let line = 0;
  for (const l of readLineBytes(file)) {
    line++;
    if (line === 1) {
      if (!isHeader(l)) throw new DataFileError(file, `line 1: expected the header 'Source<TAB>Target', got '${snippet(l, 0, 40)}'`);
      continue;
    }
    if (l.length === 0) continue;
    const r = parseRow(l);
    if (typeof r === 'string') throw new DataFileError(file, `line ${line}: ${r}`);
    yield { line, bytes: l, ...r };
  }
  if (line === 0) throw new DataFileError(file, "is empty (expected the header 'Source<TAB>Target')");
}

/** The rows of a ListOps TSV file, streamed. Malformed files throw a DataFileError naming the line. */
export function* iterateListOpsTsv(file: string): Generator<ListOpsRow> {
  for (const r of tsvRows(file)) {
    yield { source: Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.tab).toString('utf8'), target: r.target, line: r.line };
  }
}

/** All rows of a ListOps TSV file. */
export function readListOpsTsv(file: string): ListOpsRow[] {
  return [...iterateListOpsTsv(file)];
}

/** A problem found by verifyListOpsTsv, by line. */
export interface ListOpsIssue {
  line: number;
  kind: 'format' | 'syntax' | 'label' | 'length' | 'duplicate';
  message: string;
}

export interface ListOpsFileReport {
  file: string;
  rows: number;
  issues: ListOpsIssue[];
  /** Issues beyond those listed (the list is capped). */
  moreIssues: number;
  labels: number[];
  length: { min: number; max: number; mean: number };
}

/**
 * Re-checks a ListOps TSV: every label against the text evaluator, every length L against
 * minLength < L < maxLength (when given), the format, and duplicates within the file (or across
 * files sharing `seen`: 53-bit hashes of the sources, so a reported duplicate could in principle be
 * a hash collision, with odds of about n^2 / 2^54).
 */
export function verifyListOpsTsv(
  file: string,
  o: { minLength?: number; maxLength?: number; maxIssues?: number; seen?: Map<number, string> } = {},
): ListOpsFileReport {
  const maxIssues = o.maxIssues ?? 100;
  const issues: ListOpsIssue[] = [];
  let more = 0;
  const issue = (line: number, kind: ListOpsIssue['kind'], message: string) => {
    if (issues.length < maxIssues) issues.push({ line, kind, message });
    else more++;
  };
  const labels = new Array<number>(10).fill(0);
  let rows = 0, lmin = Infinity, lmax = -Infinity, lsum = 0;
  const seen = o.seen ?? new Map<number, string>();
  let line = 0;
  for (const l of readLineBytes(file)) {
    line++;
    if (line === 1) {
      if (!isHeader(l)) issue(1, 'format', `expected the header 'Source<TAB>Target', got '${snippet(l, 0, 40)}'`);
      continue;
    }
    if (l.length === 0) continue;
    const r = parseRow(l);
    if (typeof r === 'string') {
      issue(line, 'format', r);
      continue;
    }
    rows++;
    const source = l.subarray(0, r.tab);
    let value: number;
    try {
      value = evaluateListOps(source);
    } catch (e) {
      issue(line, 'syntax', (e as Error).message);
      continue;
    }
    if (value !== r.target) issue(line, 'label', `target ${r.target} but the expression evaluates to ${value}`);
    labels[r.target]++;
    const L = listOpsLength(source);
    lmin = Math.min(lmin, L);
    lmax = Math.max(lmax, L);
    lsum += L;
    if ((o.minLength !== undefined && !(L > o.minLength)) || (o.maxLength !== undefined && !(L < o.maxLength))) {
      issue(line, 'length', `length ${L} is outside ${o.minLength ?? '-inf'} < L < ${o.maxLength ?? 'inf'}`);
    }
    const h = hashCodes(source);
    const prev = seen.get(h);
    if (prev !== undefined) issue(line, 'duplicate', `same expression as ${prev}`);
    else seen.set(h, `${file}:${line}`);
  }
  if (line === 0) issue(0, 'format', "the file is empty (expected the header 'Source<TAB>Target')");
  return {
    file,
    rows,
    issues,
    moreIssues: more,
    labels,
    length: { min: rows ? lmin : NaN, max: rows ? lmax : NaN, mean: rows ? lsum / rows : NaN },
  };
}

// ---- model input -----------------------------------------------------------------------------

// Symbol -> id, keyed by the symbol's characters packed 7 bits each (symbols are at most 4 ASCII chars).
const SYMBOL_KEY = new Map<number, number>();
for (let id = 1; id < LISTOPS_SYMBOLS.length; id++) {
  let k = 0;
  for (const ch of LISTOPS_SYMBOLS[id]) k = k * 128 + ch.charCodeAt(0);
  SYMBOL_KEY.set(k, id);
}
// Ids of one-byte tokens (0: not a one-byte symbol; parentheses are handled before).
const BYTE_ID = new Uint8Array(256);
for (let d = 0; d < 10; d++) BYTE_ID[0x30 + d] = d + 1;
BYTE_ID[0x5d] = 15; // ']' -> X
BYTE_ID[0x58] = 15; // 'X'

/**
 * Tokenises one expression for the model, as LRA does: `]` becomes X, parentheses are dropped, the
 * rest is split on whitespace and mapped through LISTOPS_SYMBOLS. Writes the ids of the first
 * out.length tokens into out (the rest of out is set to padding) and returns the full token count.
 */
export function tokenizeListOps(source: string | Uint8Array, out: Uint8Array): number {
  const b = asBytes(source);
  const n = b.length, cap = out.length;
  let count = 0, i = 0;
  while (i < n) {
    while (i < n && SPACE[b[i]]) i++;
    if (i >= n) break;
    const a = i;
    while (i < n && !SPACE[b[i]]) i++;
    let id: number | undefined;
    if (i - a === 1) {
      const c = b[a];
      if (c === 0x28 || c === 0x29) continue;
      id = BYTE_ID[c] || undefined;
    } else {
      // The general rule: drop parentheses inside the token, ']' -> 'X', then look the symbol up.
      let key = 0, chars = 0;
      for (let j = a; j < i; j++) {
        let c = b[j];
        if (c === 0x28 || c === 0x29) continue;
        if (c === 0x5d) c = 0x58;
        key = key * 128 + (c & 0x7f);
        chars += c < 128 ? 1 : 99;
      }
      if (chars === 0) continue; // parentheses only
      id = chars <= 4 ? SYMBOL_KEY.get(key) : undefined;
    }
    if (id === undefined) throw new RangeError(`tokenizeListOps: unknown symbol '${snippet(b, a, i)}' at byte ${a}`);
    if (count < cap) out[count] = id;
    count++;
  }
  if (count < cap) out.fill(LISTOPS_PAD_ID, count);
  return count;
}

/** Model ids of one tree straight from its codes (equal to tokenizeListOps of its text). */
export function codesToIds(codes: Uint8Array, out: Uint8Array): number {
  const m = Math.min(codes.length, out.length);
  for (let i = 0; i < m; i++) out[i] = codes[i] + 1;
  out.fill(LISTOPS_PAD_ID, m);
  return codes.length;
}

export interface ListOpsInputs {
  /** Token ids [N, seqLen] (int64 by default), padded with 0 or cut. */
  ids: Tensor;
  /** Tokens kept per row, min(token count, seqLen), int64 [N]. */
  lengths: Tensor;
}

function packInputs(n: number, seqLen: number, fill: (row: Uint8Array, i: number) => number, dtype: 'int64' | 'uint8'): ListOpsInputs {
  if (!Number.isSafeInteger(seqLen) || seqLen < 1) throw new RangeError(`seqLen must be a positive integer, got ${seqLen}`);
  const ids = new Uint8Array(n * seqLen);
  const lengths = new BigInt64Array(n);
  for (let i = 0; i < n; i++) lengths[i] = BigInt(Math.min(seqLen, fill(ids.subarray(i * seqLen, (i + 1) * seqLen), i)));
  const bytes = fromBytes(ids, [n, seqLen], 'uint8');
  let idsT = bytes;
  if (dtype === 'int64') {
    idsT = bytes.to('int64');
    bytes.dispose();
  }
  return { ids: idsT, lengths: fromBytes(new Uint8Array(lengths.buffer), [n], 'int64') };
}

/**
 * Model inputs from expressions (text, or trees' codes): ids [N, seqLen] padded with 0 or cut to
 * seqLen (default 2000), and lengths. ids are int64 unless dtype 'uint8' is asked for (the full
 * training set as int64 is 96,000 x 2000 x 8 bytes = 1.5 GB).
 */
export function encodeListOps(
  sources: readonly (string | Uint8Array)[],
  o: { seqLen?: number; dtype?: 'int64' | 'uint8' } = {},
): ListOpsInputs {
  const seqLen = o.seqLen ?? LISTOPS_SEQ_LEN;
  return packInputs(sources.length, seqLen, (row, i) => {
    const s = sources[i];
    return typeof s === 'string' ? tokenizeListOps(s, row) : codesToIds(s, row);
  }, o.dtype ?? 'int64');
}

/** A ListOps TSV file as model inputs and labels (int64 [N]); `limit` reads only the first rows. */
export function loadListOpsTsv(
  file: string,
  o: { seqLen?: number; dtype?: 'int64' | 'uint8'; limit?: number } = {},
): ListOpsInputs & { labels: Tensor } {
  const seqLen = o.seqLen ?? LISTOPS_SEQ_LEN;
  const rows: Uint8Array[] = [];
  const counts: number[] = [];
  const labels: number[] = [];
  for (const r of tsvRows(file)) {
    if (o.limit !== undefined && rows.length >= o.limit) break;
    const row = new Uint8Array(seqLen);
    try {
      counts.push(tokenizeListOps(r.bytes.subarray(0, r.tab), row));
    } catch (e) {
      throw new DataFileError(file, `line ${r.line}: ${(e as Error).message}`, { cause: e });
    }
    rows.push(row);
    labels.push(r.target);
  }
  const inputs = packInputs(rows.length, seqLen, (row, i) => {
    row.set(rows[i]);
    return counts[i];
  }, o.dtype ?? 'int64');
  const lab = new BigInt64Array(labels.map(BigInt));
  return { ...inputs, labels: fromBytes(new Uint8Array(lab.buffer), [labels.length], 'int64') };
}
