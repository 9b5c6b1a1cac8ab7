/**
 * Registration of the wasm training kernels: idempotent, reversible, and needed (the stock MaxPoolGrad
 * misroutes the gradient of all-negative windows; if tfjs ever fixes that, this test says the override can go).
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/backend/index.js";
import { registerTrainingKernels, trainingKernelNames, unregisterTrainingKernels } from "../../src/backend/wasm/registerTrainingKernels.js";

beforeAll(async () => {
  await initBackend({ backend: "wasm", quiet: true });
});

function maxPoolGradOfNegatives(): number[] {
  return tf.tidy(() => {
    const x = tf.tensor4d([-3, -1, -2, -4], [1, 2, 2, 1]);
    return Array.from(tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 2, 2, "valid")))(x).dataSync());
  });
}

describe("registerTrainingKernels", () => {
  it("is idempotent and covers every planned kernel", () => {
    const first = registerTrainingKernels();
    expect(registerTrainingKernels()).toBe(first);
    expect(first.map((k) => k.kernelName)).toEqual([...trainingKernelNames]);
    for (const name of trainingKernelNames) expect(tf.getKernel(name, "wasm"), name).toBeDefined();
  });

  it("unregistering restores working stock kernels (with the stock max-pool bug), registering fixes it again", () => {
    expect(maxPoolGradOfNegatives()).toEqual([0, 1, 0, 0]);
    unregisterTrainingKernels();
    expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBeUndefined();
    // Stock: the running max starts at +1.2e-38, so no value ever wins and the gradient lands on element 0.
    expect(maxPoolGradOfNegatives()).toEqual([1, 0, 0, 0]);
    registerTrainingKernels();
    expect(maxPoolGradOfNegatives()).toEqual([0, 1, 0, 0]);
  });
});
