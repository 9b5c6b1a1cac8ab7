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
}

/** A factory of MLP-ensemble predictors; targets are standardised internally so any scale of accuracy works. */
export function mlpEnsemble(opts: MlpEnsembleOptions = {}): PredictorFactory {
  const members = opts.members ?? 5;
  const hidden = opts.hidden ?? [32, 32];
  if (!(Number.isInteger(members) && members >= 1)) throw new RangeError(`mlpEnsemble: members must be an integer >= 1, got ${members}`);
  const train = checkMlpTrainOptions("mlpEnsemble", opts);
  return (inputs: number) => new MlpEnsemble(inputs, members, hidden, train);
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
    this.nets = [];
    for (let k = 0; k < this.members; k++) {
      const r = new Rng(rng.nextUint32());
      const net = new Mlp(this.inputs, this.hidden, r);
      net.fit(x, z, r, this.train);
      this.nets.push(net);
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
