// Batch normalisation layers with running statistics, like torch.nn.BatchNorm1d/2d.
import { F, Tensor, noGrad, ones, tidy, zeros } from '../../tensor/index.js';
import type { DType } from '../../tensor/index.js';
import { Module } from '../module.js';

/** Options of the batch-norm layers. */
export interface BatchNormOptions {
  eps?: number;
  /** Weight of the newest batch in the running statistics; null for a cumulative average. Default 0.1. */
  momentum?: number | null;
  /** Learnable per-channel scale (weight) and shift (bias); default true. */
  affine?: boolean;
  /** Keep running_mean / running_var / num_batches_tracked buffers; default true. */
  trackRunningStats?: boolean;
  /**
   * Names of separate sets of running statistics (the affine weight and bias stay shared), e.g. one
   * per operating point of a network whose inputs change distribution with a setting. Set s keeps
   * the buffers running_mean_s, running_var_s, num_batches_tracked_s; `statistics` picks the set
   * that training updates and evaluation uses (initially the first). Default: one unnamed set with
   * PyTorch's buffer names.
   */
  statisticsSets?: readonly string[];
  dtype?: DType;
  device?: string;
}

function statName(buffer: string, set: string): string {
  return set === '' ? buffer : `${buffer}_${set}`;
}

/** Shared implementation of BatchNorm1d and BatchNorm2d. */
export abstract class BatchNormBase extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  /** The names of the running-statistics sets ([''] for the single unnamed set). */
  readonly statisticsSets: readonly string[];
  private active = '';
  protected abstract readonly allowedDims: readonly number[];

  constructor(numFeatures: number, o: BatchNormOptions = {}) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new RangeError(`${new.target.name}: numFeatures must be a positive integer, got ${numFeatures}`);
    this.numFeatures = numFeatures;
    this.eps = o.eps ?? 1e-5;
    this.momentum = o.momentum === undefined ? 0.1 : o.momentum;
    this.affine = o.affine ?? true;
    this.trackRunningStats = o.trackRunningStats ?? true;
    const dtype = o.dtype;
    if (this.affine) {
      this.registerParameter('weight', ones([numFeatures], { dtype }));
      this.registerParameter('bias', zeros([numFeatures], { dtype }));
    }
    const sets = o.statisticsSets ?? [''];
    if (sets.length === 0 || new Set(sets).size !== sets.length || sets.some((n) => typeof n !== 'string' || !/^[A-Za-z0-9_]*$/.test(n) || (n === '' && sets.length > 1))) {
      throw new RangeError(`${new.target.name}: statisticsSets must be distinct non-empty names of letters, digits and _, got ${JSON.stringify(sets)}`);
    }
    if (o.statisticsSets && !this.trackRunningStats) throw new RangeError(`${new.target.name}: statisticsSets needs trackRunningStats`);
    this.statisticsSets = Object.freeze([...sets]);
    this.active = sets[0];
    if (this.trackRunningStats) {
      for (const set of sets) {
        this.registerBuffer(statName('running_mean', set), zeros([numFeatures], { dtype }));
        this.registerBuffer(statName('running_var', set), ones([numFeatures], { dtype }));
        this.registerBuffer(statName('num_batches_tracked', set), zeros([], { dtype: 'int64' }));
      }
    }
    if (o.device) this.to(o.device);
  }

  get weight(): Tensor | undefined {
    return this.findParameter('weight');
  }
  get bias(): Tensor | undefined {
    return this.findParameter('bias');
  }
  /** The running-statistics set in use (see BatchNormOptions.statisticsSets). */
  get statistics(): string {
    return this.active;
  }
  set statistics(name: string) {
    if (!this.statisticsSets.includes(name)) {
      throw new RangeError(`${this.constructor.name}: no statistics set '${name}' (sets: ${this.statisticsSets.map((n) => `'${n}'`).join(', ')})`);
    }
    this.active = name;
  }

  /** The active set's running mean. */
  get runningMean(): Tensor | undefined {
    return this.findBuffer(statName('running_mean', this.active));
  }
  /** The active set's running variance. */
  get runningVar(): Tensor | undefined {
    return this.findBuffer(statName('running_var', this.active));
  }
  /** The active set's count of batches seen in training mode. */
  get numBatchesTracked(): Tensor | undefined {
    return this.findBuffer(statName('num_batches_tracked', this.active));
  }

  /** Resets the active set's running statistics (mean 0, variance 1, count 0). */
  resetRunningStats(): void {
    tidy(() =>
      noGrad(() => {
        this.runningMean?.zero_();
        this.runningVar?.fill_(1);
        this.numBatchesTracked?.zero_();
      }),
    );
  }

  /**
   * Normalises with batch statistics in training mode (updating the running ones in place) and with
   * the running statistics in eval mode (or batch statistics when none are tracked).
   */
  override forward(x: Tensor): Tensor {
    if (!this.allowedDims.includes(x.ndim)) {
      throw new RangeError(`${this.constructor.name}: expected ${this.allowedDims.join('-D or ')}-D input, got shape [${x.shape}]`);
    }
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats) {
      const count = this.numBatchesTracked!;
      noGrad(() => count.add_(1));
      if (this.momentum === null) factor = 1 / count.item();
    }
    const useBatchStats = this.training || !this.trackRunningStats;
    return F.batchNorm(x, this.runningMean, this.runningVar, {
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum: factor,
      eps: this.eps,
    });
  }
}

/** Batch norm over [N, C] or [N, C, L] inputs. */
export class BatchNorm1d extends BatchNormBase {
  protected readonly allowedDims = [2, 3];
}

/** Batch norm over [N, C, H, W] inputs; buffers running_mean, running_var, num_batches_tracked as in PyTorch. */
export class BatchNorm2d extends BatchNormBase {
  protected readonly allowedDims = [4];
}
