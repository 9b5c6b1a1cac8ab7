/**
 * An ensemble of MLPs (Lakshminarayanan et al. 2017, as used for NAS by White et al., BANANAS, AAAI 2021): each
 * member starts from its own random weights and sees the data in its own order; the mean of the members is the
 * prediction and their standard deviation the uncertainty.
 */
import { Rng } from "../rng.js";
import { checkMlpTrainOptions, Mlp, type MlpTrainOptions } from "./mlp.js";
import type { Prediction, Predictor, PredictorFactory } from "./types.js";

export interface MlpEnsembleOptions extends MlpTrainOptions {
  /** Number of networks (default 5). */
  members?: number;
  /** Hidden layer sizes (default [32, 32]). */
  hidden?: number[];
  /**
   * A refit continues from the previous fit's weights for `warmEpochs` passes instead of starting again from
   * random weights for `epochs` passes (default true). Search strategies refit after every few queries on data
   * that grew by a few rows, so most of what the networks learnt still holds.
   */
  warmStart?: boolean;
  /** Passes over the data in a warm refit (default 5). */
  warmEpochs?: number;
  /**
   * At most this many row visits (rows x passes) per member and fit (default 4000 = 40 passes over 100 rows). Past
   * it the passes shrink, down to one; past one pass, a fit trains on the rows added since the last fit plus a
   * random sample of the older ones. This keeps the cost of a refit constant, and a search's total cost linear in
   * its queries.
   */
  maxRowVisits?: number;
}

/** A factory of MLP-ensemble predictors; targets are standardised internally so any scale of accuracy works. */
export function mlpEnsemble(opts: MlpEnsembleOptions = {}): PredictorFactory {
  const members = opts.members ?? 5;
  const hidden = opts.hidden ?? [32, 32];
  if (!(Number.isInteger(members) && members >= 1)) throw new RangeError(`mlpEnsemble: members must be an integer >= 1, got ${members}`);
  const train = checkMlpTrainOptions("mlpEnsemble", opts);
  const schedule: RefitSchedule = { warmStart: opts.warmStart ?? true, warmEpochs: opts.warmEpochs ?? 5, maxRowVisits: opts.maxRowVisits ?? 4000 };
  if (!(Number.isInteger(schedule.warmEpochs) && schedule.warmEpochs >= 1)) throw new RangeError(`mlpEnsemble: warmEpochs must be an integer >= 1, got ${schedule.warmEpochs}`);
  if (!(Number.isInteger(schedule.maxRowVisits) && schedule.maxRowVisits >= 1)) throw new RangeError(`mlpEnsemble: maxRowVisits must be an integer >= 1, got ${schedule.maxRowVisits}`);
  return (inputs: number) => new MlpEnsemble(inputs, members, hidden, train, schedule);
}

/** How refits are bounded: see MlpEnsembleOptions. */
export interface RefitSchedule {
  warmStart: boolean;
  warmEpochs: number;
  maxRowVisits: number;
}

/**
 * Which rows a fit trains on and for how many passes, within `maxRowVisits`: all rows for as many passes as fit
 * (at least one), or, when even one pass is too many, the newest rows plus a random sample of the others.
 */
export function planRefit(n: number, fresh: number, passes: number, maxRowVisits: number, rng: Rng): { rows: number[] | undefined; epochs: number } {
  const epochs = Math.max(1, Math.min(passes, Math.floor(maxRowVisits / n)));
  if (n <= maxRowVisits) return { rows: undefined, epochs };
  const newest = Math.min(fresh, maxRowVisits);
  const rows = Array.from({ length: newest }, (_, i) => n - newest + i);
  const older = Array.from({ length: n - newest }, (_, i) => i);
  rows.push(...rng.sample(older, maxRowVisits - newest));
  return { rows, epochs: 1 };
}

export class MlpEnsemble implements Predictor {
  readonly name: string;
  trainSize = 0;
  private nets: Mlp[] = [];
  private yMean = 0;
  private yStd = 1;

  constructor(
    readonly inputs: number,
    readonly members: number,
    readonly hidden: readonly number[],
    private readonly train: MlpTrainOptions,
    private readonly schedule: RefitSchedule = { warmStart: false, warmEpochs: 1, maxRowVisits: Infinity },
  ) {
    this.name = `mlp-ensemble(${members}x[${hidden.join(",")}])`;
  }

  fit(x: readonly Float32Array[], y: ArrayLike<number>, rng: Rng): void {
    if (x.length !== y.length) throw new RangeError(`${this.name}.fit: ${x.length} rows but ${y.length} targets`);
    if (x.length === 0) throw new RangeError(`${this.name}.fit: no training rows; evaluate some architectures first`);
    let m = 0;
    for (let i = 0; i < y.length; i++) m += y[i]!;
    m /= y.length;
    let v = 0;
    for (let i = 0; i < y.length; i++) v += (y[i]! - m) ** 2;
    this.yMean = m;
    this.yStd = Math.sqrt(v / y.length) || 1;
    const z = Float64Array.from({ length: y.length }, (_, i) => (y[i]! - this.yMean) / this.yStd);
    // Rows are assumed to be appended between fits (a search's history), so rows past the last fit's count are new.
    const warm = this.schedule.warmStart && this.nets.length === this.members && x.length >= this.trainSize;
    const fresh = warm ? x.length - this.trainSize : x.length;
    if (!warm) this.nets = [];
    for (let k = 0; k < this.members; k++) {
      const r = new Rng(rng.nextUint32());
      if (!warm) this.nets.push(new Mlp(this.inputs, this.hidden, r));
      const plan = planRefit(x.length, fresh, warm ? this.schedule.warmEpochs : this.train.epochs ?? 100, this.schedule.maxRowVisits, r);
      const xs = plan.rows ? plan.rows.map((i) => x[i]!) : x;
      const zs = plan.rows ? plan.rows.map((i) => z[i]!) : z;
      this.nets[k]!.fit(xs, zs, r, { ...this.train, epochs: plan.epochs });
    }
    this.trainSize = x.length;
  }

  predict(x: readonly Float32Array[]): Prediction {
    if (this.nets.length === 0) throw new Error(`${this.name}: predict before fit; call fit() on evaluated architectures first`);
    const mean = new Float64Array(x.length);
    const std = new Float64Array(x.length);
    const outs = new Float64Array(this.members);
    x.forEach((row, i) => {
      let s = 0;
      for (let k = 0; k < this.members; k++) s += outs[k] = this.nets[k]!.predictOne(row);
      const mu = s / this.members;
      let v = 0;
      for (let k = 0; k < this.members; k++) v += (outs[k]! - mu) ** 2;
      mean[i] = this.yMean + this.yStd * mu;
      std[i] = this.yStd * Math.sqrt(v / this.members);
    });
    return { mean, std };
  }
}
