/** Recipes: built-in and module recipes rebuild an equal evaluator or space; closures get an error saying how. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Nb201Table, nb201TableEvaluator } from "../../src/estimate/nb201Table.js";
import { trainEvaluator } from "../../src/estimate/train.js";
import { dataFromRecipe, evaluatorFromRecipe, recipeOf, RecipeError, spaceFromRecipe, type DataRecipe } from "../../src/exec/recipe.js";
import { evaluatorFingerprint } from "../../src/exec/trialKey.js";
import { modelBuilder } from "../../src/model/build.js";
import { Rng } from "../../src/rng.js";
import { chainSpace, type ChainArch } from "../../src/space/chain.js";
import { dartsSpace } from "../../src/space/darts.js";
import { nb201Space } from "../../src/space/nb201.js";
import type { SearchSpace } from "../../src/space/types.js";
import { useCpu } from "../model/leak.js";
import { hashEvaluator } from "../fixtures/bitSpace.js";
import { nb201Csv } from "../fixtures/nb201Csv.js";

beforeAll(useCpu);

describe("recipes", () => {
  it.each([
    ["nb201", nb201Space() as SearchSpace<unknown>],
    ["chain", chainSpace({ filters: [2, 3], kernels: [3, 5], units: [4], maxConv: 2, maxDense: 1 }) as SearchSpace<unknown>],
    ["darts", dartsSpace() as SearchSpace<unknown>],
  ])("the %s space rebuilt from its recipe has the same architectures and keys", async (_, space) => {
    const rebuilt = await spaceFromRecipe(JSON.parse(JSON.stringify(recipeOf(space))));
    const rng = new Rng(1);
    for (let i = 0; i < 10; i++) {
      const a = space.sample(rng);
      const s = space.format(a);
      expect(rebuilt.format(rebuilt.parse(s))).toBe(s);
      expect(rebuilt.key(rebuilt.parse(s))).toBe(space.key(a));
    }
  });

  it("an nb201 table evaluator rebuilt from its recipe answers the same", async () => {
    const f = join(mkdtempSync(join(tmpdir(), "nasbook-recipe-")), "nb201_all.csv");
    writeFileSync(f, nb201Csv(30));
    const ev = nb201TableEvaluator({ table: Nb201Table.load(f), dataset: "cifar100" });
    const again = await evaluatorFromRecipe(JSON.parse(JSON.stringify(recipeOf(ev))));
    const a = nb201Space().parse(ev.table.arch[3]!);
    expect(await again.evaluate(a, { seed: 1 })).toEqual(await ev.evaluate(a, { seed: 1 }));
    expect(await evaluatorFingerprint(again)).toEqual(await evaluatorFingerprint(ev));
  });

  it("a train evaluator on a built-in space and recipe data is rebuilt with the same fingerprint and result", async () => {
    const space = chainSpace({ filters: [2], kernels: [3], units: [4], maxConv: 1, maxDense: 1 });
    const dataRecipe: DataRecipe = { kind: "synthetic", options: { size: 8, numClasses: 3, sizes: { train: 24, val: 8, test: 8 }, seed: 5 } };
    const ev = trainEvaluator<ChainArch>({ build: modelBuilder(space), data: dataFromRecipe(dataRecipe), dataRecipe, train: { epochs: 1, batchSize: 8 }, backend: "current" });
    const recipe = recipeOf(ev);
    expect(recipe).toMatchObject({ kind: "builtin", name: "train", options: { space: space.recipe, data: dataRecipe } });
    const again = await evaluatorFromRecipe(JSON.parse(JSON.stringify(recipe)));
    expect(await evaluatorFingerprint(again)).toEqual(await evaluatorFingerprint(ev));
    const arch: ChainArch = { conv: [{ filters: 2, kernel: 3 }], dense: [] };
    const [r1, r2] = [await ev.evaluate(arch, { seed: 3 }), await again.evaluate(arch, { seed: 3 })];
    expect(r2.metrics).toEqual(r1.metrics);
  });

  it("a module recipe imports the export and calls it with the options", async () => {
    const module = new URL("../fixtures/execEvaluators.ts", import.meta.url).href;
    const ev = await evaluatorFromRecipe({ kind: "module", module, export: "stepped", options: { steps: 2 } });
    expect(ev.name).toBe("stepped-hash");
    await expect(evaluatorFromRecipe({ kind: "module", module, export: "nope" })).rejects.toThrow(/has no exported function "nope" \(functions: .*stepped/);
  });

  it("a closure has no recipe: the error says how to write one", async () => {
    expect(() => recipeOf(hashEvaluator())).toThrow(RecipeError);
    expect(() => recipeOf(hashEvaluator())).toThrow(/evaluator "hash" has no recipe.*kind: "module", module: import\.meta\.url, export:/);
    const closureTrain = trainEvaluator<ChainArch>({ build: () => { throw new Error("x"); } });
    expect(() => recipeOf(closureTrain)).toThrow(/has no recipe/);
    await expect(evaluatorFromRecipe({ kind: "builtin", name: "nope", options: {} })).rejects.toThrow(/unknown built-in evaluator "nope" \(evaluators: nb201-table, zc, train, latency, proxy\)/);
  });
});
