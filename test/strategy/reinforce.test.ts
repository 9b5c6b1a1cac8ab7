import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { search } from "../../src/search.js";
import { reinforce } from "../../src/strategy/reinforce.js";
import { zophLeSpace, type ZophLeArch } from "../../src/space/zophLe.js";
import { chainSpace, type ChainArch } from "../../src/space/chain.js";
import { nb201Space, type Nb201Arch } from "../../src/space/nb201.js";
import type { Evaluator } from "../../src/estimate/types.js";
import { bitSpace, onesEvaluator } from "../fixtures/bitSpace.js";

/** An evaluator scoring a function of the architecture, for spaces without a benchmark table. */
function scoreEvaluator<A>(score: (a: A) => number): Evaluator<A> {
  return { name: "score", objective: "val_acc", evaluate: async (a) => ({ metrics: { val_acc: score(a) }, cost: { seconds: 0 }, status: "ok" }) };
}

describe("reinforce", () => {
  it("finds the optimum of an 8-bit space (256 architectures) within 80 queries", async () => {
    // Random search finds it with probability 1 - (255/256)^80 = 27%; the controller must learn.
    const target = [1, 0, 1, 1, 0, 0, 1, 0];
    const r = await search({ space: bitSpace(8), strategy: reinforce({ learningRate: 0.1, batch: 5, reuseRewards: false }), evaluator: onesEvaluator(target), budget: { queries: 80 }, seed: 3 }).result();
    expect(r.best!.fitness).toBe(8);
  }, 120_000);

  it("concentrates its policy on the best choices (policy snapshot)", async () => {
    const space = nb201Space();
    // Conv 3x3 on every edge is the unique optimum of this score.
    const ev = scoreEvaluator<Nb201Arch>((a) => a.filter((op) => op === "nor_conv_3x3").length);
    const r = await search({ space, strategy: reinforce({ learningRate: 0.05, batch: 5, reuseRewards: false }), evaluator: ev, budget: { queries: 120 }, seed: 1 }).result();
    const policy = r.snapshot.policy!;
    expect(policy).toHaveLength(6);
    // Uniform start: 0.2 per op. After learning, conv 3x3 carries most of the mass on every edge.
    const p3 = policy.map((p) => p.probs[p.choices.indexOf("nor_conv_3x3")]!);
    expect(Math.min(...p3)).toBeGreaterThan(0.3);
    expect(p3.reduce((a, b) => a + b, 0) / 6).toBeGreaterThan(0.5);
    expect((r.snapshot.greedy as string).split("nor_conv_3x3").length - 1).toBeGreaterThanOrEqual(5);
  }, 120_000);

  it("samples the Zoph & Le space's anchor-point skip connections and learns them", async () => {
    const space = zophLeSpace({ layers: 3 });
    // Reward skip connections into the last layer and 3x3 filters: anchors must respond to the reward.
    const ev = scoreEvaluator<ZophLeArch>((a) => a.layers[2]!.inputs.length * 2 + a.layers.filter((l) => l.height === 3).length);
    const r = await search({ space, strategy: reinforce({ learningRate: 0.1 }), evaluator: ev, budget: { queries: 60 }, seed: 2 }).result();
    const anchors = r.snapshot.policy!.filter((p) => p.choices.join() === "no,yes");
    expect(anchors.map((p) => p.decision)).toEqual(["layer1_from0", "layer2_from0", "layer2_from1"]);
    expect(r.history.some((t) => t.arch.layers[2]!.inputs.length > 0)).toBe(true);
    const last = anchors.filter((p) => p.decision.startsWith("layer2"));
    for (const p of last) expect(p.probs[1]!).toBeGreaterThan(0.5);
  }, 120_000);

  it("runs on the Keras chain space", async () => {
    const space = chainSpace();
    const ev = scoreEvaluator<ChainArch>((a) => a.conv.length + a.dense.length);
    const r = await search({ space, strategy: reinforce(), evaluator: ev, budget: { queries: 20 }, seed: 4 }).result();
    expect(r.history).toHaveLength(20);
    for (const t of r.history) expect(() => space.validate(t.arch)).not.toThrow();
    expect(r.snapshot.policy!.map((p) => p.decision)).toContain("conv_layers");
  }, 120_000);

  it("is deterministic for a seed (resume by replay relies on it) and leaves no tensors behind", async () => {
    const before = tf.memory().numTensors;
    const run = () => search({ space: bitSpace(8), strategy: reinforce(), evaluator: onesEvaluator([1, 1, 0, 0, 1, 1, 0, 0]), budget: { queries: 30 }, seed: 9 }).result();
    const a = await run();
    const b = await run();
    expect(a.history.map((t) => t.archString)).toEqual(b.history.map((t) => t.archString));
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it("rejects bad options, naming the option", () => {
    expect(() => reinforce({ learningRate: 0 })).toThrow(/learningRate must be a positive number/);
    expect(() => reinforce({ baselineDecay: 1 })).toThrow(/baselineDecay must be in \[0, 1\)/);
    expect(() => reinforce({ batch: 0 })).toThrow(/batch must be an integer >= 1/);
  });
});
