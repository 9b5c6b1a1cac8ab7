/**
 * A recipe: plain data from which any process (a worker thread, a BullMQ worker on another machine) rebuilds an
 * evaluator or a space. It lives on the lowest floor because spaces and evaluators both say how to describe
 * themselves; src/exec/recipe.ts turns recipes back into objects.
 */

/** Plain data from which any process rebuilds an evaluator / a space. JSON-serialisable. */
export type Recipe =
  | { kind: "builtin"; name: string; options: Record<string, unknown> }
  | { kind: "module"; module: string; export: string; options?: unknown };
