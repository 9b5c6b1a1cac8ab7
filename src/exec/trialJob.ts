/**
 * A trial as plain data, for the executors that run it outside the search's process or thread (the worker-thread
 * pool, BullMQ workers): recipes instead of the space and evaluator objects, the architecture as its string.
 * Any process rebuilds the space and evaluator from the recipes, parses the architecture and evaluates it.
 */
import { AbortError, NasbookError } from "../errors.js";
import { failedResult, type EvalBudget, type Evaluator, type TrialResult } from "../estimate/types.js";
import type { SearchSpace } from "../space/types.js";
import type { Recipe, TrialTask } from "./types.js";

// recipe.ts imports every built-in space and evaluator (and tfjs): loaded only for a built-in recipe, so a
// `nasbook worker`'s main thread, which only queues jobs to its threads, starts without it, and a thread running a
// module recipe (a user's evaluator, the CLI's synthetic task) loads only the modules that recipe imports.
const recipes = () => import("./recipe.js");
const light = () => import("./recipeModule.js");

async function rebuildSpace(r: Recipe): Promise<SearchSpace<unknown>> {
  const m = await light();
  const recipe = m.checkRecipe(r);
  return recipe.kind === "module" ? m.asSpace(await m.fromModule(recipe), recipe) : (await recipes()).spaceFromRecipe(recipe);
}

async function rebuildEvaluator(r: Recipe): Promise<Evaluator<unknown>> {
  const m = await light();
  const recipe = m.checkRecipe(r);
  return recipe.kind === "module" ? m.asEvaluator(await m.fromModule(recipe), recipe) : (await recipes()).evaluatorFromRecipe(recipe);
}

/** What a worker receives (JSON-serialisable). */
export interface TrialJob {
  key: string;
  index: number;
  space: Recipe;
  evaluator: Recipe;
  /** `space.format(arch)`; the worker parses it with the rebuilt space. */
  arch: string;
  seed: number;
  budget?: EvalBudget;
  timeoutSeconds?: number;
}

/** A trial ran past its per-trial limit (`trialTimeout`): it is failed and the process or thread running it replaced. */
export class TrialTimeoutError extends NasbookError {
  constructor(seconds: number, where: string) {
    super(`trial exceeded its ${seconds} s timeout (${where}); raise trialTimeout or make the evaluator honour its AbortSignal`);
  }
}

/** The job for a task; throws RecipeError (saying how to write a recipe) when the space or evaluator has none. */
export async function jobOf<A>(task: TrialTask<A>): Promise<TrialJob> {
  const { recipeOf } = await light();
  return {
    key: task.key, index: task.index, space: recipeOf(task.space), evaluator: recipeOf(task.evaluator),
    arch: task.archString, seed: task.seed, budget: task.budget, timeoutSeconds: task.timeoutSeconds,
  };
}

// Rebuilding an evaluator can be expensive (a table file parsed, a dataset generated): one per recipe per process.
const spaces = new Map<string, Promise<SearchSpace<unknown>>>();
const evaluators = new Map<string, Promise<Evaluator<unknown>>>();

function cached<T>(map: Map<string, Promise<T>>, recipe: Recipe, make: (r: Recipe) => T | Promise<T>): Promise<T> {
  const id = JSON.stringify(recipe);
  let p = map.get(id);
  if (!p) {
    p = Promise.resolve().then(() => make(recipe));
    p.catch(() => map.delete(id)); // a failed rebuild (missing file) is retried by the next job
    map.set(id, p);
  }
  return p;
}

/**
 * Runs a job in this process: rebuilds (once) its space and evaluator, parses and evaluates the architecture.
 * A trial's own failure (bad recipe, unparsable arch, evaluator error) is a failed result; an abort throws AbortError.
 */
export async function runTrialJob(job: TrialJob, signal: AbortSignal): Promise<TrialResult> {
  const t0 = performance.now();
  try {
    const space = await cached(spaces, job.space, rebuildSpace);
    const evaluator = await cached(evaluators, job.evaluator, rebuildEvaluator);
    const arch = space.parse(job.arch);
    space.validate(arch);
    const result = await evaluator.evaluate(arch, { seed: job.seed, signal, budget: job.budget });
    if (!result || typeof result !== "object" || typeof result.metrics !== "object") {
      throw new TypeError(`evaluator ${evaluator.name} returned ${JSON.stringify(result)}, not a TrialResult`);
    }
    return result;
  } catch (e) {
    if (signal.aborted) throw e instanceof AbortError ? e : new AbortError(signal.reason);
    return failedResult(e, (performance.now() - t0) / 1000);
  }
}
