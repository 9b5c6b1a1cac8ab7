/**
 * Where evaluator wrappers (constrained, combined) are rebuilt from their recipes in another process: a module of
 * the execution floor (it rebuilds the wrapped evaluators' own recipes), named by URL so this floor does not import it.
 */
export function wrapperRecipeModule(): string {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  return new URL(`../exec/wrapperRecipes${ext}`, import.meta.url).href;
}
