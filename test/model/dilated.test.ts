// Dilated convolutions (DARTS dil_conv, PNAS dil_conv_3x3) train only on nasbook's wasm backend: tfjs 4.22 has
// no gradient for them on 'cpu'. This file runs in its own worker, so it can switch the backend.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/backend/index.js";
import { fitModel } from "../../src/estimate/fit.js";
import { dartsModel } from "../../src/model/darts.js";
import { pnasModel } from "../../src/model/pnas.js";
import { leakedTensors } from "./leak.js";

beforeAll(async () => {
  await initBackend({ backend: "wasm", quiet: true });
});

const data = {
  images: Float32Array.from({ length: 4 * 8 * 8 }, (_, i) => Math.cos(i * 0.21)),
  labels: Int32Array.from([0, 1, 2, 1]),
  shape: [8, 8, 1] as const,
  numClasses: 3,
};

function weightsOf(model: tf.LayersModel): Map<string, number[]> {
  return new Map(model.trainableWeights.map((w) => [w.name, Array.from((w.read() as tf.Tensor).dataSync())]));
}

/** The trainable weights of dilated convolutions, and those that differ from `before` (the gradient reached them). */
function changedDilatedKernels(model: tf.LayersModel, before: Map<string, number[]>): { weights: number; changed: number } {
  const dilated = model.layers.filter((l) => {
    const d = (l.getConfig() as { dilationRate?: number | number[] }).dilationRate;
    return d !== undefined && (Array.isArray(d) ? d.some((v) => v > 1) : d > 1);
  });
  const weights = dilated.flatMap((l) => l.trainableWeights);
  const changed = weights.filter((w) => {
    const now = Array.from((w.read() as tf.Tensor).dataSync());
    return now.some((v, i) => v !== before.get(w.name)![i]);
  }).length;
  return { weights: weights.length, changed };
}

describe("dilated-conv cells on wasm", () => {
  it("a DARTS genotype with dilated convs in both cells (strided in the reduction cell) trains one step", async () => {
    const e = (op: string, from: number) => ({ op, from }) as never;
    const cell = [e("dil_conv_3x3", 0), e("dil_conv_5x5", 1), e("sep_conv_3x3", 0), e("dil_conv_3x3", 2), e("skip_connect", 1), e("max_pool_3x3", 0), e("avg_pool_3x3", 1), e("dil_conv_5x5", 4)];
    const leaked = await leakedTensors(async () => {
      const b = dartsModel({ normal: cell, reduce: cell }, { inputShape: [8, 8, 1], numClasses: 3, seed: 2, channels: 2, layers: 3 });
      expect(tf.getBackend()).toBe("wasm");
      const before = weightsOf(b.model);
      const r = await fitModel(b.model, data, data, { epochs: 1, batchSize: 4, optimizer: "adam" }, { seed: 1 });
      expect(Number.isFinite(r.curves[0]!.trainLoss)).toBe(true);
      // A finite loss alone holds for a step that updates nothing, and one moved kernel for a gradient that reaches
      // only some: every weight of every dilated layer must have moved (4 dil_conv ops per cell, 3 cells).
      const k = changedDilatedKernels(b.model, before);
      expect(k.weights).toBe(24);
      expect(k.changed).toBe(k.weights);
      b.model.dispose();
    });
    expect(leaked).toBe(0);
  });

  it("a PNAS cell with a dilated conv trains one step", async () => {
    const arch = { blocks: [{ in1: 0, op1: "dil_conv_3x3", in2: 1, op2: "conv_1x7_7x1" }, { in1: 2, op1: "identity", in2: 1, op2: "sep_conv_7x7" }] } as never;
    const b = pnasModel(arch, { inputShape: [8, 8, 1], numClasses: 3, seed: 2, channels: 2 });
    const before = weightsOf(b.model);
    const r = await fitModel(b.model, data, data, { epochs: 1, batchSize: 4, optimizer: "sgd" }, { seed: 1 });
    expect(Number.isFinite(r.curves[0]!.trainLoss)).toBe(true);
    const k = changedDilatedKernels(b.model, before);
    expect(k.weights).toBe(10);
    expect(k.changed).toBe(k.weights);
    b.model.dispose();
  });
});
