import { describe, expect, it } from "vitest";
import { dominates, paretoFront, type CostQualityPoint } from "../../src/viz/pareto.js";
import { Rng } from "../../src/rng.js";

/** Non-dominated points, each distinct (cost, quality) once: the first index of its duplicates. */
function bruteForce(points: CostQualityPoint[]): number[] {
  const firstOf = (i: number): boolean => points.findIndex((q) => q.cost === points[i]!.cost && q.quality === points[i]!.quality) === i;
  return points.map((_, i) => i).filter((i) => firstOf(i) && !points.some((q) => dominates(q, points[i]!)));
}

describe("paretoFront", () => {
  it("equals the brute-force non-dominated set, ties and duplicates included (duplicates once)", () => {
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

  it("counts duplicates of a front point once (the first index)", () => {
    const points = [{ cost: 2, quality: 5 }, { cost: 1, quality: 3 }, { cost: 2, quality: 5 }, { cost: 1, quality: 3 }, { cost: 3, quality: 4 }];
    expect(paretoFront(points)).toEqual([1, 0]);
  });

  it("ignores non-finite points (failed trials)", () => {
    expect(paretoFront([{ cost: 1, quality: -Infinity }, { cost: 2, quality: 5 }, { cost: NaN, quality: 9 }])).toEqual([1]);
  });
});
