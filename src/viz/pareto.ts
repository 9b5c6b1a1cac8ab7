/** Pareto front for "maximise quality, minimise cost" (e.g. accuracy vs params), by one sort and one sweep. */

export interface CostQualityPoint {
  cost: number;
  quality: number;
}

/** True if `a` dominates `b`: no worse in both objectives and strictly better in one. */
export function dominates(a: CostQualityPoint, b: CostQualityPoint): boolean {
  return a.cost <= b.cost && a.quality >= b.quality && (a.cost < b.cost || a.quality > b.quality);
}

/**
 * Indices of the non-dominated points, ordered by increasing cost (so by increasing quality). Exact duplicates of a
 * front point (e.g. the same architecture evaluated twice) are counted once: only the lowest index is kept, so the
 * front's size is the number of distinct trade-offs. O(n log n).
 */
export function paretoFront(points: readonly CostQualityPoint[]): number[] {
  const idx = points.map((_, i) => i).filter((i) => Number.isFinite(points[i]!.cost) && Number.isFinite(points[i]!.quality));
  // Cheapest first; among equal cost, best quality first, so a same-cost worse point is seen after its dominator.
  idx.sort((a, b) => points[a]!.cost - points[b]!.cost || points[b]!.quality - points[a]!.quality || a - b);
  const front: number[] = [];
  let best: CostQualityPoint | undefined;
  for (const i of idx) {
    const p = points[i]!;
    if (best === undefined || p.quality > best.quality) {
      front.push(i);
      best = p;
    }
  }
  return front;
}
