/**
 * The training loop every training-based estimator uses: seeded minibatch order, Adam or SGD with momentum,
 * a learning-rate schedule, early stopping on validation accuracy with patience and min-delta (the best
 * epoch's weights are restored, as Keras' `restoreBestWeights` does), per-epoch curves, and an AbortSignal
 * checked after every step. Everything it allocates is disposed before it returns or throws.
 */
import * as tf from "@tensorflow/tfjs";
import { batches } from "../data/batches.js";
import { sizeOf, type ImageDataset } from "../data/types.js";
import { NasbookError, throwIfAborted } from "../errors.js";
import { Rng } from "../rng.js";

export type LrSchedule =
  | { kind: "constant" }
  /** Cosine annealing from the base rate to 0 over the run (Loshchilov & Hutter 2017, without restarts). */
  | { kind: "cosine" }
  /** Multiplies the rate by `gamma` every `every` epochs. */
  | { kind: "step"; every: number; gamma: number };

export interface EarlyStopping {
  /** Epochs without an improvement of at least `minDelta` (in accuracy percent points) before stopping. */
  patience: number;
  minDelta?: number;
}

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  optimizer: "adam" | "sgd";
  /** Base learning rate (default 1e-3 for Adam, 0.05 for SGD). */
  learningRate?: number;
  /** Momentum for SGD (default 0.9). */
  momentum?: number;
  schedule?: LrSchedule;
  earlyStopping?: EarlyStopping;
  /** Stop after this many seconds of training (checked after each step). */
  maxSeconds?: number;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  valLoss: number;
  valAcc: number;
  learningRate: number;
  /** Seconds since training started, at the end of this epoch. */
  seconds: number;
}

export interface FitResult {
  curves: EpochRecord[];
  /** 1-based epoch whose weights the model holds at the end (the best validation accuracy). */
  bestEpoch: number;
  bestValAcc: number;
  stoppedEarly: boolean;
  seconds: number;
}

/** The loss was NaN or infinite: the trial diverged (learning rate too high, or a numerically unstable model). */
export class NonFiniteLossError extends NasbookError {
  constructor(epoch: number, step: number, loss: number) {
    super(`training diverged: loss is ${loss} at epoch ${epoch}, step ${step}; lower the learning rate or check the model`);
  }
}

/** Learning rate at fractional epoch `t` (0-based, in [0, epochs)). */
export function learningRateAt(base: number, schedule: LrSchedule, t: number, epochs: number): number {
  switch (schedule.kind) {
    case "constant":
      return base;
    case "cosine":
      return 0.5 * base * (1 + Math.cos((Math.PI * t) / epochs));
    case "step":
      return base * schedule.gamma ** Math.floor(t / schedule.every);
  }
}

/** Mean softmax cross-entropy and accuracy (percent) of `model` on `ds`, in inference mode. */
export async function evaluateModel(model: tf.LayersModel, ds: ImageDataset, batchSize = 256, signal?: AbortSignal): Promise<{ loss: number; acc: number }> {
  let lossSum = 0;
  let correct = 0;
  for (const b of batches(ds, batchSize)) {
    try {
      throwIfAborted(signal);
      const [l, c] = tf.tidy(() => {
        const logits = model.apply(b.x, { training: false }) as tf.Tensor2D;
        const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(b.y, logits.shape[1]), logits, undefined, undefined, tf.Reduction.SUM);
        const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), b.y), "float32"));
        return [loss, hits];
      });
      const [lv, cv] = [(await l.data())[0]!, (await c.data())[0]!];
      tf.dispose([l, c]);
      lossSum += lv;
      correct += cv;
    } finally {
      tf.dispose([b.x, b.y]);
    }
  }
  const n = sizeOf(ds);
  return { loss: lossSum / n, acc: (100 * correct) / n };
}

function makeOptimizer(cfg: TrainConfig, lr: number): tf.Optimizer {
  return cfg.optimizer === "adam" ? tf.train.adam(lr) : tf.train.momentum(lr, cfg.momentum ?? 0.9);
}

function setLearningRate(opt: tf.Optimizer, lr: number): void {
  // SGD and momentum keep -lr in a cached scalar that only their setter refreshes; Adam reads the field each step.
  // (tfjs optimizers answer `instanceof` for any optimizer class, so test for the setter itself.)
  const sgd = opt as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof sgd.setLearningRate === "function") sgd.setLearningRate(lr);
  else sgd.learningRate = lr;
}

function disposeOptimizer(opt: tf.Optimizer): void {
  opt.dispose();
  // tfjs 4.22's MomentumOptimizer.dispose forgets SGD's cached -lr scalar; free it (a no-op if already freed).
  tf.dispose((opt as unknown as { c?: tf.Tensor }).c);
}

/** Lets timers and abort events run between steps (the backends compute synchronously). */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface FitOptions {
  seed: number;
  signal?: AbortSignal;
  onEpoch?: (record: EpochRecord) => void;
}

/** Trains `model` on `train`, monitoring `val`; see the module comment. */
export async function fitModel(model: tf.LayersModel, train: ImageDataset, val: ImageDataset, cfg: TrainConfig, opts: FitOptions): Promise<FitResult> {
  if (!Number.isInteger(cfg.epochs) || cfg.epochs < 1) throw new RangeError(`epochs must be a positive integer, got ${cfg.epochs}`);
  const base = cfg.learningRate ?? (cfg.optimizer === "adam" ? 1e-3 : 0.05);
  if (!(base > 0)) throw new RangeError(`learning rate must be positive, got ${base}`);
  const schedule = cfg.schedule ?? { kind: "constant" };
  const rng = new Rng(`train-order/${opts.seed}`);
  const optimizer = makeOptimizer(cfg, base);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const stepsPerEpoch = Math.ceil(sizeOf(train) / cfg.batchSize);
  const numClasses = model.outputs[0]!.shape[1] as number;
  const curves: EpochRecord[] = [];
  const t0 = performance.now();
  let best: tf.Tensor[] | undefined;
  let bestEpoch = 0;
  let bestValAcc = -Infinity;
  let sinceBest = 0;
  let stoppedEarly = false;
  try {
    for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
      let lossSum = 0;
      let correct = 0;
      let step = 0;
      let lr = base;
      for (const b of batches(train, cfg.batchSize, rng)) {
        try {
          lr = learningRateAt(base, schedule, epoch - 1 + step / stepsPerEpoch, cfg.epochs);
          setLearningRate(optimizer, lr);
          let hits: tf.Scalar | undefined;
          const loss = optimizer.minimize(
            () => {
              const logits = model.apply(b.x, { training: true }) as tf.Tensor2D;
              hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), b.y), "float32"))) as tf.Scalar;
              return tf.losses.softmaxCrossEntropy(tf.oneHot(b.y, numClasses), logits);
            },
            true,
            vars,
          )!;
          const lv = (await loss.data())[0]!;
          const hv = (await hits!.data())[0]!;
          tf.dispose([loss, hits!]);
          step++;
          if (!Number.isFinite(lv)) throw new NonFiniteLossError(epoch, step, lv);
          lossSum += lv * b.size;
          correct += hv;
        } finally {
          tf.dispose([b.x, b.y]);
        }
        await yieldToEventLoop();
        throwIfAborted(opts.signal);
        if (cfg.maxSeconds !== undefined && (performance.now() - t0) / 1000 > cfg.maxSeconds) break;
      }
      const v = await evaluateModel(model, val, 256, opts.signal);
      const record: EpochRecord = {
        epoch,
        trainLoss: lossSum / sizeOf(train),
        trainAcc: (100 * correct) / sizeOf(train),
        valLoss: v.loss,
        valAcc: v.acc,
        learningRate: lr,
        seconds: (performance.now() - t0) / 1000,
      };
      curves.push(record);
      opts.onEpoch?.(record);
      // As Keras' EarlyStopping: only an improvement larger than minDelta counts (and becomes the new best).
      if (bestEpoch === 0 || v.acc - bestValAcc > (cfg.earlyStopping?.minDelta ?? 0)) {
        bestValAcc = v.acc;
        bestEpoch = epoch;
        sinceBest = 0;
        tf.dispose(best);
        best = model.getWeights().map((w) => w.clone());
      } else {
        sinceBest++;
      }
      if (cfg.earlyStopping && sinceBest >= cfg.earlyStopping.patience && epoch < cfg.epochs) {
        stoppedEarly = true;
        break;
      }
      if (cfg.maxSeconds !== undefined && (performance.now() - t0) / 1000 > cfg.maxSeconds) break;
    }
    if (best && bestEpoch !== curves.length) model.setWeights(best);
    return { curves, bestEpoch, bestValAcc, stoppedEarly, seconds: (performance.now() - t0) / 1000 };
  } finally {
    tf.dispose(best);
    disposeOptimizer(optimizer);
  }
}
