/**
 * The gradient of avgPool with 'same' padding, checked by hand on a 3x3 input with a 2x2 window, stride 1. tfjs
 * averages each window over its valid (unpadded) elements in the forward pass on every backend, so the gradient
 * must divide by the same count: tfjs-node (TensorFlow's AvgPoolGrad) does; tfjs 'cpu' and the stock wasm kernel
 * divide by the full window size instead (found while comparing tfjs-node with 'cpu'; see docs/notes/issue-29.md).
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/backend/index.js";
import { tfjsNodeAvailable } from "./crossBackend.js";

// x = 1..9 in a [1,3,3,1] grid; loss = sum(w * avgPool(x)), w = 1..9. Window (i,j) covers rows i..i+1 and columns
// j..j+1 that exist, so its count is 4 inside, 2 on the last row or column and 1 in the corner. dL/dx[p] is the sum,
// over the windows containing p, of w[window] / count[window]:
const counts = [4, 4, 2, 4, 4, 2, 2, 2, 1];
const windowsOf = (r: number, c: number) =>
  [[r - 1, c - 1], [r - 1, c], [r, c - 1], [r, c]].filter(([i, j]) => i! >= 0 && j! >= 0 && i! < 3 && j! < 3);
const expectedGrad = Array.from({ length: 9 }, (_, p) =>
  windowsOf(Math.floor(p / 3), p % 3).reduce((sum, [i, j]) => sum + (i! * 3 + j! + 1) / counts[i! * 3 + j!]!, 0));

function gradOn(): number[] {
  return tf.tidy(() => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const w = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    return Array.from(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(t as tf.Tensor4D, 2, 1, "same"), w)))(x).dataSync());
  });
}

beforeAll(async () => {
  await initBackend({ backend: "wasm", quiet: true });
});

describe("avgPool 'same' gradient", () => {
  it("the hand-computed gradient divides by each window's valid count (x[0,2] gets 2/4 + 3/2 = 2)", () => {
    expect(expectedGrad[2]).toBe(2);
    expect(expectedGrad[8]).toBeCloseTo(5 / 4 + 6 / 2 + 8 / 2 + 9, 6);
  });

  it("tfjs-node matches it", async (ctx) => {
    if (!(await tfjsNodeAvailable())) ctx.skip();
    await tf.setBackend("tensorflow");
    try {
      gradOn().forEach((g, i) => expect(g, `x[${i}]`).toBeCloseTo(expectedGrad[i]!, 5));
    } finally {
      await tf.setBackend("wasm");
    }
  });
});
