/**
 * The train evaluator: builds the network for an architecture, trains it with `createTrainer` (early stopping,
 * schedule, seeded init and order) and reports validation/test accuracy, params, FLOPs, seconds and the
 * per-epoch curves. A trial that fails (diverging loss, allocation failure, invalid architecture) becomes a
 * `failed` result carrying its error so the search goes on; an abort is thrown as `AbortError`.
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend/index.js";
import { normalizeSplits } from "../data/split.js";
import { syntheticSplits } from "../data/synthetic.js";
import type { DataSplits } from "../data/types.js";
import { AbortError, NasbookError, throwIfAborted } from "../errors.js";
import type { DataRecipe } from "../data/recipe.js";
import type { Recipe } from "../recipe.js";
import type { BuilderIdentity, BuiltModel, ModelOptions } from "../model/types.js";
import { builderFingerprint, dataFingerprint } from "./fingerprint.js";
import { createTrainer, evaluateModel, type EpochRecord, type TrainConfig, type Trainer } from "./fit.js";
import type { ResumableEvaluator, ResumableRun } from "./resumable.js";
import { failedResult, type EvaluateOptions, type Evaluator, type FailedTrialResult, type TrialResult } from "./types.js";

/** Builds a network for an architecture (e.g. `nb201Model`, or `modelBuilder(space)`). */
export type ModelBuilder<A> = ((arch: A, opts: ModelOptions) => BuiltModel) & { builderIdentity?: BuilderIdentity };

export interface TrainEvaluatorOptions<A> {
  name?: string;
  /** The task, or a function loading it once on first use (e.g. `() => loadMnist()`); default: the synthetic task. */
  data?: DataSplits | (() => Promise<DataSplits>);
  build: ModelBuilder<A>;
  /** Training settings; defaults: 3 epochs, batch 64, Adam, cosine schedule, no early stopping. */
  train?: Partial<TrainConfig>;
  /** Normalise inputs with the training split's per-channel mean/std (default true). */
  normalize?: boolean;
  /** Refuse models with more trainable parameters than this (recorded as a failed trial). */
  maxParams?: number;
  /**
   * "auto" (default): before the first trial, select nasbook's training backend with `initBackend()` (tfjs-node,
   * else wasm with training kernels, else cpu; NASBOOK_BACKEND forces one). "current": use whatever tfjs backend
   * is active (e.g. 'cpu' set by a test).
   */
  backend?: "auto" | "current";
  /** Names the model builder in the trial store's key when `build` is not made by modelBuilder() (change it when the builder changes). */
  buildId?: string;
  /** Describes `data` as a recipe (so workers can load it); set by evaluatorFromRecipe. Default data is the synthetic task. */
  dataRecipe?: DataRecipe;
  /** Called after every epoch of every trial (e.g. to stream training curves to a plot). */
  onEpoch?: (record: EpochRecord) => void;
}

/** What every successful training trial reports (accuracies in percent; `best_epoch` 1-based). */
export interface TrainMetrics {
  val_acc: number;
  val_loss: number;
  test_acc: number;
  test_loss: number;
  train_acc: number;
  train_loss: number;
  params: number;
  flops: number;
  epochs: number;
  best_epoch: number;
  /** 1 if early stopping ended the run, else 0. */
  stopped_early: number;
  [metric: string]: number;
}

/** A successful training trial: its metrics, per-epoch curves and the tfjs backend that ran it. */
export interface TrainTrialResult extends TrialResult {
  status: "ok";
  metrics: TrainMetrics;
  curves: EpochRecord[];
  backend: string;
}

/** A training trial that failed (diverged, too large, ...), with the curves of the epochs it ran. */
export interface FailedTrainResult extends FailedTrialResult {
  curves: EpochRecord[];
  backend: string;
}

/** A resumable training run whose results carry the curves so far. */
export interface TrainRun extends ResumableRun {
  continueTo(epochs: number, opts?: { signal?: AbortSignal; seconds?: number }): Promise<TrainTrialResult | FailedTrainResult>;
}

/** An Evaluator whose results carry training curves. */
export interface TrainEvaluator<A> extends ResumableEvaluator<A, TrainTrialResult | FailedTrainResult> {
  evaluate(arch: A, opts: EvaluateOptions): Promise<TrainTrialResult | FailedTrainResult>;
  startRun(arch: A, opts: { seed: number; maxEpochs: number }): TrainRun;
  /**
   * Trains `arch` exactly as `evaluate` does (same seed and budget: same weights on the same backend) and hands
   * over the network holding its best epoch's weights, the ones its reported metrics came from. The caller
   * disposes `built.model`. A failed training is thrown.
   */
  trainModel(arch: A, opts: EvaluateOptions): Promise<{ built: BuiltModel; result: TrainTrialResult }>;
}

/** The model is larger than the evaluator allows (a guard against running out of memory). */
export class ModelTooLargeError extends NasbookError {
  constructor(params: number, limit: number) {
    super(`model has ${params} parameters, above this evaluator's maxParams ${limit}; use smaller channels/units or raise maxParams`);
  }
}

const DEFAULT_TRAIN: TrainConfig = { epochs: 3, batchSize: 64, optimizer: "adam", schedule: { kind: "cosine" } };

/**
 * An evaluator that trains each architecture for real (budget.epochs overrides the configured epochs). It is
 * resumable: `startRun` keeps a run alive so successive halving can extend it to a larger budget.
 */
export function trainEvaluator<A>(options: TrainEvaluatorOptions<A>): TrainEvaluator<A> {
  let splits: Promise<DataSplits> | undefined;
  const getData = () => {
    splits ??= (async () => {
      const raw = options.data === undefined ? syntheticSplits() : typeof options.data === "function" ? await options.data() : options.data;
      if (options.backend !== "current") await initBackend();
      return options.normalize === false ? raw : normalizeSplits(raw);
    })();
    return splits;
  };
  const name = options.name ?? "train";
  const baseConfig = (): TrainConfig => ({ ...DEFAULT_TRAIN, ...options.train });

  function startRun(arch: A, run: { seed: number; maxEpochs: number }): TrainRun & { takeModel(): BuiltModel } {
    let live: { built: BuiltModel; trainer: Trainer; cfg: TrainConfig } | undefined;
    let failed: FailedTrainResult | undefined;
    const curves: EpochRecord[] = [];
    const release = () => {
      live?.trainer.dispose();
      live?.built.model.dispose();
      live = undefined;
    };
    return {
      async continueTo(epochs, o = {}) {
        const t0 = performance.now();
        const seconds = () => (performance.now() - t0) / 1000;
        const before = curves.length;
        if (failed) return { ...failed, cost: { seconds: 0, epochs: 0 } };
        try {
          throwIfAborted(o.signal);
          const data = await getData();
          if (!live) {
            const cfg: TrainConfig = { ...baseConfig(), epochs: run.maxEpochs };
            const built = options.build(arch, { inputShape: data.train.shape, numClasses: data.train.numClasses, seed: run.seed });
            try {
              if (options.maxParams !== undefined && built.params > options.maxParams) throw new ModelTooLargeError(built.params, options.maxParams);
              const trainer = createTrainer(built.model, data.train, data.val, cfg, {
                seed: run.seed,
                onEpoch: (r) => {
                  curves.push(r);
                  options.onEpoch?.(r);
                },
              });
              live = { built, cfg, trainer };
            } catch (e) {
              built.model.dispose();
              throw e;
            }
          }
          const { built, trainer, cfg } = live;
          const fit = await trainer.trainTo(Math.min(epochs, run.maxEpochs), { signal: o.signal, maxSeconds: o.seconds ?? cfg.maxSeconds });
          // Test accuracy of the best epoch's weights, as a run that ended here would report; training goes on from the last.
          const test = await trainer.withBestWeights(() => evaluateModel(built.model, data.test, 256, o.signal));
          const last = fit.curves[fit.bestEpoch - 1]!;
          return {
            status: "ok",
            metrics: {
              val_acc: fit.bestValAcc,
              val_loss: last.valLoss,
              test_acc: test.acc,
              test_loss: test.loss,
              train_acc: last.trainAcc,
              train_loss: last.trainLoss,
              params: built.params,
              flops: built.flops,
              epochs: fit.curves.length,
              best_epoch: fit.bestEpoch,
              stopped_early: fit.stoppedEarly ? 1 : 0,
            },
            cost: { seconds: seconds(), epochs: curves.length - before },
            curves: fit.curves,
            backend: tf.getBackend(),
          };
        } catch (e) {
          if (e instanceof AbortError) throw e;
          release();
          failed = { ...failedResult(e, seconds()), curves: curves.slice(), backend: tf.getBackend() };
          return { ...failed, cost: { seconds: seconds(), epochs: curves.length - before } };
        }
      },
      dispose: release,
      takeModel() {
        if (!live) throw new NasbookError("this training run holds no model (it failed or was disposed)");
        const { built, trainer } = live;
        trainer.restoreBestWeights();
        trainer.dispose();
        live = undefined;
        return built;
      },
    };
  }

  return {
    name,
    objective: "val_acc",
    // Everything that changes a result: training settings, the builder, the data's content hash, the backend.
    async fingerprint() {
      const data = await getData();
      return {
        kind: "train", train: { ...DEFAULT_TRAIN, ...options.train }, normalize: options.normalize !== false,
        maxParams: options.maxParams ?? null, build: builderFingerprint(options.build, options.buildId, `trainEvaluator "${name}"`),
        data: dataFingerprint(data), backend: tf.getBackend(),
      };
    },
    recipe: trainRecipe("train", options, {
      name: options.name, train: options.train, normalize: options.normalize, maxParams: options.maxParams, backend: options.backend,
    }),
    startRun,
    async trainModel(arch: A, opts: EvaluateOptions) {
      const epochs = opts.budget?.epochs ?? baseConfig().epochs;
      const run = startRun(arch, { seed: opts.seed, maxEpochs: epochs });
      try {
        const result = await run.continueTo(epochs, { signal: opts.signal, seconds: opts.budget?.seconds });
        if (result.status !== "ok") throw new NasbookError(`training ${name} failed: ${result.error}`);
        return { built: run.takeModel(), result };
      } finally {
        run.dispose();
      }
    },
    async evaluate(arch: A, opts: EvaluateOptions): Promise<TrainTrialResult | FailedTrainResult> {
      const epochs = opts.budget?.epochs ?? baseConfig().epochs;
      const run = startRun(arch, { seed: opts.seed, maxEpochs: epochs });
      try {
        return await run.continueTo(epochs, { signal: opts.signal, seconds: opts.budget?.seconds });
      } finally {
        run.dispose();
      }
    },
  };
}

/**
 * The builtin recipe of a train or proxy evaluator, when it can be had: a builder from modelBuilder() over a space
 * with a recipe, and data that is the default synthetic task or described by `dataRecipe`.
 */
export function trainRecipe<A>(
  name: "train" | "proxy",
  o: { build: ModelBuilder<A>; data?: unknown; dataRecipe?: DataRecipe },
  rest: Record<string, unknown>,
): Recipe | undefined {
  const id = o.build.builderIdentity;
  const spaceRecipe = (id?.options as { space?: Recipe | null } | undefined)?.space;
  if (!id || !spaceRecipe || (o.data !== undefined && !o.dataRecipe)) return undefined;
  const size = (id.options as { size?: unknown }).size ?? {};
  const options: Record<string, unknown> = { space: spaceRecipe, size, data: o.dataRecipe ?? { kind: "synthetic" } };
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) options[k] = v;
  return { kind: "builtin", name, options };
}
