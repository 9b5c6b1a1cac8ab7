/**
 * Rank correlations between predicted and true scores: how well a predictor orders architectures, which is what a
 * predictor-guided search relies on (the absolute error matters less).
 */

/** Rank statistics accept ±Infinity (the lowest and highest rank, e.g. log of a zero score); Pearson does not. */
function checkPaired(name: string, a: ArrayLike<number>, b: ArrayLike<number>, allowInfinite = false): void {
  if (a.length !== b.length) throw new RangeError(`${name}: the two lists must have the same length, got ${a.length} and ${b.length}`);
  if (a.length < 2) throw new RangeError(`${name}: needs at least 2 pairs of values, got ${a.length}`);
  const ok = (x: number) => (allowInfinite ? !Number.isNaN(x) : Number.isFinite(x));
  for (let i = 0; i < a.length; i++) {
    if (!ok(a[i]!) || !ok(b[i]!)) {
      throw new RangeError(`${name}: value ${i} is not ${allowInfinite ? "a number" : "finite"} (${a[i]}, ${b[i]}); drop failed trials before ranking`);
    }
  }
}

/** Ranks 1..n, ties get the average of the ranks they span. */
export function averageRanks(xs: ArrayLike<number>): Float64Array {
  const n = xs.length;
  // Compared, not subtracted: Infinity - Infinity is NaN.
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => (xs[i]! < xs[j]! ? -1 : xs[i]! > xs[j]! ? 1 : 0));
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && xs[order[j + 1]!] === xs[order[i]!]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]!] = r;
    i = j + 1;
  }
  return ranks;
}

/** Pearson correlation; 0 when either list is constant. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkPaired("pearson", a, b);
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa === 0 || sbb === 0 ? 0 : sab / Math.sqrt(saa * sbb);
}

/**
 * Spearman's rank correlation (Pearson on average ranks, so ties are handled); 0 when either list is constant (no
 * order to compare), like `kendallTau`. The one Spearman of the library. Values must be finite (a failed trial's
 * -Infinity is refused) unless `allowInfinite`, which ranks ±Infinity lowest and highest (e.g. the log of a zero
 * proxy score).
 */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>, opts: { allowInfinite?: boolean } = {}): number {
  checkPaired("spearman", a, b, opts.allowInfinite === true);
  return pearson(averageRanks(a), averageRanks(b));
}

/**
 * Kendall's tau-b (Kendall 1945): (concordant - discordant) / sqrt((n0 - ties_a)(n0 - ties_b)), O(n^2).
 * Equals scipy.stats.kendalltau's default.
 */
export function kendallTau(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkPaired("kendallTau", a, b);
  const n = a.length;
  let s = 0;
  let pairsA = 0; // pairs not tied in a
  let pairsB = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const da = Math.sign(a[i]! - a[j]!);
      const db = Math.sign(b[i]! - b[j]!);
      if (da !== 0) pairsA++;
      if (db !== 0) pairsB++;
      s += da * db;
    }
  }
  return pairsA === 0 || pairsB === 0 ? 0 : s / Math.sqrt(pairsA * pairsB);
}
