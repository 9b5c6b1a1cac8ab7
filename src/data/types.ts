/** In-memory image classification data: what every loader returns and every evaluator trains on. */

/** Image input as height, width, channels (NHWC, as tfjs lays tensors out). */
export type ImageShape = readonly [number, number, number];

export interface ImageDataset {
  /** Images in NHWC order, one float per pixel channel. */
  images: Float32Array;
  labels: Int32Array;
  shape: ImageShape;
  numClasses: number;
}

/** Train/validation/test splits of one task, plus a sentence saying where they came from. */
export interface DataSplits {
  name: string;
  train: ImageDataset;
  val: ImageDataset;
  test: ImageDataset;
  /** Human-readable provenance, e.g. that the splits were cut from MNIST's 10k test set. Loaders print it. */
  note: string;
}

/** Number of examples in a dataset. */
export function sizeOf(ds: ImageDataset): number {
  return ds.labels.length;
}

/** The examples at `indices`, copied, in that order. */
export function subset(ds: ImageDataset, indices: ArrayLike<number>): ImageDataset {
  const per = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const images = new Float32Array(indices.length * per);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i]!;
    images.set(ds.images.subarray(j * per, (j + 1) * per), i * per);
    labels[i] = ds.labels[j]!;
  }
  return { images, labels, shape: ds.shape, numClasses: ds.numClasses };
}
