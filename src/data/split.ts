/** Seeded train/validation/test splits, and per-channel normalisation fitted on the training split only. */
import { Rng } from "../rng.js";
import { sizeOf, subset, type DataSplits, type ImageDataset } from "./types.js";

export interface SplitSizes {
  train: number;
  val: number;
  test: number;
}

/** Shuffles `ds` with `seed` and cuts it into train/val/test of the given sizes (counts, summing to <= its size). */
export function splitDataset(ds: ImageDataset, sizes: SplitSizes, seed: number): { train: ImageDataset; val: ImageDataset; test: ImageDataset } {
  const n = sizeOf(ds);
  const need = sizes.train + sizes.val + sizes.test;
  if (need > n || [sizes.train, sizes.val, sizes.test].some((s) => !Number.isInteger(s) || s < 0)) {
    throw new RangeError(`cannot split ${n} examples into train ${sizes.train} / val ${sizes.val} / test ${sizes.test}: sizes must be non-negative integers summing to at most ${n}`);
  }
  const order = new Rng(`split/${seed}`).shuffle(Array.from({ length: n }, (_, i) => i));
  return {
    train: subset(ds, order.slice(0, sizes.train)),
    val: subset(ds, order.slice(sizes.train, sizes.train + sizes.val)),
    test: subset(ds, order.slice(sizes.train + sizes.val, need)),
  };
}

export interface ChannelStats {
  mean: number[];
  std: number[];
}

/** Per-channel mean and standard deviation. */
export function channelStats(ds: ImageDataset): ChannelStats {
  const c = ds.shape[2];
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  for (let i = 0; i < ds.images.length; i++) {
    const v = ds.images[i]!;
    sum[i % c] += v;
    sq[i % c] += v * v;
  }
  const count = ds.images.length / c;
  const mean = Array.from(sum, (s) => s / count);
  const std = Array.from(sq, (s, k) => Math.sqrt(Math.max(s / count - mean[k]! ** 2, 0)) || 1);
  return { mean, std };
}

/** (x - mean) / std per channel, as a new dataset. */
export function normalize(ds: ImageDataset, stats: ChannelStats): ImageDataset {
  const c = ds.shape[2];
  const images = new Float32Array(ds.images.length);
  for (let i = 0; i < images.length; i++) images[i] = (ds.images[i]! - stats.mean[i % c]!) / stats.std[i % c]!;
  return { ...ds, images };
}

/** Normalises all three splits with statistics of the training split (no information leaks from val/test). */
export function normalizeSplits(s: DataSplits): DataSplits {
  const stats = channelStats(s.train);
  return { ...s, train: normalize(s.train, stats), val: normalize(s.val, stats), test: normalize(s.test, stats) };
}

/**
 * The first `sizes.train` / `sizes.val` / `sizes.test` examples of each split (a split left out keeps all of its
 * examples), for a quick run on part of a task. Loaders' splits are shuffled with their seed, so the first
 * examples are a random sample. The note says what was kept.
 */
export function limitSplits(s: DataSplits, sizes: Partial<SplitSizes>): DataSplits {
  const part = (name: keyof SplitSizes): ImageDataset => {
    const ds = s[name];
    const n = sizes[name];
    if (n === undefined) return ds;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`limitSplits: ${name} must be a positive integer, got ${n}`);
    return n >= sizeOf(ds) ? ds : subset(ds, Array.from({ length: n }, (_, i) => i));
  };
  const train = part("train");
  const val = part("val");
  const test = part("test");
  return { ...s, train, val, test, note: `${s.note}; using ${sizeOf(train)} training, ${sizeOf(val)} validation and ${sizeOf(test)} test images` };
}
