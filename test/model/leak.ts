/** Shared by model/data/estimate tests: run on tfjs 'cpu' and check tensors return to their baseline. */
import * as tf from "@tensorflow/tfjs";

/** Runs `fn` and returns how many tensors it left allocated. */
export async function leakedTensors(fn: () => Promise<void> | void): Promise<number> {
  const before = tf.memory().numTensors;
  await fn();
  return tf.memory().numTensors - before;
}

export async function useCpu(): Promise<void> {
  await tf.setBackend("cpu");
}
