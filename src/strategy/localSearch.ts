/**
 * Local search (White, Nolen, Savani, "Local Search is State of the Art for NAS Benchmarks", 2020): start from the
 * best of a few random architectures, evaluate its neighbours in random order, move to the first that improves
 * (`move: "first"`, the default) or, after the whole neighbourhood, to the best of them (`move: "best"`, the
 * paper's Algorithm 1), and restart from random architectures at a local optimum.
 *
 * With `warmup`, the first climb starts from the architectures a zero-cost proxy ranks highest among `pool` random
 * ones (the "zero-cost warmup" of Abdelfattah et al., "Zero-Cost Proxies for Lightweight NAS", ICLR 2021, §5):
 * ranking costs no query. Restarts stay random, as in the paper.
 */
import { requireCapabilities } from "../errors.js";
import type { Rng } from "../rng.js";
import type { Mutable, SearchSpace } from "../space/types.js";
import type { TrialResult } from "../estimate/types.js";
import type { SpaceStrategyFactory, Strategy, StrategyFactory } from "./types.js";
import { Population } from "./population.js";
import { NB201_PAPER, nb201Params } from "../model/nb201Params.js";
import type { Nb201Arch } from "../space/nb201.js";

export interface LocalSearchOptions {
  /** Random architectures evaluated before the first (and every) climb starts from their best (default 10). */
  init?: number;
  /** Move to the first improving neighbour (default) or to the best neighbour once all are evaluated. */
  move?: "first" | "best";
}

/** A zero-cost proxy that picks where the first climb starts. */
export interface ZeroCostWarmup<A> {
  /** Names the proxy in snapshots, e.g. "params". */
  name: string;
  /** Higher = more promising. Called on `pool` random architectures; must not query the evaluator. */
  score(arch: A): number;
  /** Random architectures ranked (default 1000). */
  pool?: number;
}

/**
 * The NAS-Bench-201 network's parameter count (C=16, N=5) as the warmup proxy: NASLib's "params" zero-cost proxy.
 * Its Spearman with 200-epoch CIFAR-10 test accuracy over all 15,625 cells is 0.75 (synflow's published: 0.74).
 */
export function nb201ParamsWarmup(pool = 1000): ZeroCostWarmup<Nb201Arch> {
  return { name: "params", score: (a) => nb201Params(a, { ...NB201_PAPER, numClasses: 10 }), pool };
}

export function localSearch(opts?: LocalSearchOptions): StrategyFactory;
export function localSearch<A>(opts: LocalSearchOptions & { warmup: ZeroCostWarmup<A> }): SpaceStrategyFactory<A>;
export function localSearch<A>(opts: LocalSearchOptions & { warmup?: ZeroCostWarmup<A> } = {}): StrategyFactory | SpaceStrategyFactory<A> {
  const init = opts.init ?? 10;
  const move = opts.move ?? "first";
  const warmup = opts.warmup;
  const pool = warmup?.pool ?? 1000;
  if (!(Number.isInteger(init) && init >= 1)) throw new RangeError(`localSearch: init must be an integer >= 1, got ${init}`);
  if (move !== "first" && move !== "best") throw new RangeError(`localSearch: move must be "first" or "best", got ${JSON.stringify(move)}`);
  if (warmup && !(Number.isInteger(pool) && pool >= init)) throw new RangeError(`localSearch: warmup.pool must be an integer >= init (${init}), got ${pool}`);
  const name = "local-search";
  return {
    name,
    create(space: SearchSpace<A>, rng: Rng): Strategy<A> {
      requireCapabilities(name, space, ["neighbours"]);
      const ms = space as SearchSpace<A> & Mutable<A>;
      const history = new Population<A>(space, Infinity);
      const evaluated = new Set<string>();
      let center: { arch: A; fitness: number } | undefined;
      let queue: A[] = [];
      let initLeft = init; // random samples still to ask before a climb
      let initBest: { arch: A; fitness: number } | undefined;
      let pending = 0; // asked but not yet told
      let bestNeighbour: { arch: A; fitness: number } | undefined; // move "best": of the center's neighbours so far
      let warmQueue: A[] | undefined; // the proxy's top `init` of the pool, for the first climb
      let warmScores: number[] = [];
      const restart = () => {
        center = undefined;
        queue = [];
        initLeft = init;
        initBest = undefined;
      };
      const rankPool = (): A[] => {
        const ranked: { arch: A; score: number; i: number }[] = [];
        const keys = new Set<string>();
        for (let i = 0; i < pool; i++) {
          const a = space.sample(rng);
          const k = space.key(a);
          if (keys.has(k)) continue;
          keys.add(k);
          const score = warmup!.score(a);
          if (!Number.isFinite(score)) throw new RangeError(`localSearch: zero-cost proxy "${warmup!.name}" returned ${score} for ${space.format(a)}; it must return a finite number`);
          ranked.push({ arch: a, score, i });
        }
        ranked.sort((p, q) => q.score - p.score || p.i - q.i);
        const top = ranked.slice(0, init);
        warmScores = top.map((t) => t.score);
        return top.map((t) => t.arch);
      };
      /** A random architecture not evaluated yet (undefined when the space seems exhausted). */
      const freshSample = (): A | undefined => {
        for (let tries = 0; tries < 1000; tries++) {
          const a = space.sample(rng);
          if (!evaluated.has(space.format(a))) return a;
        }
        return undefined;
      };
      const moveTo = (arch: A, fitness: number) => {
        center = { arch, fitness };
        bestNeighbour = undefined;
        queue = rng.shuffle(ms.neighbours(arch).filter((n) => !evaluated.has(space.format(n))));
      };
      return {
        name,
        ask(n: number): A[] {
          const out: A[] = [];
          const push = (a: A | undefined) => {
            if (a === undefined) return false;
            out.push(a);
            evaluated.add(space.format(a));
            return true;
          };
          while (out.length < n) {
            if (initLeft > 0) {
              initLeft--;
              if (warmup && warmQueue === undefined) warmQueue = rankPool();
              const warm = warmQueue?.shift();
              if (!push(warm !== undefined && !evaluated.has(space.format(warm)) ? warm : freshSample())) break;
            } else if (!center && initBest && pending === 0) {
              moveTo(initBest.arch, initBest.fitness);
            } else if (center && queue.length > 0) {
              const a = queue.shift()!;
              if (!evaluated.has(space.format(a))) push(a);
            } else if (center && queue.length === 0 && pending === 0 && bestNeighbour && bestNeighbour.fitness > center.fitness) {
              moveTo(bestNeighbour.arch, bestNeighbour.fitness); // move "best": the whole neighbourhood is told
            } else if (center && queue.length === 0 && pending === 0) {
              restart(); // local optimum: every neighbour evaluated, none better
            } else {
              // Waiting for results we need before we can continue (only with parallel asks): propose random ones.
              if (!push(freshSample())) break;
            }
          }
          pending += out.length;
          return out;
        },
        tell(arch: A, result: TrialResult, fitness: number) {
          pending--;
          history.add(arch, result, fitness);
          if (!center) {
            if (!initBest || fitness > initBest.fitness) initBest = { arch, fitness };
          } else if (move === "first") {
            if (fitness > center.fitness) moveTo(arch, fitness);
          } else if (!bestNeighbour || fitness > bestNeighbour.fitness) {
            bestNeighbour = { arch, fitness };
          }
        },
        snapshot: () => ({
          strategy: name,
          step: history.told,
          population: history.view(),
          center: center ? space.format(center.arch) : undefined,
          ...(warmup ? { warmup: { proxy: warmup.name, pool, scores: warmScores } } : {}),
        }),
      };
    },
  };
}
