// `mimo interference`: measure the interference of a binding in superposition against its theory.
import { Command } from 'commander';
import { BINDINGS, interferenceRows } from '../../superposition/index.js';
import type { Binding, InterferenceRow } from '../../superposition/index.js';
import { UsageError, choice, nonNegativeInt, positiveInt, positiveIntList, printJson } from '../output.js';
import { PROBE_GROUPINGS, printModelInterference } from './interference_model.js';
import type { ProbeGrouping } from './interference_model.js';
import { gridList } from './train_mimoformer.js';

interface InterferenceCliOptions {
  binding: Binding;
  dim: number;
  n: number[];
  trials: number;
  seed: number;
  json?: boolean;
  model?: string;
  grids?: [number, number][];
  sequences: number;
  positions: number;
  data?: string;
  listopsDir?: string;
  grouping: ProbeGrouping;
}

/** Parses --binding, naming the choices when it is unknown. */
export function parseBinding(v: string): Binding {
  if (!(BINDINGS as readonly string[]).includes(v)) throw new UsageError(`unknown binding '${v}' (choose from ${BINDINGS.join(', ')})`);
  return v as Binding;
}

function dimension(v: string): number {
  const n = positiveInt('--dim')(v);
  if (n < 2) throw new UsageError(`--dim must be at least 2, got '${v}'`);
  return n;
}

const fmt = (v: number | null, digits: number): string => (v === null ? '-' : Math.abs(v) >= 1e6 ? v.toExponential(1) : v.toFixed(digits));

/** The rows as an aligned table: measured next to theory. */
export function formatInterferenceTable(rows: readonly InterferenceRow[]): string {
  const header = ['binding', 'D', 'N', 'trials', 'cosine', 'theory', 'SIR', 'theory', 'ratio', 'sqrt(D/(N-1))'];
  const body = rows.map((r) => [
    r.binding,
    String(r.dim),
    String(r.n),
    String(r.trials),
    fmt(r.cosine, 4),
    fmt(r.cosine_theory, 4),
    fmt(r.sir, 2),
    fmt(r.sir_theory, 2),
    fmt(r.ratio, 3),
    fmt(r.sir_scaling, 2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), ...body.map(line)].join('\n');
}

const LEGEND = [
  'cosine: mean cos(r, x1) of the retrieved vector r to the stored item x1.',
  'SIR: mean <r, x1> / sqrt(mean |r - <r, x1> x1|^2 / (D-1)): signal against the RMS interference along one direction.',
  'theory: derived per binding (map, mbat: sqrt(D/(N-1)); hrr with N(0,1/D) keys: ~sqrt(D/N); hrr-exact: none for N > 1).',
  '-: infinite (no interference) or no finite theory.',
].join('\n');

export function interferenceCommand(): Command {
  const cmd: Command = new Command('interference')
    .description(
      'measure how well one item is retrieved from N superposed bound items, against the theory; with --model, the attention-score ' +
        'interference inside a MIMOFormer checkpoint (trained and untrained weights, per layer and grid)',
    )
    .option('--binding <name>', `binding: ${BINDINGS.join(', ')}`, parseBinding, 'hrr' as Binding)
    .option('--dim <D>', 'vector dimension', dimension, 512)
    .option('--n <list>', 'numbers of superposed items, comma-separated', positiveIntList('--n'), [1, 2, 4, 8, 16])
    .option('--trials <T>', 'random trials per N', positiveInt('--trials'), 200)
    .option('--seed <s>', 'random seed', nonNegativeInt('--seed'), 0)
    .option('--json', 'print the rows as JSON')
    .option('--model <checkpoint>', 'a MIMOFormer att or att-mlp checkpoint: probe its attention channels on dev sequences of its task')
    .option('--grids <grids>', 'with --model: grids MxN, comma-separated (default 1x1, 2x2, 4x4, ... up to the capacity)', gridList('--grids'))
    .option('--sequences <S>', 'with --model: dev sequences probed (per grid, rounded down to a multiple of m·n)', positiveInt('--sequences'), 64)
    .option('--positions <P>', 'with --model: the first P query and key positions of each sequence', positiveInt('--positions'), 128)
    .option('--data <dir>', 'with --model: data directory (default: $MIMO_DATA, then ../shared/data)')
    .option('--listops-dir <dir>', 'with --model on ListOps: folder of basic_{train,val,test}.tsv (default DATA/listops)')
    .option(
      '--grouping <g>',
      'with --model: which sequences share a group: random (the seeded random dev subset) or length (the same sequences sorted by length, as eval --grouping length)',
      choice('--grouping', PROBE_GROUPINGS),
      'random' as ProbeGrouping,
    )
    .action(async (o: InterferenceCliOptions) => {
      if (o.model) return printModelInterference({ model: o.model, grids: o.grids, sequences: o.sequences, positions: o.positions, data: o.data, listopsDir: o.listopsDir, seed: o.seed, grouping: o.grouping, json: o.json });
      const modelOnly = ['grids', 'sequences', 'positions', 'data', 'listopsDir', 'grouping'].filter((k) => cmd.getOptionValueSource(k) === 'cli');
      if (modelOnly.length) throw new UsageError(`${modelOnly.map((k) => '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())).join(', ')}: only with --model CHECKPOINT`);
      // Rows from random items and keys; a trained model's channels (e.g. MIMOFormer's attention,
      // from a checkpoint) would be a second source of the same rows, printed the same way.
      const rows = interferenceRows({ binding: o.binding, dim: o.dim, ns: o.n, trials: o.trials, seed: o.seed });
      if (o.json) return printJson(rows);
      console.log(formatInterferenceTable(rows));
      console.log(LEGEND);
    });
  return cmd;
}
