import { describe, expect, it } from "vitest";
import { epochSeries, trainingCurves } from "../../src/viz/trainingCurves.js";
import { trainingEpochs } from "./fixtures.js";

describe("trainingCurves", () => {
  it("maps each metric to a series, skipping epochs without it and sorting by epoch", () => {
    const epochs = [{ epoch: 2, trainLoss: 1, valLoss: 1.5 }, { epoch: 1, trainLoss: 2 }, { epoch: 3, trainLoss: 0.5, valLoss: NaN }];
    expect(epochSeries(epochs, "trainLoss")).toEqual({ x: [1, 2, 3], y: [2, 1, 0.5] });
    expect(epochSeries(epochs, "valLoss")).toEqual({ x: [2], y: [1.5] });
  });

  it("puts losses on the left panel and accuracies on the right, validation dashed", () => {
    const epochs = trainingEpochs(6);
    const fig = trainingCurves(epochs);
    expect(fig.spec.data.map((t) => [t.name, t.xaxis, (t.line as { dash: string }).dash])).toEqual([
      ["train loss", "x", "solid"],
      ["val loss", "x", "dash"],
      ["train acc", "x2", "solid"],
      ["val acc", "x2", "dash"],
    ]);
    expect(fig.spec.data[3]!.y).toEqual(epochs.map((e) => e.valAcc));
    expect(fig.summary).toMatch(/epoch 20: train loss/);
  });

  it("titles its axes with the shared metric labels", () => {
    const layout = trainingCurves(trainingEpochs(6)).spec.layout;
    const title = (a: string): string => (layout[a] as { title: { text: string } }).title.text;
    expect(["xaxis", "yaxis", "xaxis2", "yaxis2"].map(title)).toEqual(["epoch", "loss", "epoch", "accuracy (%)"]);
  });

  it("ticks epoch axes at integers only: one tick per epoch for short runs, integer labels for long ones", () => {
    const short = trainingCurves([{ epoch: 1, trainLoss: 2, trainAcc: 30 }, { epoch: 2, trainLoss: 1.5, trainAcc: 40 }, { epoch: 3, trainLoss: 1, trainAcc: 50 }]).spec.layout;
    for (const a of ["xaxis", "xaxis2"]) expect(short[a]).toMatchObject({ tickmode: "linear", tick0: 1, dtick: 1, tickformat: "d" });
    const long = trainingCurves(trainingEpochs(6)).spec.layout;
    for (const a of ["xaxis", "xaxis2"]) {
      expect(long[a]).toMatchObject({ tickformat: "d" });
      // Plotly's automatic spacing draws at most 10 ticks, so over 20 epochs a tick is at least 1 apart.
      expect((long[a] as { dtick?: number }).dtick ?? 1).toBeGreaterThanOrEqual(1);
    }
  });

  it("lists several runs once each in a legend below the plot (the line styles in the subtitle), so it cannot reach the title", () => {
    // Three runs named by (long) architecture strings: 12 traces, but one legend entry per run.
    const names = ["a", "b", "c"].map((c) => `|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|${c}vg_pool_3x3~0|none~1|nor_conv_1x1~2|`);
    const fig = trainingCurves(names.map((name, i) => ({ name, epochs: trainingEpochs(i, 5) })));
    expect(fig.spec.data).toHaveLength(12);
    const legendEntries = fig.spec.data.filter((t) => t.showlegend !== false);
    expect(legendEntries.map((t) => t.name)).toEqual(names);
    // Each entry toggles its run's four series.
    for (const name of names) expect(fig.spec.data.filter((t) => t.legendgroup === name)).toHaveLength(4);
    expect((fig.spec.layout["title"] as { subtitle: { text: string } }).subtitle.text).toBe("solid: train, dashed: validation");
    const { legend, margin, height, title } = fig.spec.layout as {
      legend: { yref: string; y: number; yanchor: string; orientation: string };
      margin: { t: number; b: number };
      height: number;
      title: { text: string };
    };
    expect(title.text).toBe("Training curves");
    // Anchored at the figure's bottom edge and growing upward...
    expect(legend).toMatchObject({ orientation: "h", yref: "container", y: 0, yanchor: "bottom" });
    // ...by at most the bottom margin left after the x-axis titles (3 rows: one per run), far from the title.
    expect(margin.b - 50).toBeGreaterThanOrEqual(3 * 19);
    expect(height - margin.t - margin.b).toBeGreaterThanOrEqual(240);
    expect(fig.height).toBe(height);
  });

  it("gives several named runs one colour each", () => {
    const fig = trainingCurves([{ name: "a", epochs: trainingEpochs(1, 3) }, { name: "b", epochs: trainingEpochs(2, 3) }]);
    expect(fig.spec.data).toHaveLength(8);
    const colours = fig.spec.data.map((t) => (t.line as { color: string }).color);
    expect(new Set(colours.slice(0, 4)).size).toBe(1);
    expect(colours[0]).not.toBe(colours[4]);
  });

  it("explains empty input", () => {
    expect(() => trainingCurves([])).toThrow(/at least one epoch record/);
  });
});

describe("trainingCurves of a search's trials", () => {
  const ok = (arch: string, seed: number) => ({ archString: arch, result: { status: "ok" as const, metrics: {}, cost: { seconds: 1 }, curves: trainingEpochs(seed, 4) } });
  const failedEarly = { archString: "conv(8,3x3)", result: { status: "failed" as const, metrics: {}, cost: { seconds: 0 }, error: "too large" } };

  it("draws one run per trial with curves, named by its architecture, and counts the trials without", () => {
    const trials = [ok("conv(16,3x3) > dense(32)", 1), failedEarly, ok("dense(64)", 2)];
    const fig = trainingCurves(trials);
    expect(fig.spec.data.filter((t) => t.showlegend === true).map((t) => t.name)).toEqual(["conv(16,3x3) > dense(32)", "dense(64)"]);
    expect(fig.spec.data.find((t) => t.name === "dense(64)" && t.yaxis === "y2" && (t.line as { dash: string }).dash === "dash")!.y)
      .toEqual(trainingEpochs(2, 4).map((e) => e.valAcc));
    expect(fig.summary).toMatch(/2 run\(s\) \(1 trial\(s\) without curves left out\)/);
  });

  it("says what is missing when no trial has curves", () => {
    expect(() => trainingCurves([failedEarly])).toThrow(/none of the 1 trials has training curves/);
  });
});
