/**
 * One evaluator from several: each architecture is evaluated by all of them and their metrics merged, so a search
 * sees accuracy and cost in one result (an NB201 table's accuracy with a measured latency). The first evaluator
 * gives the objective; a metric reported by several keeps the first one's value. Any failure fails the trial.
 */
import { NasbookError } from "../errors.js";
import type { EvaluateOptions, Evaluator, TrialResult } from "../estimate/types.js";
import { wrapperRecipeModule } from "./wrapperRecipeModule.js";

/** Evaluates with every evaluator, in order, and merges their metrics (seconds add up). */
export function combineEvaluators<A>(...evaluators: Evaluator<A>[]): Evaluator<A> {
  if (evaluators.length < 1) throw new NasbookError("combineEvaluators needs at least one evaluator");
  const [first] = evaluators as [Evaluator<A>, ...Evaluator<A>[]];
  const fingerprints = evaluators.map((e) => e.fingerprint?.bind(e));
  const recipes = evaluators.map((e) => e.recipe);
  return {
    name: evaluators.map((e) => e.name).join(" + "),
    objective: first.objective,
    fingerprint: fingerprints.every((f) => f !== undefined)
      ? async () => {
          const parts = await Promise.all(fingerprints.map((f) => f!()));
          // Seedless only when every part is (a table plus a latency): then the trial key ignores the seed.
          return { kind: "combined", parts, seeded: parts.some((p) => p.seeded !== false) };
        }
      : undefined,
    recipe: recipes.every((r) => r !== undefined) ? { kind: "module", module: wrapperRecipeModule(), export: "combinedEvaluatorFromRecipe", options: { parts: recipes } } : undefined,
    async evaluate(a: A, opts: EvaluateOptions): Promise<TrialResult> {
      const metrics: Record<string, number> = {};
      let seconds = 0;
      for (const e of evaluators) {
        const r = await e.evaluate(a, opts);
        seconds += r.cost.seconds;
        if (r.status !== "ok") return { ...r, metrics: { ...r.metrics, ...metrics }, cost: { ...r.cost, seconds } };
        for (const [k, v] of Object.entries(r.metrics)) if (!(k in metrics)) metrics[k] = v;
      }
      return { status: "ok", metrics, cost: { seconds } };
    },
  };
}

