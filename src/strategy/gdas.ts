/**
 * GDAS (Dong & Yang, "Searching for a Robust Neural Architecture in Four GPU Hours", CVPR 2019): instead of DARTS'
 * full softmax mixture, every forward pass samples one op per edge with the Gumbel-max trick,
 * k = argmax_j (log softmax(alpha)_j + g_j), g_j ~ Gumbel(0, 1), and uses the hard one-hot h = onehot(k) as the
 * edge weights. The gradient to alpha is straight-through: dL/dalpha = J^T dL/dh, J the Jacobian of the relaxed
 * probabilities softmax((log softmax(alpha) + g) / tau), so the Gumbel-softmax temperature tau only shapes the
 * gradient (the sample's distribution is softmax(alpha) at any tau). tau is annealed linearly from 10 to 0.1 over
 * the search. Each iteration takes one weight step on a training batch and one alpha step on a validation batch,
 * each with its own sample (reference `search_func_gdas` of NAS-Bench-201's code: SGD 0.025 momentum 0.9 cosine,
 * wd 5e-4, clip 5 on weights; Adam 3e-4, betas 0.5/0.999, wd 1e-3 on alphas). The architecture is the argmax of
 * alpha per edge. NB201 C10 published: 93.61 +- 0.09 (Dong & Yang, ICLR 2020, Table 5).
 */
import * as tf from "@tensorflow/tfjs";
import type { DataSplits } from "../data/types.js";
import { supernetPolicy, alphaValues, softmaxRow, type Supernet, type SupernetMode } from "../model/supernet.js";
import type { WeightSharingResult, WeightSharingRunOptions, WeightSharingSearch } from "../model/supernetSearch.js";
import { crossEntropy } from "../model/supernetOps.js";
import { BatchStream, WeightTrainer, type WeightTrainerOptions } from "../model/supernetTraining.js";
import { Rng } from "../rng.js";
import { runAlphaSearch } from "./alphaSearchLoop.js";
import type { StrategySnapshot } from "./types.js";

export interface GdasSearchOptions<A> {
  supernet: Supernet<A>;
  /** Weights train on `train`, alphas on `val`. */
  data: DataSplits;
  /** Iterations (one weight step plus one alpha step each). */
  steps: number;
  batchSize?: number;
  /** Shared-weight optimiser (GDAS on NB201: SGD 0.025 momentum 0.9, cosine to 0.001, wd 5e-4, clip 5). */
  weights?: Omit<WeightTrainerOptions, "totalSteps">;
  /** Adam on alphas (lr 3e-4, betas 0.5/0.999, weight decay 1e-3). */
  alphaLearningRate?: number;
  alphaWeightDecay?: number;
  /** Gumbel-softmax temperature, annealed linearly from tauMax (10) to tauMin (0.1). */
  tauMax?: number;
  tauMin?: number;
  /** Record alphas every this many iterations (default steps / 20). */
  recordEvery?: number;
  /** Format of derived architectures in snapshots (default: the supernet's own, `supernet.format`). */
  format?: (a: A) => string;
  seed: number;
}

/** Standard Gumbel noise -log(-log u), one value per [rows, cols] entry, from a seeded stream. */
export function gumbelNoise(rng: Rng, rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, () =>
    Array.from({ length: cols }, () => {
      // u in (0, 1): float() is in [0, 1), and u = 0 would give an infinite sample (the reference code resamples).
      let u = rng.float();
      while (u <= 0) u = rng.float();
      return -Math.log(-Math.log(u));
    }),
  );
}

/**
 * GDAS' hard Gumbel-softmax sample of one alpha matrix [edges, ops] for given noise: `index` = argmax per row of
 * log softmax(alpha) + g, `weights` = onehot(index) in value with the straight-through gradient of
 * softmax((log softmax(alpha) + g) / tau). Call inside a gradient tape to reach alpha.
 */
export function gumbelHard(alpha: tf.Tensor2D, tau: number, gumbel: readonly (readonly number[])[]): { weights: tf.Tensor2D; index: number[] } {
  if (!(tau > 0)) throw new RangeError(`gdas: the temperature must be > 0, got ${tau}`);
  const [rows, cols] = alpha.shape;
  if (gumbel.length !== rows || gumbel.some((r) => r.length !== cols)) throw new RangeError(`gdas: gumbel noise must be [${rows}, ${cols}]`);
  const logits = tf.div(tf.add(tf.logSoftmax(alpha), tf.tensor2d(gumbel.map((r) => [...r]))), tau) as tf.Tensor2D;
  const values = logits.arraySync();
  const index = values.map((row) => row.indexOf(Math.max(...row)));
  const oneHot = tf.oneHot(index, cols).toFloat() as tf.Tensor2D;
  // Value: the one-hot sample; gradient: that of the relaxed probabilities (straight-through).
  const straightThrough = tf.customGrad((..._inputs: (tf.Tensor | tf.GradSaveFunc)[]) => ({ value: tf.clone(oneHot) as tf.Tensor, gradFunc: (dy: tf.Tensor) => [dy] }));
  const weights = straightThrough(tf.softmax(logits)) as tf.Tensor2D;
  return { weights, index };
}

/** The linearly annealed temperature at iteration `step` of `steps` (tauMax at the first, tauMin at the last). */
export function gdasTemperature(step: number, steps: number, tauMax = 10, tauMin = 0.1): number {
  return steps <= 1 ? tauMax : tauMax - ((tauMax - tauMin) * Math.min(step, steps - 1)) / (steps - 1);
}

/** Per-step numbers kept alongside the alpha history. */
interface GdasRecord {
  step: number;
  tau: number;
  trainLoss: number;
  valLoss: number;
  weights: number[][][];
  derived: string;
}

/** A GDAS search over `supernet`; see the module comment. */
export function gdasSearch<A>(opts: GdasSearchOptions<A>): WeightSharingSearch<A> {
  const net = opts.supernet;
  const format = opts.format ?? ((a: A) => net.format(a));
  if (!Number.isInteger(opts.steps) || opts.steps < 1) throw new RangeError(`gdas: steps must be a positive integer, got ${opts.steps}`);
  const tauMax = opts.tauMax ?? 10;
  const tauMin = opts.tauMin ?? 0.1;
  if (!(tauMax >= tauMin && tauMin > 0)) throw new RangeError(`gdas: needs tauMax >= tauMin > 0, got ${tauMax}, ${tauMin}`);
  const batchSize = opts.batchSize ?? 64;
  const recordEvery = opts.recordEvery ?? Math.max(1, Math.floor(opts.steps / 20));
  const trainer = new WeightTrainer(net, { weightDecay: 5e-4, ...opts.weights, totalSteps: opts.steps });
  const alphaOpt = tf.train.adam(opts.alphaLearningRate ?? 3e-4, 0.5, 0.999);
  const alphaWd = opts.alphaWeightDecay ?? 1e-3;
  const trainStream = new BatchStream(opts.data.train, batchSize, `${opts.seed}/gdas-train`);
  const valStream = new BatchStream(opts.data.val, batchSize, `${opts.seed}/gdas-val`);
  const noise = new Rng(`gdas-gumbel/${opts.seed}`);
  const records: GdasRecord[] = [];
  const snapshots: StrategySnapshot[] = [];
  let step = 0;
  let lastTrain = NaN;
  let lastVal = NaN;

  const tau = () => gdasTemperature(step, opts.steps, tauMax, tauMin);
  /** A fresh hard sample per forward pass (built inside the tape so alpha gets the straight-through gradient). */
  const sampled = (): SupernetMode<A> => {
    const samples = net.alphas.map((a) => gumbelHard(a as tf.Tensor2D, tau(), gumbelNoise(noise, a.shape[0]!, a.shape[1]!)));
    return { kind: "hard", weights: samples.map((s) => s.weights), index: samples.map((s) => s.index) };
  };

  function alphaStep(): void {
    const b = valStream.next();
    try {
      const alphas = [...net.alphas];
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => crossEntropy(net.logits(b.x, sampled()), b.y), alphas);
        lastVal = value.dataSync()[0]!;
        alphaOpt.applyGradients(alphas.map((a) => ({ name: a.name, tensor: alphaWd > 0 ? tf.add(grads[a.name]!, tf.mul(a, alphaWd)) : grads[a.name]! })));
      });
    } finally {
      tf.dispose([b.x, b.y]);
    }
  }

  function weightStep(): void {
    const b = trainStream.next();
    try {
      lastTrain = trainer.train(b, sampled);
    } finally {
      tf.dispose([b.x, b.y]);
    }
  }

  const snapshot = (): StrategySnapshot => {
    const values = alphaValues(net);
    return {
      strategy: "gdas",
      step,
      tau: tau(),
      policy: supernetPolicy(net, values),
      derived: format(net.derive(values)),
      trainLoss: lastTrain,
      valLoss: lastVal,
      alphaHistory: records.map((r) => ({ step: r.step, tau: r.tau, weights: r.weights, derived: r.derived, trainLoss: r.trainLoss, valLoss: r.valLoss })),
    };
  };

  const record = (): StrategySnapshot => {
    const values = alphaValues(net);
    records.push({ step, tau: tau(), trainLoss: lastTrain, valLoss: lastVal, weights: values.map((m) => m.map(softmaxRow)), derived: format(net.derive(values)) });
    const s = snapshot();
    snapshots.push(s);
    return s;
  };

  return {
    name: "gdas",
    snapshot,
    run(runOpts: WeightSharingRunOptions = {}): Promise<WeightSharingResult<A>> {
      const iterate = (): number => {
        weightStep();
        alphaStep();
        step++;
        return lastTrain;
      };
      return runAlphaSearch(net, opts.data.val, { name: "gdas", steps: opts.steps, recordEvery, step: () => step, record, iterate }, runOpts, snapshots);
    },
    dispose() {
      trainer.dispose();
      alphaOpt.dispose();
    },
  };
}
