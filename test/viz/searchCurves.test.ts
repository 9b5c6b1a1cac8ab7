import { describe, expect, it } from "vitest";
import { searchCurves, seedBand, stepValueAt, type CurveRun } from "../../src/viz/searchCurves.js";
import { search } from "../../src/search.js";
import { regularizedEvolution } from "../../src/strategy/evolution.js";
import { randomSearch } from "../../src/strategy/random.js";
import type { StrategyFactory } from "../../src/strategy/types.js";
import { bitSpace, onesEvaluator } from "../fixtures/bitSpace.js";
import { searchRuns } from "./fixtures.js";

const run = (seed: number, pts: [number, number, number][]): CurveRun => ({ strategy: "s", seed, points: pts.map(([queries, seconds, best]) => ({ queries, seconds, best })) });

describe("stepValueAt", () => {
  it.each([
    [0, undefined],
    [1, 10],
    [2.5, 10],
    [3, 12],
    [7, 15],
    [8, undefined],
  ])("at x=%s gives %s", (x, expected) => {
    expect(stepValueAt([1, 3, 7], [10, 12, 15], x)).toBe(expected);
  });
});

describe("seedBand", () => {
  it("is the mean ± sample standard deviation of the seeds' step functions on the union grid", () => {
    const runs = [run(0, [[1, 0.1, 1], [3, 0.3, 4]]), run(1, [[1, 0.2, 3], [2, 0.25, 5], [3, 0.4, 6]])];
    const b = seedBand(runs, "queries");
    expect(b.x).toEqual([1, 2, 3]);
    // x=1: {1,3}; x=2: {1,5}; x=3: {4,6}
    expect(b.mean).toEqual([2, 3, 5]);
    const sd = (a: number, c: number): number => Math.sqrt(((a - (a + c) / 2) ** 2 + (c - (a + c) / 2) ** 2) / 1);
    expect(b.std).toEqual([sd(1, 3), sd(1, 5), sd(4, 6)]);
    b.x.forEach((_, i) => {
      expect(b.lower[i]).toBeCloseTo(b.mean[i]! - b.std[i]!, 12);
      expect(b.upper[i]).toBeCloseTo(b.mean[i]! + b.std[i]!, 12);
    });
    expect(b.n).toEqual([2, 2, 2]);
  });

  it("on seconds keeps only times every seed covers, unless coverage is 'any'", () => {
    const runs = [run(0, [[1, 1, 1], [2, 5, 2]]), run(1, [[1, 2, 3], [2, 9, 4]])];
    expect(seedBand(runs, "seconds").x).toEqual([2, 5]);
    const any = seedBand(runs, "seconds", { coverage: "any" });
    expect(any.x).toEqual([1, 2, 5, 9]);
    expect(any.n).toEqual([1, 2, 2, 1]);
    expect(any.mean).toEqual([1, 2, 2.5, 4]);
  });

  it("has zero spread for one seed", () => {
    const b = seedBand([run(0, [[1, 1, 1], [2, 2, 3]])], "queries");
    expect(b.std).toEqual([0, 0]);
  });

  it("thins long grids to about maxPoints and keeps the end", () => {
    const long = run(0, Array.from({ length: 5000 }, (_, i) => [i + 1, (i + 1) * 0.01, i] as [number, number, number]));
    const b = seedBand([long], "seconds", { maxPoints: 100, log: true });
    expect(b.x.length).toBeLessThanOrEqual(101);
    expect(b.x[b.x.length - 1]).toBeCloseTo(50, 9);
    expect(b.mean[b.mean.length - 1]).toBe(4999);
  });

  it("rejects non-finite points with the run named", () => {
    expect(() => seedBand([run(3, [[1, 1, NaN]])], "queries")).toThrow(/s\/seed 3 has a non-finite point/);
  });
});

describe("searchCurves", () => {
  it("draws band + mean per strategy on both axes when asked for the time panel, strategies in first-seen order", () => {
    const runs = searchRuns(5, 30);
    const fig = searchCurves(runs, { timePanel: true });
    expect(fig.spec.data).toHaveLength(3 * 2 * 3);
    const means = fig.spec.data.filter((t) => t.showlegend === true);
    expect(means.map((t) => t.name)).toEqual(["random (3 seeds)", "evolution (3 seeds)", "local search (3 seeds)"]);
    const evo = seedBand(runs.filter((r) => r.strategy === "evolution"), "queries");
    expect(means[1]!.y).toEqual(evo.mean);
    expect(fig.spec.data[3 * 1 + 1]!.fill).toBe("tonexty");
    expect(fig.summary).toMatch(/3 strategies, 3 seed/);
  });

  it("leaves wall time out unless the time panel is asked for, so identical runs give identical figures", () => {
    const runs = searchRuns(5, 30);
    const fig = searchCurves(runs);
    expect(fig.spec.data).toHaveLength(3 * 3);
    expect(fig.spec.data.every((t) => t.xaxis === "x")).toBe(true);
    expect(fig.spec.layout.xaxis2).toBeUndefined();
    // Same queries and bests, different wall times: the same figure (spec and id).
    const slower = runs.map((r) => ({ ...r, points: r.points.map((p) => ({ ...p, seconds: p.seconds * 3 + 1 })) }));
    const again = searchCurves(slower);
    expect(JSON.stringify(again.spec)).toBe(JSON.stringify(fig.spec));
    expect(again.id).toBe(fig.id);
  });

  it("titles the y axis with the metric's readable label (an unknown title is kept)", () => {
    const runs = [run(0, [[1, 1, 90], [2, 2, 94]])];
    const yTitle = (metric?: string): string => (searchCurves(runs, { metric }).spec.layout.yaxis as { title: { text: string } }).title.text;
    expect(yTitle("val_acc")).toBe("validation accuracy (%)");
    expect(yTitle("test accuracy (%)")).toBe("test accuracy (%)");
    expect(yTitle()).toBe("best so far");
  });

  it("ticks the queries axis at integers", () => {
    const fig = searchCurves([run(0, [[1, 1, 90], [2, 2, 94], [3, 3, 95]])]);
    expect(fig.spec.layout.xaxis).toMatchObject({ tickmode: "linear", dtick: 1, tickformat: "d" });
  });

  it("plots regret on a log axis when the optimum is known", () => {
    const fig = searchCurves([run(0, [[1, 1, 90], [2, 2, 94]])], { optimum: 94.37 });
    const mean = fig.spec.data[2]!;
    expect((mean.y as number[])[1]).toBeCloseTo(0.37, 9);
    expect((fig.spec.layout.yaxis as { type: string }).type).toBe("log");
  });

  it("draws a regret of 0 (the optimum found) a decade below the smallest positive regret, not at 1e-9", () => {
    const fig = searchCurves([run(0, [[1, 1, 90], [2, 2, 94], [3, 3, 94.37]])], { optimum: 94.37 });
    expect((fig.spec.data[2]!.y as number[])).toEqual([94.37 - 90, 94.37 - 94, (94.37 - 94) / 10].map((x) => expect.closeTo(x, 9)));
  });

  it("draws only the queries panel unless asked for time, with the target as a dotted line", () => {
    const runs = [run(0, [[1, 0, 90], [3, 0, 93]]), run(1, [[1, 0, 91], [3, 0, 92]])];
    const fig = searchCurves(runs, { target: { value: 94.37, label: "best in the table" } });
    expect(fig.spec.data.filter((t) => t.xaxis === "x2")).toHaveLength(0);
    expect(fig.spec.layout.xaxis2).toBeUndefined();
    const target = fig.spec.data.at(-1)!;
    expect(target.name).toBe("best in the table");
    expect(target.y).toEqual([94.37, 94.37]);
    expect(target.x).toEqual([1, 3]);
    expect(searchCurves(runs, { timePanel: true }).spec.data.filter((t) => t.xaxis === "x2")).toHaveLength(3);
  });
});

describe("searchCurves of search results, as search() returns them", () => {
  const target = [1, 0, 1, 1, 0, 1];
  /** Random search and evolution over 6 bits, 3 seeds each; every search's first trial fails. */
  async function results() {
    const run = (strategy: StrategyFactory, seed: number) => {
      const ones = onesEvaluator(target);
      let calls = 0;
      const evaluator = { ...ones, evaluate: (a: readonly number[], o: { seed: number }) => (++calls === 1 ? Promise.reject(new Error("first trial fails")) : ones.evaluate(a, o)) };
      return search({ space: bitSpace(6), strategy, evaluator, budget: { queries: 12 }, seed }).result();
    };
    const random = await Promise.all([0, 1, 2].map((s) => run(randomSearch(), s)));
    const evolution = await Promise.all([0, 1, 2].map((s) => run(regularizedEvolution({ population: 4, sample: 2 }), s)));
    return { random, evolution };
  }

  it("draws one curve per strategy, named by the strategy, starting at each search's first success", async () => {
    const { random, evolution } = await results();
    expect(random.every((r) => r.history[0]!.result.status === "failed" && r.bestSoFar[0] === -Infinity)).toBe(true);
    const fig = searchCurves([...random, ...evolution]);
    const means = fig.spec.data.filter((t) => t.showlegend === true);
    expect(means.map((t) => t.name)).toEqual(["random (3 seeds)", "regularized-evolution (3 seeds)"]);
    // The same band as the points a user would have built by hand from bestSoFar, without the failed first query.
    const byHand: CurveRun[] = random.map((r) => ({
      strategy: "random", seed: r.seed, points: r.bestSoFar.flatMap((best, i) => (i === 0 ? [] : [{ queries: i + 1, seconds: r.history[i]!.elapsed, best }])),
    }));
    expect(means[0]!.x).toEqual(seedBand(byHand, "queries").x);
    expect(means[0]!.y).toEqual(seedBand(byHand, "queries").mean);
    expect(means[0]!.x).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it("takes names to show as keys", async () => {
    const { random, evolution } = await results();
    const fig = searchCurves({ "random search": random, "regularized evolution": evolution });
    expect(fig.spec.data.filter((t) => t.showlegend === true).map((t) => t.name)).toEqual(["random search (3 seeds)", "regularized evolution (3 seeds)"]);
  });

  it("says so when a search has no successful trial at all", () => {
    const none = { seed: 4, bestSoFar: [-Infinity, -Infinity], history: [{ elapsed: 0 }, { elapsed: 0 }], snapshot: { strategy: "random", step: 2 } };
    expect(() => searchCurves([none])).toThrow(/random\/seed 4 has no successful trial/);
    expect(() => searchCurves([])).toThrow(/at least one search result/);
  });
});
