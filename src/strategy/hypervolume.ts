/**
 * Hypervolume (Zitzler & Thiele 1998): the volume dominated by a set of points and bounded by a reference point,
 * for vectors to minimise. The quality figure of a multi-objective search: it grows when the front moves toward
 * better values or spreads out. Exact: a sweep in two dimensions, slicing by the last objective in more
 * (Hypervolume by Slicing Objectives, While et al. 2006), which is fine for the tens of objectives x hundreds of
 * points a NAS front has.
 */

/** Points that dominate the reference point strictly (only they add volume). */
function inside(points: readonly (readonly number[])[], ref: readonly number[]): number[][] {
  return points.filter((p) => p.every((x, i) => x < ref[i]!)).map((p) => p.slice());
}

function hv2(points: number[][], ref: readonly number[]): number {
  const sorted = points.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let volume = 0;
  let lastY = ref[1]!;
  for (const [x, y] of sorted) {
    if (y! < lastY) {
      volume += (ref[0]! - x!) * (lastY - y!);
      lastY = y!;
    }
  }
  return volume;
}

function hvd(points: number[][], ref: readonly number[]): number {
  const d = ref.length;
  if (points.length === 0) return 0;
  if (d === 1) return ref[0]! - Math.min(...points.map((p) => p[0]!));
  if (d === 2) return hv2(points, ref);
  // Slice along the last objective: between consecutive values, the (d-1)-dimensional volume of the points below.
  const sorted = points.slice().sort((a, b) => a[d - 1]! - b[d - 1]!);
  let volume = 0;
  for (let i = 0; i < sorted.length; i++) {
    const top = i + 1 < sorted.length ? sorted[i + 1]![d - 1]! : ref[d - 1]!;
    const depth = top - sorted[i]![d - 1]!;
    if (depth <= 0) continue;
    volume += depth * hvd(sorted.slice(0, i + 1).map((p) => p.slice(0, d - 1)), ref.slice(0, d - 1));
  }
  return volume;
}

/** The hypervolume of `points` (to minimise) against `ref`; points not strictly better than `ref` add nothing. */
export function hypervolume(points: readonly (readonly number[])[], ref: readonly number[]): number {
  if (points.some((p) => p.length !== ref.length)) throw new RangeError(`hypervolume: every point needs ${ref.length} coordinates, like the reference point`);
  return hvd(inside(points, ref), ref);
}
