/**
 * Constrained search through the evaluator's result: a wrapper that checks limits on cost metrics ("latency_ms at
 * most 5", "params at most 1e6") and reports `feasible`, `violation` and `constrained_<objective>`. Searching that
 * last metric makes every single-objective strategy a constrained one, with the ordering of Deb's constraint
 * handling (Deb 2000, "An efficient constraint handling method for genetic algorithms") folded into one number:
 * every feasible architecture scores its objective, every infeasible one scores below `floor` (which must be below
 * any feasible objective, 0 for accuracies in percent) by its relative violation, so among infeasible ones the
 * least violating wins. Multi-objective strategies read `violation` directly (constrained domination).
 */
import { NasbookError } from "../errors.js";
import type { EvaluateOptions, Evaluator, TrialResult } from "../estimate/types.js";
import { wrapperRecipeModule } from "./wrapperRecipeModule.js";

/** Limits on one metric. */
export interface Limit {
  max?: number;
  min?: number;
}

export interface ConstrainedOptions {
  /** Limits by metric, e.g. `{ latency_ms: { max: 5 }, params: { max: 1e6 } }`. */
  limits: Record<string, Limit>;
  /** The metric to maximise under the limits (default: the evaluator's objective). */
  objective?: string;
  /** Fitness ceiling of infeasible results (default 0): must be below every feasible objective value. */
  floor?: number;
}

/** A constraint the evaluator cannot check (a limit on a metric it does not report, a limit that is not a number). */
export class ConstraintError extends NasbookError {}

function checkLimits(limits: Record<string, Limit>): void {
  if (!limits || typeof limits !== "object" || Object.keys(limits).length === 0) {
    throw new ConstraintError('constrainedEvaluator needs limits, e.g. { limits: { latency_ms: { max: 5 } } }');
  }
  for (const [metric, l] of Object.entries(limits)) {
    if (l.max === undefined && l.min === undefined) throw new ConstraintError(`limit on ${metric} needs max or min`);
    for (const b of [l.max, l.min]) if (b !== undefined && !Number.isFinite(b)) throw new ConstraintError(`limit on ${metric} must be a finite number, got ${b}`);
  }
}

/**
 * The relative violation of `metrics` against `limits`: sum over limits of how far past the bound the metric is,
 * as a fraction of the bound's magnitude (so latency 6 ms against max 5 ms is 0.2). 0 = feasible.
 */
export function violationOf(metrics: Record<string, number>, limits: Record<string, Limit>): number {
  let v = 0;
  for (const [metric, l] of Object.entries(limits)) {
    const x = metrics[metric];
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw new ConstraintError(`the result has no finite "${metric}" to check its limit against (metrics: ${Object.keys(metrics).join(", ") || "none"}); combine the evaluator with one that reports it, e.g. a latency evaluator`);
    }
    const scale = (b: number) => Math.max(Math.abs(b), 1e-12);
    if (l.max !== undefined && x > l.max) v += (x - l.max) / scale(l.max);
    if (l.min !== undefined && x < l.min) v += (l.min - x) / scale(l.min);
  }
  return v;
}

/** Wraps `inner` so its results carry `feasible`, `violation` and `constrained_<objective>` (the new objective). */
export function constrainedEvaluator<A>(inner: Evaluator<A>, options: ConstrainedOptions): Evaluator<A> {
  checkLimits(options.limits);
  const objective = options.objective ?? inner.objective;
  const floor = options.floor ?? 0;
  const name = `${inner.name} s.t. ${Object.entries(options.limits).map(([m, l]) => [l.min !== undefined ? `${m}>=${l.min}` : "", l.max !== undefined ? `${m}<=${l.max}` : ""].filter(Boolean).join(",")).join(",")}`;
  const inFingerprint = inner.fingerprint?.bind(inner);
  return {
    name,
    objective: `constrained_${objective}`,
    fingerprint: inFingerprint ? async () => ({ kind: "constrained", inner: await inFingerprint(), limits: options.limits, objective, floor }) : undefined,
    recipe: inner.recipe
      ? { kind: "module", module: wrapperRecipeModule(), export: "constrainedEvaluatorFromRecipe", options: { inner: inner.recipe, limits: options.limits, objective: options.objective, floor: options.floor } }
      : undefined,
    async evaluate(a: A, opts: EvaluateOptions): Promise<TrialResult> {
      const r = await inner.evaluate(a, opts);
      if (r.status !== "ok") return r;
      const o = r.metrics[objective];
      if (typeof o !== "number") return { ...r, status: "failed", error: `ConstraintError: evaluator ${inner.name} reported no "${objective}"` };
      let violation: number;
      try {
        violation = violationOf(r.metrics, options.limits);
      } catch (e) {
        return { ...r, status: "failed", error: `${(e as Error).name}: ${(e as Error).message}` };
      }
      const feasible = violation === 0;
      return { ...r, metrics: { ...r.metrics, feasible: feasible ? 1 : 0, violation, [`constrained_${objective}`]: feasible ? o : floor - violation } };
    },
  };
}

