import { describe, expect, it } from "vitest";
import { snapshotFigures } from "../../src/viz/snapshotFigures.js";
import type { StrategySnapshot } from "../../src/strategy/types.js";
import { nb201Policy, policySnapshots, population } from "./fixtures.js";

describe("snapshotFigures", () => {
  it("shows every part a strategy fills in: a policy over edges as a supernet, the policy history, the population", () => {
    // A controller's NB201 policy: its decisions are the cell's edges ("edge 1<-0"), so it draws as a supernet too.
    const history: StrategySnapshot[] = policySnapshots(1, 3).map((s, i) => ({ ...s, population: population(i, 10) }));
    const figs = snapshotFigures(history);
    expect(figs.map((f) => f.kind)).toEqual(["supernet", "policy", "population"]);
    expect(figs[0]!.summary).toMatch(/step 50/);
    expect(figs[1]!.summary).toMatch(/3 snapshot/);
    expect(figs[2]!.summary).toMatch(/at parameters /);
  });

  it("draws a DARTS supernet's policy as a supernet and a heatmap; a policy over other decisions only as a heatmap", () => {
    expect(snapshotFigures({ strategy: "darts", step: 8, policy: nb201Policy(1) }).map((f) => f.kind)).toEqual(["supernet", "policy"]);
    const layers = [{ decision: "layer 1 filters", choices: ["24", "36"], probs: [0.4, 0.6] }];
    expect(snapshotFigures({ strategy: "reinforce", step: 8, policy: layers }).map((f) => f.kind)).toEqual(["policy"]);
  });

  it("shows nothing for a snapshot with nothing to plot, and the population against trial without a cost metric", () => {
    expect(snapshotFigures({ strategy: "random", step: 0 })).toEqual([]);
    expect(snapshotFigures([])).toEqual([]);
    const figs = snapshotFigures({ strategy: "re", step: 1, population: [{ arch: "a", fitness: 1, trial: 0, metrics: {} }] });
    expect(figs.map((f) => f.kind)).toEqual(["population"]);
  });
});
