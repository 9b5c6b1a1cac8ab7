import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { search } from "../../src/search.js";
import { reinforce, type ReinforceOptions } from "../../src/strategy/reinforce.js";
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
  /** p(target) under the final policy, when its greedy path is the target (else 0: the policy prefers another). */
  const optimumProbability = async (lr: number, seed: number, target: number[], extra: ReinforceOptions = {}) => {
    const r = await search({ space: bitSpace(8), strategy: reinforce({ learningRate: lr, batch: 5, hidden: 16, ...extra }), evaluator: onesEvaluator(target), budget: { queries: 60 }, seed }).result();
    const policy = r.snapshot.policy!;
    if (r.snapshot.greedy !== target.join("")) return 0;
    return policy.reduce((p, e, i) => p * e.probs[target[i]!]!, 1);
  };

  it("learns: over 12 seeds the policy's probability of the optimum rises from 1/256 (a frozen policy fails this)", async () => {
    // The initial policy is near uniform, p(optimum) ~ 1/256, and its greedy path is the optimum with probability
    // ~1/256. Requiring it in >= 8 of 12 seeds with p >= 0.05 is out of reach for a policy that does not learn
    // (checked: learningRate 1e-12 gives 0 of 20 seeds; 0.05 gives 10 of these 12, 18 of 20).
    const target = [1, 0, 1, 1, 0, 0, 1, 0];
    const ps: number[] = [];
    for (let seed = 0; seed < 12; seed++) ps.push(await optimumProbability(0.05, seed, target));
    expect(ps.filter((p) => p >= 0.05).length).toBeGreaterThanOrEqual(8);
  }, 120_000);

  it("uses every sampled architecture of a batch in its update, known ones with their cached reward", async () => {
    const space = bitSpace(3); // 8 architectures: a batch of 6 repeats some soon
    const ev = onesEvaluator([1, 1, 1]);
    const r = await search({ space, strategy: reinforce({ batch: 6, hidden: 8, maxFreeUpdates: 1000 }), evaluator: ev, budget: { queries: 8 }, seed: 2 }).result();
    // No repeated query (rewards are reused; maxFreeUpdates is out of reach), and the controller updated more often
    // than 8 queries in batches of 6 would allow if known samples were resampled instead of used.
    expect(new Set(r.history.map((t) => t.archString)).size).toBe(r.history.length);
    expect(r.snapshot.updates as number).toBeGreaterThan(1);
    expect(r.snapshot.sampling).toBe("policy");
  }, 60_000);

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
    expect(() => reinforce({ sampling: "greedy" as "policy" })).toThrow(/sampling must be "policy" or "novelty"/);
    expect(() => reinforce({ maxFreeUpdates: -1 })).toThrow(/maxFreeUpdates must be an integer >= 0/);
    expect(() => reinforce({ learningRate: 0 })).toThrow(/learningRate must be a positive number/);
    expect(() => reinforce({ baselineDecay: 1 })).toThrow(/baselineDecay must be in \[0, 1\)/);
    expect(() => reinforce({ batch: 0 })).toThrow(/batch must be an integer >= 1/);
  });
});
