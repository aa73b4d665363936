// `mimo predict CHECKPOINT INPUT...`: classifies inputs with a checkpoint in this process, without a
// server. Inputs are decoded exactly as `mimo serve` decodes them (PNG images through decode.ts,
// texts through decode_sequence.ts and decode_sentence.ts) and run as its worker runs them
// (serve/served.ts): the inputs, in the order given, share superpositions of n, and a last one with
// m < n inputs is filled with its own inputs again (input j of the n slots is its input j mod m).
import { Command } from 'commander';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { ServeError } from '../../serve/errors.js';
import { classNames, describeCheckpoint, inputShape, modelName } from '../../serve/model.js';
import type { ServedModel } from '../../serve/model.js';
import { decodeInputs } from '../../serve/decode.js';
import { decodeSequences, encodeText } from '../../serve/decode_sequence.js';
import { encodeSentence } from '../../serve/decode_sentence.js';
import { loadServed } from '../../serve/served.js';
import { operatingPointError } from '../../serve/policy.js';
import { gridList } from './train_mimoformer.js';
import { UsageError, positiveInt, positiveIntList, printJson } from '../output.js';

/** Superpositions per forward pass. */
const GROUPS_PER_PASS = 32;

interface PredictOptions {
  n?: number;
  grids?: [number, number][];
  points?: number[];
  json?: boolean;
}

/** Whether the model's inputs are images (PNG files) rather than texts. */
function takesImages(m: ServedModel): boolean {
  return m.kind === 'mimoconv' || m.kind === 'datamux-vision' || (m.kind === 'mimoformer' && m.sequence.task === 'image');
}

/** The inputs as given: PNG file paths or texts; '-' stands for stdin's lines (blank lines skipped). */
function gather(inputs: string[]): string[] {
  return inputs.flatMap((x) => (x === '-' ? readFileSync(0, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '') : [x]));
}

/** One input as the model takes it (see the file's header); bad input is a UsageError naming it. */
function decode(m: ServedModel, input: string): Float32Array {
  try {
    const what = JSON.stringify(input.length > 60 ? `${input.slice(0, 57)}...` : input);
    if (m.kind === 'datamux') return encodeSentence(m.sentence, input, what);
    if (m.kind === 'mimoformer' && m.sequence.task !== 'image') return encodeText(m.sequence, input, what);
    if (!existsSync(input)) throw new UsageError(`${input}: no such file (this model takes PNG images)`);
    if (!statSync(input).isFile()) throw new UsageError(`${input}: not a file (this model takes PNG images)`);
    const body = readFileSync(input);
    if (m.kind === 'mimoformer') return decodeSequences('image/png', body, m.sequence, 1)[0];
    return decodeInputs('image/png', body, new URLSearchParams(), m.input, 1)[0];
  } catch (e) {
    if (e instanceof ServeError) throw new UsageError(takesImages(m) ? `${input}: ${e.message}` : e.message);
    throw e;
  }
}

function softmax(x: Float32Array): number[] {
  const top = Math.max(...x);
  const e = Array.from(x, (v) => Math.exp(v - top));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

export function predictCommand(): Command {
  return new Command('predict')
    .description('classify inputs with a checkpoint in this process: PNG images (MIMOConv, DataMUX MNIST, MIMOFormer LRA Image) or texts (DataMUX sentences, MIMOFormer LRA Text and ListOps), decoded as `mimo serve` decodes them; the inputs share superpositions of n in the order given')
    .argument('<checkpoint>', 'a checkpoint of mimo train (MIMOConv, MIMOFormer or DataMUX)')
    .argument('<inputs...>', "PNG files (image models) or texts (text models); '-' reads stdin, one input per line")
    .option('--n <n>', 'operating point, inputs per superposition (default: the smallest the model serves, its most accurate)', positiveInt('--n'))
    .option('--grids <grids>', 'MIMOFormer: grids MxN it serves, one per number of inputs (default: the grids it was trained on)', gridList('--grids'))
    .option('--points <n,...>', 'DataMUX: operating points it serves (default: the points it was trained at)', positiveIntList('--points'))
    .option('--json', 'print one JSON object')
    .action((file: string, given: string[], o: PredictOptions) => {
      if (!existsSync(file)) throw new UsageError(`checkpoint not found: ${file}`);
      let m: ServedModel;
      try {
        m = describeCheckpoint(file, { grids: o.grids, points: o.points });
      } catch (e) {
        throw e instanceof RangeError ? new UsageError(e.message) : e;
      }
      const n = o.n ?? m.ns[0];
      if (!m.ns.includes(n)) throw new UsageError(`--n: ${operatingPointError(m.ns, String(n))}`);
      const inputs = gather(given);
      if (inputs.length === 0) throw new UsageError('no inputs (stdin had no lines)');
      const rows = inputs.map((x) => decode(m, x));
      // Superpositions of n in the order given; the last filled with its own inputs again.
      const per = rows[0].length;
      const count = Math.ceil(rows.length / n) * n;
      const data = new Float32Array(count * per);
      for (let g = 0; g < count; g += n) {
        const real = Math.min(n, rows.length - g);
        for (let j = 0; j < n; j++) data.set(rows[g + (j % real)], (g + j) * per);
      }
      const model = loadServed({
        checkpoint: file, kind: m.kind, inputShape: inputShape(m), lengthGrouping: false,
        grids: m.kind === 'mimoformer' ? m.grids : undefined, points: m.kind === 'datamux' || m.kind === 'datamux-vision' ? m.ns : undefined,
      });
      // Forward passes of at most GROUPS_PER_PASS superpositions, so that long input lists stay in memory.
      const logits = new Float32Array(count * m.classes);
      try {
        for (let a = 0; a < count; a += GROUPS_PER_PASS * n) {
          const k = Math.min(GROUPS_PER_PASS * n, count - a);
          logits.set(model.forward(n, k, data.subarray(a * per, (a + k) * per)), a * m.classes);
        }
      } finally {
        model.dispose();
      }
      const names = classNames(m);
      const outputs = inputs.map((input, i) => {
        const row = logits.subarray(i * m.classes, (i + 1) * m.classes);
        const p = softmax(row);
        const k = p.indexOf(Math.max(...p));
        return { input, class: k, ...(names ? { label: names[k] } : {}), probability: p[k], logits: Array.from(row), group: Math.floor(i / n) };
      });
      const grid = m.kind === 'mimoformer' ? `${m.grids[n].m}x${m.grids[n].n}` : undefined;
      if (o.json) return printJson({ checkpoint: file, model: m.kind, n, ...(grid ? { grid } : {}), outputs });
      console.log(`${file} (${modelName(m)}) at n = ${n}${grid ? ` (${grid})` : ''}: ${inputs.length} input${inputs.length === 1 ? '' : 's'} in ${count / n} superposition${count / n === 1 ? '' : 's'}`);
      const shown = outputs.map((x) => (x.input.length > 50 ? `${x.input.slice(0, 47)}...` : x.input));
      const width = Math.max(...shown.map((s) => s.length));
      outputs.forEach((x, i) => console.log(`${shown[i].padEnd(width)}  ${x.label ?? x.class}  (p = ${x.probability.toFixed(3)})`));
    });
}
