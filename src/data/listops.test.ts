import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { liveTensors } from '../tensor/index.js';
import {
  LISTOPS_DEFAULTS, LISTOPS_SYMBOLS, LISTOPS_VOCAB_SIZE, ListOpsSampler, ListOpsSyntaxError, applyListOp, codesToIds, encodeListOps,
  evaluateCodes, evaluateListOps, generateListOps, listOpsLength, listOpsText, loadListOpsTsv, readListOpsTsv, tokenizeListOps,
  verifyListOpsTsv, writeListOpsTsv,
} from './listops.js';
import { Rng } from './random.js';

let tmp: string;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mimo-listops-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** An Rng that replays given 32-bit outputs (to pin down the order of the draws). */
class Scripted extends Rng {
  constructor(private readonly outputs: number[]) {
    super(0);
  }
  override nextUint32(): number {
    const v = this.outputs.shift();
    if (v === undefined) throw new Error('script exhausted');
    return v;
  }
  get remaining() {
    return this.outputs.length;
  }
}

const MIN = 10, MAX = 11, MED = 12, SM = 13, END = 14;
const LEAF = 0xffffffff; // r ~ 1: a leaf
const NODE = 0; // r = 0: an operator

/** Depth of the deepest node of codes (root 1). */
function maxDepthOf(codes: Uint8Array): number {
  let d = 0, max = 0;
  for (const c of codes) {
    if (c === END) d--;
    else {
      max = Math.max(max, d + 1);
      if (c >= MIN) d++;
    }
  }
  return max;
}

describe('text form', () => {
  test("the README example: [MAX 2 9 ] prints as '( ( ( [MAX 2 ) 9 ) ] )'", () => {
    assert.equal(listOpsText(Uint8Array.from([MAX, 2, 9, END])), '( ( ( [MAX 2 ) 9 ) ] )');
    assert.equal(listOpsText(Uint8Array.from([7])), '7');
    assert.equal(
      listOpsText(Uint8Array.from([MAX, 2, MIN, 4, 7, END, 0, END])),
      '( ( ( ( [MAX 2 ) ( ( ( [MIN 4 ) 7 ) ] ) ) 0 ) ] )',
    );
  });

  test('the sampler draws r, k, the children, then the operator (README example from scripted draws)', () => {
    // root: r = 0 -> operator; k = 2 + 0; child 1: leaf, digit 2; child 2: leaf, digit 9; operator 1 = MAX.
    const rng = new Scripted([NODE, 0, LEAF, 2, LEAF, 9, 1]);
    const s = new ListOpsSampler(rng, { minLength: 0, maxLength: 100 });
    const t = s.sample()!;
    assert.equal(rng.remaining, 0);
    assert.deepEqual([...t], [MAX, 2, 9, END]);
    assert.equal(listOpsText(t), '( ( ( [MAX 2 ) 9 ) ] )');
    // r is compared as u / 2^32 > 0.25: 2^30 is an operator, 2^30 + 1 a leaf.
    assert.deepEqual([...new ListOpsSampler(new Scripted([2 ** 30 + 1, 5]), { minLength: 0 }).sample()!], [5]);
    assert.deepEqual([...new ListOpsSampler(new Scripted([2 ** 30, 8, LEAF, 1, LEAF, 2, LEAF, 3, LEAF, 4, LEAF, 5, LEAF, 6, LEAF, 7, LEAF, 8, LEAF, 9, LEAF, 0, 3]), { minLength: 0 }).sample()!],
      [SM, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, END]);
    // At the maximum depth there is no draw of r: nodes are leaves.
    const deep = new Scripted([NODE, 0, /* depth 2 = max: digit only */ 3, 4, 2]);
    assert.deepEqual([...new ListOpsSampler(deep, { maxDepth: 2, minLength: 0 }).sample()!], [MED, 3, 4, END]);
    assert.equal(deep.remaining, 0);
  });
});

describe('evaluator', () => {
  const cases: [string, number][] = [
    ['( ( ( [MAX 2 ) 9 ) ] )', 9],
    ['( ( ( ( [MIN 4 ) 7 ) 3 ) ] )', 3],
    ['( ( ( ( [MED 1 ) 8 ) 3 ) ] )', 3],
    ['( ( ( ( ( [MED 2 ) 9 ) 4 ) 7 ) ] )', 5], // even count: (4 + 7) / 2 = 5.5, rounded down
    ['( ( ( [MED 1 ) 2 ) ] )', 1],
    ['( ( ( [MED 6 ) 8 ) ] )', 7],
    ['( ( ( ( [SM 9 ) 8 ) 7 ) ] )', 4], // 24 mod 10
    ['( ( ( [SM 0 ) 0 ) ] )', 0],
    ['( ( ( ( [MAX 2 ) ( ( ( [MIN 4 ) 7 ) ] ) ) 0 ) ] )', 4],
    ['( ( ( [SM ( ( ( [MED 9 ) ( ( ( [MAX 1 ) 3 ) ] ) ) ] ) ) ( ( ( ( [MIN 8 ) 5 ) 9 ) ] ) ) ] )', 1], // MED(9, 3) = 6, MIN = 5, SM = 11 mod 10
    ['7', 7],
    ['  ( ( ( [MIN 5 )\t6 ) ] )\n', 5],
  ];
  for (const [text, v] of cases) {
    test(`${text.trim()} = ${v}`, () => {
      assert.equal(evaluateListOps(text), v);
    });
  }

  test('the generator’s values agree on the same trees', () => {
    assert.equal(evaluateCodes(Uint8Array.from([MAX, 2, MIN, 4, 7, END, 0, END])), 4);
    assert.equal(applyListOp('[MED', [2, 9, 4, 7]), 5);
    assert.equal(applyListOp('[SM', [9, 8, 7]), 4);
    assert.equal(applyListOp(0, [3, 1, 2]), 1);
  });

  test('malformed expressions are rejected with the token position', () => {
    for (const bad of ['', '( ( [MAX 2 )', '( ( ( [MAX 2 ) 9 ) ]', '( ( 3 ) ] )', '( ( ( [FOO 2 ) 9 ) ] )', ') 2', '[MAX 2 9 ]', '( ( ( [MAX 2 ) 9 ) ] ) 4', '( ( ( [MAX 2 ) ( ) ] )', '12']) {
      assert.throws(() => evaluateListOps(bad), ListOpsSyntaxError, JSON.stringify(bad));
    }
    assert.throws(() => evaluateListOps('( ( ( [MAX 2 ) 9 ) [MIN )'), /token 8/);
  });

  test('length counts operators, digits and ], not parentheses', () => {
    assert.equal(listOpsLength('( ( ( [MAX 2 ) 9 ) ] )'), 4);
    assert.equal(listOpsLength('( ( ( ( [MAX 2 ) ( ( ( [MIN 4 ) 7 ) ] ) ) 0 ) ] )'), 8);
    assert.equal(listOpsLength('5'), 1);
  });
});

describe('generation', () => {
  const small = { train: 240, val: 30, test: 30, minLength: 20, maxLength: 200, maxDepth: 6, seed: 11 };
  const gen = () => generateListOps(small);
  let a: ReturnType<typeof generateListOps>;
  before(() => {
    a = gen();
  });

  test('every label equals the text evaluator’s value, every length is within the bounds, no duplicates', () => {
    const all = [...a.train, ...a.val, ...a.test];
    assert.equal(all.length, 300);
    assert.deepEqual([a.train.length, a.val.length, a.test.length], [240, 30, 30]);
    const texts = new Set<string>();
    for (const e of all) {
      const text = listOpsText(e.codes);
      assert.equal(evaluateListOps(text), e.label, text);
      const L = listOpsLength(text);
      assert.equal(L, e.codes.length);
      assert.ok(L > 20 && L < 200, `length ${L}`);
      assert.ok(maxDepthOf(e.codes) <= 6);
      texts.add(text);
    }
    assert.equal(texts.size, 300, 'duplicates');
    assert.equal(a.stats.accepted, 300);
    assert.equal(a.stats.sampled, a.stats.accepted + a.stats.tooShort + a.stats.tooLong + a.stats.duplicates);
    assert.ok(new Set(all.map((e) => e.label)).size >= 8, 'labels spread over the digits');
  });

  test('the same seed gives the same trees, another seed others', () => {
    const b = gen();
    assert.deepEqual(b.train.map((e) => listOpsText(e.codes)), a.train.map((e) => listOpsText(e.codes)));
    assert.deepEqual(b.test.map((e) => e.label), a.test.map((e) => e.label));
    const c = generateListOps({ ...small, seed: 12 });
    const overlap = c.train.filter((e, i) => listOpsText(e.codes) === listOpsText(a.train[i].codes)).length;
    assert.ok(overlap < 5, `${overlap} identical trees at the same positions`);
  });

  test('a handful at the real bounds 500 < L < 2000, depth <= 10', () => {
    assert.deepEqual(
      { maxDepth: LISTOPS_DEFAULTS.maxDepth, maxArgs: LISTOPS_DEFAULTS.maxArgs, minLength: LISTOPS_DEFAULTS.minLength, maxLength: LISTOPS_DEFAULTS.maxLength },
      { maxDepth: 10, maxArgs: 10, minLength: 500, maxLength: 2000 },
    );
    assert.deepEqual([LISTOPS_DEFAULTS.train, LISTOPS_DEFAULTS.val, LISTOPS_DEFAULTS.test], [96000, 2000, 2000]);
    const r = generateListOps({ train: 4, val: 1, test: 1, seed: 5 });
    for (const e of [...r.train, ...r.val, ...r.test]) {
      const text = listOpsText(e.codes);
      const L = listOpsLength(text);
      assert.ok(L > 500 && L < 2000, `length ${L}`);
      assert.ok(maxDepthOf(e.codes) <= 10);
      assert.equal(evaluateListOps(text), e.label);
    }
  });

  test('node sampling: leaves 3 times in 4 at the root, k uniform in 2..maxArgs, operators and digits uniform', () => {
    // maxDepth 2: the root draws r; its children are leaves without a draw, so each sample is one root decision.
    const s = new ListOpsSampler(123, { maxDepth: 2, maxArgs: 10, minLength: 0, maxLength: 100 });
    const n = 40000;
    let leaves = 0;
    const ks = new Array(11).fill(0), ops = new Array(4).fill(0), digits = new Array(10).fill(0);
    for (let i = 0; i < n; i++) {
      const t = s.sample()!;
      if (t.length === 1) {
        leaves++;
        digits[t[0]]++;
      } else {
        assert.equal(t[t.length - 1], END);
        ks[t.length - 2]++;
        ops[t[0] - MIN]++;
        for (let j = 1; j < t.length - 1; j++) digits[t[j]]++;
      }
    }
    const pLeaf = leaves / n;
    assert.ok(Math.abs(pLeaf - 0.75) < 0.01, `leaf frequency ${pLeaf}`);
    const nodes = n - leaves;
    assert.equal(ks[0] + ks[1], 0);
    for (let k = 2; k <= 10; k++) assert.ok(Math.abs(ks[k] / nodes - 1 / 9) < 0.02, `k = ${k}: ${ks[k] / nodes}`);
    for (const c of ops) assert.ok(Math.abs(c / nodes - 0.25) < 0.025, `operators ${ops}`);
    const nd = digits.reduce((x, y) => x + y, 0);
    for (const c of digits) assert.ok(Math.abs(c / nd - 0.1) < 0.01, `digits ${digits}`);
    // maxDepth 1: the root is a leaf, always, without a draw of r.
    const leafOnly = new ListOpsSampler(1, { maxDepth: 1, minLength: 0, maxLength: 10 });
    for (let i = 0; i < 100; i++) assert.equal(leafOnly.sample()!.length, 1);
  });

  test('options are checked', () => {
    assert.throws(() => new ListOpsSampler(0, { maxArgs: 1 }), /maxArgs/);
    assert.throws(() => new ListOpsSampler(0, { minLength: 10, maxLength: 11 }), /no length/);
    assert.throws(() => generateListOps({ train: -1 }), /train/);
    // Depth 3 with 2 arguments: the longest tree is [OP [OP d d ] [OP d d ] ], 10 tokens.
    assert.throws(() => new ListOpsSampler(0, { maxDepth: 3, maxArgs: 2, minLength: 10, maxLength: 100 }), /no tree of depth <= 3 with <= 2 arguments is longer than minLength 10 \(the longest has 10 tokens\)/);
    assert.doesNotThrow(() => new ListOpsSampler(0, { maxDepth: 3, maxArgs: 2, minLength: 9, maxLength: 100 }));
  });

  test('settings that almost never give a new tree fail instead of sampling for ever', () => {
    // Depth 2, 2 arguments, longer than 3 tokens: only [OP d d ], 4 operators × 100 digit pairs = 400 distinct trees.
    const sampler = new ListOpsSampler(1, { maxDepth: 2, maxArgs: 2, minLength: 3, maxLength: 100 });
    const seen = new Set<string>();
    assert.throws(() => {
      for (;;) seen.add(Array.from(sampler.next().codes).join(','));
    }, /trees in a row were rejected after 400 accepted .*almost never give a new tree/);
    assert.equal(seen.size, 400);
  });
});

describe('TSV files', () => {
  test('write -> read round trip; verify finds nothing wrong', () => {
    const g = generateListOps({ train: 50, val: 0, test: 0, minLength: 10, maxLength: 120, maxDepth: 5, seed: 2 });
    const file = path.join(tmp, 'basic_train.tsv');
    assert.equal(writeListOpsTsv(file, g.train), 50);
    const lines = readFileSync(file, 'latin1').split('\n');
    assert.equal(lines[0], 'Source\tTarget');
    assert.equal(lines.length, 52); // header, 50 rows, '' after the final newline
    const rows = readListOpsTsv(file);
    assert.deepEqual(rows.map((r) => r.source), g.train.map((e) => listOpsText(e.codes)));
    assert.deepEqual(rows.map((r) => r.target), g.train.map((e) => e.label));
    assert.deepEqual(rows.map((r) => r.line).slice(0, 3), [2, 3, 4]);
    const rep = verifyListOpsTsv(file, { minLength: 10, maxLength: 120 });
    assert.equal(rep.rows, 50);
    assert.deepEqual(rep.issues, []);
    assert.equal(rep.labels.reduce((a, b) => a + b, 0), 50);
    // Pairs of (source, target) write the same file.
    const again = path.join(tmp, 'again.tsv');
    writeListOpsTsv(again, rows);
    assert.equal(readFileSync(again, 'latin1'), readFileSync(file, 'latin1'));
  });

  test('CRLF files read the same; wrong labels, bad rows, lengths and duplicates are reported by line', () => {
    const file = path.join(tmp, 'crlf.tsv');
    writeFileSync(file, 'Source\tTarget\r\n( ( ( [MAX 2 ) 9 ) ] )\t9\r\n( ( ( [SM 5 ) 9 ) ] )\t4\r\n');
    assert.deepEqual(readListOpsTsv(file).map((r) => [r.source, r.target, r.line]), [
      ['( ( ( [MAX 2 ) 9 ) ] )', 9, 2],
      ['( ( ( [SM 5 ) 9 ) ] )', 4, 3],
    ]);
    const bad = path.join(tmp, 'bad.tsv');
    writeFileSync(bad, [
      'Source\tTarget',
      '( ( ( [MAX 2 ) 9 ) ] )\t9',
      '( ( ( [MIN 2 ) 9 ) ] )\t9',
      '( ( ( [MIN 2 ) 9 ) ]\t2',
      'no tab here',
      '( ( ( [MAX 2 ) 9 ) ] )\t9',
      '( ( ( ( ( [SM 1 ) 1 ) 1 ) 1 ) ] )\t4',
      '',
    ].join('\n'));
    const rep = verifyListOpsTsv(bad, { maxLength: 6 });
    assert.deepEqual(rep.issues.map((i) => [i.line, i.kind]), [
      [3, 'label'],
      [4, 'syntax'],
      [5, 'format'],
      [6, 'duplicate'],
      [7, 'length'],
    ]);
    assert.match(rep.issues[0].message, /target 9 but the expression evaluates to 2/);
    assert.throws(() => readListOpsTsv(bad), /bad\.tsv: line 5: no tab/);
    writeFileSync(bad, 'Src\tTgt\n');
    assert.throws(() => readListOpsTsv(bad), /line 1: expected the header/);
  });
});

describe('model input', () => {
  test('the symbol table: padding 0, 15 symbols', () => {
    assert.equal(LISTOPS_VOCAB_SIZE, 16);
    assert.deepEqual(LISTOPS_SYMBOLS.slice(11), ['[MIN', '[MAX', '[MED', '[SM', 'X']);
    const row = new Uint8Array(6);
    assert.equal(tokenizeListOps('( ( ( [MAX 2 ) 9 ) ] )', row), 4);
    assert.deepEqual([...row], [12, 3, 10, 15, 0, 0]);
    assert.throws(() => tokenizeListOps('( [FOO 2 )', new Uint8Array(4)), /unknown symbol '\[FOO'/);
  });

  test('ids over a set: 15 distinct symbols, in range, padded or cut; equal from text and from codes', () => {
    const before = liveTensors();
    const g = generateListOps({ train: 300, val: 0, test: 0, minLength: 20, maxLength: 200, maxDepth: 6, seed: 4 });
    const texts = g.train.map((e) => listOpsText(e.codes));
    const seqLen = 100;
    const { ids, lengths } = encodeListOps(texts, { seqLen });
    assert.equal(ids.dtype, 'int64');
    assert.deepEqual(ids.shape, [300, seqLen]);
    const flat = ids.toFlatArray();
    const lens = lengths.toFlatArray();
    const symbols = new Set(flat.filter((v) => v !== 0));
    assert.equal(symbols.size, 15);
    assert.ok(flat.every((v) => v >= 0 && v < 16));
    let cut = 0;
    for (let i = 0; i < 300; i++) {
      const L = g.train[i].codes.length;
      assert.equal(lens[i], Math.min(L, seqLen));
      if (L > seqLen) cut++;
      const row = flat.slice(i * seqLen, (i + 1) * seqLen);
      assert.ok(row.slice(0, lens[i]).every((v) => v !== 0));
      assert.ok(row.slice(lens[i]).every((v) => v === 0));
      assert.deepEqual(row.slice(0, lens[i]), [...g.train[i].codes.slice(0, seqLen)].map((c) => c + 1));
    }
    assert.ok(cut > 0 && cut < 300, 'some rows cut, some padded');
    const fromCodes = encodeListOps(g.train.map((e) => e.codes), { seqLen, dtype: 'uint8' });
    assert.equal(fromCodes.ids.dtype, 'uint8');
    assert.deepEqual(fromCodes.ids.toFlatArray(), flat);
    const out = new Uint8Array(3);
    assert.equal(codesToIds(Uint8Array.from([MAX, 2, 9, END]), out), 4);
    assert.deepEqual([...out], [12, 3, 10]);
    // From a file.
    const file = path.join(tmp, 'model_input.tsv');
    writeListOpsTsv(file, g.train);
    const loaded = loadListOpsTsv(file, { seqLen, limit: 200 });
    assert.deepEqual(loaded.ids.shape, [200, seqLen]);
    assert.deepEqual(loaded.ids.toFlatArray(), flat.slice(0, 200 * seqLen));
    assert.deepEqual(loaded.labels.toFlatArray(), g.train.slice(0, 200).map((e) => e.label));
    for (const t of [ids, lengths, fromCodes.ids, fromCodes.lengths, loaded.ids, loaded.lengths, loaded.labels]) t.dispose();
    assert.equal(liveTensors(), before);
  });
});
