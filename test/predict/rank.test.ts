import { describe, expect, it } from "vitest";
import { averageRanks, kendallTau, spearman } from "../../src/predict/rank.js";

// Reference values from scipy.stats.kendalltau / spearmanr (scipy 1.10, Debian bookworm).
const cases = [
  { name: "a permutation", a: [1, 2, 3, 4, 5, 6], b: [3, 1, 2, 5, 4, 6], tau: 0.6, rho: 0.7714285714285715 },
  { name: "ties on both sides (tau-b)", a: [1, 2, 2, 3, 4], b: [2, 1, 3, 3, 5], tau: 0.6666666666666666, rho: 0.7631578947368421 },
  { name: "perfect agreement", a: [0.1, 0.5, 0.3], b: [10, 50, 30], tau: 1, rho: 1 },
  { name: "perfect reversal", a: [1, 2, 3, 4], b: [4, 3, 2, 1], tau: -1, rho: -1 },
];

describe("rank correlations", () => {
  for (const c of cases) {
    it(`match scipy on ${c.name}`, () => {
      expect(kendallTau(c.a, c.b)).toBeCloseTo(c.tau, 12);
      expect(spearman(c.a, c.b)).toBeCloseTo(c.rho, 12);
    });
  }

  it("give tied values the average of their ranks", () => {
    expect(Array.from(averageRanks([10, 20, 20, 5]))).toEqual([2, 3.5, 3.5, 1]);
  });

  it("return 0 when one side is constant", () => {
    expect(kendallTau([1, 1, 1], [1, 2, 3])).toBe(0);
    expect(spearman([1, 2, 3], [4, 4, 4])).toBe(0);
  });

  it("reject lists of different lengths, too short lists and non-finite values with a clear error", () => {
    expect(() => kendallTau([1, 2], [1])).toThrow(/same length/);
    expect(() => spearman([1], [1])).toThrow(/at least 2/);
    expect(() => kendallTau([1, -Infinity], [1, 2])).toThrow(/not finite.*drop failed trials/);
    expect(() => spearman([1, -Infinity, 3], [1, 2, 3])).toThrow(/not finite.*drop failed trials/);
    expect(() => spearman([1, NaN, 3], [1, 2, 3], { allowInfinite: true })).toThrow(/not a number/);
  });

  it("rank ±Infinity lowest and highest when asked (the log of a zero proxy score)", () => {
    expect(spearman([-Infinity, 2, Infinity, Infinity], [1, 2, 3, 4], { allowInfinite: true })).toBeCloseTo(spearman([0, 2, 9, 9], [1, 2, 3, 4]), 12);
  });
});
