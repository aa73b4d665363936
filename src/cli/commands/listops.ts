// `mimo data listops`: generate LRA ListOps (basic_{train,val,test}.tsv) from a seed, or verify such files.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import {
  LISTOPS_DEFAULTS, LISTOPS_FILES, ListOpsConfig, ListOpsExample, ListOpsFileReport, ListOpsSampler, ListOpsSplit,
  listOpsConfig, verifyListOpsTsv, writeListOpsTsv,
} from '../../data/listops.js';
import { UsageError, nonNegativeInt, positiveInt, printJson, progressBar } from '../output.js';

interface ListOpsOptions {
  out: string;
  force?: boolean;
  train: number;
  val: number;
  test: number;
  seed: number;
  minLength: number;
  maxLength: number;
  maxDepth: number;
  maxArgs: number;
  verify?: boolean;
  json?: boolean;
}

const SPLITS: ListOpsSplit[] = ['train', 'val', 'test'];

interface SplitSummary {
  file: string;
  count: number;
  length: { min: number; max: number; mean: number };
  labels: number[];
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

function generate(o: ListOpsOptions, config: ListOpsConfig) {
  const existing = SPLITS.map((split) => LISTOPS_FILES[split]).filter((f) => existsSync(path.join(o.out, f)));
  if (existing.length && !o.force) throw new UsageError(`${o.out} already holds ${existing.join(', ')}; pass --force to replace them, or choose another --out`);
  mkdirSync(o.out, { recursive: true });
  const t0 = performance.now();
  const sampler = new ListOpsSampler(config.seed, config);
  const total = config.train + config.val + config.test;
  const bar = progressBar('ListOps', total);
  let done = 0;
  const splits: Partial<Record<ListOpsSplit, SplitSummary>> = {};
  try {
    for (const split of SPLITS) {
      const file = path.join(o.out, LISTOPS_FILES[split]);
      const s: SplitSummary = { file, count: config[split], length: { min: Infinity, max: -Infinity, mean: 0 }, labels: new Array(10).fill(0) };
      let sum = 0;
      function* trees(): Generator<ListOpsExample> {
        for (let i = 0; i < config[split]; i++) {
          const e = sampler.next();
          const L = e.codes.length;
          s.length.min = Math.min(s.length.min, L);
          s.length.max = Math.max(s.length.max, L);
          sum += L;
          s.labels[e.label]++;
          done++;
          if (done % 200 === 0 || done === total) bar.update(done, { rejected: `${(100 * (1 - sampler.stats.accepted / sampler.stats.sampled)).toFixed(1)}%` });
          yield e;
        }
      }
      writeListOpsTsv(file, trees());
      s.length.mean = s.count ? round(sum / s.count) : NaN;
      if (!s.count) s.length = { min: NaN, max: NaN, mean: NaN };
      splits[split] = s;
    }
  } finally {
    bar.stop();
  }
  const st = sampler.stats;
  return {
    out: path.resolve(o.out),
    config,
    splits,
    sampled: st.sampled,
    rejected: { too_short: st.tooShort, too_long: st.tooLong, duplicates: st.duplicates },
    rejection_rate: st.sampled ? round(1 - st.accepted / st.sampled, 4) : 0,
    seconds: round((performance.now() - t0) / 1000, 2),
  };
}

function verify(o: ListOpsOptions) {
  const seen = new Map<number, string>();
  const reports: ListOpsFileReport[] = [];
  for (const split of SPLITS) {
    const file = path.join(o.out, LISTOPS_FILES[split]);
    if (!existsSync(file)) throw new UsageError(`${file} does not exist (generate it with \`mimo data listops --out ${o.out}\`)`);
    reports.push(verifyListOpsTsv(file, { minLength: o.minLength, maxLength: o.maxLength, seen }));
  }
  return reports;
}

export function listopsCommand(): Command {
  const d = LISTOPS_DEFAULTS;
  return new Command('listops')
    .description(
      'generate LRA ListOps from a seed into DIR/basic_{train,val,test}.tsv (atomic writes), ' +
        'or with --verify re-check those files: every label by an independent evaluator, lengths, duplicates',
    )
    .requiredOption('--out <dir>', 'folder for basic_train.tsv, basic_val.tsv, basic_test.tsv')
    .option('--train <n>', 'training trees', nonNegativeInt('--train'), d.train)
    .option('--val <n>', 'validation trees', nonNegativeInt('--val'), d.val)
    .option('--test <n>', 'test trees', nonNegativeInt('--test'), d.test)
    .option('--seed <n>', 'random seed', nonNegativeInt('--seed'), d.seed)
    .option('--min-length <n>', 'keep trees longer than this (operators, digits and ], not parentheses)', nonNegativeInt('--min-length'), d.minLength)
    .option('--max-length <n>', 'keep trees shorter than this', positiveInt('--max-length'), d.maxLength)
    .option('--max-depth <n>', 'maximum tree depth (root = 1)', positiveInt('--max-depth'), d.maxDepth)
    .option('--max-args <n>', 'maximum arguments of an operator (>= 2)', positiveInt('--max-args'), d.maxArgs)
    .option('--verify', 'check the files in --out instead of generating (lengths against --min-length/--max-length)')
    .option('--force', 'replace ListOps files already in --out')
    .option('--json', 'print the summary as JSON')
    .action((o: ListOpsOptions) => {
      if (o.verify) {
        const reports = verify(o);
        const problems = reports.reduce((a, r) => a + r.issues.length + r.moreIssues, 0);
        if (o.json) printJson({ ok: problems === 0, problems, files: reports });
        else {
          for (const r of reports) {
            console.log(`${r.file}: ${r.rows} rows, length ${r.length.min}..${r.length.max} (mean ${round(r.length.mean)}), labels ${r.labels.join(' ')}`);
            for (const i of r.issues) console.log(`  ${r.file}:${i.line}: ${i.kind}: ${i.message}`);
            if (r.moreIssues) console.log(`  ... and ${r.moreIssues} more problems`);
          }
          console.log(problems === 0 ? 'all labels, lengths and rows check out' : `${problems} problem(s) found`);
        }
        if (problems > 0) throw new Error(`ListOps verification failed: ${problems} problem(s) in ${o.out}`);
        return;
      }
      let config: ListOpsConfig;
      try {
        config = listOpsConfig({
          train: o.train, val: o.val, test: o.test, seed: o.seed,
          minLength: o.minLength, maxLength: o.maxLength, maxDepth: o.maxDepth, maxArgs: o.maxArgs,
        });
      } catch (e) {
        throw new UsageError((e as Error).message.replace(/^ListOps: /, ''));
      }
      const r = generate(o, config);
      if (o.json) return printJson(r);
      console.log(`ListOps (seed ${config.seed}, ${config.minLength} < L < ${config.maxLength}, depth <= ${config.maxDepth}, ` +
        `args <= ${config.maxArgs}) in ${r.out}, ${r.seconds} s`);
      for (const split of SPLITS) {
        const s = r.splits[split]!;
        const lengths = s.count ? `, length ${s.length.min}..${s.length.max} (mean ${s.length.mean}), labels 0-9: ${s.labels.join(' ')}` : '';
        console.log(`  ${path.basename(s.file).padEnd(16)} ${String(s.count).padStart(6)} trees${lengths}`);
      }
      console.log(`  sampled ${r.sampled} trees, rejected ${(100 * r.rejection_rate).toFixed(1)}% ` +
        `(too short ${r.rejected.too_short}, too long ${r.rejected.too_long}, duplicates ${r.rejected.duplicates})`);
    });
}
