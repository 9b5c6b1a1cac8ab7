/** A task's data described as data, so a worker anywhere loads the same splits (the train and proxy evaluators' `dataRecipe`). */
import { RecipeError } from "../errors.js";
import { loadCifar10, type Cifar10Options } from "./cifar10Loader.js";
import { loadMnist, type MnistOptions } from "./mnist.js";
import { syntheticSplits, type SyntheticOptions } from "./synthetic.js";
import type { DataSplits } from "./types.js";

/** A task's data as a recipe (the train and proxy evaluators' `dataRecipe`). */
export type DataRecipe =
  | { kind: "synthetic"; options?: SyntheticOptions }
  | { kind: "mnist"; options?: Omit<MnistOptions, "fetch" | "log"> }
  | { kind: "cifar10"; options?: Omit<Cifar10Options, "fetch" | "log"> };

/** Loads the data a DataRecipe names. */
export function dataFromRecipe(r: DataRecipe): () => Promise<DataSplits> {
  switch (r.kind) {
    case "synthetic": return async () => syntheticSplits(r.options);
    case "mnist": return () => loadMnist(r.options);
    case "cifar10": return () => loadCifar10(r.options);
    default: throw new RecipeError(`unknown data recipe kind "${(r as { kind: string }).kind}" (kinds: synthetic, mnist, cifar10)`);
  }
}
