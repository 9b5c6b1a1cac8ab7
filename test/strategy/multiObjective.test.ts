import { describe, expect, it } from "vitest";
import { constrainedEvaluator, violationOf } from "../../src/cost/constrained.js";
import type { Evaluator } from "../../src/estimate/types.js";
import { Rng } from "../../src/rng.js";
import { search } from "../../src/search.js";
import { regularizedEvolution } from "../../src/strategy/evolution.js";
import { hypervolume } from "../../src/strategy/hypervolume.js";
import { moRegularizedEvolution } from "../../src/strategy/moEvolution.js";
import { nonDominatedSort } from "../../src/strategy/nondominated.js";
import { nsga2 } from "../../src/strategy/nsga2.js";
import { ObjectiveError } from "../../src/strategy/objectives.js";
import { randomSearch } from "../../src/strategy/random.js";
import type { StrategyFactory } from "../../src/strategy/types.js";
import { bitSpace, type Bits } from "../fixtures/bitSpace.js";

const N = 12;
const space = bitSpace(N);
// Each bit adds gain and cost, in different proportions: the front trades gain for cost (a knapsack front).
const rng = new Rng("mo-fixture");
const gainOf = Array.from({ length: N }, () => 1 + rng.int(20));
const costOf = Array.from({ length: N }, () => 1 + rng.int(20));
const metricsOf = (a: Bits) => ({ gain: a.reduce((s, b, i) => s + b * gainOf[i]!, 0), cost: a.reduce((s, b, i) => s + b * costOf[i]!, 0) });
const evaluator: Evaluator<Bits> = {
  name: "knapsack",
  objective: "gain",
  fingerprint: () => ({ kind: "knapsack", seeded: false }),
  async evaluate(a) {
    return { status: "ok", metrics: metricsOf(a), cost: { seconds: 0 } };
  },
};
const all = Array.from({ length: 2 ** N }, (_, n) => Array.from({ length: N }, (_, i) => (n >> i) & 1));
const points = (archs: Bits[]) => archs.map((a) => [-metricsOf(a).gain, metricsOf(a).cost]);
const ref = [0, costOf.reduce((a, b) => a + b, 0) + 1];
const trueHv = hypervolume(points(all), ref);

async function hvRatio(strategy: StrategyFactory, seed: number, queries: number): Promise<number> {
  const r = await search({ space, strategy, evaluator, budget: { queries }, seed, store: false }).result();
  return hypervolume(points(r.history.map((t) => t.arch)), ref) / trueHv;
}

const objectives = ["max:gain", "min:cost"] as const;

describe("multi-objective strategies", () => {
  it.each([
    ["nsga2", () => nsga2({ objectives: [...objectives], population: 12 })],
    ["mo-regularized-evolution", () => moRegularizedEvolution({ objectives: [...objectives], population: 12, sample: 4 })],
  ])("%s: finds a front with more hypervolume than random search at equal queries, over 12 seeds", async (_name, make) => {
    let wins = 0;
    let sum = 0;
    let sumRandom = 0;
    for (let seed = 0; seed < 12; seed++) {
      const mo = await hvRatio(make(), seed, 96);
      const rnd = await hvRatio(randomSearch(), seed, 96);
      sum += mo;
      sumRandom += rnd;
      if (mo > rnd) wins++;
    }
    expect(sum / 12).toBeGreaterThan(sumRandom / 12);
    expect(wins).toBeGreaterThanOrEqual(9);
  });

  it("nsga2 is deterministic in its seed and never proposes an architecture twice", async () => {
    const run = (seed: number) => search({ space, strategy: nsga2({ objectives: [...objectives], population: 10 }), evaluator, budget: { queries: 150 }, seed, store: false }).result();
    const [a, b, c] = await Promise.all([run(3), run(3), run(4)]);
    expect(a.history.map((t) => t.archString)).toEqual(b.history.map((t) => t.archString));
    expect(a.history.map((t) => t.archString)).not.toEqual(c.history.map((t) => t.archString));
    expect(new Set(a.history.map((t) => t.archString)).size).toBe(150);
  });

  it("nsga2's snapshot shows the true non-dominated set of what was told, and its hypervolume", async () => {
    const r = await search({
      space, strategy: nsga2({ objectives: [...objectives], population: 10, reference: [0, ref[1]!] }), evaluator, budget: { queries: 60 }, seed: 1, store: false,
    }).result();
    const pts = points(r.history.map((t) => t.arch));
    const front = new Set(nonDominatedSort(pts)[0]!.map((i) => r.history[i]!.archString));
    const shown = r.snapshot.front as { arch: string }[];
    expect(new Set(shown.map((m) => m.arch))).toEqual(front);
    expect(r.snapshot.hypervolume).toBeCloseTo(hypervolume(pts, ref), 9);
  });

  it("refuses fewer than two objectives and malformed ones", () => {
    expect(() => nsga2({ objectives: ["max:gain"] })).toThrow(ObjectiveError);
    expect(() => nsga2({ objectives: ["max:gain", "gain" as "max:x"] })).toThrow(/must be "max:<metric>"/);
    expect(() => moRegularizedEvolution({ objectives: ["max:gain", "min:gain"] })).toThrow(/appears twice/);
  });
});

describe("constrained search through the evaluator's result", () => {
  it("measures violation relative to each bound and sums it", () => {
    expect(violationOf({ latency_ms: 6, params: 10 }, { latency_ms: { max: 5 } })).toBeCloseTo(0.2, 12);
    expect(violationOf({ latency_ms: 6, params: 10 }, { latency_ms: { max: 5 }, params: { min: 20 } })).toBeCloseTo(0.7, 12);
    expect(violationOf({ latency_ms: 4 }, { latency_ms: { max: 5 } })).toBe(0);
    expect(() => violationOf({ acc: 1 }, { latency_ms: { max: 5 } })).toThrow(/no finite "latency_ms"/);
  });

  it("makes regularized evolution return the best architecture within the limit (brute force), not the best overall", async () => {
    const limit = Math.round(ref[1]! / 3);
    const bestFeasible = Math.max(...all.map(metricsOf).filter((m) => m.cost <= limit).map((m) => m.gain));
    const bestOverall = Math.max(...all.map((a) => metricsOf(a).gain));
    expect(bestOverall).toBeGreaterThan(bestFeasible);
    const constrained = constrainedEvaluator(evaluator, { limits: { cost: { max: limit } } });
    expect(constrained.objective).toBe("constrained_gain");
    let hits = 0;
    for (let seed = 0; seed < 5; seed++) {
      const r = await search({ space, strategy: regularizedEvolution({ population: 20, sample: 5 }), evaluator: constrained, budget: { queries: 400 }, seed, store: false }).result();
      expect(r.best!.result.metrics.cost).toBeLessThanOrEqual(limit);
      expect(r.best!.result.metrics.feasible).toBe(1);
      if (r.best!.result.metrics.gain === bestFeasible) hits++;
      // Infeasible trials score below every feasible one, ordered by how far past the limit they are.
      for (const t of r.history) if (t.result.metrics.feasible === 0) expect(t.fitness).toBeCloseTo(-(t.result.metrics.cost! - limit) / limit, 12);
    }
    expect(hits).toBeGreaterThanOrEqual(4);
  });

  it("fails a trial, naming the metric, when the evaluator does not report the constrained metric", async () => {
    const c = constrainedEvaluator(evaluator, { limits: { latency_ms: { max: 5 } } });
    const r = await c.evaluate([1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0], { seed: 0 });
    expect(r.status).toBe("failed");
    expect(r.error).toMatch(/no finite "latency_ms".*combine the evaluator/);
  });
});
