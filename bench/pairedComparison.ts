/**
 * Paired comparison of two strategies run on the same seeds: per-seed differences, their mean ± std, a 95% interval,
 * wins/ties/losses, and a two-sided sign-flip permutation p-value (exact for <= 20 seeds, 20,000 random flips
 * otherwise; deterministic). Pairing removes the seed-to-seed variance both strategies share.
 */
import { Rng } from "../src/rng.js";
import { mean as meanOf, std as stdOf } from "./stats.js";

export interface PairedComparison {
  strategy: string;
  baseline: string;
  dataset: string;
  queries: number;
  seeds: number;
  /** mean(strategy - baseline) over seeds, in accuracy points. */
  meanDiff: number;
  stdDiff: number;
  ci95: [number, number];
  wins: number;
  ties: number;
  losses: number;
  /** Two-sided sign-flip permutation test of mean difference = 0. */
  pValue: number;
}

/** Compares per-seed results `a` (strategy) and `b` (baseline), seed i against seed i. */
export function pairedComparison(
  a: readonly number[],
  b: readonly number[],
  meta: { strategy: string; baseline: string; dataset: string; queries: number },
): PairedComparison {
  if (a.length !== b.length || a.length < 2) throw new RangeError(`pairedComparison: need the same >= 2 seeds for both (got ${a.length} and ${b.length})`);
  const d = a.map((x, i) => x - b[i]!);
  const n = d.length;
  const mean = meanOf(d);
  const std = stdOf(d);
  const half = 1.96 * (std / Math.sqrt(n));
  const eps = 1e-9;
  const observed = Math.abs(mean);
  let extreme = 0;
  let total = 0;
  if (n <= 20) {
    for (let mask = 0; mask < 2 ** n; mask++, total++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += (mask >> i) & 1 ? -d[i]! : d[i]!;
      if (Math.abs(s / n) >= observed - eps) extreme++;
    }
  } else {
    const rng = new Rng("paired-permutation");
    for (; total < 20_000; total++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += rng.bool() ? -d[i]! : d[i]!;
      if (Math.abs(s / n) >= observed - eps) extreme++;
    }
  }
  return {
    ...meta,
    seeds: n,
    meanDiff: mean,
    stdDiff: std,
    ci95: [mean - half, mean + half],
    wins: d.filter((x) => x > eps).length,
    ties: d.filter((x) => Math.abs(x) <= eps).length,
    losses: d.filter((x) => x < -eps).length,
    pValue: (extreme + 1) / (total + 1),
  };
}
