/** A bounded, ordered population of evaluated architectures: what evolution keeps and what population plots show. */
import type { TrialResult } from "../estimate/types.js";
import type { SearchSpace } from "../space/types.js";
import type { Member, StrategySnapshot } from "./types.js";

export class Population<A> {
  /** Oldest first. */
  readonly members: Member<A>[] = [];
  /** How many results were told so far (the next member's trial number). */
  told = 0;

  constructor(
    private readonly space: SearchSpace<A>,
    /** Maximum size; adding beyond it removes the oldest member (aging). */
    readonly capacity: number,
  ) {}

  add(arch: A, result: TrialResult, fitness: number): Member<A> {
    const m: Member<A> = { arch, fitness, trial: this.told++, metrics: result.metrics };
    this.members.push(m);
    if (this.members.length > this.capacity) this.members.shift();
    return m;
  }

  get size(): number {
    return this.members.length;
  }

  /** The fittest member (the oldest one on ties). */
  best(of: readonly Member<A>[] = this.members): Member<A> | undefined {
    let b: Member<A> | undefined;
    for (const m of of) if (!b || m.fitness > b.fitness) b = m;
    return b;
  }

  /** Plain data for snapshots and plots (at most the newest `limit` members). */
  view(limit = 1000): NonNullable<StrategySnapshot["population"]> {
    return this.members.slice(-limit).map((m) => ({
      arch: this.space.format(m.arch),
      fitness: m.fitness,
      trial: m.trial,
      metrics: m.metrics,
    }));
  }
}
