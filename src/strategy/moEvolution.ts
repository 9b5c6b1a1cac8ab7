/**
 * Multi-objective regularized evolution: Real et al.'s aging evolution (AAAI 2019) with NSGA-II's crowded
 * comparison in place of the single fitness. The population of P members ages (the oldest is removed, not the
 * worst); a tournament of S members picks its winner by non-domination rank within the population, then crowding
 * distance; the child is the winner mutated (optionally crossed with a second winner). Objectives are read from
 * the results' metrics, as in nsga2.
 */
import { requireCapabilities } from "../errors.js";
import type { TrialResult } from "../estimate/types.js";
import type { Rng } from "../rng.js";
import type { Crossable, Mutable, SearchSpace } from "../space/types.js";
import { crowdedBetter, crowdedRanking } from "./nondominated.js";
import { freshArch, minimisedReference } from "./nsga2.js";
import { parseObjectives, type ObjectiveSpec } from "./objectives.js";
import { ParetoArchive, type ArchivedPoint } from "./paretoArchive.js";
import type { Strategy, StrategyFactory } from "./types.js";

export interface MoRegularizedEvolutionOptions {
  objectives: readonly ObjectiveSpec[];
  /** Population size P (default 20). */
  population?: number;
  /** Tournament size S (default 5). */
  sample?: number;
  /** Probability of crossover with a second tournament winner (default 0). */
  crossover?: number;
  /** Re-draw children already evaluated (default true). */
  unique?: boolean;
  /** Reference point (objectives' units) for the snapshot's hypervolume. */
  reference?: readonly number[];
}

export function moRegularizedEvolution(opts: MoRegularizedEvolutionOptions): StrategyFactory {
  const name = "mo-regularized-evolution";
  const objectives = parseObjectives(opts.objectives, name);
  const P = opts.population ?? 20;
  const S = opts.sample ?? 5;
  const pc = opts.crossover ?? 0;
  if (!(Number.isInteger(P) && P >= 2)) throw new RangeError(`${name}: population must be an integer >= 2, got ${P}`);
  if (!(Number.isInteger(S) && S >= 2 && S <= P)) throw new RangeError(`${name}: sample must be an integer in 2..population (${P}), got ${S}`);
  if (!(pc >= 0 && pc <= 1)) throw new RangeError(`${name}: crossover is a probability in [0, 1], got ${pc}`);
  if (opts.reference && opts.reference.length !== objectives.length) throw new RangeError(`${name}: reference needs ${objectives.length} values, one per objective`);
  const reference = minimisedReference(opts.reference, objectives);
  return {
    name,
    create<A>(space: SearchSpace<A>, rng: Rng): Strategy<A> {
      requireCapabilities(name, space, pc > 0 ? ["mutate", "crossover"] : ["mutate"]);
      const ops = space as SearchSpace<A> & Mutable<A> & Partial<Crossable<A>>;
      const archive = new ParetoArchive<A>(space, objectives);
      const proposed = new Set<string>();
      const population: ArchivedPoint<A>[] = [];
      let ranking: { rank: number[]; crowding: number[] } | undefined;
      let asked = 0;
      const taken = (a: A) => opts.unique !== false && proposed.has(space.format(a));
      const rank = () =>
        (ranking ??= crowdedRanking(
          population.map((p) => p.point ?? objectives.map(() => Infinity)),
          population.map((p) => (p.point ? p.violation : Infinity)),
        ));
      const tournament = (): ArchivedPoint<A> => {
        const r = rank();
        const picks = rng.sample(population.map((_, i) => i), Math.min(S, population.length));
        let best = picks[0]!;
        for (const i of picks.slice(1)) if (crowdedBetter(i, best, r)) best = i;
        return population[best]!;
      };
      const child = (): A => {
        let base = tournament().arch;
        if (pc > 0 && rng.bool(pc)) base = ops.crossover!(base, tournament().arch, rng);
        return ops.mutate(base, rng);
      };
      return {
        name,
        ask(n: number): A[] {
          const out: A[] = [];
          for (let i = 0; i < n; i++, asked++) {
            const a = asked < P || population.length === 0 ? freshArch(() => space.sample(rng), taken) : freshArch(child, taken);
            proposed.add(space.format(a));
            out.push(a);
          }
          return out;
        },
        tell(arch: A, result: TrialResult, fitness: number) {
          population.push(archive.add(arch, result, fitness));
          if (population.length > P) population.shift(); // aging: the oldest goes, whatever its rank
          ranking = undefined;
        },
        snapshot: () => archive.snapshot(name, population, reference),
      };
    },
  };
}
