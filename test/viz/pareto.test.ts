import { describe, expect, it } from "vitest";
import { dominates, paretoFront, type CostQualityPoint } from "../../src/viz/pareto.js";
import { Rng } from "../../src/rng.js";

function bruteForce(points: CostQualityPoint[]): number[] {
  return points.map((_, i) => i).filter((i) => !points.some((q) => dominates(q, points[i]!)));
}

describe("paretoFront", () => {
  it("equals the brute-force non-dominated set, ties and duplicates included", () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 200; trial++) {
      // Small integer grids force equal costs, equal qualities and exact duplicates.
      const points = Array.from({ length: 1 + rng.int(30) }, () => ({ cost: rng.int(8), quality: rng.int(8) }));
      expect([...paretoFront(points)].sort((a, b) => a - b)).toEqual(bruteForce(points));
    }
  });

  it("orders the front by increasing cost and increasing quality", () => {
    const rng = new Rng(12);
    const points = Array.from({ length: 100 }, () => ({ cost: rng.float(), quality: rng.float() }));
    const f = paretoFront(points).map((i) => points[i]!);
    for (let i = 1; i < f.length; i++) {
      expect(f[i]!.cost).toBeGreaterThan(f[i - 1]!.cost);
      expect(f[i]!.quality).toBeGreaterThan(f[i - 1]!.quality);
    }
  });

  it("ignores non-finite points (failed trials)", () => {
    expect(paretoFront([{ cost: 1, quality: -Infinity }, { cost: 2, quality: 5 }, { cost: NaN, quality: 9 }])).toEqual([1]);
  });
});
