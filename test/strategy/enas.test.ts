import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/backend/index.js";
import { nb201Supernet } from "../../src/model/supernetNb201.js";
import { nb201Space, parseNb201 } from "../../src/space/nb201.js";
import { enasSearch } from "../../src/strategy/enas.js";
import { teacherTask } from "./teacherTask.js";

beforeAll(async () => {
  await initBackend({ backend: "wasm", quiet: true });
});

const SHAPE = [8, 8, 1] as const;
// avg_pool has no weights, so the teacher's function is available to the shared weights from the start.
const TEACHER = parseNb201("|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|");

describe("enasSearch", () => {
  it("the controller learns from shared-weight rewards to sample the clearly best op", async () => {
    const before = tf.memory().numTensors;
    const net = nb201Supernet({ inputShape: SHAPE, numClasses: 4, seed: 1, channels: 2 });
    const data = teacherTask(net, TEACHER, SHAPE, { train: 128, val: 128 }, 0);
    const search = enasSearch({
      supernet: net, space: nb201Space(), data, epochs: 4, weightSteps: 5, controllerSteps: 15, batchSize: 32,
      weights: { learningRate: 0.001 }, controller: { learningRate: 0.03 }, rewardExamples: 64, evalExamples: 128, finalSamples: 8, seed: 0,
    });
    const tensors: number[] = [];
    const result = await search.run({ onSnapshot: () => tensors.push(tf.memory().numTensors) });
    expect(new Set(tensors.slice(1)).size).toBe(1);
    const first = result.snapshots[0]!.policy!;
    const last = result.snapshots.at(-1)!.policy!;
    first.forEach((p) => expect(p.probs[4]).toBeCloseTo(0.2, 1));
    expect(last.filter((p) => p.probs[4]! > 0.9).length).toBeGreaterThanOrEqual(3);
    const epochs = search.snapshot().epochs as { meanReward: number }[];
    expect(epochs).toHaveLength(4);
    expect(epochs[3]!.meanReward).toBeGreaterThan(epochs[0]!.meanReward + 0.1);
    expect(result.derived.filter((op) => op === "avg_pool_3x3").length).toBeGreaterThanOrEqual(3);
    expect(result.proposals[0]!.supernetAcc).toBe(Math.max(...result.proposals.map((p) => p.supernetAcc!)));
    search.dispose();
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("needs a space with decisions and a positive number of epochs", () => {
    const net = nb201Supernet({ inputShape: SHAPE, numClasses: 4, seed: 1, channels: 2 });
    const data = teacherTask(net, TEACHER, SHAPE, { train: 8, val: 8 }, 0);
    const { decisions: _d, ...plain } = nb201Space();
    expect(() => enasSearch({ supernet: net, space: plain as never, data, epochs: 1, seed: 0 })).toThrow(/needs the space to provide decisions/);
    expect(() => enasSearch({ supernet: net, space: nb201Space(), data, epochs: 0, seed: 0 })).toThrow(/epochs must be a positive integer/);
    net.dispose();
  });
});
