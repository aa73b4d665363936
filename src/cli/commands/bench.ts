// `mimo bench engine`: the engine benchmark (numbers as JSON or a table).
import { Command } from 'commander';
import { defaultEngineBench, runEngineBench } from '../../bench/engine.js';
import { DEVICE_HELP, UsageError, choice, nonNegativeInt, positiveInt, positiveIntList, positiveNumber, printJson } from '../output.js';
import { defaultDataBench, runDataBench } from '../../bench/data.js';
import { defaultMIMOConvBench, runMIMOConvBench } from '../../bench/mimoconv.js';
import { defaultDataMUXBench, runDataMUXBench } from '../../bench/datamux.js';
import type { DataMUXBenchPreset } from '../../bench/datamux.js';
import { DEMUX_KINDS, MAX_INSTANCES, MUX_KINDS } from '../../models/datamux.js';
import type { MuxKind } from '../../models/datamux.js';
import type { DemuxKind } from '../../models/datamux_demux.js';
import type { Binding } from '../../models/mimoconv.js';
import { POLICY_NAMES, SEQUENCE_LENGTHS, defaultServeBench, runServeBench } from '../../bench/serve.js';
import { FAVOR_KERNELS } from '../../models/favor.js';
import type { FavorKernel } from '../../models/favor.js';
import { MIMOFORMER_BENCH_TASKS, defaultMIMOFormerBench, parseMIMOFormerPoints, runMIMOFormerBench } from '../../bench/mimoformer.js';
import type { MIMOFormerBenchPointSpec, MIMOFormerBenchTask } from '../../bench/mimoformer.js';
import type { PolicyName, SequenceLengths } from '../../bench/serve.js';
import { checkpointOrDefault } from './serve.js';
import type { Activation, WideResNetDepth } from '../../models/wideresnet.js';

function engineCommand(): Command {
  return new Command('engine')
    .description('measure the engine: matmul GFLOP/s, a CNN training step from TypeScript vs C++, a Transformer layer step, tensor leaks')
    .option('--json', 'print one JSON object')
    .option('--steps <n>', 'CNN steps timed per engine', positiveInt('--steps'), defaultEngineBench.cnnSteps)
    .option('--leak-steps <n>', 'training steps over which the live-tensor count must not grow', positiveInt('--leak-steps'), defaultEngineBench.leakSteps)
    .option('--transformer-steps <n>', 'Transformer steps timed', positiveInt('--transformer-steps'), defaultEngineBench.transformerSteps)
    .option('--channels-last', 'run the CNN in channels-last memory format')
    .action((o: { json?: boolean; steps: number; leakSteps: number; transformerSteps: number; channelsLast?: boolean }) => {
      const r = runEngineBench({
        ...defaultEngineBench,
        cnnSteps: o.steps,
        leakSteps: o.leakSteps,
        transformerSteps: o.transformerSteps,
        channelsLast: !!o.channelsLast,
        onProgress: (s) => process.stderr.write(`  ${s}\n`),
      });
      if (o.json) return printJson(r);
      const rows: [string, string][] = [
        ['matmul 1024^3 fp32', `${r.matmul_gflops} GFLOP/s`],
        ['CNN step, TypeScript op by op', `${r.cnn_step_ms} ms (${r.cnn_gflops} GFLOP/s, ${r.cnn_gflops_vs_matmul} x matmul)`],
        ['CNN step, wholly in C++', `${r.cnn_step_native_ms} ms`],
        ['overhead ratio', `${r.overhead_ratio}`],
        ['Transformer layer step', `${r.transformer_step_ms} ms`],
        [`live-tensor growth over ${r.leak_steps} steps`, `${r.live_tensor_growth}`],
      ];
      for (const [k, v] of rows) console.log(`${k.padEnd(36)} ${v}`);
      console.log(`(threads ${JSON.stringify(r.config.threads)}, allocator ${r.config.allocator}, BLAS ${r.config.blas})`);
    });
}

function dataCommand(): Command {
  return new Command('data')
    .description('measure the image input pipeline per training batch (select, reflect-pad crop + flip, normalise, mixup)')
    .option('--json', 'print one JSON object')
    .option('--batch <n>', 'superposed groups per batch', positiveInt('--batch'), defaultDataBench.batch)
    .option('--cap <n>', 'images per group (a batch holds batch x cap images)', positiveInt('--cap'), defaultDataBench.cap)
    .option('--runs <n>', 'timed batches', positiveInt('--runs'), defaultDataBench.runs)
    .action((o: { json?: boolean; batch: number; cap: number; runs: number }) => {
      const r = runDataBench({ batch: o.batch, cap: o.cap, runs: o.runs });
      if (o.json) return printJson(r);
      for (const [k, v] of Object.entries(r)) console.log(`${k.padEnd(28)} ${typeof v === 'object' ? JSON.stringify(v) : v}`);
    });
}

interface MIMOConvFlags {
  json?: boolean; depth: WideResNetDepth; width: number; initialWidth: number; cap: number; binding: Binding; activation: Activation;
  groups: number; imageSize: number; inChannels: number; runs: number; train: boolean; channelsLast?: boolean; device: string;
}

function mimoconvCommand(): Command {
  const d = defaultMIMOConvBench;
  return new Command('mimoconv')
    .description('MIMOConv throughput at every n | cap (inference and SGD training step) against the plain WideResNet of the same trunk')
    .option('--json', 'print one JSON object')
    .option('--depth <n>', 'WideResNet depth (10, 16, 28)', choice<WideResNetDepth>('--depth', [10, 16, 28]), d.depth)
    .option('--width <k>', 'widening factor k (stage widths 16k, 32k, 64k)', positiveInt('--width'), d.width)
    .option('--initial-width <n>', 'stem width C = 16 x n', positiveInt('--initial-width'), d.initialWidth)
    .option('--cap <n>', 'superposition capacity; every divisor n is measured', positiveInt('--cap'), d.cap)
    .option('--binding <b>', 'hrr, mbat or none', choice<Binding>('--binding', ['hrr', 'mbat', 'none']), d.binding)
    .option('--activation <a>', 'prelu or relu', choice<Activation>('--activation', ['prelu', 'relu']), d.activation)
    .option('--groups <n>', 'superposed groups per batch (a batch at n holds groups x n images)', positiveInt('--groups'), d.groups)
    .option('--image-size <px>', 'input height and width (32: CIFAR-10, 28: MNIST)', positiveInt('--image-size'), d.imageSize)
    .option('--in-channels <c>', 'input channels (3: CIFAR-10, 1: MNIST)', positiveInt('--in-channels'), d.inChannels)
    .option('--runs <n>', 'timed rounds (medians reported)', positiveInt('--runs'), d.runs)
    .option('--no-train', 'skip the training-step measurement')
    .option('--channels-last', 'feed the inputs in channels-last memory format')
    .option('--device <d>', `where the models run: ${DEVICE_HELP}`, 'cpu')
    .action((o: MIMOConvFlags) => {
      const r = runMIMOConvBench({
        depth: o.depth, width: o.width, initialWidth: o.initialWidth, cap: o.cap, binding: o.binding, activation: o.activation,
        groups: o.groups, imageSize: o.imageSize, inChannels: o.inChannels, runs: o.runs, train: o.train, channelsLast: !!o.channelsLast, device: o.device,
        onProgress: (s) => process.stderr.write(`  ${s}\n`),
      });
      if (o.json) return printJson(r);
      console.log(`${r.config.model}, cap ${o.cap}, ${o.binding}, ${o.groups} groups per batch, ${o.inChannels}×${o.imageSize}×${o.imageSize} inputs, on ${o.device}`);
      console.log(`baseline WideResNet: ${r.baseline_images_per_s} img/s inference, ${r.baseline_train_images_per_s ?? '-'} img/s training`);
      console.log('n  infer img/s  train img/s  speedup  ideal  vs baseline  MAC/image');
      for (const p of r.points) {
        console.log(
          [String(p.n).padEnd(2), String(p.infer_images_per_s).padStart(11), String(p.train_images_per_s ?? '-').padStart(12),
            String(p.speedup).padStart(8), String(p.ideal_speedup).padStart(6), String(p.speedup_vs_baseline).padStart(12),
            String(p.macs_per_image).padStart(11)].join(' '),
        );
      }
    });
}

/** A comma-separated list of positive numbers. */
function positiveNumberList(flag: string) {
  return (v: string): number[] => {
    const xs = v.split(',').map((s) => Number(s.trim()));
    if (xs.length === 0 || xs.some((x) => !(x > 0) || !Number.isFinite(x))) throw new UsageError(`${flag} must be positive numbers separated by commas, got '${v}'`);
    return xs;
  };
}

interface ServeBenchFlags {
  json?: boolean; data?: string; rates: number[]; policies: PolicyName[]; duration: number; maxRequests: number; targetP99Ms: number;
  capacityDuration: number; concurrency: number; maxQueue: number; maxGroups: number; deadlineMs: number; threads?: number; seed: number;
  lengths: SequenceLengths; lengthGrouping: boolean; inputsPerRequest: number;
}

function serveCommand(): Command {
  const d = defaultServeBench;
  return new Command('serve')
    .description('serving benchmark: `mimo serve` on loopback under open-loop Poisson load (one input per request) at multiples of its n = 1 capacity, ' +
      'for fixed n = 1, fixed n = cap and auto: achieved rate, p50/p99 latency, statuses, lost requests, share of outputs by n')
    .argument('[checkpoint]', 'MIMOConv, MIMOFormer or DataMUX checkpoint (default: runs/serve-default/model.safetensors, a MIMOConv trained on MNIST first if missing)')
    .option('--json', 'print one JSON object')
    .option('--data <dir>', 'data directory for training the default model, and of the SST-2 sentences of --lengths task')
    .option('--rates <list>', 'offered rates as multiples of the measured n = 1 capacity', positiveNumberList('--rates'), d.rates)
    .option('--policies <list>', `which of ${POLICY_NAMES.join(', ')}`, (v: string) => v.split(',').map((p) => choice<PolicyName>('--policies', POLICY_NAMES)(p.trim())), d.policies)
    .option('--duration <s>', 'seconds of arrivals per run', positiveNumber('--duration'), d.seconds)
    .option('--max-requests <k>', 'most requests per run', positiveInt('--max-requests'), d.maxRequests)
    .option('--target-p99-ms <ms>', "auto's p99 latency target", positiveNumber('--target-p99-ms'), d.targetP99Ms)
    .option('--capacity-duration <s>', 'seconds of the closed-loop n = 1 capacity run', positiveNumber('--capacity-duration'), d.capacitySeconds)
    .option('--concurrency <c>', 'clients of the capacity run', positiveInt('--concurrency'), d.concurrency)
    .option('--max-queue <k>', "server's queue bound (inputs)", positiveInt('--max-queue'), d.maxQueue)
    .option('--max-groups <g>', "server's superpositions per batch", positiveInt('--max-groups'), d.maxGroups)
    .option('--deadline-ms <ms>', "server's queueing deadline", positiveInt('--deadline-ms'), d.deadlineMs)
    .option('--threads <t>', "libtorch threads of the server's inference worker (default: the server's: one fewer than the cores)", positiveInt('--threads'))
    .option('--lengths <l>', "sequence inputs: full (MIMOFormer: random token ids of the model's full length; DataMUX: random words as many as it takes) or task (ListOps trees of LRA's lengths, scaled to the model's; DataMUX: SST-2 dev sentences)",
      choice<SequenceLengths>('--lengths', SEQUENCE_LENGTHS), d.lengths)
    .option('--no-length-grouping', "sequence models: the server superposes requests first come, first served, one pass per batch (as `mimo serve --no-length-grouping`)")
    .option('--inputs-per-request <k>', 'inputs in each request (a JSON list, or k raw images); rates stay in requests, achieved_inputs_per_s counts inputs', positiveInt('--inputs-per-request'), d.inputsPerRequest)
    .option('--seed <s>', 'seed of the arrivals and the input (image, token sequence or ListOps trees)', nonNegativeInt('--seed'), d.seed)
    .action(async (file: string | undefined, o: ServeBenchFlags) => {
      const checkpoint = await checkpointOrDefault(file, o.data);
      const r = await runServeBench({
        checkpoint, rates: o.rates, policies: o.policies, seconds: o.duration, maxRequests: o.maxRequests, targetP99Ms: o.targetP99Ms,
        capacitySeconds: o.capacityDuration, concurrency: o.concurrency, maxQueue: o.maxQueue, maxGroups: o.maxGroups, deadlineMs: o.deadlineMs, threads: o.threads, seed: o.seed,
        lengths: o.lengths, data: o.data, lengthGrouping: o.lengthGrouping, inputsPerRequest: o.inputsPerRequest, onProgress: (s) => process.stderr.write(`  ${s}\n`),
      }).catch((e: unknown) => {
        throw e instanceof RangeError ? new UsageError(e.message) : e; // options that do not fit the checkpoint
      });
      if (o.json) return printJson(r);
      console.log(`${checkpoint}: n = 1 capacity ${r.n1_capacity_rps} requests/s; auto's p99 target ${r.target_p99_ms} ms`);
      if (r.config.model === 'mimoformer' || r.config.model === 'datamux') {
        console.log(`inputs: ${String(r.config.lengths)} lengths (mean ${String(r.config.mean_tokens)} tokens); length grouping ${r.config.length_grouping ? 'on' : 'off'}`);
      }
      if (o.inputsPerRequest > 1) console.log(`${o.inputsPerRequest} inputs per request (rates in requests/s; inputs/s = ${o.inputsPerRequest} × requests/s)`);
      const header = ['policy', 'offered/s', 'achieved/s', 'inputs/s', 'p50 ms', 'p99 ms', 'lost', 'status', 'share by n'];
      const rows = r.runs.map((x) => [
        x.policy, String(x.offered_rps), String(x.achieved_rps), String(x.achieved_inputs_per_s), String(x.p50_ms ?? '-'), String(x.p99_ms ?? '-'), String(x.lost),
        Object.entries(x.status).map(([s, k]) => `${s}:${k}`).join(' '), Object.entries(x.n_share).map(([n, f]) => `${n}:${f}`).join(' '),
      ]);
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
      console.log(header.map((h, i) => h.padEnd(widths[i])).join('  '));
      for (const row of rows) console.log(row.map((v, i) => v.padEnd(widths[i])).join('  '));
    });
}

interface DataMUXFlags {
  json?: boolean; preset: DataMUXBenchPreset; n: number[]; length: number; mux: MuxKind; demux: DemuxKind; groups?: number; runs?: number; device: string;
}

function datamuxCommand(): Command {
  const d = defaultDataMUXBench;
  return new Command('datamux')
    .description('DataMUX inference throughput at n = 1, 2, 5, 10, 20, 40 (one model per N, same backbone) with ideal speedups from MAC counts')
    .option('--json', 'print one JSON object')
    .option('--preset <p>', 'default (2 layers, d = 128, the CPU training default) or paper (12 layers, d = 768)', choice<DataMUXBenchPreset>('--preset', ['default', 'paper']), d.preset)
    .option('--n <list>', `instances per mix to measure, comma-separated (1..${MAX_INSTANCES}; the first is the reference of the speedups)`, positiveIntList('--n'), d.ns)
    .option('--length <L>', 'sequence length (tokens per sentence, without the index prefix)', positiveInt('--length'), d.length)
    .option('--mux <m>', 'gaussian, orthogonal or binary', choice<MuxKind>('--mux', MUX_KINDS), d.mux)
    .option('--demux <d>', 'index, mlp or rsa', choice<DemuxKind>('--demux', DEMUX_KINDS), d.demux)
    .option('--groups <g>', 'mixes per forward pass (a pass at n holds groups x n sentences; default 16, paper preset 8)', positiveInt('--groups'))
    .option('--runs <n>', 'timed rounds, medians reported (default 10, paper preset 3)', positiveInt('--runs'))
    .option('--device <d>', `where the models run: ${DEVICE_HELP}`, 'cpu')
    .action((o: DataMUXFlags) => {
      const bad = o.n.filter((n) => n > MAX_INSTANCES);
      if (bad.length) throw new UsageError(`--n ${bad.join(',')}: N must be at most ${MAX_INSTANCES}`);
      const r = runDataMUXBench({
        preset: o.preset, ns: o.n, length: o.length, mux: o.mux, demux: o.demux, groups: o.groups, runs: o.runs, device: o.device,
        onProgress: (s) => process.stderr.write(`  ${s}\n`),
      });
      if (o.json) return printJson(r);
      console.log(`${String(r.config.model)}, ${o.mux} mux, ${o.demux} demux, sequence length ${o.length}, ${String(r.config.groups_per_batch)} mixes per pass, on ${o.device}`);
      console.log('n   sentences/s  speedup   ideal  MMAC/sentence');
      for (const p of r.points) {
        console.log([String(p.n).padEnd(3), String(p.infer_instances_per_s).padStart(11), String(p.speedup).padStart(8), String(p.ideal_speedup).padStart(7),
          (p.macs_per_instance / 1e6).toFixed(1).padStart(14)].join(' '));
      }
    });
}

interface MIMOFormerFlags {
  json?: boolean; task: MIMOFormerBenchTask; points?: MIMOFormerBenchPointSpec[]; sequences: number; runs: number; warmup: number; centerValues?: boolean; kernel: FavorKernel; device: string;
}

function mimoformerPoints(v: string): MIMOFormerBenchPointSpec[] {
  try {
    return parseMIMOFormerPoints(v);
  } catch (e) {
    throw new UsageError(`--points: ${(e as Error).message.replace(/^points: /, '')}`);
  }
}

function mimoformerCommand(): Command {
  const d = defaultMIMOFormerBench;
  return new Command('mimoformer')
    .description('MIMOFormer inference throughput (whole model and attention core alone) of att / att-mlp grids against the Performer of the same size, with ideal speedups from MAC counts')
    .option('--json', 'print one JSON object')
    .option('--task <t>', `shape of the model: ${MIMOFORMER_BENCH_TASKS.join(', ')} (CPU-sized LRA configs)`, choice<MIMOFormerBenchTask>('--task', MIMOFORMER_BENCH_TASKS), d.task)
    .option('--points <list>', 'points besides the Performer, VARIANT:MxN comma-separated (default att:2x2,att:4x4,att-mlp:2x2,att-mlp:4x4; softmax also allowed)', mimoformerPoints)
    .option('--sequences <k>', 'sequences per forward pass (a multiple of every m·n)', positiveInt('--sequences'), d.sequences)
    .option('--runs <n>', 'timed rounds, interleaved; medians reported (and the fastest rounds, as best_speedup)', positiveInt('--runs'), d.runs)
    .option('--warmup <n>', 'untimed rounds first', nonNegativeInt('--warmup'), d.warmup)
    .option('--center-values', 'att points centre their values (as train mimoformer --center-values); the core then includes the centering')
    .option('--kernel <k>', `FAVOR+ kernel of the Performer and the att / att-mlp points: ${FAVOR_KERNELS.join(', ')} (as train mimoformer --kernel)`, choice<FavorKernel>('--kernel', FAVOR_KERNELS), d.kernel)
    .option('--device <d>', `where the models run: ${DEVICE_HELP}`, 'cpu')
    .action((o: MIMOFormerFlags) => {
      const r = runMIMOFormerBench({
        task: o.task, points: o.points ?? d.points, sequences: o.sequences, runs: o.runs, warmup: o.warmup, centerValues: o.centerValues ?? false, kernel: o.kernel, device: o.device,
        onProgress: (s) => process.stderr.write(`  ${s}\n`),
      });
      if (o.json) return printJson(r);
      console.log(`${String(r.config.model)}: L ${String(r.config.seq_length)}, d ${String(r.config.dim)}, ${String(r.config.heads)} heads of ${String(r.config.head_dim)}, R ${String(r.config.features)}; ${o.sequences} sequences per pass on ${o.device}${o.kernel === 'softmax' ? '; softmax kernel' : ''}${o.centerValues ? '; att with value centering' : ''}`);
      console.log('point          seq/s  speedup  ideal  core speedup  ideal core  best speedup  best core');
      for (const p of r.points) {
        const name = p.variant === 'att' || p.variant === 'att-mlp' ? `${p.variant} ${p.m}x${p.n}` : p.variant;
        console.log([name.padEnd(12), String(p.infer_sequences_per_s).padStart(7), String(p.speedup).padStart(8), String(p.ideal_speedup).padStart(6),
          String(p.core_speedup).padStart(13), String(p.ideal_core_speedup).padStart(11), String(p.best_speedup).padStart(13), String(p.best_core_speedup).padStart(10)].join(' '));
      }
    });
}

export function benchCommand(): Command {
  return new Command('bench')
    .description('benchmarks that print numbers and JSON')
    .addCommand(engineCommand())
    .addCommand(dataCommand())
    .addCommand(mimoconvCommand())
    .addCommand(datamuxCommand())
    .addCommand(mimoformerCommand())
    .addCommand(serveCommand());
}
