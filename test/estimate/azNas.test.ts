import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { azNasScores, covarianceEntropy, largestSingularValue } from "../../src/estimate/azNas.js";
import { nb201Network } from "../../src/model/nb201.js";
import { parseNb201 } from "../../src/space/nb201.js";
import { leakedTensors, useCpu } from "../model/leak.js";

beforeAll(useCpu);

/** input [4, 4, 1] -> stem conv 1x1 (weight 1) -> block: `block(x)` -> flatten -> dense; blocks = [stem, block]. */
function twoBlockModel(block: (x: tf.SymbolicTensor) => tf.SymbolicTensor): { model: tf.LayersModel; blocks: tf.SymbolicTensor[]; dispose(): void } {
  const input = tf.input({ shape: [4, 4, 1] });
  const stemLayer = tf.layers.conv2d({ filters: 1, kernelSize: 1, useBias: false, kernelInitializer: "ones" });
  const stem = stemLayer.apply(input) as tf.SymbolicTensor;
  const out = block(stem);
  const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2 }).apply(tf.layers.flatten().apply(out)) as tf.SymbolicTensor });
  return { model, blocks: [stem, out], dispose: () => model.dispose() };
}

describe("AZ-NAS scores", () => {
  it("expressivity's entropy: log 2 for two isotropic channels, 0 for one direction only", () => {
    // Rows (1, 0), (-1, 0), (0, 1), (0, -1): covariance diag(1/2, 1/2), eigenvalue shares 1/2 and 1/2.
    expect(covarianceEntropy([1, 0, -1, 0, 0, 1, 0, -1], 4, 2)).toBeCloseTo(Math.log(2), 6);
    // Rows on one line: one non-zero eigenvalue, entropy 0.
    expect(covarianceEntropy([1, 2, 2, 4, 3, 6, -1, -2], 4, 2)).toBeCloseTo(0, 6);
    // Shares 3/4 and 1/4 (variances 3 and 1 on the axes).
    const sq3 = Math.sqrt(3);
    expect(covarianceEntropy([sq3, 0, -sq3, 0, 0, 1, 0, -1], 4, 2)).toBeCloseTo(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)), 6);
  });

  it("largestSingularValue, by hand", () => {
    expect(largestSingularValue([3, 0, 0, 4, 0, 0], 3, 2)).toBeCloseTo(4, 10);
    expect(largestSingularValue([1, 1, 1, 1], 2, 2)).toBeCloseTo(2, 10);
    expect(largestSingularValue([2, 0, 0, 0, 0, 1], 2, 3)).toBeCloseTo(2, 10);
  });

  it("trainability of a block that scales by w is 2 - w - 1/w; of an identity block, -Infinity", async () => {
    const leaked = await leakedTensors(async () => {
      const x = tf.randomNormal([3, 4, 4, 1], 0, 1, "float32", 7);
      for (const w of [2, 0.5]) {
        const m = twoBlockModel((s) => tf.layers.conv2d({ filters: 1, kernelSize: 1, useBias: false, kernelInitializer: tf.initializers.constant({ value: w }) }).apply(s) as tf.SymbolicTensor);
        // g_in = w g_out, g_out = ±1: the cross-covariance is w * mean(g_out^2) = w.
        const s = await azNasScores(m.model, m.blocks, x, 1);
        expect(s.trainability).toBeCloseTo(2 - w - 1 / w, 5);
        m.dispose();
      }
      const id = twoBlockModel((s) => tf.layers.activation({ activation: "linear" }).apply(s) as tf.SymbolicTensor);
      expect((await azNasScores(id.model, id.blocks, x, 1)).trainability).toBe(-Infinity);
      id.dispose();
      x.dispose();
    });
    expect(leaked).toBe(0);
  });

  it("rearranges the gradient of a block that halves the resolution before comparing (2x2 average pooling: -1/2)", async () => {
    const leaked = await leakedTensors(async () => {
      const x = tf.randomNormal([2, 4, 4, 1], 0, 1, "float32", 8);
      const m = twoBlockModel((s) => tf.layers.averagePooling2d({ poolSize: 2, strides: 2 }).apply(s) as tf.SymbolicTensor);
      // g_in = g_out / 4 on each of the 4 input pixels: after space-to-depth a 4 x 1 cross-covariance of 1/4 each,
      // largest singular value sqrt(4 / 16) = 1/2, score 2 - 1/2 - 2.
      expect((await azNasScores(m.model, m.blocks, x, 1)).trainability).toBeCloseTo(-0.5, 5);
      // Expressivity of one-channel features is 0 (a single eigenvalue share of 1), so is progressivity.
      const s = await azNasScores(m.model, m.blocks, x, 1);
      expect(s.expressivity).toBeCloseTo(0, 6);
      expect(s.progressivity).toBeCloseTo(0, 6);
      m.dispose();
      x.dispose();
    });
    expect(leaked).toBe(0);
  });

  it("scores an NB201 network (finite, reproducible for a seed) and leaves its weights as they were", async () => {
    const leaked = await leakedTensors(async () => {
      const net = nb201Network(parseNb201("|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|"), { channels: 2, cellsPerStage: 1, inputShape: [8, 8, 3], numClasses: 3, seed: 1 });
      const before = net.built.model.getWeights().map((w) => Array.from(w.dataSync()));
      const x = tf.randomNormal([4, 8, 8, 3], 0, 1, "float32", 2);
      const a = await azNasScores(net.built.model, net.blocks, x, 3);
      const b = await azNasScores(net.built.model, net.blocks, x, 3);
      expect(b).toEqual(a);
      for (const v of Object.values(a)) expect(Number.isFinite(v)).toBe(true);
      expect(net.built.model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
      x.dispose();
      net.built.model.dispose();
    });
    expect(leaked).toBe(0);
  });
});
