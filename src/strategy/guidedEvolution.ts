/**
 * The round structure shared by predictor-guided evolution strategies (BANANAS-style and Delta-NAS): evaluate a few
 * random architectures (or, with a zero-cost warmup, the proxy's top ones), then repeatedly refit a predictor on everything evaluated, propose mutations of the best
 * architectures, score them with the predictor, and evaluate only the top-scored ones. Candidates equivalent to an
 * evaluated architecture (same `space.key`) are skipped: on a benchmark they would cost a query for no information.
 */
import { requireCapabilities } from "../errors.js";
import type { Rng } from "../rng.js";
import type { Mutable, SearchSpace } from "../space/types.js";
import type { TrialResult } from "../estimate/types.js";
import type { Member, Strategy, StrategySnapshot } from "./types.js";
import { Population } from "./population.js";
import { kendallTau, spearman } from "../predict/rank.js";
import { warmupTop, type ZeroCostWarmup } from "./zeroCostWarmup.js";

export interface GuidedEvolutionOptions {
  /** Random architectures evaluated before the predictor is first fitted (default 10). */
  init?: number;
  /** Architectures evaluated per round, between refits (default 10). */
  batch?: number;
  /** The best evaluated architectures whose mutations are candidates (default 10). */
  parents?: number;
  /**
   * Candidates per parent: all one-step neighbours when there are at most this many, otherwise this many random
   * mutations (default 30).
   */
  candidatesPerParent?: number;
}

/** What a concrete strategy plugs in: how to fit its predictor and how to score a parent's children. */
export interface CandidateScorer<A> {
  /**
   * Refits on the successful members (fitness finite, in the order they were told). Returns false when there is
   * not enough data of the kind the predictor needs yet (Delta-NAS: close pairs); that round then evaluates random
   * mutations of the best architectures instead, which creates such data.
   */
  fit(members: readonly Member<A>[], rng: Rng): boolean;
  /** One score per child; higher = evaluate first. Children of different parents are compared by these scores. */
  score(parent: Member<A>, children: readonly A[], rng: Rng): Float64Array;
  /** Predictor description for snapshots. */
  describe(): { name: string; trainSize: number } & Record<string, unknown>;
}

export function checkGuidedOptions(who: string, o: GuidedEvolutionOptions): Required<GuidedEvolutionOptions> {
  const r = { init: o.init ?? 10, batch: o.batch ?? 10, parents: o.parents ?? 10, candidatesPerParent: o.candidatesPerParent ?? 30 };
  for (const [k, v, min] of [["init", r.init, 2], ["batch", r.batch, 1], ["parents", r.parents, 1], ["candidatesPerParent", r.candidatesPerParent, 1]] as const) {
    if (!(Number.isInteger(v) && v >= min)) throw new RangeError(`${who}: ${k} must be an integer >= ${min}, got ${v}`);
  }
  return r;
}

/** Builds a strategy that runs predictor-guided rounds with `scorer`. */
export function guidedEvolution<A>(
  name: string,
  space: SearchSpace<A>,
  rng: Rng,
  opts: Required<GuidedEvolutionOptions>,
  scorer: CandidateScorer<A>,
  warmup?: ZeroCostWarmup<A>,
): Strategy<A> {
  requireCapabilities(name, space, ["mutate", "neighbours"]);
  const ms = space as SearchSpace<A> & Mutable<A>;
  const history = new Population<A>(space, Infinity);
  const ok: Member<A>[] = []; // successful members, in trial order
  // The best of them, best first, kept incrementally (no sort per round). Beyond the `parents` best, further ones
  // stand in when the best parents' neighbourhoods are used up, so a round still has `batch` fresh candidates
  // (otherwise a late search refits after every one or two queries).
  const best: Member<A>[] = [];
  const bestCapacity = opts.parents * 8;
  const seen = new Set<string>(); // keys proposed so far
  let queue: A[] = [];
  let rounds = 0;
  let unguidedRounds = 0;
  let lastScores: { arch: string; parent: string; score: number }[] = [];
  const scoreOf = new Map<string, number>(); // key -> predicted score when queued
  const scored: { predicted: number; actual: number }[] = []; // candidates evaluated so far

  // A zero-cost warm start: the first `init` architectures are the proxy's top ones instead of random ones.
  const warm = warmup ? warmupTop(space, warmup, rng, opts.init).archs : [];
  const fresh = (): A | undefined => {
    for (let tries = 0; tries < 1000; tries++) {
      const a = space.sample(rng);
      if (!seen.has(space.key(a))) return a;
    }
    return undefined;
  };

  /** Unseen children of `parent`: all its neighbours when few, else `candidatesPerParent` random mutations. */
  const childrenOf = (parent: Member<A>, inRound: Set<string>): A[] => {
    const all = ms.neighbours(parent.arch);
    const children = all.length <= opts.candidatesPerParent
      ? all
      : Array.from({ length: opts.candidatesPerParent }, () => ms.mutate(parent.arch, rng));
    return children.filter((c) => {
      const k = space.key(c);
      if (seen.has(k) || inRound.has(k)) return false;
      inRound.add(k);
      return true;
    });
  };

  const plan = (): void => {
    if (ok.length < 2) {
      const a = fresh();
      if (a !== undefined) queue.push(a);
      return;
    }
    const inRound = new Set<string>();
    if (!scorer.fit(ok, rng)) {
      // Not enough data for the predictor yet: one random unseen mutation per parent, best parents first.
      unguidedRounds++;
      for (const parent of best) {
        if (queue.length >= opts.batch) break;
        const children = childrenOf(parent, inRound);
        if (children.length > 0) queue.push(rng.choice(children));
      }
      lastScores = [];
      if (queue.length === 0) {
        const a = fresh();
        if (a !== undefined) queue.push(a);
      }
      return;
    }
    rounds++;
    const scored: { arch: A; parent: Member<A>; score: number; key: string }[] = [];
    for (const [p, parent] of best.entries()) {
      if (p >= opts.parents && scored.length >= opts.batch) break;
      const children = childrenOf(parent, inRound);
      if (children.length === 0) continue;
      const s = scorer.score(parent, children, rng);
      children.forEach((c, i) => scored.push({ arch: c, parent, score: s[i]!, key: space.key(c) }));
    }
    scored.sort((p, q) => q.score - p.score);
    const top = scored.slice(0, opts.batch);
    lastScores = top.map((t) => ({ arch: space.format(t.arch), parent: space.format(t.parent.arch), score: t.score }));
    queue = top.map((t) => t.arch);
    for (const t of top) scoreOf.set(t.key, t.score);
    if (queue.length === 0) {
      const a = fresh(); // every neighbour of every parent is evaluated: explore
      if (a !== undefined) queue.push(a);
    }
  };

  return {
    name,
    ask(n: number): A[] {
      const out: A[] = [];
      while (out.length < n) {
        let a: A | undefined;
        if (seen.size < opts.init) a = warm.shift() ?? fresh();
        else {
          if (queue.length === 0) plan();
          a = queue.shift();
        }
        if (a === undefined) break;
        const k = space.key(a);
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(a);
      }
      return out;
    },
    tell(arch: A, result: TrialResult, fitness: number) {
      const m = history.add(arch, result, fitness);
      if (Number.isFinite(fitness)) {
        ok.push(m);
        // Insert into the best list (fitness descending, earlier trial first on ties), capped at `parents`.
        let i = best.length;
        while (i > 0 && best[i - 1]!.fitness < m.fitness) i--;
        if (i < bestCapacity) {
          best.splice(i, 0, m);
          if (best.length > bestCapacity) best.pop();
        }
      }
      const predicted = scoreOf.get(space.key(arch));
      if (predicted !== undefined && Number.isFinite(fitness)) scored.push({ predicted, actual: fitness });
    },
    snapshot(): StrategySnapshot {
      const p = scorer.describe();
      // How well the scores ranked the candidates that were then evaluated (the last 50), for the predictor plot.
      const recent = scored.slice(-50);
      const quality = recent.length >= 3
        ? { kendallTau: kendallTau(recent.map((r) => r.predicted), recent.map((r) => r.actual)), spearman: spearman(recent.map((r) => r.predicted), recent.map((r) => r.actual)) }
        : {};
      return {
        strategy: name,
        step: history.told,
        population: history.view(),
        predictor: { ...p, ...quality },
        scored: scored.slice(),
        rounds,
        unguidedRounds,
        candidates: lastScores,
      };
    },
  };
}
