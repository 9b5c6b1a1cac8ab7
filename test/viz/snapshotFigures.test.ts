import { describe, expect, it } from "vitest";
import { snapshotFigures } from "../../src/viz/snapshotFigures.js";
import type { StrategySnapshot } from "../../src/strategy/types.js";
import { nb201Alphas, policySnapshots, population } from "./fixtures.js";

describe("snapshotFigures", () => {
  it("shows every part a strategy fills in: alphas, policy history, population", () => {
    const history: StrategySnapshot[] = policySnapshots(1, 3).map((s, i) => ({ ...s, alphas: nb201Alphas(i), population: population(i, 10) }));
    const figs = snapshotFigures(history);
    expect(figs.map((f) => f.kind)).toEqual(["supernet", "policy", "population"]);
    expect(figs[0]!.summary).toMatch(/step 50/);
    expect(figs[1]!.summary).toMatch(/3 snapshot/);
    expect(figs[2]!.summary).toMatch(/at parameters /);
  });

  it("shows nothing for a snapshot with nothing to plot, and the population against trial without a cost metric", () => {
    expect(snapshotFigures({ strategy: "random", step: 0 })).toEqual([]);
    expect(snapshotFigures([])).toEqual([]);
    const figs = snapshotFigures({ strategy: "re", step: 1, population: [{ arch: "a", fitness: 1, trial: 0, metrics: {} }] });
    expect(figs.map((f) => f.kind)).toEqual(["population"]);
  });
});
