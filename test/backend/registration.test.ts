/**
 * Registration of the wasm training kernels and of the cpu kernels nasbook replaces: idempotent, reversible, and
 * needed (the stock MaxPoolGrad misroutes the gradient of all-negative windows, the stock AvgPoolGrad divides border
 * windows by the full window; if tfjs ever fixes them, these tests say the overrides can go).
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/backend/index.js";
import { registerCpuKernels, unregisterCpuKernels, withStockCpuKernels } from "../../src/backend/cpuKernels.js";
import {
  registerTrainingKernels, trainingKernelNames, unregisterTrainingKernels, withStockKernels,
} from "../../src/backend/wasm/registerTrainingKernels.js";

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

/** d/dx[0,2] of sum(w * avgPool(x, 2, 1, 'same')) on a 3x3 grid, w = 1..9: 2/4 + 3/2 = 2 (stock kernels: 1.25). */
function avgPoolGradAtBorder(): number {
  return tf.tidy(() => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const w = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(t as tf.Tensor4D, 2, 1, "same"), w)))(x).dataSync()[2]!;
  });
}

describe("AvgPoolGrad replacements", () => {
  it("cpu: registered by the backend module, idempotent, reversible", async () => {
    await tf.setBackend("cpu");
    try {
      const first = registerCpuKernels();
      expect(registerCpuKernels()).toBe(first);
      expect(first.map((k) => [k.kernelName, k.action])).toEqual([["AvgPoolGrad", "replaced"]]);
      expect(avgPoolGradAtBorder()).toBe(2);
      unregisterCpuKernels();
      expect(avgPoolGradAtBorder()).toBe(1.25);
      registerCpuKernels();
      expect(avgPoolGradAtBorder()).toBe(2);
    } finally {
      registerCpuKernels();
      await tf.setBackend("wasm");
    }
  });

  it("wasm: listed as replaced; unregistering restores the stock kernel, registering fixes it again", () => {
    expect(registerTrainingKernels().find((k) => k.kernelName === "AvgPoolGrad")?.action).toBe("replaced");
    expect(avgPoolGradAtBorder()).toBe(2);
    unregisterTrainingKernels();
    expect(avgPoolGradAtBorder()).toBe(1.25);
    registerTrainingKernels();
    expect(avgPoolGradAtBorder()).toBe(2);
  });

  it("withStockKernels runs the stock kernel and puts ours back, also when its function throws", async () => {
    expect(withStockKernels(["AvgPoolGrad"], avgPoolGradAtBorder)).toBe(1.25);
    expect(() => withStockKernels(["AvgPoolGrad"], () => { throw new Error("boom"); })).toThrow("boom");
    expect(avgPoolGradAtBorder()).toBe(2);
    expect(() => withStockKernels(["Conv2DBackpropFilter"], () => 0)).toThrow(/no stock wasm kernel Conv2DBackpropFilter/);
    await tf.setBackend("cpu");
    try {
      expect(withStockCpuKernels(["AvgPoolGrad"], avgPoolGradAtBorder)).toBe(1.25);
      expect(avgPoolGradAtBorder()).toBe(2);
    } finally {
      await tf.setBackend("wasm");
    }
  });
});
