/**
 * How kernels split work over threads. Two rules keep results independent of the thread count:
 * - work whose outputs do not overlap (rows of a product, images of a gradient) splits into one range per thread,
 *   and every output element is computed by the same sequence of operations whatever the split;
 * - reductions (a filter gradient, column sums) split into slices fixed by the problem size alone, each slice
 *   writes a partial result, and the partials are added in slice order; threads only decide who computes a slice.
 */

/** [start, end) ranges covering 0..total in `parts` nearly equal pieces (empty ones dropped). */
export function evenRanges(total: number, parts: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (let i = 0; i < parts; i++) {
    const start = Math.floor((total * i) / parts);
    const end = Math.floor((total * (i + 1)) / parts);
    if (end > start) ranges.push([start, end]);
  }
  return ranges;
}

/** Most slices a reduction is cut into (the largest thread count we start). */
export const maxSlices = 8;

/** The slices of a reduction over `rows` rows: one per `rowsPerSlice` rows, 1 to maxSlices, never per thread. */
export function reductionSlices(rows: number, rowsPerSlice = 2048): [number, number][] {
  return evenRanges(rows, Math.max(1, Math.min(maxSlices, Math.floor(rows / rowsPerSlice))));
}

/** Items dealt to `threads` lists in turn: item i goes to list i mod threads. */
export function dealt<T>(items: readonly T[], threads: number): T[][] {
  const lists: T[][] = Array.from({ length: threads }, () => []);
  items.forEach((item, i) => lists[i % threads]!.push(item));
  return lists;
}

/** Multiply-adds below which a kernel stays on one thread (waking a thread costs about as much as 2^16 of them). */
export const minParallelWork = 1 << 16;

/** How many threads `work` multiply-adds can keep usefully busy (1 when small). */
export function workItems(work: number): number {
  return Math.max(1, Math.floor(work / minParallelWork));
}
