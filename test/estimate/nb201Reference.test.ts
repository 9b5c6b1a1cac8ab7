/**
 * Checks against the published NAS-Bench-201 numbers, on the real table. It needs the data directory
 * (NASBOOK_DATA); CI always has it, so there the test never skips.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { dataPath } from "../../src/data/dir.js";
import { NB201_TABLE_FILE, loadNb201Table, nb201TableEvaluator } from "../../src/estimate/nb201Table.js";
import { search } from "../../src/search.js";
import { nb201Key, nb201Space } from "../../src/space/nb201.js";
import { randomSearch } from "../../src/strategy/random.js";
import { regularizedEvolution } from "../../src/strategy/evolution.js";

const present = existsSync(dataPath(NB201_TABLE_FILE));
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1));

describe.skipIf(!present && !process.env.CI)("NAS-Bench-201 against the paper (real table)", () => {
  it("the table's optima are the published 94.37 / 73.51 / 47.31", () => {
    const t = loadNb201Table();
    expect(t.size).toBe(15625);
    expect(t.optimum("cifar10")).toBeCloseTo(94.37, 2);
    expect(t.optimum("cifar100")).toBeCloseTo(73.51, 2);
    expect(t.optimum("ImageNet16-120")).toBeCloseTo(47.31, 2);
  });

  it("every NATS-Bench isomorphism class lies inside one of our key classes", () => {
    const t = loadNb201Table(), space = nb201Space();
    const natsToOurs = new Map<string, string>();
    for (let r = 0; r < t.size; r++) {
      const k = nb201Key(space.parse(t.arch[r]!));
      const prev = natsToOurs.get(t.isoKey[r]!);
      if (prev !== undefined) expect(prev).toBe(k);
      natsToOurs.set(t.isoKey[r]!, k);
    }
    expect(natsToOurs.size).toBe(6466);
  });

  it("random search at 100 queries matches the published 93.70 ± 0.36 on CIFAR-10, and regularized evolution beats it", async () => {
    const space = nb201Space(), evaluator = nb201TableEvaluator({ dataset: "cifar10" });
    const finalTest = async (strategy: ReturnType<typeof randomSearch>) => {
      const xs: number[] = [];
      for (let seed = 0; seed < 100; seed++) {
        const r = await search({ space, strategy, evaluator, budget: { queries: 100 }, seed, snapshotEvery: 0 }).result();
        xs.push(r.best!.result.metrics.test_acc!);
      }
      return xs;
    };
    const rs = await finalTest(randomSearch());
    const rea = await finalTest(regularizedEvolution());
    // The paper's RS mean (500 runs, s.d. 0.36) is over a time budget of roughly this many queries. Two-sample z
    // test at 3 standard errors (about 0.11, where the old bound was the 0.36 s.d. itself): random search at 50
    // queries (93.46) fails it, at 100 (93.77) passes.
    const se = Math.sqrt(sd(rs) ** 2 / rs.length + 0.36 ** 2 / 500);
    expect(Math.abs(mean(rs) - 93.70)).toBeLessThan(3 * se);
    // Paired over the same seeds: regularized evolution's gain is more than 3 standard errors of the differences.
    const diff = rea.map((x, i) => x - rs[i]!);
    expect(mean(diff)).toBeGreaterThan(3 * sd(diff) / Math.sqrt(diff.length));
  });
});
