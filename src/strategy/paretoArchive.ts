/**
 * What multi-objective strategies share: every told result as a point to minimise (with its constraint violation),
 * the non-dominated set of everything told so far, and the snapshot plots read (population with metrics, the
 * front, its hypervolume when a reference point is given).
 */
import type { TrialResult } from "../estimate/types.js";
import type { SearchSpace } from "../space/types.js";
import { hypervolume } from "./hypervolume.js";
import { nonDominatedSort } from "./nondominated.js";
import { minimisedVector, type Objective } from "./objectives.js";
import type { StrategySnapshot } from "./types.js";

export interface ArchivedPoint<A> {
  arch: A;
  /** Trial number (order told). */
  trial: number;
  /** Objectives to minimise; undefined for a failed trial. */
  point?: number[];
  /** Constraint violation (the `violation` metric of a constrained evaluator); 0 = feasible. */
  violation: number;
  fitness: number;
  metrics: Record<string, number>;
}

export class ParetoArchive<A> {
  readonly all: ArchivedPoint<A>[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly space: SearchSpace<A>,
    readonly objectives: readonly Objective[],
  ) {}

  add(arch: A, result: TrialResult, fitness: number): ArchivedPoint<A> {
    const point = result.status === "ok" ? minimisedVector(result.metrics, this.objectives) : undefined;
    const violation = typeof result.metrics.violation === "number" && result.metrics.violation > 0 ? result.metrics.violation : 0;
    const p: ArchivedPoint<A> = { arch, trial: this.all.length, point, violation, fitness, metrics: result.metrics };
    this.all.push(p);
    this.seen.add(this.space.format(arch));
    return p;
  }

  /** Whether an architecture (as written) was told already. */
  has(arch: A): boolean {
    return this.seen.has(this.space.format(arch));
  }

  /** The feasible non-dominated points told so far. */
  front(): ArchivedPoint<A>[] {
    const ok = this.all.filter((p) => p.point && p.violation <= 0);
    if (ok.length === 0) return [];
    return nonDominatedSort(ok.map((p) => p.point!))[0]!.map((i) => ok[i]!);
  }

  /** Snapshot fields: population (newest `limit`), the front's architectures and (with `reference`) its hypervolume. */
  snapshot(strategy: string, members: readonly ArchivedPoint<A>[], reference?: readonly number[]): StrategySnapshot {
    const front = this.front();
    const view = (p: ArchivedPoint<A>) => ({ arch: this.space.format(p.arch), fitness: p.fitness, trial: p.trial, metrics: p.metrics });
    return {
      strategy,
      step: this.all.length,
      population: members.map(view),
      front: front.map(view),
      objectives: this.objectives.map((o) => `${o.goal}:${o.metric}`),
      ...(reference ? { hypervolume: hypervolume(front.map((p) => p.point!), reference) } : {}),
    };
  }
}
