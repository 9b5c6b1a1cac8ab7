import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { fitModel } from "../../src/estimate/fit.js";
import { modelBuilder } from "../../src/model/build.js";
import { Rng } from "../../src/rng.js";
import { chainSpace } from "../../src/space/chain.js";
import { DARTS_GENOTYPE_OPS, dartsSpace } from "../../src/space/darts.js";
import { hierarchicalSpace } from "../../src/space/hierarchical.js";
import { nb201Space } from "../../src/space/nb201.js";
import { PNAS_OPS, pnasSpace } from "../../src/space/pnas.js";
import type { SearchSpace } from "../../src/space/types.js";
import { zophLeSpace } from "../../src/space/zophLe.js";
import { leakedTensors, useCpu } from "./leak.js";

beforeAll(useCpu);

const data = {
  images: Float32Array.from({ length: 4 * 8 * 8 }, (_, i) => Math.sin(i * 0.37)),
  labels: Int32Array.from([0, 1, 2, 1]),
  shape: [8, 8, 1] as const,
  numClasses: 3,
};

const SPACES: [string, SearchSpace<unknown>, number][] = [
  ["nb201", nb201Space() as SearchSpace<unknown>, 0],
  ["chain", chainSpace({ filters: [2, 4], units: [4] }) as SearchSpace<unknown>, 0],
  // tfjs has no gradient for dilated convolutions on 'cpu' (nasbook's wasm backend adds it; see dilated.test.ts).
  ["darts", dartsSpace({ ops: DARTS_GENOTYPE_OPS.filter((op) => !op.startsWith("dil_")) }) as SearchSpace<unknown>, 0],
  ["pnas", pnasSpace({ ops: PNAS_OPS.filter((op) => !op.startsWith("dil_")) }) as SearchSpace<unknown>, 0],
  ["zophLe", zophLeSpace({ layers: 3, filters: [2, 3] }) as SearchSpace<unknown>, 0],
  ["hierarchical", hierarchicalSpace() as SearchSpace<unknown>, 0],
];

describe("models for every space", () => {
  it.each(SPACES)("%s: a sampled architecture builds, reports params/FLOPs, trains one step and frees everything", async (_name, space) => {
    const arch = space.sample(new Rng(11));
    const build = modelBuilder(space, { channels: 2, layers: 3, cellsPerStage: 1 });
    const leaked = await leakedTensors(async () => {
      const b = build(arch, { inputShape: [8, 8, 1], numClasses: 3, seed: 1 });
      expect(b.params).toBeGreaterThan(0);
      expect(b.flops).toBeGreaterThan(0);
      const before = b.model.trainableWeights.map((w) => Array.from((w.read() as tf.Tensor).dataSync()));
      const r = await fitModel(b.model, data, data, { epochs: 1, batchSize: 4, optimizer: "sgd", learningRate: 0.1 }, { seed: 1 });
      expect(Number.isFinite(r.curves[0]!.trainLoss)).toBe(true);
      const after = b.model.trainableWeights.map((w) => Array.from((w.read() as tf.Tensor).dataSync()));
      expect(after).not.toEqual(before);
      b.model.dispose();
    });
    expect(leaked).toBe(0);
  });
});
