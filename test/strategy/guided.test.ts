/** Predictor-guided evolution (BANANAS-style) and Delta-NAS share their round structure; both are tested here. */
import { describe, expect, it } from "vitest";
import { search } from "../../src/search.js";
import { predictorEvolution } from "../../src/strategy/predictorEvolution.js";
import { deltaNas } from "../../src/strategy/deltaNas.js";
import { CapabilityError } from "../../src/errors.js";
import { Rng } from "../../src/rng.js";
import { bitSpace, onesEvaluator, type Bits } from "../fixtures/bitSpace.js";
import type { Evaluator } from "../../src/estimate/types.js";
import { bruteForceTauB } from "../predict/bruteForceTau.js";

/** A weighted, non-separable fitness on 10 bits; the optimum (by brute force over 1,024 strings) is unique. */
const W = [3, -2, 2.5, 1, -1, 2, 0.5, -0.5, 1.5, 1];
const weighted = (a: Bits) => W.reduce((s, w, i) => s + w * a[i]!, 0) + (a[0] && a[2] ? 2 : 0) - (a[3] && a[5] ? 1.5 : 0);
const weightedEvaluator: Evaluator<Bits> = {
  name: "weighted-bits",
  objective: "val_acc",
  async evaluate(a) {
    return { metrics: { val_acc: weighted(a) }, cost: { seconds: 0 }, status: "ok" };
  },
};
const bruteForceOptimum = (() => {
  let best = -Infinity;
  for (let i = 0; i < 1024; i++) best = Math.max(best, weighted(Array.from({ length: 10 }, (_, b) => (i >> b) & 1)));
  return best;
})();

const factories = [
  // minTau: the candidates' mean Kendall tau below which the predictor ranks no better than an untrained one (with
  // its MLPs frozen at their initial weights the means were 0.14, 0.05 and 0.28; trained 0.38, 0.28 and 0.63).
  // Delta-NAS's frozen figure is high because its score adds the parent's measured accuracy.
  { name: "predictor-evolution", make: () => predictorEvolution({ init: 10, batch: 5 }), minTau: 0.3 },
  { name: "predictor-evolution (path, its)", make: () => predictorEvolution({ init: 10, batch: 5, encoding: "path", acquisition: "its" }), minTau: 0.2 },
  { name: "delta-nas", make: () => deltaNas({ init: 10, batch: 5 }), minTau: 0.45 },
];

describe.each(factories)("$name", ({ make, minTau }) => {
  it("finds the brute-force optimum of a 10-bit space within 80 of its 1,024 architectures", async () => {
    const r = await search({ space: bitSpace(10), strategy: make(), evaluator: weightedEvaluator, budget: { queries: 80 }, seed: 1 }).result();
    expect(r.best!.fitness).toBe(bruteForceOptimum);
  });

  it("never evaluates the same architecture twice and is deterministic for a seed", async () => {
    const run = () => search({ space: bitSpace(8), strategy: make(), evaluator: onesEvaluator([1, 0, 1, 0, 1, 0, 1, 0]), budget: { queries: 40 }, seed: 7 }).result();
    const a = await run();
    const b = await run();
    expect(a.history.map((t) => t.archString)).toEqual(b.history.map((t) => t.archString));
    expect(new Set(a.history.map((t) => t.key)).size).toBe(40);
  });

  it("snapshots its population, predictor and the candidates it chose", async () => {
    const r = await search({ space: bitSpace(8), strategy: make(), evaluator: onesEvaluator([1, 1, 1, 1, 0, 0, 0, 0]), budget: { queries: 25 }, seed: 2 }).result();
    expect(r.snapshot.population).toHaveLength(25);
    expect(r.snapshot.predictor!.trainSize).toBeGreaterThan(0);
    expect((r.snapshot.candidates as unknown[]).length).toBeGreaterThan(0);
    // Every guided candidate (after the 10 random ones) is scored, and its recorded accuracy is the one measured.
    const scored = r.snapshot.scored as { predicted: number; actual: number }[];
    expect(scored.length).toBeGreaterThanOrEqual(10);
    expect(scored.map((s) => s.actual)).toEqual(r.history.slice(25 - scored.length).map((t) => t.fitness));
  });

  it("its candidates' scores rank their measured accuracies (Kendall tau by brute force, 6 seeds)", async () => {
    const taus: number[] = [];
    for (let seed = 0; seed < 6; seed++) {
      const r = await search({ space: bitSpace(10), strategy: make(), evaluator: weightedEvaluator, budget: { queries: 60 }, seed }).result();
      const recent = (r.snapshot.scored as { predicted: number; actual: number }[]).slice(-50);
      const tau = bruteForceTauB(recent.map((s) => s.predicted), recent.map((s) => s.actual));
      expect(r.snapshot.predictor!.kendallTau).toBeCloseTo(tau, 12);
      taus.push(tau);
    }
    expect(taus.reduce((s, t) => s + t, 0) / taus.length).toBeGreaterThan(minTau);
  });
});

describe("delta-nas close pairs", () => {
  it("grows close pairs by mutation before its first fit, then trains only on pairs within maxDistance", async () => {
    const space = bitSpace(10);
    const r = await search({ space, strategy: deltaNas({ init: 10, batch: 5, minPairs: 20 }), evaluator: weightedEvaluator, budget: { queries: 40 }, seed: 5 }).result();
    const archs = r.history.map((t) => t.arch);
    // After the random start, the unguided rounds evaluate one-step mutations of evaluated architectures.
    const unguided = r.snapshot.unguidedRounds as number;
    expect(unguided).toBeGreaterThanOrEqual(1);
    for (let i = 10; i < 10 + unguided * 5; i++) {
      expect(Math.min(...archs.slice(0, i).map((b) => space.distance(archs[i]!, b)))).toBe(1);
    }
    expect(r.snapshot.predictor!.withinDistance).toBe(1);
    expect(r.snapshot.predictor!.closePairs as number).toBeGreaterThanOrEqual(20);
  });
});

describe("guided evolution options and capabilities", () => {
  it("reject bad options with the option's name and range", () => {
    expect(() => predictorEvolution({ batch: 0 })).toThrow(/batch must be an integer >= 1/);
    expect(() => predictorEvolution({ acquisition: "ei" as "mean" })).toThrow(/acquisition must be mean, ucb or its/);
    expect(() => deltaNas({ init: 1 })).toThrow(/init must be an integer >= 2/);
    expect(() => deltaNas({ maxDistance: 0 }).create(bitSpace(4), new Rng(1))).toThrow(/maxDistance must be > 0/);
  });

  it("Delta-NAS with a zero-cost warmup evaluates the proxy's top init architectures first, and takes proxy features", async () => {
    const n = 10;
    const space = { ...bitSpace(n), all: () => Array.from({ length: 2 ** n }, (_, i) => Array.from({ length: n }, (_, b) => (i >> b) & 1)) };
    const warmup = { name: "weighted", score: weighted, pool: "all" as const };
    const features = (a: Bits) => Float32Array.of(weighted(a) / 20);
    const r = await search({ space, strategy: deltaNas<Bits>({ init: 4, batch: 3, warmup, proxyFeatures: features }), evaluator: weightedEvaluator, budget: { queries: 40 }, seed: 1 }).result();
    // The proxy is the fitness here: its top 4 of all 1,024 (one per key) come first, best first.
    const all = space.all().sort((a, b) => weighted(b) - weighted(a));
    expect(r.history.slice(0, 4).map((t) => t.archString)).toEqual(all.slice(0, 4).map((a) => a.join("")));
    expect(r.best!.fitness).toBe(bruteForceOptimum);
    expect(String(r.snapshot.predictor!.name)).toMatch(/\+features/);
    expect(() => deltaNas<Bits>({ init: 4, warmup: { ...warmup, pool: 2 } })).toThrow(/warmup.pool must be "all" or an integer >= 4/);
  });

  it("need an encodable space", () => {
    const space = bitSpace(4) as Partial<ReturnType<typeof bitSpace>>;
    delete space.encode;
    expect(() => deltaNas().create(space as ReturnType<typeof bitSpace>, new Rng(1))).toThrow(CapabilityError);
  });
});
