/** Rebuilds the evaluator wrappers of src/cost (constrained, combined) from their module recipes, in any process. */
import { combineEvaluators } from "../cost/combined.js";
import { constrainedEvaluator, type Limit } from "../cost/constrained.js";
import type { Evaluator } from "../estimate/types.js";
import type { Recipe } from "../recipe.js";
import { evaluatorFromRecipe } from "./recipe.js";

export async function constrainedEvaluatorFromRecipe(o: { inner: Recipe; limits: Record<string, Limit>; objective?: string; floor?: number }): Promise<Evaluator<unknown>> {
  return constrainedEvaluator(await evaluatorFromRecipe(o.inner), { limits: o.limits, objective: o.objective, floor: o.floor });
}

export async function combinedEvaluatorFromRecipe(o: { parts: Recipe[] }): Promise<Evaluator<unknown>> {
  return combineEvaluators(...(await Promise.all(o.parts.map((r) => evaluatorFromRecipe(r)))));
}
