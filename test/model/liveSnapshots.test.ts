import { describe, expect, it } from "vitest";
import { liveSnapshots } from "../../src/model/liveSnapshots.js";
import type { WeightSharingResult, WeightSharingRunOptions, WeightSharingSearch } from "../../src/model/supernetSearch.js";
import type { StrategySnapshot } from "../../src/strategy/types.js";

/** A weight-sharing search that records `steps` snapshots, one per macrotask, then derives "best" (or fails). */
function fakeSearch(steps: number, fail?: Error): WeightSharingSearch<string> {
  let step = 0;
  const snap = (): StrategySnapshot => ({ strategy: "fake", step });
  return {
    name: "fake",
    snapshot: snap,
    dispose: () => {},
    async run(o: WeightSharingRunOptions = {}): Promise<WeightSharingResult<string>> {
      const snapshots: StrategySnapshot[] = [];
      for (; step < steps; step++) {
        await new Promise((r) => setImmediate(r));
        snapshots.push(snap());
        o.onSnapshot?.(snap());
      }
      if (fail) throw fail;
      return { derived: "best", proposals: [{ arch: "best" }], seconds: 0, steps, snapshots };
    },
  };
}

describe("liveSnapshots", () => {
  it("yields every snapshot with the history so far, then the result with all of them", async () => {
    const values = [];
    for await (const v of liveSnapshots(fakeSearch(3))) values.push(v);
    expect(values.map((v) => v.snapshot.step)).toEqual([0, 1, 2, 3]);
    expect(values.map((v) => v.snapshots.map((s) => s.step))).toEqual([[0], [0, 1], [0, 1, 2], [0, 1, 2]]);
    expect(values.at(-1)!.result?.derived).toBe("best");
    expect(values.slice(0, -1).every((v) => v.result === undefined)).toBe(true);
  });

  it("throws the search's error after the snapshots it recorded", async () => {
    const steps: number[] = [];
    await expect((async () => {
      for await (const v of liveSnapshots(fakeSearch(2, new Error("diverged")))) steps.push(v.snapshot.step);
    })()).rejects.toThrow("diverged");
    expect(steps).toEqual([0, 1]);
  });
});
