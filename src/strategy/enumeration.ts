/**
 * Enumeration: every architecture of a finite space once, in a seeded random order. Not a search but a sweep, for
 * building a whole-space table (latency of every NB201 cell) through the search loop, so the sweep gets the trial
 * store, the executors and resume for free; a sweep stopped half-way leaves a uniform random sample of the space.
 */
import { NasbookError, requireCapabilities } from "../errors.js";
import type { TrialResult } from "../estimate/types.js";
import type { Rng } from "../rng.js";
import type { SearchSpace, Sequential } from "../space/types.js";
import { Population } from "./population.js";
import type { Strategy, StrategyFactory } from "./types.js";

/** Spaces larger than this are refused: enumeration holds every choice vector in memory. */
const MAX_ENUMERATED = 1_000_000;

/** The cartesian product of the space's categorical decisions, in odometer order. */
export function allChoices(space: SearchSpace<unknown> & Sequential<unknown>): number[][] {
  const decisions = space.decisions();
  const sizes = decisions.map((d) => (d.kind === "categorical" ? d.choices.length : 2));
  const total = sizes.reduce((a, b) => a * b, 1);
  if (total > MAX_ENUMERATED) throw new NasbookError(`space ${space.name} has ${total} decision vectors, more than enumeration holds (${MAX_ENUMERATED}); sample it instead`);
  const out: number[][] = [];
  const c = sizes.map(() => 0);
  for (let n = 0; n < total; n++) {
    out.push(c.slice());
    for (let i = c.length - 1; i >= 0; i--) {
      if (++c[i]! < sizes[i]!) break;
      c[i] = 0;
    }
  }
  return out;
}

/** Every architecture once, in an order shuffled by the search's seed. */
export function enumeration(): StrategyFactory {
  const name = "enumeration";
  return {
    name,
    create<A>(space: SearchSpace<A>, rng: Rng): Strategy<A> {
      requireCapabilities(name, space, ["decisions", "fromChoices"]);
      const seq = space as SearchSpace<A> & Sequential<A>;
      const order = rng.shuffle(allChoices(seq as SearchSpace<unknown> & Sequential<unknown>));
      let next = 0;
      const told = new Population<A>(space, 1000);
      return {
        name,
        independent: true, // the order is fixed up front
        ask(n: number): A[] {
          const out: A[] = [];
          while (out.length < n && next < order.length) out.push(seq.fromChoices(order[next++]!));
          return out;
        },
        tell(arch: A, result: TrialResult, fitness: number) {
          told.add(arch, result, fitness);
        },
        snapshot: () => ({ strategy: name, step: told.told, population: told.view(), remaining: order.length - next }),
      };
    },
  };
}
