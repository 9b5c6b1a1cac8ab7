/**
 * Evaluators whose training can be continued: what successive halving and Hyperband need so a promoted
 * candidate resumes its run instead of retraining from scratch (Li et al., JMLR 2018; Falkner et al., ICML 2018).
 */
import type { Evaluator, TrialResult } from "./types.js";

/** One architecture's training run, kept alive (weights, optimizer state, data order) between budgets. */
export interface ResumableRun {
  /**
   * Trains on until `epochs` epochs in total and reports the metrics of the run so far; `cost` counts only
   * what this call added (its epochs and seconds). A failed run stays failed.
   */
  continueTo(epochs: number, opts?: { signal?: AbortSignal; seconds?: number }): Promise<TrialResult>;
  /** Frees everything the run holds. */
  dispose(): void;
}

/** An evaluator that can also start a resumable run whose learning-rate schedule spans `maxEpochs`. */
export interface ResumableEvaluator<A, R extends TrialResult = TrialResult> extends Evaluator<A, R> {
  startRun(arch: A, opts: { seed: number; maxEpochs: number }): ResumableRun;
}

/** Whether `ev` can continue runs (has `startRun`). */
export function isResumable<A>(ev: Evaluator<A>): ev is ResumableEvaluator<A> {
  return typeof (ev as Partial<ResumableEvaluator<A>>).startRun === "function";
}
