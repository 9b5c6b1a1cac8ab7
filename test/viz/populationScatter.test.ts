import { describe, expect, it } from "vitest";
import { populationPoints, populationScatter } from "../../src/viz/populationScatter.js";
import { paretoFront } from "../../src/viz/pareto.js";
import { metricLabel } from "../../src/viz/metricLabels.js";
import { population } from "./fixtures.js";

describe("populationScatter", () => {
  const members = population(4);

  it("plots accuracy against the chosen cost, coloured by age, with arch strings on hover", () => {
    const fig = populationScatter({ strategy: "evolution", step: 9, population: members }, { cost: "params" });
    const [scatter] = fig.spec.data;
    expect(scatter!.x).toEqual(members.map((m) => m.metrics.params));
    expect(scatter!.y).toEqual(members.map((m) => m.metrics.accuracy));
    expect((scatter!.marker as { color: number[] }).color).toEqual(members.map((m) => m.trial));
    expect(scatter!.customdata).toEqual(members.map((m) => [m.arch, m.trial]));
    expect(scatter!.hovertemplate).toContain("%{customdata[0]}");
  });

  it("draws the Pareto front (max accuracy, min cost) as a step line through the non-dominated members", () => {
    const fig = populationScatter(members, { cost: "params" });
    const front = paretoFront(members.map((m) => ({ cost: m.metrics.params!, quality: m.metrics.accuracy! })));
    const line = fig.spec.data[1]!;
    expect(line.x).toEqual(front.map((i) => members[i]!.metrics.params));
    expect(line.y).toEqual(front.map((i) => members[i]!.metrics.accuracy));
    expect((line.line as { shape: string }).shape).toBe("hv");
    expect(line.name).toBe(`Pareto front (${front.length})`);
  });

  it("titles the axes with readable metric labels, falling back to the raw key for unknown metrics", () => {
    const withVal = members.map((m) => ({ ...m, metrics: { ...m.metrics, val_acc: m.metrics.accuracy!, my_cost: m.metrics.params! } }));
    const title = (fig: ReturnType<typeof populationScatter>, a: string): string => (fig.spec.layout[a] as { title: { text: string } }).title.text;
    const fig = populationScatter(withVal, { cost: "params", quality: "val_acc", colour: "generation" });
    expect([title(fig, "xaxis"), title(fig, "yaxis")]).toEqual(["parameters", "validation accuracy (%)"]);
    expect((fig.spec.data[0]!.marker as { colorbar: { title: { text: string } } }).colorbar.title.text).toBe("generation");
    expect(title(populationScatter(withVal, { cost: "params", quality: "fitness" }), "yaxis")).toBe("fitness");
    expect(title(populationScatter(withVal, { cost: "my_cost" }), "xaxis")).toBe("my_cost");
    expect(title(populationScatter(withVal, { cost: "params", costLabel: "size" }), "xaxis")).toBe("size");
  });

  it("puts its legend below the plot, away from a long title, and ticks the age colour bar at whole trials", () => {
    const fig = populationScatter(members, { cost: "params", title: "Before the edit: population over 120 architectures in the space" });
    const { legend, margin, height } = fig.spec.layout as { legend: Record<string, unknown>; margin: { b: number }; height: number };
    expect(legend).toMatchObject({ orientation: "h", yref: "container", y: 0, yanchor: "bottom" });
    expect(margin.b).toBeGreaterThan(50);
    expect(fig.height).toBe(height);
    const bar = (fig.spec.data[0]!.marker as { colorbar: Record<string, unknown> }).colorbar;
    expect(bar).toMatchObject({ tickformat: "d" });
    if (bar["tickmode"] === "linear") expect(bar["dtick"]).toBe(1);
    // A colour that is not a count keeps plotly's own ticks.
    const fractional = members.map((m, i) => ({ ...m, metrics: { ...m.metrics, temperature: i + 0.5 } }));
    expect((populationScatter(fractional, { cost: "params", colour: "temperature" }).spec.data[0]!.marker as { colorbar: Record<string, unknown> }).colorbar["tickformat"]).toBeUndefined();
  });

  it("colours by generation when asked and leaves out failed members", () => {
    const withFailed = [...members, { arch: "bad", fitness: -Infinity, trial: 999, metrics: { params: 0.1 } }];
    const { points, dropped } = populationPoints(withFailed, { cost: "params", colour: "generation" });
    expect(dropped).toBe(1);
    expect(points.map((p) => p.colour)).toEqual(members.map((m) => m.metrics.generation));
    expect(populationScatter(withFailed, { cost: "params" }).summary).toMatch(/1 failed\/unmeasured not shown/);
  });

  it("falls back to fitness when members have no accuracy metric", () => {
    const { qualityKey, points } = populationPoints([{ arch: "a", fitness: 0.5, trial: 0, metrics: { flops: 3 } }], { cost: "flops" });
    expect(qualityKey).toBe("fitness");
    expect(points[0]!.quality).toBe(0.5);
  });

  it("names the available metrics when the cost metric is missing", () => {
    expect(() => populationScatter(members, { cost: "flops" })).toThrow(/"flops" is in no member's metrics \(available: accuracy, generation, params/);
    expect(() => populationScatter([], { cost: "params" })).toThrow(/population is empty/);
  });

  it("shares one label function with the other figures", () => {
    expect(["val_acc", "test_acc", "fitness", "params", "flops", "params_M"].map(metricLabel)).toEqual([
      "validation accuracy (%)",
      "test accuracy (%)",
      "fitness",
      "parameters",
      "FLOPs",
      "parameters (M)",
    ]);
    expect(metricLabel("toString")).toBe("toString");
  });
});

describe("populationScatter of a search result", () => {
  it("draws every trial the search evaluated, failed ones left out and counted", async () => {
    const { search } = await import("../../src/search.js");
    const { regularizedEvolution } = await import("../../src/strategy/evolution.js");
    const { bitSpace, onesEvaluator } = await import("../fixtures/bitSpace.js");
    const space = bitSpace(6);
    const ones = onesEvaluator([1, 0, 1, 1, 0, 1]);
    const evaluator = { ...ones, evaluate: (a: readonly number[], o: { seed: number }) => (a[0] === 0 && a[1] === 0 ? Promise.reject(new Error("no")) : ones.evaluate(a, o)) };
    const r = await search({ space, strategy: regularizedEvolution({ population: 4, sample: 2 }), evaluator, budget: { queries: 20 }, seed: 2 }).result();
    const failed = r.history.filter((t) => t.result.status === "failed").length;
    expect(failed).toBeGreaterThan(0);
    const fig = populationScatter(r, { cost: "test_acc", quality: "val_acc" });
    expect((fig.spec.data[0]!.x as number[]).length).toBe(r.history.length - failed); // the population holds only 4
    expect(fig.summary).toMatch(new RegExp(`^Population \\(regularized-evolution, all 20 trials\\): ${20 - failed} members \\(${failed} failed/unmeasured not shown\\)`));
  });
});
