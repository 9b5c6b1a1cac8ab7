import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { latencyEvaluator, machineFingerprint } from "../../src/cost/latencyEvaluator.js";
import { LatencyOptionsError, measureLatency, quantile, summarizeSamples } from "../../src/cost/measureLatency.js";
import { combineEvaluators } from "../../src/cost/combined.js";
import { constrainedEvaluator } from "../../src/cost/constrained.js";
import { evaluatorFromRecipe } from "../../src/exec/recipe.js";
import { modelBuilder } from "../../src/model/build.js";
import { nb201Space, parseNb201 } from "../../src/space/nb201.js";
import { allChoices, enumeration } from "../../src/strategy/enumeration.js";
import { search } from "../../src/search.js";
import { leakedTensors, useCpu } from "../model/leak.js";
import { bitSpace } from "../fixtures/bitSpace.js";

beforeAll(useCpu);

describe("measuring latency", () => {
  it("summarises samples by median and interquartile range (numpy's linear quantiles)", () => {
    expect(quantile([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 12);
    expect(summarizeSamples([5, 1, 3, 2, 4])).toEqual({ median: 3, iqr: 2, min: 1, max: 5 });
  });

  it("times a model's inferences after the warm-up, leaks nothing, and refuses a zero batch", async () => {
    const b = modelBuilder(nb201Space(), { channels: 2, cellsPerStage: 1 })(parseNb201("|nor_conv_3x3~0|+|skip_connect~0|none~1|+|avg_pool_3x3~0|nor_conv_1x1~1|skip_connect~2|"), {
      inputShape: [8, 8, 3], numClasses: 4, seed: 0,
    });
    const calls: number[] = [];
    const predict = b.model.predict.bind(b.model);
    b.model.predict = ((x: tf.Tensor) => (calls.push(x.shape[0]!), predict(x))) as typeof b.model.predict;
    const leaked = await leakedTensors(() => {
      const m = measureLatency(b.model, { batchSize: 3, warmup: 2, repeats: 5 });
      expect(m.samples).toHaveLength(5);
      expect(m.samples.every((s) => s > 0 && Number.isFinite(s))).toBe(true);
      expect(m.median).toBe(summarizeSamples(m.samples).median);
      expect(m.backend).toBe("cpu");
    });
    expect(leaked).toBe(0);
    expect(calls).toEqual([3, 3, 3, 3, 3, 3, 3]);
    expect(() => measureLatency(b.model, { batchSize: 0 })).toThrow(LatencyOptionsError);
    b.model.dispose();
  });

  it("the latency evaluator reports latency, noise, params and FLOPs, is keyed by the machine, and rebuilds from its recipe", async () => {
    const space = nb201Space();
    const ev = latencyEvaluator({ build: modelBuilder(space, { channels: 2, cellsPerStage: 1 }), inputShape: [8, 8, 3], numClasses: 4, latency: { repeats: 3 }, backend: "current" });
    const arch = parseNb201("|nor_conv_3x3~0|+|skip_connect~0|none~1|+|avg_pool_3x3~0|nor_conv_1x1~1|skip_connect~2|");
    const r = await ev.evaluate(arch, { seed: 1 });
    expect(r.status).toBe("ok");
    const built = modelBuilder(space, { channels: 2, cellsPerStage: 1 })(arch, { inputShape: [8, 8, 3], numClasses: 4, seed: 0 });
    expect(r.metrics.params).toBe(built.params);
    expect(r.metrics.flops).toBe(built.flops);
    built.model.dispose();
    expect(r.metrics.latency_ms).toBeGreaterThan(0);
    expect(r.metrics.latency_iqr_ms).toBeGreaterThanOrEqual(0);
    expect(r.metrics.latency_min_ms).toBeLessThanOrEqual(r.metrics.latency_ms!);
    const fp = await ev.fingerprint!();
    expect(fp.machine).toEqual(machineFingerprint());
    expect(fp.seeded).toBe(false);
    const again = await evaluatorFromRecipe(ev.recipe!);
    expect(await again.fingerprint!()).toEqual(fp);
    // A retest round is a new trial (its own key), and round 1 keeps the keys it had before rounds existed.
    expect(fp.round).toBeUndefined();
    const retest = latencyEvaluator({ build: modelBuilder(space, { channels: 2, cellsPerStage: 1 }), inputShape: [8, 8, 3], numClasses: 4, latency: { repeats: 3 }, backend: "current", round: 2 });
    expect((await retest.fingerprint!()).round).toBe(2);
    expect(await (await evaluatorFromRecipe(retest.recipe!)).fingerprint!()).toEqual(await retest.fingerprint!());
  });

  it("a constrained evaluator over a combined one rebuilds from its recipe in another process's way (module recipe in exec/)", async () => {
    const space = nb201Space();
    const lat = latencyEvaluator({ build: modelBuilder(space, { channels: 2, cellsPerStage: 1 }), inputShape: [8, 8, 3], numClasses: 4, latency: { repeats: 2 }, backend: "current" });
    const wrapped = constrainedEvaluator(combineEvaluators(lat, lat), { limits: { latency_ms: { max: 1e9 } } });
    expect(wrapped.recipe).toMatchObject({ kind: "module", export: "constrainedEvaluatorFromRecipe" });
    const rebuilt = await evaluatorFromRecipe(wrapped.recipe!);
    expect(rebuilt.objective).toBe("constrained_latency_ms");
    expect(await rebuilt.fingerprint!()).toEqual(await wrapped.fingerprint!());
  });

  it("combineEvaluators merges metrics, keeps the first's objective, and fails when any part fails", async () => {
    const a = { name: "a", objective: "acc", fingerprint: () => ({ seeded: false }), evaluate: async () => ({ status: "ok" as const, metrics: { acc: 90, shared: 1 }, cost: { seconds: 1 } }) };
    const b = { name: "b", objective: "lat", fingerprint: () => ({ seeded: false }), evaluate: async () => ({ status: "ok" as const, metrics: { lat: 3, shared: 2 }, cost: { seconds: 2 } }) };
    const bad = { name: "bad", objective: "x", evaluate: async () => ({ status: "failed" as const, metrics: {}, cost: { seconds: 0 }, error: "Error: no" }) };
    const c = combineEvaluators(a, b);
    expect(c.objective).toBe("acc");
    expect(await c.evaluate(0, { seed: 0 })).toEqual({ status: "ok", metrics: { acc: 90, shared: 1, lat: 3 }, cost: { seconds: 3 } });
    expect((await c.fingerprint!()).seeded).toBe(false);
    expect((await combineEvaluators(a, bad).evaluate(0, { seed: 0 })).status).toBe("failed");
    expect(combineEvaluators(a, bad).fingerprint).toBeUndefined();
  });
});

describe("enumeration", () => {
  it("lists every NB201 cell once", () => {
    const space = nb201Space();
    const all = allChoices(space).map((c) => space.format(space.fromChoices(c)));
    expect(all).toHaveLength(15625);
    expect(new Set(all).size).toBe(15625);
  });

  it("as a strategy, proposes the whole space once in a seeded order, then stops", async () => {
    const space = bitSpace(6);
    const evaluator = { name: "zero", objective: "v", evaluate: async () => ({ status: "ok" as const, metrics: { v: 0 }, cost: { seconds: 0 } }) };
    const run = (seed: number) => search({ space, strategy: enumeration(), evaluator, budget: { queries: 1000 }, seed, store: false }).result();
    const [a, b] = await Promise.all([run(1), run(2)]);
    expect(a.stopped).toBe("exhausted");
    expect(new Set(a.history.map((t) => t.archString)).size).toBe(64);
    expect(a.history).toHaveLength(64);
    expect(a.history.map((t) => t.archString)).not.toEqual(b.history.map((t) => t.archString));
  });
});
