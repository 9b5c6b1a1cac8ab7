/**
 * DARTS (Liu, Simonyan & Yang, "DARTS: Differentiable Architecture Search", ICLR 2019): the continuous relaxation
 * of a cell space (every edge a softmax(alpha)-weighted mixture of its ops) trained by bilevel optimisation. Each
 * iteration draws one training and one validation batch, takes one alpha step (on the validation batch, and for
 * second order the training batch too), then one weight step on that same training batch (reference
 * `train_search.py`).
 *  - first order: grad_alpha L_val(w, alpha);
 *  - second order: grad_alpha L_val(w', alpha) - xi * H, with the virtual step following the weight optimiser,
 *    w' = w - xi (momentum * v + grad_w L_train(w, alpha) + wd * w) (reference `architect.py`), xi its current
 *    learning rate, and the
 *    Hessian-vector product H = grad^2_{alpha,w} L_train(w, alpha) grad_w' L_val(w', alpha) taken by central
 *    finite differences: (grad_alpha L_train(w+, alpha) - grad_alpha L_train(w-, alpha)) / 2eps, w+- = w +- eps
 *    grad_w' L_val, eps = 0.01 / ||grad_w' L_val|| (eq. 7-8 of the paper).
 * The architecture is derived by argmax per edge (NB201) or the top-2 incoming edges per node (DARTS cells).
 *
 * Remedy for the skip-connection collapse: DARTS- (Chu et al., "DARTS-: Robustly Stepping out of Performance
 * Collapse Without Indicators", ICLR 2021) adds an auxiliary skip connection beta * x to every edge, with beta
 * decaying linearly from beta0 to 0 over the search, so the skip op no longer has to win alpha to carry the
 * gradient that residual paths give it.
 */
import * as tf from "@tensorflow/tfjs";
import type { DataSplits } from "../data/types.js";
import { supernetPolicy, alphaValues, softmaxRow, type Supernet, type SupernetMode } from "../model/supernet.js";
import type { WeightSharingResult, WeightSharingRunOptions, WeightSharingSearch } from "../model/supernetSearch.js";
import { crossEntropy } from "../model/supernetOps.js";
import { BatchStream, WeightTrainer, type WeightTrainerOptions } from "../model/supernetTraining.js";
import { runAlphaSearch } from "./alphaSearchLoop.js";
import type { StrategySnapshot } from "./types.js";

export type DartsRemedy =
  | { kind: "none" }
  /** DARTS-: auxiliary skip beta * x on every stride-1 edge, beta decaying linearly from beta0 (default 1) to 0. */
  | { kind: "darts-minus"; beta0?: number };

export interface DartsSearchOptions<A> {
  supernet: Supernet<A>;
  /** Weights train on `train`, alphas on `val` (normalised the same way as any later stand-alone training). */
  data: DataSplits;
  /** 1 = first-order, 2 = second-order (unrolled) approximation. */
  order: 1 | 2;
  /** Bilevel iterations (one alpha step plus one weight step each). */
  steps: number;
  batchSize?: number;
  /** Shared-weight optimiser (DARTS: SGD 0.025 momentum 0.9, cosine to 0.001, wd 3e-4, clip 5). */
  weights?: Omit<WeightTrainerOptions, "totalSteps">;
  /** Adam on alphas (DARTS: lr 3e-4, betas 0.5/0.999, weight decay 1e-3). */
  alphaLearningRate?: number;
  alphaWeightDecay?: number;
  /** Weight steps before alpha starts to move (0 in DARTS). */
  warmupSteps?: number;
  remedy?: DartsRemedy;
  /** Record alphas every this many iterations (default steps / 20). */
  recordEvery?: number;
  /** Format of derived architectures in snapshots (default: the supernet's own, `supernet.format`). */
  format?: (a: A) => string;
  seed: number;
}

/** Per-step numbers kept alongside the alpha history. */
interface DartsRecord {
  step: number;
  trainLoss: number;
  valLoss: number;
  /** softmax(alpha) per cell, edge, op. */
  weights: number[][][];
  derived: string;
}

type LabelledBatch = { x: tf.Tensor4D; y: tf.Tensor1D };

/**
 * DARTS' second-order alpha gradient (eq. 7-8): grad_alpha L_val(w', alpha) - xi * (grad_alpha L_train(w+, alpha) -
 * grad_alpha L_train(w-, alpha)) / 2eps with w' = w - xi d(w, grad_w L_train(w, alpha)), w+- = w +- eps grad_w'
 * L_val(w', alpha) and eps = 0.01 / ||grad_w' L_val||. `direction` is the weight optimiser's step direction
 * (`WeightTrainer.stepDirection`: momentum and weight decay as the reference code); the default, the plain
 * gradient, is the paper's equation. The weights are restored before it returns. The caller owns `grads`.
 */
export function unrolledAlphaGradient<A>(
  net: Supernet<A>,
  loss: (b: LabelledBatch) => tf.Scalar,
  trainB: LabelledBatch,
  valB: LabelledBatch,
  xi: number,
  direction: (v: tf.Variable, grad: tf.Tensor) => tf.Tensor = (_v, g) => g,
): { grads: tf.Tensor[]; valLoss: number } {
  const alphas = [...net.alphas];
  const W = net.store.variables();
  const backup = W.map((v) => tf.keep(v.clone()));
  try {
    // Virtual step w' = w - xi d(w, grad_w L_train(w, alpha)).
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => loss(trainB), W);
      W.forEach((v) => v.assign(tf.sub(v, tf.mul(direction(v, grads[v.name]!), xi))));
    });
    // grad_alpha and grad_w' of L_val(w', alpha).
    const { dAlpha, dW, valLoss } = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => loss(valB), [...W, ...alphas]);
      return {
        valLoss: value.dataSync()[0]!,
        dAlpha: alphas.map((a) => tf.keep(grads[a.name]!)),
        dW: W.map((v) => tf.keep(grads[v.name]!)),
      };
    });
    const normT = tf.tidy(() => tf.sqrt(tf.addN(dW.map((g) => tf.sum(tf.square(g))))));
    const norm = normT.dataSync()[0]!;
    normT.dispose();
    const eps = 0.01 / Math.max(norm, 1e-12);
    const gradAlphaAt = (sign: 1 | -1): tf.Tensor[] => {
      tf.tidy(() => W.forEach((v, i) => v.assign(tf.add(backup[i]!, tf.mul(dW[i]!, sign * eps)))));
      return tf.tidy(() => {
        const { grads } = tf.variableGrads(() => loss(trainB), alphas);
        return alphas.map((a) => tf.keep(grads[a.name]!));
      });
    };
    const plus = gradAlphaAt(1);
    const minus = gradAlphaAt(-1);
    const grads = alphas.map((_, i) => tf.tidy(() => tf.sub(dAlpha[i]!, tf.mul(tf.div(tf.sub(plus[i]!, minus[i]!), 2 * eps), xi))));
    tf.dispose([...dAlpha, ...dW, ...plus, ...minus]);
    return { grads, valLoss };
  } finally {
    W.forEach((v, i) => v.assign(backup[i]!));
    tf.dispose(backup);
  }
}

/** A DARTS search over `supernet`; see the module comment. */
export function dartsSearch<A>(opts: DartsSearchOptions<A>): WeightSharingSearch<A> {
  const net = opts.supernet;
  const format = opts.format ?? ((a: A) => net.format(a));
  const name = opts.order === 2 ? "darts-v2" : "darts-v1";
  if (opts.order !== 1 && opts.order !== 2) throw new RangeError(`darts: order must be 1 (first-order) or 2 (second-order), got ${String(opts.order)}`);
  if (!Number.isInteger(opts.steps) || opts.steps < 1) throw new RangeError(`darts: steps must be a positive integer, got ${opts.steps}`);
  const remedy = opts.remedy ?? { kind: "none" };
  const batchSize = opts.batchSize ?? 64;
  const warmup = opts.warmupSteps ?? 0;
  const recordEvery = opts.recordEvery ?? Math.max(1, Math.floor(opts.steps / 20));
  const trainer = new WeightTrainer(net, { ...opts.weights, totalSteps: opts.steps });
  const alphaOpt = tf.train.adam(opts.alphaLearningRate ?? 3e-4, 0.5, 0.999);
  const alphaWd = opts.alphaWeightDecay ?? 1e-3;
  const trainStream = new BatchStream(opts.data.train, batchSize, `${opts.seed}/darts-train`);
  const valStream = new BatchStream(opts.data.val, batchSize, `${opts.seed}/darts-val`);
  const records: DartsRecord[] = [];
  const snapshots: StrategySnapshot[] = [];
  let step = 0;
  let lastTrain = NaN;
  let lastVal = NaN;

  const beta = (): number | undefined => (remedy.kind === "darts-minus" ? (remedy.beta0 ?? 1) * Math.max(0, 1 - step / opts.steps) : undefined);
  /** The relaxed network: softmax(alpha) mixture (built inside the tape so alpha gets gradients). */
  const mixture = (): SupernetMode<A> => ({ kind: "mixture", weights: net.alphas.map((a) => tf.softmax(a as tf.Tensor2D) as tf.Tensor2D), auxSkip: beta() });
  const loss = (b: LabelledBatch): tf.Scalar => crossEntropy(net.logits(b.x, mixture()), b.y);

  function alphaGradients(trainB: LabelledBatch, valB: LabelledBatch): { grads: tf.Tensor[]; valLoss: number } {
    if (opts.order === 1) {
      const alphas = [...net.alphas];
      return tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => loss(valB), alphas);
        const valLoss = value.dataSync()[0]!;
        return { grads: alphas.map((a) => tf.keep(grads[a.name]!)), valLoss };
      });
    }
    return unrolledAlphaGradient(net, loss, trainB, valB, trainer.learningRate(), (v, g) => trainer.stepDirection(v, g));
  }

  function alphaStep(trainB: LabelledBatch, valB: LabelledBatch): void {
    const { grads, valLoss } = alphaGradients(trainB, valB);
    lastVal = valLoss;
    tf.tidy(() => {
      alphaOpt.applyGradients(net.alphas.map((a, i) => ({ name: a.name, tensor: alphaWd > 0 ? tf.add(grads[i]!, tf.mul(a, alphaWd)) : grads[i]! })));
    });
    tf.dispose(grads);
  }

  /** One bilevel iteration: the alpha step and the weight step share the training batch. */
  function iteration(): void {
    const trainB = trainStream.next();
    try {
      if (step >= warmup) {
        const valB = valStream.next();
        try {
          alphaStep(trainB, valB);
        } finally {
          tf.dispose([valB.x, valB.y]);
        }
      }
      lastTrain = trainer.train(trainB, mixture);
    } finally {
      tf.dispose([trainB.x, trainB.y]);
    }
  }

  const snapshot = (): StrategySnapshot => {
    const values = alphaValues(net);
    return {
      strategy: name,
      step,
      policy: supernetPolicy(net, values),
      derived: format(net.derive(values)),
      trainLoss: lastTrain,
      valLoss: lastVal,
      auxSkipBeta: beta(),
      alphaHistory: records.map((r) => ({ step: r.step, weights: r.weights, derived: r.derived, trainLoss: r.trainLoss, valLoss: r.valLoss })),
    };
  };

  const record = (): StrategySnapshot => {
    const values = alphaValues(net);
    records.push({ step, trainLoss: lastTrain, valLoss: lastVal, weights: values.map((m) => m.map(softmaxRow)), derived: format(net.derive(values)) });
    const s = snapshot();
    snapshots.push(s);
    return s;
  };

  return {
    name,
    snapshot,
    run(runOpts: WeightSharingRunOptions = {}): Promise<WeightSharingResult<A>> {
      const iterate = (): number => {
        iteration();
        step++;
        return lastTrain;
      };
      return runAlphaSearch(net, opts.data.val, { name, steps: opts.steps, recordEvery, step: () => step, record, iterate }, runOpts, snapshots);
    },
    dispose() {
      trainer.dispose();
      alphaOpt.dispose();
    },
  };
}
