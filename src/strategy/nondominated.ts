/**
 * Non-dominated sorting and crowding distance of NSGA-II (Deb, Pratap, Agarwal & Meyarivan, "A Fast and Elitist
 * Multiobjective Genetic Algorithm: NSGA-II", IEEE TEVC 2002), over vectors to minimise. With constraint
 * violations given, Deb's constrained domination applies: a feasible point dominates an infeasible one, and of two
 * infeasible points the one with the smaller violation dominates.
 */

/** True if `a` dominates `b` (minimisation): no worse everywhere, strictly better somewhere. */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return false;
    if (a[i]! < b[i]!) better = true;
  }
  return better;
}

function constrainedDominates(a: readonly number[], b: readonly number[], va: number, vb: number): boolean {
  if (va <= 0 && vb <= 0) return dominates(a, b);
  if (va <= 0) return true;
  if (vb <= 0) return false;
  return va < vb;
}

/**
 * Fronts of `points` (indices), best first: front 0 is non-dominated, front 1 is non-dominated once front 0 is
 * removed, and so on. O(M N^2), the fast non-dominated sort of the paper. `violation[i] > 0` marks an infeasible point.
 */
export function nonDominatedSort(points: readonly (readonly number[])[], violation?: readonly number[]): number[][] {
  const n = points.length;
  const v = (i: number) => violation?.[i] ?? 0;
  const dominated: number[][] = Array.from({ length: n }, () => []);
  const count = new Int32Array(n);
  const fronts: number[][] = [[]];
  for (let p = 0; p < n; p++) {
    for (let q = p + 1; q < n; q++) {
      if (constrainedDominates(points[p]!, points[q]!, v(p), v(q))) {
        dominated[p]!.push(q);
        count[q]!++;
      } else if (constrainedDominates(points[q]!, points[p]!, v(q), v(p))) {
        dominated[q]!.push(p);
        count[p]!++;
      }
    }
  }
  for (let p = 0; p < n; p++) if (count[p] === 0) fronts[0].push(p);
  for (let i = 0; fronts[i]!.length > 0; i++) {
    const next: number[] = [];
    for (const p of fronts[i]!) {
      for (const q of dominated[p]!) if (--count[q]! === 0) next.push(q);
    }
    fronts.push(next.sort((a, b) => a - b));
  }
  fronts.pop();
  return fronts;
}

/**
 * Crowding distance of each member of one front (same order as `front`): the sum over objectives of the
 * normalised gap between its two neighbours; the extremes of every objective get Infinity.
 */
export function crowdingDistance(points: readonly (readonly number[])[], front: readonly number[]): number[] {
  const d = new Array<number>(front.length).fill(0);
  if (front.length === 0) return d;
  const m = points[front[0]!]!.length;
  for (let k = 0; k < m; k++) {
    const order = front.map((_, i) => i).sort((a, b) => points[front[a]!]![k]! - points[front[b]!]![k]! || a - b);
    const lo = points[front[order[0]!]!]![k]!;
    const hi = points[front[order[order.length - 1]!]!]![k]!;
    d[order[0]!] = Infinity;
    d[order[order.length - 1]!] = Infinity;
    if (hi === lo) continue;
    for (let j = 1; j < order.length - 1; j++) {
      d[order[j]!]! += (points[front[order[j + 1]!]!]![k]! - points[front[order[j - 1]!]!]![k]!) / (hi - lo);
    }
  }
  return d;
}

/** Rank (front number) and crowding distance of every point: NSGA-II's crowded-comparison keys. */
export function crowdedRanking(points: readonly (readonly number[])[], violation?: readonly number[]): { rank: number[]; crowding: number[] } {
  const rank = new Array<number>(points.length).fill(0);
  const crowding = new Array<number>(points.length).fill(0);
  nonDominatedSort(points, violation).forEach((front, r) => {
    const d = crowdingDistance(points, front);
    front.forEach((p, i) => {
      rank[p] = r;
      crowding[p] = d[i]!;
    });
  });
  return { rank, crowding };
}

/** NSGA-II's crowded comparison: lower rank wins, then larger crowding distance. */
export function crowdedBetter(a: number, b: number, r: { rank: number[]; crowding: number[] }): boolean {
  return r.rank[a]! < r.rank[b]! || (r.rank[a] === r.rank[b] && r.crowding[a]! > r.crowding[b]!);
}
