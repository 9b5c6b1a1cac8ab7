/** Minibatches as tensors: seeded shuffling per epoch, the last partial batch kept. */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../rng.js";
import { sizeOf, type ImageDataset } from "./types.js";

export interface Batch {
  /** Images [n, h, w, c]. */
  x: tf.Tensor4D;
  /** Labels [n], int32. */
  y: tf.Tensor1D;
  size: number;
}

/** Tensors for the examples at `indices` (the caller disposes them). */
export function batchOf(ds: ImageDataset, indices: ArrayLike<number>): Batch {
  const [h, w, c] = ds.shape;
  const per = h * w * c;
  const n = indices.length;
  const xs = new Float32Array(n * per);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = indices[i]!;
    xs.set(ds.images.subarray(j * per, (j + 1) * per), i * per);
    ys[i] = ds.labels[j]!;
  }
  return { x: tf.tensor4d(xs, [n, h, w, c]), y: tf.tensor1d(ys, "int32"), size: n };
}

/**
 * Yields minibatches covering `ds` once: in a shuffled order drawn from `rng` if given, else in order.
 * Each batch's tensors belong to the consumer, who disposes them.
 */
export function* batches(ds: ImageDataset, batchSize: number, rng?: Rng): Generator<Batch> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  const n = sizeOf(ds);
  const order = Array.from({ length: n }, (_, i) => i);
  if (rng) rng.shuffle(order);
  for (let start = 0; start < n; start += batchSize) yield batchOf(ds, order.slice(start, start + batchSize));
}
