/**
 * Shared by model/data/estimate/strategy tests: run on tfjs 'cpu' and check tensors return to their baseline.
 * A test that times out keeps running in the background (vitest only stops waiting for it), so leak checks are
 * serialised: each waits for every earlier leak-checked body of the file to settle before it takes its baseline.
 * A timed-out body can then no longer allocate tensors inside the next test's window; pass the test context's
 * `signal` (aborted on timeout) to the code under test so it also stops at its next step.
 */
import * as tf from "@tensorflow/tfjs";
import { registerCpuKernels } from "../../src/backend/cpuKernels.js";

let previous: Promise<void> = Promise.resolve();

/** Runs `fn` once earlier leak-checked bodies have settled and returns how many tensors it left allocated. */
export async function leakedTensors(fn: () => Promise<void> | void): Promise<number> {
  // Take our place in the queue synchronously, so a call made right after this one waits for this body too.
  const earlier = previous;
  let settle!: () => void;
  previous = new Promise<void>((resolve) => (settle = resolve));
  try {
    await earlier;
    const before = tf.memory().numTensors;
    await fn();
    return tf.memory().numTensors - before;
  } finally {
    settle();
  }
}

/** tfjs 'cpu' with nasbook's fixed kernels (as src/backend registers them; a test need not import src/backend). */
export async function useCpu(): Promise<void> {
  registerCpuKernels();
  await tf.setBackend("cpu");
}
