import { describe, expect, it } from "vitest";
import { Rng } from "../../src/rng.js";
import { Mlp } from "../../src/predict/mlp.js";
import { mlpEnsemble, planRefit } from "../../src/predict/ensemble.js";

/** One-hot rows of 4 variables with 3 values each; the target is additive in the chosen values plus one interaction. */
function dataset(n: number, rng: Rng) {
  const x: Float32Array[] = [];
  const y: number[] = [];
  const weights = [[0, 1, 2], [0, -1, 1], [2, 0, 0], [0, 0.5, 1]];
  for (let i = 0; i < n; i++) {
    const choice = [0, 1, 2, 3].map(() => rng.int(3));
    const v = new Float32Array(12);
    choice.forEach((c, k) => (v[k * 3 + c] = 1));
    x.push(v);
    y.push(90 + choice.reduce((s, c, k) => s + weights[k]![c]!, 0) + (choice[0] === 2 && choice[1] === 2 ? 1.5 : 0));
  }
  return { x, y };
}

const mse = (p: ArrayLike<number>, y: number[]) => y.reduce((s, v, i) => s + (p[i]! - v) ** 2, 0) / y.length;

describe("Mlp", () => {
  it("fits a function of one-hot features far better than predicting the mean", () => {
    const { x, y } = dataset(200, new Rng(1));
    const mean = y.reduce((a, b) => a + b, 0) / y.length;
    const net = new Mlp(12, [16], new Rng(2));
    const centred = y.map((v) => v - mean);
    net.fit(x, centred, new Rng(3), { epochs: 200 });
    const pred = x.map((r) => net.predictOne(r) + mean);
    expect(mse(pred, y)).toBeLessThan(0.05 * mse(y.map(() => mean), y));
  });

  it("is deterministic: the same seeds give the same weights", () => {
    const { x, y } = dataset(50, new Rng(1));
    const a = new Mlp(12, [8, 8], new Rng(7));
    const b = new Mlp(12, [8, 8], new Rng(7));
    a.fit(x, y, new Rng(8), { epochs: 5 });
    b.fit(x, y, new Rng(8), { epochs: 5 });
    expect(x.map((r) => a.predictOne(r))).toEqual(x.map((r) => b.predictOne(r)));
  });

  it("rejects wrong feature counts and bad training options", () => {
    const net = new Mlp(3, [4], new Rng(1));
    expect(() => net.predictOne(new Float32Array(2))).toThrow(/expected 3 features/);
    expect(() => net.fit([new Float32Array(3)], [1], new Rng(1), { epochs: 0 })).toThrow(/epochs must be an integer >= 1/);
    expect(() => net.fit([], [], new Rng(1))).toThrow(/no training rows/);
  });
});

describe("mlpEnsemble", () => {
  it("predicts held-out rows on the targets' own scale, with a spread that is larger far from the data", () => {
    const { x, y } = dataset(300, new Rng(4));
    const p = mlpEnsemble({ members: 5, hidden: [16], epochs: 100 })(12);
    p.fit(x.slice(0, 200), y.slice(0, 200), new Rng(5));
    const test = p.predict(x.slice(200));
    expect(mse(test.mean, y.slice(200))).toBeLessThan(0.1);
    // A row unlike any training row (all features on) is predicted with more disagreement.
    const odd = p.predict([new Float32Array(12).fill(1)]);
    const meanStd = test.std.reduce((a, b) => a + b, 0) / test.std.length;
    expect(odd.std[0]!).toBeGreaterThan(meanStd);
    expect(p.trainSize).toBe(200);
  });

  it("refuses to predict before it is fitted", () => {
    expect(() => mlpEnsemble()(3).predict([new Float32Array(3)])).toThrow(/predict before fit/);
  });
});

describe("mlpEnsemble refits (warm start, bounded cost)", () => {
  it("a warm refit starts from the previous weights; a cold one starts again from random weights", () => {
    const { x, y } = dataset(250, new Rng(6));
    const probe = x.slice(200);
    // A negligible step size isolates where a refit starts from.
    const opts = { members: 3, hidden: [16], epochs: 100, warmEpochs: 1 };
    const warm = mlpEnsemble({ ...opts, warmStart: true })(12);
    const cold = mlpEnsemble({ ...opts, warmStart: false })(12);
    warm.fit(x.slice(0, 200), y.slice(0, 200), new Rng(7));
    cold.fit(x.slice(0, 200), y.slice(0, 200), new Rng(7));
    const before = warm.predict(probe).mean;
    expect(Array.from(cold.predict(probe).mean)).toEqual(Array.from(before));
    const tiny = { ...opts, learningRate: 1e-9 };
    const warmTiny = mlpEnsemble({ ...tiny, warmStart: true })(12);
    const coldTiny = mlpEnsemble({ ...tiny, warmStart: false })(12);
    for (const p of [warmTiny, coldTiny]) p.fit(x.slice(0, 200), y.slice(0, 200), new Rng(7));
    const w0 = warmTiny.predict(probe).mean;
    const c0 = coldTiny.predict(probe).mean;
    warmTiny.fit(x, y, new Rng(8));
    coldTiny.fit(x, y, new Rng(8));
    const moved = (a: Float64Array, b: Float64Array) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
    // Targets are restandardised on the larger data, so "unchanged" is up to that rescaling (tiny here).
    expect(moved(warmTiny.predict(probe).mean, w0)).toBeLessThan(0.05);
    expect(moved(coldTiny.predict(probe).mean, c0)).toBeGreaterThan(0.2);
  });

  it("bounds a fit's row visits: fewer passes on more data, then the newest rows plus a sample of the rest", () => {
    const rng = new Rng(9);
    expect(planRefit(100, 10, 40, 4000, rng)).toEqual({ rows: undefined, epochs: 40 });
    expect(planRefit(1000, 10, 40, 4000, rng)).toEqual({ rows: undefined, epochs: 4 });
    expect(planRefit(3000, 10, 5, 4000, rng)).toEqual({ rows: undefined, epochs: 1 });
    const big = planRefit(10_000, 10, 5, 4000, rng);
    expect(big.epochs).toBe(1);
    expect(big.rows).toHaveLength(4000);
    expect(new Set(big.rows).size).toBe(4000);
    for (let i = 9990; i < 10_000; i++) expect(big.rows).toContain(i);
    expect(Math.max(...big.rows!)).toBeLessThan(10_000);
  });

  it("rejects bad refit options", () => {
    expect(() => mlpEnsemble({ warmEpochs: 0 })).toThrow(/warmEpochs must be an integer >= 1/);
    expect(() => mlpEnsemble({ maxRowVisits: 0.5 })).toThrow(/maxRowVisits must be an integer >= 1/);
    expect(() => mlpEnsemble({ loss: "huber" as "l1" })).toThrow(/loss must be "l2" or "l1"/);
  });
});

describe("Mlp with the L1 loss", () => {
  it("fits the median, not the mean, of conflicting targets", () => {
    // One input row, targets 0, 0, 0, 10: the L1 minimiser is 0 (the median), the L2 one 2.5 (the mean).
    const row = Float32Array.from([1, 0]);
    const x = [row, row, row, row];
    const y = [0, 0, 0, 10];
    const l1 = new Mlp(2, [4], new Rng(1));
    const l2 = new Mlp(2, [4], new Rng(1));
    l1.fit(x, y, new Rng(2), { epochs: 600, batchSize: 4, learningRate: 0.01, weightDecay: 0, loss: "l1" });
    l2.fit(x, y, new Rng(2), { epochs: 600, batchSize: 4, learningRate: 0.01, weightDecay: 0 });
    expect(Math.abs(l1.predictOne(row))).toBeLessThan(0.3);
    expect(l2.predictOne(row)).toBeCloseTo(2.5, 1);
  });
});
