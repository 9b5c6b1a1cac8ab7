import { describe, expect, it } from "vitest";
import { policyHeatmap, policyMatrices } from "../../src/viz/policyHeatmap.js";
import type { StrategySnapshot } from "../../src/strategy/types.js";
import { NB201_OPS, policySnapshots } from "./fixtures.js";

describe("policyMatrices", () => {
  it("puts each snapshot's probabilities in a decisions x choices matrix", () => {
    const snaps = policySnapshots(3, 4);
    const mats = policyMatrices(snaps);
    expect(mats.map((m) => m.step)).toEqual(snaps.map((s) => s.step));
    mats.forEach((m, i) => {
      expect(m.columns).toEqual(NB201_OPS);
      expect(m.z).toEqual(snaps[i]!.policy!.map((p) => p.probs));
      expect(m.decisions).toEqual(snaps[i]!.policy!.map((p) => p.decision));
    });
  });

  it("pads decisions with fewer choices with null and names columns by position", () => {
    const snap: StrategySnapshot = {
      strategy: "enas",
      step: 3,
      policy: [
        { decision: "node 2 input", choices: ["0", "1"], probs: [0.3, 0.7] },
        { decision: "node 2 op", choices: ["conv", "pool", "skip"], probs: [0.2, 0.5, 0.3] },
      ],
    };
    const [m] = policyMatrices([snap]);
    expect(m!.columns).toEqual(["choice 1", "choice 2", "choice 3"]);
    expect(m!.z).toEqual([[0.3, 0.7, null], [0.2, 0.5, 0.3]]);
    expect(m!.names).toEqual([["0", "1", null], ["conv", "pool", "skip"]]);
  });

  it("keeps rows aligned when a decision is missing from a snapshot", () => {
    const a: StrategySnapshot = { strategy: "c", step: 0, policy: [{ decision: "x", choices: ["a", "b"], probs: [0.5, 0.5] }, { decision: "y", choices: ["a", "b"], probs: [0.1, 0.9] }] };
    const b: StrategySnapshot = { strategy: "c", step: 1, policy: [{ decision: "y", choices: ["a", "b"], probs: [0.2, 0.8] }] };
    expect(policyMatrices([a, b])[1]!.z).toEqual([[null, null], [0.2, 0.8]]);
  });

  it("explains bad input", () => {
    expect(() => policyMatrices([{ step: 0 }])).toThrow(/none of the given snapshots has one/);
    expect(() => policyMatrices([{ step: 2, policy: [{ decision: "d", choices: ["a", "b"], probs: [1] }] }])).toThrow(/step 2, decision d: 1 probabilities for 2 choices/);
    expect(() => policyMatrices([{ step: 2, policy: [{ decision: "d", choices: ["a"], probs: [1.5] }] }])).toThrow(/outside \[0, 1\]/);
  });
});

describe("policyHeatmap", () => {
  it("has one animation frame and one slider step per snapshot, starting at the latest", () => {
    const snaps = policySnapshots(3, 5);
    const fig = policyHeatmap(snaps);
    const spec = fig.spec;
    expect(spec.frames).toHaveLength(5);
    expect(spec.data[0]!.z).toEqual(snaps[4]!.policy!.map((p) => p.probs));
    spec.frames!.forEach((f, i) => expect(f.data[0]!.z).toEqual(snaps[i]!.policy!.map((p) => p.probs)));
    const slider = (spec.layout.sliders as { active: number; steps: { label: string; args: unknown[] }[] }[])[0]!;
    expect(slider.active).toBe(4);
    expect(slider.steps.map((s) => s.label)).toEqual(snaps.map((s) => String(s.step)));
    expect(slider.steps.map((s) => (s.args[0] as string[])[0])).toEqual(spec.frames!.map((f) => f.name));
    expect(fig.toMimeBundle()["application/vnd.plotly.v1+json"]).toEqual(spec);
  });

  it("has no slider for a single snapshot", () => {
    const fig = policyHeatmap(policySnapshots(3, 1)[0]!);
    expect(fig.spec.frames).toBeUndefined();
    expect(fig.spec.layout.sliders).toBeUndefined();
    expect(fig.summary).toMatch(/6 decisions, 1 snapshot/);
  });
});
