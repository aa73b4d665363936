// A checkpoint loaded for inference, as the server's worker (worker.ts) and `mimo predict` use it:
// logits of `count` inputs at operating point n from float32 inputs ([count, C, H, W] normalised
// images, or [count, L] padded token ids), whatever the model. Sequence models run in passes cut by
// length (sequence_runner.ts); a DataMUX MNIST model crops its images' centre as in training.
import { loadDataMUX, loadDataMUXVision, loadMIMOConv, loadMIMOFormer } from '../models/checkpoint.js';
import { centreCrop } from '../models/datamux_vision.js';
import type { GridPoint } from '../models/mimoformer.js';
import { noGrad, tensor, tidy } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import { fillerToken } from './decode_sequence.js';
import { SequenceRunner, dataMUXSequences, mimoformerSequences } from './sequence_runner.js';
import type { SequenceModel } from './sequence_runner.js';
import { divisorsOf } from './policy.js';

export interface WorkerInit {
  checkpoint: string;
  /** The checkpoint's model (default 'mimoconv'). */
  kind?: 'mimoconv' | 'mimoformer' | 'datamux' | 'datamux-vision';
  /** One input's shape: [C, H, W] (mimoconv; datamux-vision: [1, 28, 28]) or [L] (mimoformer, datamux: L token ids, padded). */
  inputShape: readonly number[];
  /** mimoformer: the grid of each operating point n (key: n = m·n). */
  grids?: Readonly<Record<number, GridPoint>>;
  /** datamux, datamux-vision: the operating points n served. */
  points?: readonly number[];
  /** Sequence models: measure each n's pass overhead so that batches run in passes cut by length (default true). */
  lengthGrouping?: boolean;
  /** libtorch intra-op and BLAS threads (the process's pools; the worker sets them when serving). */
  threads?: number;
}

/** A loaded model as the loop sees it: logits of `count` inputs at operating point n, and its facts. */
export interface Served {
  forward(n: number, count: number, data: Float32Array): Float32Array;
  ns: number[];
  classes: number;
  /** A valid input value (a pixel, or a token id that is not padding), for warm-up batches. */
  filler: number;
  /** Start-up measurements at n, after its first (warm-up) pass. */
  warmUp?(n: number): void;
  dispose(): void;
}

function loadMIMOConvServed(init: WorkerInit): Served {
  const { model } = loadMIMOConv(init.checkpoint);
  model.eval();
  const [C, H, W] = init.inputShape;
  const { cap, classes } = model.config;
  return {
    forward: (n, count, data) => noGrad(() => tidy(() => Float32Array.from(model.forward(tensor(data, { shape: [count, C, H, W] }), n).data() as Float32Array))),
    ns: divisorsOf(cap),
    classes,
    filler: 0,
    dispose: () => model.dispose(),
  };
}

/** A sequence model (MIMOFormer, DataMUX) on padded token ids, run in passes cut by length. */
function sequenceServed(init: WorkerInit, model: Module, seq: SequenceModel, padId: number | null): Served {
  model.eval();
  const runner = new SequenceRunner(seq, init.inputShape[0]);
  const filler = fillerToken(padId);
  return {
    forward: (n, count, data) => runner.forward(n, count, data),
    warmUp: (n) => (init.lengthGrouping === false ? undefined : runner.calibrate(n, filler)),
    ns: [...seq.ns],
    classes: seq.classes,
    filler,
    dispose: () => model.dispose(),
  };
}

function loadMIMOFormerServed(init: WorkerInit): Served {
  const { model } = loadMIMOFormer(init.checkpoint);
  const grids = init.grids ?? { [model.config.m * model.config.n]: { m: model.config.m, n: model.config.n } };
  return sequenceServed(init, model, mimoformerSequences(model, grids), model.config.padId);
}

function loadDataMUXServed(init: WorkerInit): Served {
  const { model } = loadDataMUX(init.checkpoint);
  return sequenceServed(init, model, dataMUXSequences(model, init.points ?? [model.config.instances]), model.config.padId);
}

/** MNIST images [count, 1, 28, 28] (pixels / 255), cropped to the centre 20×20 the model was trained on. */
function loadDataMUXVisionServed(init: WorkerInit): Served {
  const { model } = loadDataMUXVision(init.checkpoint);
  model.eval();
  const [C, H, W] = init.inputShape;
  return {
    forward: (n, count, data) => noGrad(() => tidy(() => Float32Array.from(model.forward(centreCrop(tensor(data, { shape: [count, C, H, W] })), n).data() as Float32Array))),
    ns: [...(init.points ?? [model.config.instances])].sort((a, b) => a - b),
    classes: model.config.classes,
    filler: 0,
    dispose: () => model.dispose(),
  };
}

const LOADERS = { mimoconv: loadMIMOConvServed, mimoformer: loadMIMOFormerServed, datamux: loadDataMUXServed, 'datamux-vision': loadDataMUXVisionServed };

/** Loads the checkpoint as `init` describes it. */
export function loadServed(init: WorkerInit): Served {
  return LOADERS[init.kind ?? 'mimoconv'](init);
}
