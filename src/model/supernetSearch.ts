/**
 * What a weight-sharing search (DARTS, one-shot/SPOS, ENAS) is to its caller. Unlike ask/tell strategies it owns
 * a supernet training loop; it streams snapshots (alphas or policy over time) while it runs, and ends by proposing
 * discrete architectures, which then go through an Evaluator like any other (`proposalStrategy`).
 */
import type { StrategySnapshot } from "../strategy/types.js";

/** One architecture a weight-sharing search proposes, with its accuracy estimated on the shared weights. */
export interface Proposal<A> {
  arch: A;
  /** Validation accuracy (percent) of the architecture's sub-network with the supernet's weights, if measured. */
  supernetAcc?: number;
}

export interface WeightSharingResult<A> {
  /** The architecture the search derives (DARTS: argmax/top-2 of alpha; SPOS/ENAS: best by shared-weight accuracy). */
  derived: A;
  /** Candidates, best first (the derived architecture first). */
  proposals: Proposal<A>[];
  /** Seconds of the whole search (supernet training plus derivation). */
  seconds: number;
  /** Supernet training steps taken. */
  steps: number;
  /** Whether the run stopped before its step budget (abort or an early-stopping rule), and why. */
  stoppedEarly?: string;
  /** Snapshots recorded during the run, oldest first (alphas/policy over time). */
  snapshots: StrategySnapshot[];
}

export interface WeightSharingRunOptions {
  signal?: AbortSignal;
  /** Called with every recorded snapshot, e.g. to redraw the supernet figure while the search runs. */
  onSnapshot?: (s: StrategySnapshot) => void;
}

export interface WeightSharingSearch<A> {
  readonly name: string;
  /** Trains the supernet and derives the architecture; resolves once. */
  run(opts?: WeightSharingRunOptions): Promise<WeightSharingResult<A>>;
  /** The state now: alphas per edge (DARTS), policy (ENAS), population of evaluated sub-networks (SPOS). */
  snapshot(): StrategySnapshot;
  /** Frees the optimiser state this search allocated (the supernet belongs to the caller). */
  dispose(): void;
}
