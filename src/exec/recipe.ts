/**
 * Recipes: an evaluator or a space described as plain data, so another thread or machine rebuilds it (the
 * worker pool, BullMQ workers). Built-in evaluators and spaces carry a `builtin` recipe (registry name + options);
 * a user's own is a `module` recipe: a module path and the name of an export called with `options`.
 */
import { dataFromRecipe, type DataRecipe } from "../data/recipe.js";
import { loadNb201Table, nb201TableEvaluator } from "../estimate/nb201Table.js";
import { precomputedProxyEvaluator, type PrecomputedProxyOptions } from "../estimate/precomputedProxies.js";
import type { ProxyName } from "../estimate/proxies.js";
import { proxyEvaluator } from "../estimate/proxyEvaluator.js";
import { trainEvaluator } from "../estimate/train.js";
import type { Evaluator } from "../estimate/types.js";
import { modelBuilder, type NetworkSize } from "../model/build.js";
import { chainSpace } from "../space/chain.js";
import { dartsSpace } from "../space/darts.js";
import { hierarchicalSpace } from "../space/hierarchical.js";
import { nb201Space } from "../space/nb201.js";
import { pnasSpace } from "../space/pnas.js";
import type { SearchSpace } from "../space/types.js";
import { zophLeSpace } from "../space/zophLe.js";
import { latencyEvaluator } from "../cost/latencyEvaluator.js";
import type { LatencyOptions } from "../cost/measureLatency.js";
import type { ImageShape } from "../data/types.js";
import { RecipeError, asEvaluator, asSpace, checkRecipe, fromModule } from "./recipeModule.js";
import type { Recipe } from "./types.js";

export { RecipeError, recipeOf } from "./recipeModule.js";
export { dataFromRecipe, type DataRecipe } from "../data/recipe.js";


type Options = Record<string, unknown>;

/** Built-in spaces by recipe name. */
export const SPACE_RECIPES: Record<string, (o: Options) => SearchSpace<unknown>> = {
  nb201: () => nb201Space() as SearchSpace<unknown>,
  chain: (o) => chainSpace(o) as SearchSpace<unknown>,
  darts: (o) => dartsSpace(o) as SearchSpace<unknown>,
  pnas: (o) => pnasSpace(o) as SearchSpace<unknown>,
  zophLe: (o) => zophLeSpace(o) as SearchSpace<unknown>,
  hierarchical: (o) => hierarchicalSpace(o) as SearchSpace<unknown>,
};

function builtinSpace(r: Recipe | undefined, what: string): SearchSpace<unknown> {
  if (!r) throw new RecipeError(`the ${what} recipe needs options.space (the space's recipe)`);
  return spaceFromRecipeSync(r);
}

/** Built-in evaluators by recipe name. */
export const EVALUATOR_RECIPES: Record<string, (o: Options) => Evaluator<unknown>> = {
  "nb201-table": (o) =>
    nb201TableEvaluator({ dataset: o.dataset as string | undefined, table: typeof o.path === "string" ? loadNb201Table(o.path) : undefined }) as unknown as Evaluator<unknown>,
  zc: (o) => precomputedProxyEvaluator(o as unknown as PrecomputedProxyOptions) as unknown as Evaluator<unknown>,
  train: (o) => {
    const space = builtinSpace(o.space as Recipe | undefined, "train");
    const dataRecipe = o.data as DataRecipe | undefined;
    return trainEvaluator({
      name: o.name as string | undefined,
      build: modelBuilder(space, (o.size ?? {}) as NetworkSize),
      data: dataRecipe ? dataFromRecipe(dataRecipe) : undefined,
      dataRecipe,
      train: o.train as Options | undefined,
      normalize: o.normalize as boolean | undefined,
      maxParams: o.maxParams as number | undefined,
      backend: o.backend as "auto" | "current" | undefined,
    });
  },
  latency: (o) =>
    latencyEvaluator({
      name: o.name as string | undefined,
      build: modelBuilder(builtinSpace(o.space as Recipe | undefined, "latency"), (o.size ?? {}) as NetworkSize),
      inputShape: o.inputShape as ImageShape, numClasses: o.numClasses as number,
      latency: o.latency as LatencyOptions | undefined, backend: o.backend as string | undefined, round: o.round as number | undefined,
    }),
  proxy: (o) => {
    const space = builtinSpace(o.space as Recipe | undefined, "proxy");
    const dataRecipe = o.data as DataRecipe | undefined;
    return proxyEvaluator({
      proxy: o.proxy as ProxyName,
      build: modelBuilder(space, (o.size ?? {}) as NetworkSize),
      data: dataRecipe ? dataFromRecipe(dataRecipe) : undefined,
      dataRecipe,
      batchSize: o.batchSize as number | undefined,
      backend: o.backend as "auto" | "current" | undefined,
    });
  },
};

function spaceFromRecipeSync(r: Recipe): SearchSpace<unknown> {
  if (r.kind !== "builtin") throw new RecipeError(`a built-in evaluator's space must be a built-in space recipe, got a ${r.kind} recipe`);
  const make = Object.hasOwn(SPACE_RECIPES, r.name) ? SPACE_RECIPES[r.name] : undefined; // not "constructor" & co.
  if (!make) throw new RecipeError(`unknown built-in space "${r.name}" (spaces: ${Object.keys(SPACE_RECIPES).join(", ")})`);
  return make(r.options ?? {});
}

/** Rebuilds an evaluator from its recipe (a built-in by name, or a module's export called with the options). */
export async function evaluatorFromRecipe(recipe: Recipe): Promise<Evaluator<unknown>> {
  const r = checkRecipe(recipe);
  let ev: unknown;
  if (r.kind === "builtin") {
    const make = Object.hasOwn(EVALUATOR_RECIPES, r.name) ? EVALUATOR_RECIPES[r.name] : undefined;
    if (!make) throw new RecipeError(`unknown built-in evaluator "${r.name}" (evaluators: ${Object.keys(EVALUATOR_RECIPES).join(", ")})`);
    ev = make(r.options ?? {});
  } else {
    ev = await fromModule(r);
  }
  return asEvaluator(ev, r);
}

/** Rebuilds a space from its recipe. */
export async function spaceFromRecipe(recipe: Recipe): Promise<SearchSpace<unknown>> {
  const r = checkRecipe(recipe);
  return asSpace(r.kind === "builtin" ? spaceFromRecipeSync(r) : await fromModule(r), r);
}

