import { describe, expect, it } from "vitest";
import { Rng } from "../../src/rng.js";
import { hypervolume } from "../../src/strategy/hypervolume.js";
import { crowdingDistance, dominates, nonDominatedSort } from "../../src/strategy/nondominated.js";

/** Rank by definition: 0 if nothing dominates the point, else one more than the largest rank of its dominators. */
function bruteRanks(points: number[][], violation?: number[]): number[] {
  const v = (i: number) => violation?.[i] ?? 0;
  const dom = (a: number, b: number) =>
    v(a) <= 0 && v(b) <= 0 ? dominates(points[a]!, points[b]!) : v(a) <= 0 ? true : v(b) <= 0 ? false : v(a) < v(b);
  const rank: number[] = new Array(points.length).fill(-1);
  const rankOf = (i: number): number => {
    if (rank[i]! >= 0) return rank[i]!;
    let r = 0;
    for (let j = 0; j < points.length; j++) if (j !== i && dom(j, i)) r = Math.max(r, rankOf(j) + 1);
    return (rank[i] = r);
  };
  return points.map((_, i) => rankOf(i));
}

function ranksFromFronts(fronts: number[][], n: number): number[] {
  const r = new Array<number>(n).fill(-1);
  fronts.forEach((f, k) => f.forEach((i) => (r[i] = k)));
  return r;
}

describe("non-dominated sorting (NSGA-II)", () => {
  it("gives every point the rank its definition gives, with ties and duplicates, in 2 and 3 objectives", () => {
    const rng = new Rng(5);
    for (let trial = 0; trial < 40; trial++) {
      const m = 2 + (trial % 2);
      const pts = Array.from({ length: 30 }, () => Array.from({ length: m }, () => rng.int(6)));
      expect(ranksFromFronts(nonDominatedSort(pts), pts.length)).toEqual(bruteRanks(pts));
    }
  });

  it("puts feasible points first and orders infeasible ones by violation (Deb's constrained domination)", () => {
    const rng = new Rng(9);
    const pts = Array.from({ length: 25 }, () => [rng.int(5), rng.int(5)]);
    const violation = pts.map(() => (rng.bool(0.4) ? rng.int(3) + 1 : 0));
    const ranks = ranksFromFronts(nonDominatedSort(pts, violation), pts.length);
    expect(ranks).toEqual(bruteRanks(pts, violation));
    const worstFeasible = Math.max(...ranks.filter((_, i) => violation[i] === 0));
    const bestInfeasible = Math.min(...ranks.filter((_, i) => violation[i]! > 0));
    expect(bestInfeasible).toBeGreaterThan(worstFeasible);
  });

  it("computes crowding distance as in the paper: extremes infinite, inner points the normalised neighbour gaps", () => {
    const pts = [[1, 5], [2, 3], [4, 2], [5, 1]];
    const d = crowdingDistance(pts, [0, 1, 2, 3]);
    expect(d[0]).toBe(Infinity);
    expect(d[3]).toBe(Infinity);
    expect(d[1]).toBeCloseTo((4 - 1) / 4 + (5 - 2) / 4, 12);
    expect(d[2]).toBeCloseTo((5 - 2) / 4 + (3 - 1) / 4, 12);
  });
});

/** Volume by counting unit cells of the integer grid below `ref` that some point dominates (weakly). */
function gridVolume(points: number[][], ref: number[]): number {
  const m = ref.length;
  let count = 0;
  const cell = new Array<number>(m).fill(0);
  const total = ref.reduce((a, b) => a * b, 1);
  for (let n = 0; n < total; n++) {
    let rest = n;
    for (let k = 0; k < m; k++) {
      cell[k] = rest % ref[k]!;
      rest = Math.floor(rest / ref[k]!);
    }
    if (points.some((p) => p.every((x, k) => x <= cell[k]!))) count++;
  }
  return count;
}

describe("hypervolume", () => {
  it("is the staircase area in 2-D", () => {
    expect(hypervolume([[1, 3], [2, 2], [3, 1]], [4, 4])).toBe(3 + 2 + 1);
    expect(hypervolume([[1, 3], [2, 2], [3, 1], [3, 3], [5, 0]], [4, 4])).toBe(6); // a dominated point and one outside add nothing
    expect(hypervolume([], [4, 4])).toBe(0);
  });

  it("equals a brute-force count of dominated grid cells in 2, 3 and 4 objectives", () => {
    const rng = new Rng(13);
    for (const m of [2, 3, 4]) {
      for (let trial = 0; trial < 15; trial++) {
        const ref = new Array<number>(m).fill(6);
        const pts = Array.from({ length: 2 + rng.int(12) }, () => Array.from({ length: m }, () => rng.int(7)));
        expect(hypervolume(pts, ref)).toBe(gridVolume(pts, ref));
      }
    }
  });
});
