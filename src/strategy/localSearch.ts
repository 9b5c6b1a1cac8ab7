/**
 * Local search (White, Nolen, Savani, "Local Search is State of the Art for NAS Benchmarks", 2020): start from the
 * best of a few random architectures, evaluate its neighbours in random order, move to the first that improves,
 * and restart from a random architecture at a local optimum.
 */
import { requireCapabilities } from "../errors.js";
import type { Rng } from "../rng.js";
import type { Mutable, SearchSpace } from "../space/types.js";
import type { TrialResult } from "../estimate/types.js";
import type { Strategy, StrategyFactory } from "./types.js";
import { Population } from "./population.js";

export interface LocalSearchOptions {
  /** Random architectures evaluated before the first (and every) climb starts from their best (default 10). */
  init?: number;
}

export function localSearch(opts: LocalSearchOptions = {}): StrategyFactory {
  const init = opts.init ?? 10;
  if (!(Number.isInteger(init) && init >= 1)) throw new RangeError(`localSearch: init must be an integer >= 1, got ${init}`);
  const name = "local-search";
  return {
    name,
    create<A>(space: SearchSpace<A>, rng: Rng): Strategy<A> {
      requireCapabilities(name, space, ["neighbours"]);
      const ms = space as SearchSpace<A> & Mutable<A>;
      const history = new Population<A>(space, Infinity);
      const evaluated = new Set<string>();
      let center: { arch: A; fitness: number } | undefined;
      let queue: A[] = [];
      let initLeft = init; // random samples still to ask before a climb
      let initBest: { arch: A; fitness: number } | undefined;
      let pending = 0; // asked but not yet told
      const restart = () => {
        center = undefined;
        queue = [];
        initLeft = init;
        initBest = undefined;
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
              if (!push(freshSample())) break;
            } else if (!center && initBest && pending === 0) {
              moveTo(initBest.arch, initBest.fitness);
            } else if (center && queue.length > 0) {
              const a = queue.shift()!;
              if (!evaluated.has(space.format(a))) push(a);
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
          } else if (fitness > center.fitness) {
            moveTo(arch, fitness);
          }
        },
        snapshot: () => ({
          strategy: name,
          step: history.told,
          population: history.view(),
          center: center ? space.format(center.arch) : undefined,
        }),
      };
    },
  };
}
