/**
 * A zero-cost warmup: a proxy that ranks architectures before any query, so a search starts where the proxy points
 * (Abdelfattah et al., "Zero-Cost Proxies for Lightweight NAS", ICLR 2021, §5). Ranking costs no query; the
 * strategies that take one (local search, regularized evolution, Delta-NAS) evaluate its top architectures first.
 */
import type { Rng } from "../rng.js";
import type { SearchSpace } from "../space/types.js";
import { NB201_PAPER, nb201Params } from "../model/nb201Params.js";
import type { Nb201Arch } from "../space/nb201.js";

/** A zero-cost proxy that picks where a search starts. */
export interface ZeroCostWarmup<A> {
  /** Names the proxy in snapshots, e.g. "params". */
  name: string;
  /** Higher = more promising. Called on `pool` random architectures; must not query the evaluator. */
  score(arch: A): number;
  /** Random architectures ranked (default 1000), or "all": every architecture of a space that lists them (`all()`). */
  pool?: number | "all";
}

/**
 * The NAS-Bench-201 network's parameter count (C=16, N=5) as the warmup proxy: NASLib's "params" zero-cost proxy.
 * Its Spearman with 200-epoch CIFAR-10 test accuracy over all 15,625 cells is 0.75 (synflow's published: 0.74).
 */
export function nb201ParamsWarmup(pool = 1000): ZeroCostWarmup<Nb201Arch> {
  return { name: "params", score: (a) => nb201Params(a, { ...NB201_PAPER, numClasses: 10 }), pool };
}

/** Checks a warmup's pool against the number of architectures a strategy takes from it (`who` names the strategy). */
export function checkWarmup(who: string, warmup: ZeroCostWarmup<unknown> | undefined, take: number): void {
  if (!warmup) return;
  const pool = warmup.pool ?? 1000;
  if (pool !== "all" && !(Number.isInteger(pool) && pool >= take)) throw new RangeError(`${who}: warmup.pool must be "all" or an integer >= ${take}, got ${pool}`);
}

/** The proxy's score of `a`, checked finite (a NaN would sort anywhere). */
export function warmupScore<A>(warmup: ZeroCostWarmup<A>, space: SearchSpace<A>, a: A): number {
  const score = warmup.score(a);
  if (!Number.isFinite(score)) throw new RangeError(`zero-cost proxy "${warmup.name}" returned ${score} for ${space.format(a)}; it must return a finite number`);
  return score;
}

/** The top of a whole-space ranking, per warmup (its `score` is fixed), space and count: it needs no RNG. */
const rankedAll = new WeakMap<object, Map<string, { archs: unknown[]; scores: number[] }>>();

/**
 * The `count` architectures the proxy ranks highest (one per `space.key` class) among `pool` random ones drawn
 * with `rng`, or among all of them; with their scores. Ties keep the draw (or listing) order.
 */
export function warmupTop<A>(space: SearchSpace<A>, warmup: ZeroCostWarmup<A>, rng: Rng, count: number): { archs: A[]; scores: number[] } {
  const pool = warmup.pool ?? 1000;
  const cacheKey = `${space.name}/${count}`;
  const cached = pool === "all" ? rankedAll.get(warmup)?.get(cacheKey) : undefined;
  if (cached) return { archs: cached.archs.slice() as A[], scores: cached.scores.slice() };
  let candidates: A[];
  if (pool === "all") {
    const all = (space as { all?: () => A[] }).all;
    if (typeof all !== "function") throw new RangeError(`zero-cost warmup "${warmup.name}": pool "all" needs a space that lists its architectures (all()); ${space.name} does not, give a number`);
    candidates = all.call(space);
  } else {
    candidates = Array.from({ length: pool }, () => space.sample(rng));
  }
  const ranked: { arch: A; score: number; i: number }[] = [];
  const keys = new Set<string>();
  candidates.forEach((a, i) => {
    const k = space.key(a);
    if (keys.has(k)) return;
    keys.add(k);
    ranked.push({ arch: a, score: warmupScore(warmup, space, a), i });
  });
  ranked.sort((p, q) => q.score - p.score || p.i - q.i);
  const top = ranked.slice(0, count);
  const out = { archs: top.map((t) => t.arch), scores: top.map((t) => t.score) };
  if (pool === "all") {
    if (!rankedAll.has(warmup)) rankedAll.set(warmup, new Map());
    rankedAll.get(warmup)!.set(cacheKey, { archs: out.archs.slice(), scores: out.scores.slice() });
  }
  return out;
}
