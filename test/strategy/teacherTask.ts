/**
 * A constructed task on which one architecture is best by construction: labels are the predictions of the
 * supernet's own sub-network for a "teacher" architecture, with the supernet's initial weights, on Gaussian noise
 * images. A mixture that puts all its weight on the teacher's ops reproduces the labels; other ops only add error.
 */
import * as tf from "@tensorflow/tfjs";
import type { DataSplits, ImageDataset } from "../../src/data/types.js";
import type { Supernet } from "../../src/model/supernet.js";
import { Rng } from "../../src/rng.js";

export function teacherTask<A>(net: Supernet<A>, teacher: A, shape: readonly [number, number, number], sizes: { train: number; val: number }, seed: number): DataSplits {
  const rng = new Rng(`teacher/${seed}`);
  const make = (n: number): ImageDataset => {
    const images = Float32Array.from({ length: n * shape[0] * shape[1] * shape[2] }, () => rng.normal());
    const { labels, numClasses } = tf.tidy(() => {
      const logits = net.logits(tf.tensor4d(images, [n, ...shape]), { kind: "path", arch: teacher });
      return { labels: Int32Array.from(tf.argMax(logits, 1).dataSync()), numClasses: logits.shape[1] };
    });
    return { images, labels, shape, numClasses };
  };
  const train = make(sizes.train);
  const val = make(sizes.val);
  return { name: "teacher", train, val, test: val, note: "labels from a teacher sub-network of the supernet" };
}
