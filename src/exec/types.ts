/**
 * The contracts of the execution layer (ARCHITECTURE.md, "Where trials run"): a trial as a task, an executor
 * that runs tasks (in this process, in worker threads, on BullMQ workers), and a trial store that remembers
 * results by content hash so a trial is computed once, anywhere.
 */
import type { EvalBudget, Evaluator, TrialResult } from "../estimate/types.js";
import type { SearchSpace } from "../space/types.js";

export type { Recipe } from "../recipe.js";

/** One trial to run. `key` = trialKey(...) (sha256 hex); same key ⇒ same result. */
export interface TrialTask<A> {
  key: string;
  index: number;
  arch: A;
  archString: string;
  seed: number;
  budget?: EvalBudget;
  space: SearchSpace<A>;
  evaluator: Evaluator<A>;
  /** Per-trial limit in seconds: past it the trial is failed (and a worker recycled). */
  timeoutSeconds?: number;
}

/** Runs trials somewhere: this process, a worker-thread pool, a distributed queue. */
export interface Executor {
  /** "inprocess" | "pool" | "bullmq". */
  readonly name: string;
  /** Trials it runs at once (the search asks max(parallel) at a time). */
  readonly slots: number;
  /** Never rejects for a trial's own failure (that is a failed result); rejects with AbortError when aborted. */
  run<A>(task: TrialTask<A>, signal: AbortSignal): Promise<TrialResult>;
  close(): Promise<void>;
}

/** Results by trial key. Immutable: first writer wins, same key ⇒ same result. */
export interface TrialStore {
  /** Shown to users: "memory", "dir /path", "redis redis://…". */
  readonly name: string;
  /** A torn/corrupt entry reads as undefined. */
  get(key: string): Promise<TrialResult | undefined>;
  put(key: string, result: TrialResult): Promise<void>;
  close?(): Promise<void>;
}
