/**
 * A training-free ensemble of zero-cost proxies with no parameter to fit: AZ-NAS's non-linear rank aggregation
 * (Lee & Ham, CVPR 2024, eq. 9). Each proxy ranks the n candidates (1 = worst, n = best, ties share their average
 * rank) and a candidate's score is the sum over proxies of log(rank / n). The log makes a low rank in any one proxy
 * cost more than a high rank in another earns, so the top of the ensemble is what every proxy agrees is good.
 */
import { averageRanks } from "../predict/rank.js";

/** Ranks 1..n (higher value = higher rank), ties averaged; NaN and -Infinity rank lowest, +Infinity highest. */
export function proxyRanks(values: ArrayLike<number>): Float64Array {
  // averageRanks compares by subtraction, which is NaN for equal infinities: map them to the float extremes first.
  const v = Float64Array.from(values, (x) => (Number.isNaN(x) || x === -Infinity ? -Number.MAX_VALUE : x === Infinity ? Number.MAX_VALUE : x));
  return averageRanks(v);
}

/** AZ-NAS's aggregation of several proxies' values over the same candidates: sum of log(rank / n). */
export function logRankAggregate(columns: readonly ArrayLike<number>[]): Float64Array {
  if (columns.length === 0) throw new RangeError("logRankAggregate: needs at least one proxy column");
  const n = columns[0]!.length;
  for (const c of columns) if (c.length !== n) throw new RangeError(`logRankAggregate: every proxy needs a value per candidate, got columns of ${n} and ${c.length}`);
  const out = new Float64Array(n);
  for (const c of columns) {
    const r = proxyRanks(c);
    for (let i = 0; i < n; i++) out[i] += Math.log(r[i]! / n);
  }
  return out;
}
