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

/**
 * SGD with momentum (PyTorch's form: v = mu v + g, w -= lr v) on a supernet's shared weights. Weights a step does not
 * reach (ops off the sampled path) get no gradient and are left alone, momentum included, as PyTorch skips
 * parameters whose grad is None. tfjs's MomentumOptimizer cannot do that: it keys its accumulators by position in
 * the list it is given, so a changing subset of variables would mix them up.
 */
export class WeightTrainer {
  private readonly velocity = new Map<string, tf.Variable>();
  private step = 0;
  private readonly lr0: number;
  private readonly lrMin: number;
  private readonly mu: number;
  private readonly wd: number;
  private readonly clip: number;
  private readonly total: number;

  constructor(private readonly net: Supernet<unknown>, opts: WeightTrainerOptions) {
    this.lr0 = opts.learningRate ?? 0.025;
    this.lrMin = opts.minLearningRate ?? 0.001;
    this.mu = opts.momentum ?? 0.9;
    this.wd = opts.weightDecay ?? 3e-4;
    this.clip = opts.clipNorm ?? 5;
    this.total = Math.max(1, opts.totalSteps);
    if (!(this.lr0 > 0)) throw new RangeError(`weight learning rate must be > 0, got ${this.lr0}`);
    if (!(this.mu >= 0 && this.mu < 1)) throw new RangeError(`momentum must be in [0, 1), got ${this.mu}`);
    // Allocated up front, so the tensors in use stay constant from the first step on.
    for (const v of net.store.variables()) this.velocity.set(v.name, tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
  }

  /** The cosine-annealed rate of the current step (Loshchilov & Hutter 2017). */
  learningRate(): number {
    const t = Math.min(this.step, this.total) / this.total;
    return this.lrMin + 0.5 * (this.lr0 - this.lrMin) * (1 + Math.cos(Math.PI * t));
  }

  /** One step on `batch` in `mode` (built inside the gradient tape, so mixture weights may depend on alphas). */
  train(batch: Batch, mode: () => SupernetMode<unknown>): number {
    const lr = this.learningRate();
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => crossEntropy(this.net.logits(batch.x, mode()), batch.y), this.net.store.variables());
      const used = this.net.store.variables().filter((v) => grads[v.name] != null);
      // As the reference code: clip the loss gradients, then SGD adds weight decay inside its step.
      const clipped = clipByGlobalNorm(used.map((v) => grads[v.name]!), this.clip);
      used.forEach((v, i) => {
        const vel = this.velocity.get(v.name)!;
        vel.assign(tf.add(tf.mul(vel, this.mu), this.wd > 0 ? tf.add(clipped[i]!, tf.mul(v, this.wd)) : clipped[i]!));
        v.assign(tf.sub(v, tf.mul(vel, lr)));
      });
      return value;
    });
    this.step++;
    const v = loss.dataSync()[0]!;
    loss.dispose();
    return v;
  }

  /**
   * The direction this optimiser would step `v` along for loss gradient `grad`, without stepping:
   * momentum * velocity + grad + weightDecay * v. DARTS' virtual step is w' = w - xi * this (Liu et al. 2019,
   * reference `architect.py`: `theta - eta * (moment + dtheta)`, unclipped). Call inside tf.tidy.
   */
  stepDirection(v: tf.Variable, grad: tf.Tensor): tf.Tensor {
    const vel = this.velocity.get(v.name);
    if (!vel) throw new Error(`stepDirection: ${v.name} is not one of this supernet's shared weights`);
    let d = this.mu > 0 ? tf.add(tf.mul(vel, this.mu), grad) : grad;
    if (this.wd > 0) d = tf.add(d, tf.mul(v, this.wd));
    return d;
  }

  dispose(): void {
    for (const v of this.velocity.values()) v.dispose();
    this.velocity.clear();
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

