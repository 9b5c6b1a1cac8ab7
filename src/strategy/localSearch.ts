/**
 * Local search (White, Nolen, Savani, "Local Search is State of the Art for NAS Benchmarks", 2020): start from the
 * best of a few random architectures, evaluate its neighbours in random order, move to the first that improves
 * (`move: "first"`, the default) or, after the whole neighbourhood, to the best of them (`move: "best"`, the
 * paper's Algorithm 1), and restart from random architectures at a local optimum.
 *
 * With `warmup`, the first climb starts from the architectures a zero-cost proxy ranks highest among `pool` random
 * ones, or among all of them (the "zero-cost warmup" of Abdelfattah et al., "Zero-Cost Proxies for Lightweight NAS",
 * ICLR 2021, §5): ranking costs no query. With `order: "proxy"` every centre's neighbours are also evaluated in the
 * proxy's order. Restarts stay random, as in the paper.
 */
import { requireCapabilities } from "../errors.js";
import type { Rng } from "../rng.js";
import type { Mutable, SearchSpace } from "../space/types.js";
import type { TrialResult } from "../estimate/types.js";
import type { SpaceStrategyFactory, Strategy, StrategyFactory } from "./types.js";
import { Population } from "./population.js";
import { checkWarmup, warmupScore, warmupTop, type ZeroCostWarmup } from "./zeroCostWarmup.js";

export interface LocalSearchOptions {
  /** Random architectures evaluated before the first (and every) climb starts from their best (default 10). */
  init?: number;
  /** Move to the first improving neighbour (default) or to the best neighbour once all are evaluated. */
  move?: "first" | "best";
  /**
   * The order in which a centre's neighbours are evaluated: random (default, the paper's), or by the warmup proxy,
   * highest score first ("proxy", needs `warmup`): with few queries, the climb looks where the proxy points.
   */
  order?: "random" | "proxy";
}

export { nb201ParamsWarmup, type ZeroCostWarmup } from "./zeroCostWarmup.js";

export function localSearch(opts?: LocalSearchOptions): StrategyFactory;
export function localSearch<A>(opts: LocalSearchOptions & { warmup: ZeroCostWarmup<A> }): SpaceStrategyFactory<A>;
export function localSearch<A>(opts: LocalSearchOptions & { warmup?: ZeroCostWarmup<A> } = {}): StrategyFactory | SpaceStrategyFactory<A> {
  const init = opts.init ?? 10;
  const move = opts.move ?? "first";
  const order = opts.order ?? "random";
  const warmup = opts.warmup;
  const pool = warmup?.pool ?? 1000;
  if (!(Number.isInteger(init) && init >= 1)) throw new RangeError(`localSearch: init must be an integer >= 1, got ${init}`);
  if (move !== "first" && move !== "best") throw new RangeError(`localSearch: move must be "first" or "best", got ${JSON.stringify(move)}`);
  if (order !== "random" && order !== "proxy") throw new RangeError(`localSearch: order must be "random" or "proxy", got ${JSON.stringify(order)}`);
  if (order === "proxy" && !warmup) throw new RangeError('localSearch: order "proxy" ranks neighbours by the warmup\'s proxy; give a warmup too');
  checkWarmup("localSearch", warmup, init);
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
      const proxyScore = (a: A): number => warmupScore(warmup!, space, a);
      const rankPool = (): A[] => {
        const top = warmupTop(space, warmup!, rng, init);
        warmScores = top.scores;
        return top.archs;
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
        // Shuffled either way, so that with "proxy" equal scores come in random order (the sort is stable).
        queue = rng.shuffle(ms.neighbours(arch).filter((n) => !evaluated.has(space.format(n))));
        if (order === "proxy") {
          const scored = queue.map((a) => ({ a, s: proxyScore(a) }));
          queue = scored.sort((p, q) => q.s - p.s).map((p) => p.a);
        }
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
