/**
 * The pieces every weight-sharing search trains with: an endless seeded minibatch stream, the shared-weight SGD step
 * (momentum, cosine schedule, weight decay, gradient-norm clipping, as DARTS/ENAS/SPOS train their supernets), and
 * the accuracy of a sub-network or mixture measured with the shared weights. Nothing here holds tensors between
 * calls except the optimiser's own state, which `dispose()` frees.
 */
import * as tf from "@tensorflow/tfjs";
import { batchOf, type Batch } from "../data/batches.js";
import { sizeOf, type ImageDataset } from "../data/types.js";
import { Rng } from "../rng.js";
import type { Supernet, SupernetMode } from "./supernet.js";
import { correctCount, crossEntropy } from "./supernetOps.js";

/** Minibatches drawn forever from a dataset: each pass is a fresh seeded shuffle (the caller disposes each batch). */
export class BatchStream {
  private order: number[] = [];
  private pos = 0;
  private readonly rng: Rng;

  constructor(private readonly ds: ImageDataset, private readonly batchSize: number, seed: number | string) {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
    if (sizeOf(ds) < 2) throw new RangeError(`a supernet needs at least 2 examples per split, got ${sizeOf(ds)}`);
    this.rng = new Rng(`batch-stream/${seed}`);
  }

  next(): Batch {
    const n = sizeOf(this.ds);
    const take = Math.min(this.batchSize, n);
    if (this.pos + take > this.order.length) {
      this.order = this.rng.shuffle(Array.from({ length: n }, (_, i) => i));
      this.pos = 0;
    }
    const idx = this.order.slice(this.pos, this.pos + take);
    this.pos += take;
    return batchOf(this.ds, idx);
  }
}

export interface WeightTrainerOptions {
  /** Initial learning rate of SGD with momentum (DARTS: 0.025). */
  learningRate?: number;
  /** Final learning rate of the cosine schedule (DARTS: 0.001). */
  minLearningRate?: number;
  momentum?: number;
  /** L2 weight decay added to the gradients (DARTS: 3e-4). */
  weightDecay?: number;
  /** Global gradient-norm clip (DARTS: 5). */
  clipNorm?: number;
  /** Steps of the whole run, for the cosine schedule. */
  totalSteps: number;
}

/** Global-norm clipping of a list of gradients (returns new tensors; call inside tf.tidy). */
export function clipByGlobalNorm(grads: tf.Tensor[], clipNorm: number): tf.Tensor[] {
  const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
  const scale = tf.minimum(1, tf.div(clipNorm, tf.maximum(norm, 1e-12)));
  return grads.map((g) => tf.mul(g, scale));
}

/** SGD-with-momentum steps on a supernet's shared weights. */
export class WeightTrainer {
  readonly optimizer: tf.MomentumOptimizer;
  private step = 0;
  private readonly lr0: number;
  private readonly lrMin: number;
  private readonly wd: number;
  private readonly clip: number;
  private readonly total: number;

  constructor(private readonly net: Supernet<unknown>, opts: WeightTrainerOptions) {
    this.lr0 = opts.learningRate ?? 0.025;
    this.lrMin = opts.minLearningRate ?? 0.001;
    this.wd = opts.weightDecay ?? 3e-4;
    this.clip = opts.clipNorm ?? 5;
    this.total = Math.max(1, opts.totalSteps);
    if (!(this.lr0 > 0)) throw new RangeError(`weight learning rate must be > 0, got ${this.lr0}`);
    this.optimizer = tf.train.momentum(this.lr0, opts.momentum ?? 0.9);
  }

  /** The cosine-annealed rate of the current step (Loshchilov & Hutter 2017). */
  learningRate(): number {
    const t = Math.min(this.step, this.total) / this.total;
    return this.lrMin + 0.5 * (this.lr0 - this.lrMin) * (1 + Math.cos(Math.PI * t));
  }

  /** One step on `batch` in `mode` (built inside the gradient tape, so mixture weights may depend on alphas). */
  train(batch: Batch, mode: () => SupernetMode<unknown>): number {
    const vars = this.net.store.variables();
    // MomentumOptimizer steps with its private scalar `c` = -lr, which only setLearningRate updates.
    this.optimizer.setLearningRate(this.learningRate());
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => crossEntropy(this.net.logits(batch.x, mode()), batch.y), vars);
      const raw = vars.map((v) => (this.wd > 0 ? tf.add(grads[v.name]!, tf.mul(v, this.wd)) : grads[v.name]!));
      const clipped = clipByGlobalNorm(raw, this.clip);
      this.optimizer.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: clipped[i]! })));
      return value;
    });
    this.step++;
    const v = loss.dataSync()[0]!;
    loss.dispose();
    return v;
  }

  dispose(): void {
    this.optimizer.dispose();
    // tfjs 4.22's MomentumOptimizer.dispose frees its momentum scalar but not the learning-rate scalar `c`.
    (this.optimizer as unknown as { c?: tf.Tensor }).c?.dispose();
  }
}

/**
 * Accuracy (percent) of the supernet in `mode` on the first `limit` examples of `ds` (default all), with the
 * shared weights, in batches of `batchSize` (batch norm uses each batch's statistics).
 */
export function supernetAccuracy<A>(net: Supernet<A>, ds: ImageDataset, mode: () => SupernetMode<A>, opts: { limit?: number; batchSize?: number } = {}): number {
  const n = Math.min(sizeOf(ds), opts.limit ?? Infinity);
  const bs = opts.batchSize ?? 250;
  let correct = 0;
  for (let start = 0; start < n; start += bs) {
    const idx = Array.from({ length: Math.min(bs, n - start) }, (_, i) => start + i);
    const b = batchOf(ds, idx);
    try {
      const hits = tf.tidy(() => correctCount(net.logits(b.x, mode()), b.y));
      correct += hits.dataSync()[0]!;
      hits.dispose();
    } finally {
      tf.dispose([b.x, b.y]);
    }
  }
  return (100 * correct) / n;
}

/** Lets timers and abort events run between steps (the backends compute synchronously). */
export const yieldToEventLoop = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
