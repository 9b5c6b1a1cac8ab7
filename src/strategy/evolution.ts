/**
 * Regularized evolution (Real et al., "Regularized Evolution for Image Classifier Architecture Search", AAAI 2019):
 * a population of fixed size; each step samples a tournament, mutates its best member (optionally after crossover
 * with a second tournament winner), adds the child and removes the OLDEST member (aging), not the worst.
 */
import { requireCapabilities } from "../errors.js";
import type { Rng } from "../rng.js";
import type { Crossable, Mutable, SearchSpace } from "../space/types.js";
import type { TrialResult } from "../estimate/types.js";
import type { Member, SpaceStrategyFactory, Strategy, StrategyFactory } from "./types.js";
import { checkWarmup, warmupTop, type ZeroCostWarmup } from "./zeroCostWarmup.js";
import { Population } from "./population.js";

export interface RegularizedEvolutionOptions {
  /** Population size P (default 20). */
  population?: number;
  /** Tournament size S (default 5). */
  sample?: number;
  /** Probability that a child comes from crossover of two tournament winners before mutation (default 0). */
  crossover?: number;
}

export function regularizedEvolution(opts?: RegularizedEvolutionOptions): StrategyFactory;
/**
 * With `warmup`, the first population is the proxy's top P architectures (of its pool, or of the whole space) instead
 * of P random ones: a zero-cost warm start (Abdelfattah et al., ICLR 2021, §5); evolution proceeds as usual from there.
 */
export function regularizedEvolution<A>(opts: RegularizedEvolutionOptions & { warmup: ZeroCostWarmup<A> }): SpaceStrategyFactory<A>;
export function regularizedEvolution<A>(opts: RegularizedEvolutionOptions & { warmup?: ZeroCostWarmup<A> } = {}): StrategyFactory | SpaceStrategyFactory<A> {
  const P = opts.population ?? 20;
  const S = opts.sample ?? 5;
  const pc = opts.crossover ?? 0;
  if (!(Number.isInteger(P) && P >= 1)) throw new RangeError(`regularizedEvolution: population must be an integer >= 1, got ${P}`);
  if (!(Number.isInteger(S) && S >= 1 && S <= P)) throw new RangeError(`regularizedEvolution: sample must be an integer in 1..population (${P}), got ${S}`);
  if (!(pc >= 0 && pc <= 1)) throw new RangeError(`regularizedEvolution: crossover is a probability in [0, 1], got ${pc}`);
  checkWarmup("regularizedEvolution", opts.warmup, P);
  const warmup = opts.warmup;
  const name = "regularized-evolution";
  return {
    name,
    create(space: SearchSpace<A>, rng: Rng): Strategy<A> {
      requireCapabilities(name, space, pc > 0 ? ["mutate", "crossover"] : ["mutate"]);
      const ops = space as SearchSpace<A> & Mutable<A> & Partial<Crossable<A>>;
      const pop = new Population<A>(space, P);
      let asked = 0;
      const warm = warmup ? warmupTop(space, warmup, rng, P).archs : [];
      const tournament = (): Member<A> => pop.best(rng.sample(pop.members, Math.min(S, pop.size)))!;
      return {
        name,
        ask(n: number): A[] {
          const out: A[] = [];
          for (let i = 0; i < n; i++, asked++) {
            // Until P results exist, children have no parents: fill the population with random samples.
            if (asked < P || pop.size === 0) {
              out.push(warm.shift() ?? space.sample(rng));
              continue;
            }
            const parent = tournament();
            let base = parent.arch;
            if (pc > 0 && rng.bool(pc)) base = ops.crossover!(parent.arch, tournament().arch, rng);
            out.push(ops.mutate(base, rng));
          }
          return out;
        },
        tell(arch: A, result: TrialResult, fitness: number) {
          pop.add(arch, result, fitness);
        },
        snapshot: () => ({ strategy: name, step: pop.told, population: pop.view(), ...(warmup ? { warmup: { proxy: warmup.name, pool: warmup.pool ?? 1000 } } : {}) }),
      };
    },
  };
}
