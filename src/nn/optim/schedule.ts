// Learning-rate schedules that set the lr (and momentum) of an optimizer's param groups each step.
import type { BaseOptions, Optimizer, ResolvedGroup } from './optimizer.js';

/** A scheduler's state (plain JSON): the number of step() calls so far, and each group's base lr. */
export interface SchedulerStateDict {
  step: number;
  baseLrs?: number[];
}

/**
 * Base of the schedulers: step 0 is applied at construction; each step() advances one step and
 * writes the new values into the optimizer's param groups. Call it after optimizer.step().
 */
export abstract class LRScheduler {
  /** Steps taken so far (0 right after construction). */
  protected stepCount = 0;
  /** Each group's lr when the scheduler was created. */
  baseLrs: number[];

  constructor(protected readonly optimizer: Optimizer<BaseOptions>) {
    this.baseLrs = optimizer.paramGroups.map((g) => g.lr);
  }

  /** The values for the current step: writes lr (and momentum) into each group. */
  protected abstract apply(): void;

  /** Advances one step and updates the optimizer's groups. */
  step(): void {
    this.stepCount += 1;
    try {
      this.apply();
    } catch (e) {
      this.stepCount -= 1;
      throw e;
    }
  }

  /** The number of step() calls so far. */
  get lastStep(): number {
    return this.stepCount;
  }

  /** The current lr of the first param group. */
  get lr(): number {
    return this.optimizer.paramGroups[0].lr;
  }

  /** The current lr of every param group. */
  get lrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** { step, baseLrs }: plain JSON. */
  stateDict(): SchedulerStateDict {
    return { step: this.stepCount, baseLrs: [...this.baseLrs] };
  }

  /** Restores the step count (and base lrs, when saved) and re-applies that step's values to the optimizer. */
  loadStateDict(sd: SchedulerStateDict): void {
    const name = this.constructor.name;
    if (!sd || !Number.isInteger(sd.step) || sd.step < 0) throw new Error(`${name}.loadStateDict: step must be a non-negative integer, got ${sd?.step}`);
    if (sd.baseLrs !== undefined && (!Array.isArray(sd.baseLrs) || sd.baseLrs.length !== this.baseLrs.length)) {
      throw new Error(`${name}.loadStateDict: expected ${this.baseLrs.length} base lr(s), got ${JSON.stringify(sd.baseLrs)}`);
    }
    const saved = { step: this.stepCount, baseLrs: this.baseLrs };
    this.stepCount = sd.step;
    if (sd.baseLrs) this.baseLrs = [...sd.baseLrs];
    try {
      this.apply();
    } catch (e) {
      this.stepCount = saved.step;
      this.baseLrs = saved.baseLrs;
      throw e;
    }
  }
}

/** Options of OneCycleLR (PyTorch's names and defaults). */
export interface OneCycleOptions {
  /** Peak lr: one number, or one per param group. */
  maxLr: number | number[];
  totalSteps: number;
  /** Fraction of the steps spent increasing the lr; default 0.3. */
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  /** Cycle SGD's momentum or AdamW's beta1 inversely to the lr; default true. */
  cycleMomentum?: boolean;
  baseMomentum?: number;
  maxMomentum?: number;
  /** initial lr = maxLr / divFactor; default 25. */
  divFactor?: number;
  /** min lr = initial lr / finalDivFactor; default 1e4. */
  finalDivFactor?: number;
  /** Three phases (up, down to the initial lr, annihilation) instead of two; default false. */
  threePhase?: boolean;
}

type LrKey = 'initialLr' | 'maxLr' | 'minLr';
type MomKey = 'maxMomentum' | 'baseMomentum';
interface Phase {
  endStep: number;
  startLr: LrKey;
  endLr: LrKey;
  startMomentum: MomKey;
  endMomentum: MomKey;
}

/** Cosine interpolation from start (pct = 0) to end (pct = 1). */
export function annealCos(start: number, end: number, pct: number): number {
  return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
}
/** Linear interpolation from start (pct = 0) to end (pct = 1). */
export function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}

/**
 * The 1cycle policy, as torch.optim.lr_scheduler.OneCycleLR: from maxLr/divFactor up to maxLr over
 * the first pctStart of totalSteps (peak at step pctStart·totalSteps − 1), then down to
 * maxLr/(divFactor·finalDivFactor) at step totalSteps − 1; momentum (SGD's momentum or AdamW's
 * beta1) moves the opposite way between maxMomentum and baseMomentum. Overrides the groups' lr.
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  private readonly phases: Phase[];
  private readonly anneal: (start: number, end: number, pct: number) => number;
  private readonly cycleMomentum: boolean;
  private readonly useBeta1: boolean;
  private readonly groupValues: Record<LrKey | MomKey, number>[];

  constructor(optimizer: Optimizer<BaseOptions>, o: OneCycleOptions) {
    super(optimizer);
    const total = o.totalSteps;
    if (!Number.isInteger(total) || total <= 0) throw new RangeError(`OneCycleLR: totalSteps must be a positive integer, got ${total}`);
    const pct = o.pctStart ?? 0.3;
    if (!(pct >= 0 && pct <= 1)) throw new RangeError(`OneCycleLR: pctStart must be in [0, 1], got ${pct}`);
    const strategy = o.annealStrategy ?? 'cos';
    if (strategy !== 'cos' && strategy !== 'linear') throw new RangeError(`OneCycleLR: annealStrategy must be 'cos' or 'linear', got '${strategy}'`);
    this.totalSteps = total;
    this.anneal = strategy === 'cos' ? annealCos : annealLinear;
    this.phases = o.threePhase
      ? [
          { endStep: pct * total - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: 2 * pct * total - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
          { endStep: total - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
        ]
      : [
          { endStep: pct * total - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: total - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        ];
    const groups = optimizer.paramGroups;
    const maxLrs = Array.isArray(o.maxLr) ? o.maxLr : groups.map(() => o.maxLr as number);
    if (maxLrs.length !== groups.length) throw new RangeError(`OneCycleLR: got ${maxLrs.length} maxLr values for ${groups.length} param groups`);
    const div = o.divFactor ?? 25;
    const finalDiv = o.finalDivFactor ?? 1e4;
    const baseMomentum = o.baseMomentum ?? 0.85;
    const maxMomentum = o.maxMomentum ?? 0.95;
    this.cycleMomentum = o.cycleMomentum ?? true;
    const g0 = groups[0] as unknown as Record<string, unknown>;
    this.useBeta1 = Array.isArray(g0.betas);
    if (this.cycleMomentum && !this.useBeta1 && typeof g0.momentum !== 'number') {
      throw new Error('OneCycleLR: optimizer must support momentum or betas with cycleMomentum enabled');
    }
    this.groupValues = maxLrs.map((maxLr) => {
      const initialLr = maxLr / div;
      return { initialLr, maxLr, minLr: initialLr / finalDiv, maxMomentum, baseMomentum };
    });
    this.apply();
  }

  /** PyTorch's get_lr() for the current step (also sets momentum). */
  protected override apply(): void {
    const stepNum = this.stepCount;
    if (stepNum > this.totalSteps) {
      throw new RangeError(`OneCycleLR: tried to step ${stepNum} times; the specified number of total steps is ${this.totalSteps}`);
    }
    for (const [gi, group] of this.optimizer.paramGroups.entries()) {
      const v = this.groupValues[gi];
      let startStep = 0;
      for (const [i, phase] of this.phases.entries()) {
        const endStep = phase.endStep;
        if (stepNum <= endStep || i === this.phases.length - 1) {
          // A phase of no length (e.g. pctStart · totalSteps = 1) is at its end value; PyTorch divides by zero here.
          const span = endStep - startStep;
          const pct = span > 0 ? (stepNum - startStep) / span : 1;
          group.lr = this.anneal(v[phase.startLr], v[phase.endLr], pct);
          if (this.cycleMomentum) setMomentum(group, this.anneal(v[phase.startMomentum], v[phase.endMomentum], pct), this.useBeta1);
          break;
        }
        startStep = phase.endStep;
      }
    }
  }
}

function setMomentum(group: ResolvedGroup<BaseOptions>, m: number, useBeta1: boolean): void {
  const g = group as unknown as Record<string, unknown>;
  if (useBeta1) {
    const betas = g.betas as number[];
    g.betas = [m, ...betas.slice(1)];
  } else g.momentum = m;
}

/**
 * Linear warm-up from 0 to each group's base lr over warmupSteps, then linear decay to 0 at
 * totalSteps (HuggingFace's get_linear_schedule_with_warmup): lr = base · s/warmup for s < warmup,
 * else base · max(0, (total − s)/(total − warmup)).
 */
export class LinearWarmupDecay extends LRScheduler {
  constructor(
    optimizer: Optimizer<BaseOptions>,
    readonly warmupSteps: number,
    readonly totalSteps: number,
  ) {
    super(optimizer);
    if (!Number.isInteger(warmupSteps) || warmupSteps < 0) throw new RangeError(`LinearWarmupDecay: warmupSteps must be a non-negative integer, got ${warmupSteps}`);
    if (!Number.isInteger(totalSteps) || totalSteps < warmupSteps) {
      throw new RangeError(`LinearWarmupDecay: totalSteps must be an integer >= warmupSteps (${warmupSteps}), got ${totalSteps}`);
    }
    this.apply();
  }

  /** The multiplier of the base lr at step s. */
  factor(s: number): number {
    if (s < this.warmupSteps) return s / Math.max(1, this.warmupSteps);
    return Math.max(0, (this.totalSteps - s) / Math.max(1, this.totalSteps - this.warmupSteps));
  }

  protected override apply(): void {
    const f = this.factor(this.stepCount);
    for (const [gi, group] of this.optimizer.paramGroups.entries()) group.lr = this.baseLrs[gi] * f;
  }
}
