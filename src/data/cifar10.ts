/**
 * CIFAR-10 (Krizhevsky 2009) in its binary version: each record is one label byte and 3,072 pixel bytes, the
 * red, green and blue 32x32 planes in row-major order. Files: data_batch_1..5.bin and test_batch.bin in
 * cifar-10-batches-bin/.
 */
import { DataFileError } from "../errors.js";
import type { ImageDataset } from "./types.js";

const RECORD = 1 + 3 * 32 * 32;

/** Parses one CIFAR-10 binary batch into HWC images scaled to [0, 1]. */
export function parseCifar10Batch(bytes: Uint8Array, source = "CIFAR-10 batch"): ImageDataset {
  if (bytes.length === 0 || bytes.length % RECORD !== 0) {
    throw new DataFileError(`${source} has ${bytes.length} bytes, not a multiple of the ${RECORD}-byte CIFAR-10 record; use the binary version (cifar-10-binary.tar.gz)`);
  }
  const n = bytes.length / RECORD;
  const images = new Float32Array(n * 3072);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = i * RECORD;
    const label = bytes[r]!;
    if (label > 9) throw new DataFileError(`${source} record ${i} has label ${label}; CIFAR-10 labels are 0..9`);
    labels[i] = label;
    for (let p = 0; p < 1024; p++) {
      for (let c = 0; c < 3; c++) images[i * 3072 + p * 3 + c] = bytes[r + 1 + c * 1024 + p]! / 255;
    }
  }
  return { images, labels, shape: [32, 32, 3], numClasses: 10 };
}

/** Concatenates datasets of the same shape. */
export function concatDatasets(parts: readonly ImageDataset[]): ImageDataset {
  const first = parts[0];
  if (!first) throw new DataFileError("no CIFAR-10 batches to concatenate");
  const images = new Float32Array(parts.reduce((a, p) => a + p.images.length, 0));
  const labels = new Int32Array(parts.reduce((a, p) => a + p.labels.length, 0));
  let io = 0;
  let lo = 0;
  for (const p of parts) {
    images.set(p.images, io);
    labels.set(p.labels, lo);
    io += p.images.length;
    lo += p.labels.length;
  }
  return { images, labels, shape: first.shape, numClasses: first.numClasses };
}
