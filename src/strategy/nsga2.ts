/**
 * NSGA-II (Deb et al., IEEE TEVC 2002) as an ask/tell strategy: a population of N parents; offspring come from
 * binary tournaments on the crowded comparison (non-domination rank, then crowding distance), crossover when the
 * space has it, and mutation; once N offspring are told, parents and offspring are sorted into fronts and the best
 * N survive (the last front cut by crowding distance). Objectives are read from each result's metrics, so one
 * search optimises e.g. accuracy and measured latency together; the loop's single fitness is not used. As pymoo
 * does by default, offspring already evaluated are re-drawn (a table query or a training run is not wasted on a
 * duplicate).
 */
import { requireCapabilities } from "../errors.js";
import type { TrialResult } from "../estimate/types.js";
import type { Rng } from "../rng.js";
import type { Crossable, Mutable, SearchSpace } from "../space/types.js";
import { crowdedBetter, crowdedRanking } from "./nondominated.js";
import { parseObjectives, type ObjectiveSpec } from "./objectives.js";
import { ParetoArchive, type ArchivedPoint } from "./paretoArchive.js";
import type { Strategy, StrategyFactory } from "./types.js";

export interface Nsga2Options {
  /** At least two, e.g. ["max:val_acc", "min:latency_ms"]. */
  objectives: readonly ObjectiveSpec[];
  /** Parents per generation, N (default 20); the first N trials are random. */
  population?: number;
  /** Probability of crossover before mutation, when the space can cross (default 0.5). */
  crossover?: number;
  /** Re-draw offspring that were already evaluated (default true). */
  unique?: boolean;
  /** Reference point (in the objectives' own units) for the hypervolume shown in snapshots. */
  reference?: readonly number[];
}

/** Draws from `make` until it gives an architecture not yet evaluated or proposed (at most `tries` times). */
export function freshArch<A>(make: () => A, taken: (a: A) => boolean, tries = 50): A {
  let a = make();
  for (let i = 1; i < tries && taken(a); i++) a = make();
  return a;
}

/** Reference point in the objectives' units -> in minimised form. */
export function minimisedReference(reference: readonly number[] | undefined, objectives: readonly { goal: "max" | "min" }[]): number[] | undefined {
  return reference?.map((r, i) => (objectives[i]!.goal === "max" ? -r : r));
}

export function nsga2(opts: Nsga2Options): StrategyFactory {
  const name = "nsga2";
  const objectives = parseObjectives(opts.objectives, name);
  const N = opts.population ?? 20;
  const pc = opts.crossover ?? 0.5;
  if (!(Number.isInteger(N) && N >= 2)) throw new RangeError(`nsga2: population must be an integer >= 2, got ${N}`);
  if (!(pc >= 0 && pc <= 1)) throw new RangeError(`nsga2: crossover is a probability in [0, 1], got ${pc}`);
  if (opts.reference && opts.reference.length !== objectives.length) throw new RangeError(`nsga2: reference needs ${objectives.length} values, one per objective`);
  const reference = minimisedReference(opts.reference, objectives);
  return {
    name,
    create<A>(space: SearchSpace<A>, rng: Rng): Strategy<A> {
      requireCapabilities(name, space, ["mutate"]);
      const ops = space as SearchSpace<A> & Mutable<A> & Partial<Crossable<A>>;
      const canCross = typeof ops.crossover === "function" && pc > 0;
      const archive = new ParetoArchive<A>(space, objectives);
      const proposed = new Set<string>();
      let parents: ArchivedPoint<A>[] = [];
      let offspring: ArchivedPoint<A>[] = [];
      let asked = 0;
      let ranking = { rank: [] as number[], crowding: [] as number[] };
      const taken = (a: A) => opts.unique !== false && proposed.has(space.format(a));
      const pointOf = (p: ArchivedPoint<A>) => p.point ?? objectives.map(() => Infinity);
      const violationOf = (p: ArchivedPoint<A>) => (p.point ? p.violation : Infinity);

      const tournament = (): ArchivedPoint<A> => {
        // With parallel asks, children may be wanted before the first N are all told: rank what there is.
        if (ranking.rank.length !== parents.length) ranking = crowdedRanking(parents.map(pointOf), parents.map(violationOf));
        const a = rng.int(parents.length);
        const b = rng.int(parents.length);
        return crowdedBetter(b, a, ranking) ? parents[b]! : parents[a]!;
      };
      const child = (): A => {
        let base = tournament().arch;
        if (canCross && rng.bool(pc)) base = ops.crossover!(base, tournament().arch, rng);
        return ops.mutate(base, rng);
      };
      // Environmental selection: the best N of parents + offspring by fronts, the last front cut by crowding.
      const select = () => {
        const pool = [...parents, ...offspring];
        const r = crowdedRanking(pool.map(pointOf), pool.map(violationOf));
        const order = pool.map((_, i) => i).sort((a, b) => r.rank[a]! - r.rank[b]! || r.crowding[b]! - r.crowding[a]! || a - b);
        parents = order.slice(0, N).map((i) => pool[i]!);
        offspring = [];
        ranking = crowdedRanking(parents.map(pointOf), parents.map(violationOf));
      };

      return {
        name,
        ask(n: number): A[] {
          const out: A[] = [];
          for (let i = 0; i < n; i++, asked++) {
            const a = asked < N || parents.length === 0 ? freshArch(() => space.sample(rng), taken) : freshArch(child, taken);
            proposed.add(space.format(a));
            out.push(a);
          }
          return out;
        },
        tell(arch: A, result: TrialResult, fitness: number) {
          const p = archive.add(arch, result, fitness);
          if (parents.length < N && archive.all.length <= N) {
            parents.push(p);
            if (parents.length === N) ranking = crowdedRanking(parents.map(pointOf), parents.map(violationOf));
            return;
          }
          offspring.push(p);
          if (offspring.length === N) select();
        },
        snapshot: () => archive.snapshot(name, parents.length > 0 ? [...parents, ...offspring] : archive.all, reference),
      };
    },
  };
}
