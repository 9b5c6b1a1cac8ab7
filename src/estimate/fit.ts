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
import { yieldToEventLoop } from "../eventLoop.js";

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


export interface FitOptions {
  seed: number;
  signal?: AbortSignal;
  onEpoch?: (record: EpochRecord) => void;
}

/**
 * A training run that can stop after any epoch and continue later from the same weights, optimizer state,
 * minibatch order and early-stopping state, with the learning-rate schedule laid over `cfg.epochs` (the
 * maximum budget). Training to epoch e, then on to E, therefore gives the same weights as training to E in one
 * go: what successive halving and Hyperband need to extend a promoted candidate's run (Li et al., JMLR 2018).
 * Holds the model's training weights (never swapped for the best epoch's, except inside `withBestWeights`).
 */
export interface Trainer {
  /** Trains until `epochs` epochs in total (at most cfg.epochs), or until early stopping or `maxSeconds`. */
  trainTo(epochs: number, opts?: { signal?: AbortSignal; maxSeconds?: number }): Promise<FitResult>;
  /** Runs `fn` with the best epoch's weights in the model, then puts the training weights back. */
  withBestWeights<T>(fn: () => Promise<T>): Promise<T>;
  /** Leaves the best epoch's weights in the model for good (the run cannot continue afterwards). */
  restoreBestWeights(): void;
  /** Frees the optimizer state and the best-epoch snapshot (not the model). */
  dispose(): void;
}

/** Starts a resumable training run of `model`; see `Trainer`. */
export function createTrainer(model: tf.LayersModel, train: ImageDataset, val: ImageDataset, cfg: TrainConfig, opts: Omit<FitOptions, "signal">): Trainer {
  if (!Number.isInteger(cfg.epochs) || cfg.epochs < 1) throw new RangeError(`epochs must be a positive integer, got ${cfg.epochs}`);
  const base = cfg.learningRate ?? (cfg.optimizer === "adam" ? 1e-3 : 0.05);
  if (!(base > 0)) throw new RangeError(`learning rate must be positive, got ${base}`);
  const schedule = cfg.schedule ?? { kind: "constant" };
  const rng = new Rng(`train-order/${opts.seed}`);
  let optimizer: tf.Optimizer | undefined = makeOptimizer(cfg, base);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const stepsPerEpoch = Math.ceil(sizeOf(train) / cfg.batchSize);
  const numClasses = model.outputs[0]!.shape[1] as number;
  const curves: EpochRecord[] = [];
  let seconds = 0;
  let best: tf.Tensor[] | undefined;
  let bestEpoch = 0;
  let bestValAcc = -Infinity;
  let sinceBest = 0;
  let stoppedEarly = false;
  let finished = false;
  const progress = (): FitResult => ({ curves: curves.slice(), bestEpoch, bestValAcc, stoppedEarly, seconds });

  async function trainEpoch(epoch: number, signal: AbortSignal | undefined, outOfTime: () => boolean): Promise<void> {
    let lossSum = 0;
    let correct = 0;
    let step = 0;
    let lr = base;
    for (const b of batches(train, cfg.batchSize, rng)) {
      try {
        lr = learningRateAt(base, schedule, epoch - 1 + step / stepsPerEpoch, cfg.epochs);
        setLearningRate(optimizer!, lr);
        let hits: tf.Scalar | undefined;
        const loss = optimizer!.minimize(
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
      throwIfAborted(signal);
      if (outOfTime()) break;
    }
    const v = await evaluateModel(model, val, 256, signal);
    const record: EpochRecord = {
      epoch,
      trainLoss: lossSum / sizeOf(train),
      trainAcc: (100 * correct) / sizeOf(train),
      valLoss: v.loss,
      valAcc: v.acc,
      learningRate: lr,
      seconds: 0,
    };
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
    if (cfg.earlyStopping && sinceBest >= cfg.earlyStopping.patience && epoch < cfg.epochs) stoppedEarly = true;
    curves.push(record);
  }

  return {
    async trainTo(epochs, o = {}) {
      if (finished) throw new Error("this training run has ended (its best weights were restored); start a new one");
      if (!Number.isInteger(epochs) || epochs < 1 || epochs > cfg.epochs) throw new RangeError(`trainTo needs an integer epoch in 1..${cfg.epochs} (the schedule's length), got ${epochs}`);
      const t0 = performance.now();
      const outOfTime = () => o.maxSeconds !== undefined && (performance.now() - t0) / 1000 > o.maxSeconds;
      try {
        while (curves.length < epochs && !stoppedEarly) {
          await trainEpoch(curves.length + 1, o.signal, outOfTime);
          const record = curves[curves.length - 1]!;
          record.seconds = seconds + (performance.now() - t0) / 1000;
          opts.onEpoch?.(record);
          if (outOfTime()) break;
        }
      } finally {
        seconds += (performance.now() - t0) / 1000;
      }
      return progress();
    },
    async withBestWeights(fn) {
      if (!best || bestEpoch === curves.length) return fn();
      const current = model.getWeights().map((w) => w.clone());
      model.setWeights(best);
      try {
        return await fn();
      } finally {
        model.setWeights(current);
        tf.dispose(current);
      }
    },
    restoreBestWeights() {
      if (best && bestEpoch !== curves.length) model.setWeights(best);
      finished = true;
    },
    dispose() {
      tf.dispose(best);
      best = undefined;
      if (optimizer) disposeOptimizer(optimizer);
      optimizer = undefined;
      finished = true;
    },
  };
}

/** Trains `model` on `train`, monitoring `val`, and leaves the best epoch's weights in it; see the module comment. */
export async function fitModel(model: tf.LayersModel, train: ImageDataset, val: ImageDataset, cfg: TrainConfig, opts: FitOptions): Promise<FitResult> {
  const trainer = createTrainer(model, train, val, cfg, { seed: opts.seed, onEpoch: opts.onEpoch });
  try {
    const r = await trainer.trainTo(cfg.epochs, { signal: opts.signal, maxSeconds: cfg.maxSeconds });
    trainer.restoreBestWeights();
    return r;
  } finally {
    trainer.dispose();
  }
}
