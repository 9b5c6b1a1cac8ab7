/** The strategy contract: ask/tell. The search loop, not the strategy, owns evaluation. */
import type { TrialResult } from "../estimate/types.js";
import type { Rng } from "../rng.js";
import type { PolicyRow, SearchSpace } from "../space/types.js";

/** One evaluated architecture as a strategy and the plots see it. */
export interface Member<A> {
  arch: A;
  /** The objective value (higher is better); `-Infinity` for a failed trial. */
  fitness: number;
  /** Trial index in the search (the "age" of the member). */
  trial: number;
  metrics: Record<string, number>;
}

/** One member of a strategy's population as plots see it: the architecture as written, its fitness and metrics. */
export interface PopulationMember {
  arch: string;
  fitness: number;
  /** Trial index that produced it (its age). */
  trial: number;
  metrics: Record<string, number>;
}

/**
 * What plots need from a strategy at one moment. Every field is optional; a strategy fills in what it has:
 * a population (evolution, random search, predictors), per-decision probabilities (controllers' policies,
 * DARTS/GDAS softmax(alpha)), predictor fit.
 */
export interface StrategySnapshot {
  strategy: string;
  step: number;
  population?: PopulationMember[];
  policy?: PolicyRow[];
  predictor?: { name: string; trainSize: number; kendallTau?: number; spearman?: number; [detail: string]: unknown };
  [extra: string]: unknown;
}

export interface Strategy<A> {
  readonly name: string;
  /** Proposes `n` architectures to evaluate next. */
  ask(n: number): A[];
  /** Reports the result of one architecture returned by `ask`. */
  tell(arch: A, result: TrialResult, fitness: number): void;
  snapshot(): StrategySnapshot;
  /**
   * True when what `ask` proposes never depends on what `tell` reported (random search). The search loop may then
   * ask the next batch before the last one is told, keeping `parallel` trials running instead of waiting for a
   * batch's slowest trial; trials are still told in ask order, so the history is the same.
   */
  readonly independent?: boolean;
}

/**
 * How a strategy is made: the loop gives it the space and its own seeded RNG. Most strategies work on any space
 * that has the capabilities they need, so `create` is generic; a strategy tied to one kind of architecture
 * implements `SpaceStrategyFactory<A>` instead.
 */
export interface StrategyFactory {
  readonly name: string;
  /** Checks the space's capabilities (throws CapabilityError) and builds the strategy. */
  create<A>(space: SearchSpace<A>, rng: Rng): Strategy<A>;
}

/** A factory of strategies for one kind of architecture (e.g. NB201 cells). */
export interface SpaceStrategyFactory<A> {
  readonly name: string;
  create(space: SearchSpace<A>, rng: Rng): Strategy<A>;
}
