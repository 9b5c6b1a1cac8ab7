/**
 * The light half of recipes (see recipe.ts): checking a recipe, a recipe's absence explained, and rebuilding from a
 * `module` recipe. It imports none of the built-in spaces, evaluators and data loaders, so a pool thread or a
 * `nasbook worker` running a user's (or the CLI's synthetic) module recipe loads only the modules that trial needs.
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { RecipeError } from "../errors.js";
import type { Evaluator } from "../estimate/types.js";
import type { SearchSpace } from "../space/types.js";
import { compiledTwin } from "./compiled.js";
import type { Recipe } from "./types.js";

export { RecipeError } from "../errors.js";

const HOW_TO =
  'give it a recipe: export a function from a module that builds it from options, and set ' +
  '`recipe: { kind: "module", module: import.meta.url, export: "myEvaluator", options: {...} }` on the object ' +
  "(or use a built-in, e.g. trainEvaluator({ build: modelBuilder(space) }))";

/** `r` if it is shaped like a recipe, else a RecipeError naming both shapes. */
export function checkRecipe(r: unknown): Recipe {
  const o = r as Partial<Recipe> | null;
  if (!o || typeof o !== "object" || (o.kind !== "builtin" && o.kind !== "module")) {
    throw new RecipeError(`${JSON.stringify(r)} is not a recipe: expected { kind: "builtin", name, options } or { kind: "module", module, export, options }`);
  }
  return o as Recipe;
}

const runningCompiled = !import.meta.url.endsWith(".ts");

/** Imports a module recipe's module and calls its export with the options. */
export async function fromModule(r: Extract<Recipe, { kind: "module" }>): Promise<unknown> {
  let url = /^[a-z]+:/i.test(r.module) ? r.module : pathToFileURL(isAbsolute(r.module) ? r.module : resolve(r.module)).href;
  let mod: Record<string, unknown>;
  try {
    // A compiled process given one of nasbook's own .ts files (a recipe made by a from-source process) loads its
    // current compiled twin: the same code, with no TypeScript loader and no second copy of nasbook's modules.
    const twin = runningCompiled ? compiledTwin(url) : undefined;
    if (twin) url = twin;
    else if (/\.[cm]?tsx?$/.test(new URL(url).pathname)) await registerTypeScriptLoader(r.module);
    mod = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    throw new RecipeError(`cannot import recipe module ${r.module}: ${(e as Error).message}`);
  }
  const make = mod[r.export];
  if (typeof make !== "function") {
    const exports = Object.keys(mod).filter((k) => typeof mod[k] === "function");
    throw new RecipeError(`recipe module ${r.module} has no exported function "${r.export}" (functions: ${exports.join(", ") || "none"})`);
  }
  return await (make as (o: unknown) => unknown)(r.options);
}

let typeScriptLoader: Promise<void> | undefined;

/**
 * A module recipe may name a TypeScript file (a notebook's or a test's own evaluator). A process running nasbook's
 * compiled JavaScript (an installed package, or a clone's dist/) loads it through tsx when tsx is installed, once.
 */
function registerTypeScriptLoader(module: string): Promise<void> {
  if (!runningCompiled) return Promise.resolve(); // running from source: tsx is already loaded
  typeScriptLoader ??= (async () => {
    const specifier = "tsx/esm/api";
    try {
      const api = (await import(specifier)) as { register(): unknown };
      api.register();
    } catch {
      throw new RecipeError(
        `recipe module ${module} is TypeScript, and this process runs compiled JavaScript without tsx: ` +
          "install tsx (npm install tsx) where the worker runs, or point the recipe at compiled JavaScript",
      );
    }
  })();
  return typeScriptLoader;
}

/** `ev` as an evaluator, or a RecipeError saying what `r` built instead. */
export function asEvaluator(ev: unknown, r: Recipe): Evaluator<unknown> {
  if (!ev || typeof (ev as Evaluator<unknown>).evaluate !== "function") {
    throw new RecipeError(`recipe ${JSON.stringify(r)} built ${String(ev)}, not an evaluator (an object with evaluate())`);
  }
  return ev as Evaluator<unknown>;
}

/** `sp` as a search space, or a RecipeError saying what `r` built instead. */
export function asSpace(sp: unknown, r: Recipe): SearchSpace<unknown> {
  if (!sp || typeof (sp as SearchSpace<unknown>).parse !== "function") {
    throw new RecipeError(`recipe ${JSON.stringify(r)} built ${String(sp)}, not a search space (an object with parse())`);
  }
  return sp as SearchSpace<unknown>;
}

/** The recipe of an evaluator or space; throws RecipeError saying how to write one when it has none. */
export function recipeOf(x: Evaluator<never> | SearchSpace<never> | { name: string; recipe?: Recipe }): Recipe {
  const r = (x as { recipe?: Recipe }).recipe;
  if (r) return checkRecipe(r);
  const isEvaluator = typeof (x as { evaluate?: unknown }).evaluate === "function";
  throw new RecipeError(
    `${isEvaluator ? "evaluator" : "space"} "${x.name}" has no recipe, so it cannot run in another thread or process ` +
      `(a closure cannot be sent); ${HOW_TO}, or run it with the in-process executor`,
  );
}
