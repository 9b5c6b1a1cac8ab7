/** The evaluator contract: an architecture in, metrics out. How the metrics were obtained is the evaluator's business. */
import type { Recipe } from "../recipe.js";

/** How much an evaluation may spend (e.g. epochs for training; ignored by a table). */
export interface EvalBudget {
  epochs?: number;
  seconds?: number;
}

export interface TrialCost {
  seconds: number;
  epochs?: number;
  queries?: number;
}

export interface TrialResult {
  /** Named numbers: e.g. `val_acc`, `test_acc`, `params`, `flops`. Accuracies are in percent. */
  metrics: Record<string, number>;
  cost: TrialCost;
  status: "ok" | "failed";
  error?: string;
}

/** A failed trial: no objective; `error` says why. Any evaluator's failure, and the search loop's own verdicts. */
export interface FailedTrialResult extends TrialResult {
  status: "failed";
  error: string;
}

/**
 * The result of an evaluator that succeeded, out of the results `R` it may return (`R` minus its failed forms):
 * what `t.result.status === "ok"` narrows a trial's result to.
 */
export type OkResult<R extends TrialResult> = R extends { status: "failed" } ? never : R;

export interface EvaluateOptions {
  budget?: EvalBudget;
  /** Seed for any randomness in the evaluation (weight init, data order, which seed's result a table returns). */
  seed: number;
  signal?: AbortSignal;
}

/**
 * Evaluates architectures of type `A`; `R` is the type of its results (e.g. `TrainTrialResult`, with training
 * curves), so a search's trials carry it without casts.
 */
export interface Evaluator<A, R extends TrialResult = TrialResult> {
  readonly name: string;
  /** The metric a search maximises unless told otherwise (e.g. `val_acc`). */
  readonly objective: string;
  evaluate(a: A, opts: EvaluateOptions): Promise<R | FailedTrialResult>;
  /**
   * Every option that changes a result (hyper-parameters, data sha256, backend, version), as plain data: the
   * trial store's key hashes it. A user evaluator without one cannot be cached (pass `store: false`).
   */
  fingerprint?(): Record<string, unknown> | Promise<Record<string, unknown>>;
  /** How another process or thread rebuilds this evaluator (worker pool, BullMQ workers). */
  recipe?: Recipe;
}

/** A failed result carrying the error, so a search records it and goes on. */
export function failedResult(error: unknown, seconds = 0): FailedTrialResult {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { metrics: {}, cost: { seconds }, status: "failed", error: message };
}
