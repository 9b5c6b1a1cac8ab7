/** Random search (Bergstra & Bengio 2012; Li & Talwalkar 2019 as a NAS baseline): uniform samples from the space. */
import type { Rng } from "../rng.js";
import type { SearchSpace } from "../space/types.js";
import type { TrialResult } from "../estimate/types.js";
import type { Strategy, StrategyFactory } from "./types.js";
import { Population } from "./population.js";

export interface RandomSearchOptions {
  /** Never propose an architecture twice (compared by its string). Default true. */
  unique?: boolean;
}

export function randomSearch(opts: RandomSearchOptions = {}): StrategyFactory {
  const unique = opts.unique ?? true;
  return {
    name: "random",
    create<A>(space: SearchSpace<A>, rng: Rng): Strategy<A> {
      const seen = new Set<string>();
      const size = space.size();
      const members = new Population<A>(space, Infinity);
      return {
        name: "random",
        independent: true, // ask() reads only the RNG and what it proposed before, never a result
        ask(n: number): A[] {
          const out: A[] = [];
          for (let i = 0; i < n; i++) {
            if (unique && BigInt(seen.size) >= size) break; // the whole space has been proposed
            let a = space.sample(rng);
            if (unique) {
              // Rejection sampling; when the space is nearly exhausted this takes long, so give up after many tries.
              for (let tries = 0; seen.has(space.format(a)) && tries < 10_000; tries++) a = space.sample(rng);
              if (seen.has(space.format(a))) break;
              seen.add(space.format(a));
            }
            out.push(a);
          }
          return out;
        },
        tell(arch: A, result: TrialResult, fitness: number) {
          members.add(arch, result, fitness);
        },
        snapshot: () => ({ strategy: "random", step: members.told, population: members.view() }),
      };
    },
  };
}
