import { beforeAll, describe, expect, it } from "vitest";
import { fitLatencyPredictor, kernelCounts, nnls } from "../../src/cost/latencyPredictor.js";
import { modelBuilder } from "../../src/model/build.js";
import { Rng } from "../../src/rng.js";
import { nb201Space } from "../../src/space/nb201.js";
import { useCpu } from "../model/leak.js";

beforeAll(useCpu);

describe("non-negative least squares", () => {
  it("recovers non-negative coefficients exactly and clamps the ones the unconstrained fit makes negative", () => {
    const rng = new Rng(2);
    const truth = [2, 0, 0.5, 3];
    const X = Array.from({ length: 40 }, () => Float64Array.from({ length: 4 }, () => rng.int(5)));
    const y = X.map((x) => x.reduce((s, v, i) => s + v * truth[i]!, 0));
    const w = nnls(X, y, { ridge: 0 });
    w.forEach((v, i) => expect(v).toBeCloseTo(truth[i]!, 6));
    // y = x0 - x1: the best non-negative fit sets w1 = 0 (brute force over w1 = 0 gives w0 by 1-D least squares).
    const y2 = X.map((x) => x[0]! - x[1]!);
    const w2 = nnls(X.map((x) => Float64Array.from([x[0]!, x[1]!])), y2, { ridge: 0 });
    expect(w2[1]).toBe(0);
    const w0 = X.reduce((s, x, r) => s + x[0]! * y2[r]!, 0) / X.reduce((s, x) => s + x[0]! ** 2, 0);
    expect(w2[0]).toBeCloseTo(w0, 9);
  });
});

describe("latency predictor (per-kernel look-up, nn-Meter style)", () => {
  it("keys layers by op, configuration and shapes, and predicts an additive latency exactly on held-out cells", () => {
    const space = nb201Space();
    const build = modelBuilder(space, { channels: 4, cellsPerStage: 1 });
    const rng = new Rng(8);
    const cells = Array.from({ length: 60 }, () => kernelCounts(build(space.sample(rng), { inputShape: [8, 8, 3], numClasses: 3, seed: 0, zeroInit: true }).model));
    const keys = [...new Set(cells.flatMap((c) => [...c.keys()]))];
    expect(keys.some((k) => k.startsWith("Conv2D in=8x8x4 out=8x8x4 kernelSize=3,3 strides=1,1"))).toBe(true);
    // A made-up device where each kernel costs a fixed time and every inference 0.3 ms more.
    const cost = new Map(keys.map((k, i) => [k, 0.01 * (1 + (i % 7))]));
    const latency = (c: Map<string, number>) => 0.3 + [...c].reduce((s, [k, n]) => s + n * cost.get(k)!, 0);
    const p = fitLatencyPredictor(cells.slice(0, 45).map((counts) => ({ counts, latencyMs: latency(counts) })), { ridge: 0 });
    let checked = 0;
    for (const c of cells.slice(45)) {
      const r = p.predict(c);
      if (r.unseen > 0) continue; // a kernel no training cell had cannot be priced
      expect(r.ms).toBeCloseTo(latency(c), 6);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });
});
