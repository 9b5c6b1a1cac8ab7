import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NB201_ZC_METRICS, nb201SizeMetrics, nb201ZeroCostEvaluator } from "../../src/estimate/nb201ZeroCost.js";
import { nb201ScoredCells, readZeroCostTable, scoreNb201Space, writeZeroCostTable } from "../../src/estimate/nb201ZeroCostSpace.js";
import { evaluatorFromRecipe } from "../../src/exec/recipe.js";
import { memoryStore } from "../../src/exec/store.js";
import { nb201Key, nb201Space, parseNb201, type Nb201Arch } from "../../src/space/nb201.js";
import { initBackend } from "../../src/backend/index.js";
import { leakedTensors } from "../model/leak.js";

// The backend the whole-space pass runs on (tfjs 'cpu' takes ~10 s per network here). This file runs in its own
// worker, so it can switch the backend.
beforeAll(async () => {
  await initBackend({ backend: "wasm", quiet: true });
});

// A tiny scored network and a noise batch: no data directory needed.
const TINY = { channels: 2, cellsPerStage: 1, batchSize: 8, images: "noise", backend: "current" } as const;
const CELL = parseNb201("|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|");

describe("nb201ZeroCostEvaluator", () => {
  it("reports every metric, the cell's exact size, and the same values for the same seed, freeing its tensors", async () => {
    const leaked = await leakedTensors(async () => {
      const ev = nb201ZeroCostEvaluator(TINY);
      const a = await ev.evaluate(CELL, { seed: 5 });
      const b = await ev.evaluate(CELL, { seed: 5 });
      expect(a.status).toBe("ok");
      for (const m of NB201_ZC_METRICS) expect(typeof a.metrics[m], m).toBe("number");
      expect(a.metrics).toMatchObject(nb201SizeMetrics(CELL));
      const { cpu_seconds: _a, ...ma } = a.metrics;
      const { cpu_seconds: _b, ...mb } = b.metrics;
      expect(mb).toEqual(ma);
      expect((await ev.evaluate(CELL, { seed: 6 })).metrics.naswot).not.toBe(a.metrics.naswot);
    });
    expect(leaked).toBe(0);
  });

  it("is rebuilt from its recipe (as pool threads do) with the same fingerprint and scores", async () => {
    const ev = nb201ZeroCostEvaluator(TINY);
    const twin = await evaluatorFromRecipe(ev.recipe!);
    expect(await twin.fingerprint!()).toEqual(await ev.fingerprint!());
    const [x, y] = [await ev.evaluate(CELL, { seed: 1 }), await twin.evaluate(CELL, { seed: 1 })];
    expect({ ...y.metrics, cpu_seconds: 0 }).toEqual({ ...x.metrics, cpu_seconds: 0 });
    // The batch is part of the fingerprint: another batch seed is another evaluator.
    expect((await nb201ZeroCostEvaluator({ ...TINY, batchSeed: 1 }).fingerprint!()).batch).not.toEqual((await ev.fingerprint!()).batch);
  });

  it("rejects bad options, naming them", () => {
    expect(() => nb201ZeroCostEvaluator({ batchSize: 64 })).toThrow(/batchSize must be an integer in 2\.\.48/);
    expect(() => nb201ZeroCostEvaluator({ images: "cifar" as "mnist" })).toThrow(/images must be "mnist" or "noise"/);
    expect(() => nb201ZeroCostEvaluator({ channels: 0 })).toThrow(/channels must be an integer >= 1/);
  });
});

describe("scoring the whole space", () => {
  const dir = mkdtempSync(join(tmpdir(), "nasbook-zc-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("scores one network per class of equivalent cells (4,930), the class member with the fewest parameters", () => {
    const { scored, of } = nb201ScoredCells("classes");
    expect(scored.length).toBe(4930);
    const all = nb201Space().all();
    const minParams = new Map<string, number>();
    for (const a of all) minParams.set(nb201Key(a), Math.min(minParams.get(nb201Key(a)) ?? Infinity, nb201SizeMetrics(a).params));
    all.forEach((a, i) => {
      const rep = scored[of[i]!]!;
      expect(nb201Key(rep)).toBe(nb201Key(a));
      expect(nb201SizeMetrics(rep).params).toBe(minParams.get(nb201Key(a)));
    });
    expect(nb201ScoredCells("all").scored.length).toBe(15625);
  });

  it("reads trials back from the store on a second pass, copies a class's network metrics to its members, and round-trips to a file", async () => {
    const store = memoryStore();
    const opts = { proxy: TINY, store, executor: "inprocess" as const, limit: 3 };
    const first = await scoreNb201Space(opts);
    let cachedAtEnd = -1;
    const second = await scoreNb201Space({ ...opts, onProgress: (p) => (cachedAtEnd = p.cached) });
    expect(cachedAtEnd).toBe(3);
    expect(second.metrics.swap).toEqual(first.metrics.swap);
    expect(first.meta).toMatchObject({ cells: "classes", networks: 4930, scored: 3, failed: 0 });
    const { scored, of } = nb201ScoredCells("classes");
    const all = nb201Space().all();
    // The 3 scored networks (a seeded sample of the 4,930): their classes' cells, and no other, have network scores.
    const classes = [...new Set(all.map((_, i) => i).filter((i) => Number.isFinite(first.metrics.swap[i]!)).map((i) => of[i]!))];
    expect(classes.length).toBe(3);
    expect(classes).not.toEqual([0, 1, 2]); // a sample, not the first indices
    for (const j of classes) {
      const idx = all.map((_, i) => i).filter((i) => of[i] === j);
      expect(new Set(idx.map((i) => first.metrics.swap[i])).size).toBe(1); // shared by the class
      for (const i of idx) expect(first.metrics.params[i]).toBe(nb201SizeMetrics(all[i] as Nb201Arch).params); // its own size
    }
    expect(scored.length).toBe(4930);
    expect(all.filter((_, i) => Number.isFinite(first.metrics.swap[i]!)).length).toBe(all.filter((_, i) => classes.includes(of[i]!)).length);
    const path = join(dir, "table.json");
    writeZeroCostTable(first, path);
    const back = readZeroCostTable(path);
    expect(back.archs).toEqual(first.archs);
    for (const m of NB201_ZC_METRICS) expect(Array.from(back.metrics[m])).toEqual(Array.from(first.metrics[m]));
    expect(back.meta).toEqual(first.meta);
    expect(() => readZeroCostTable(join(dir, "missing.json"))).toThrow(/not found: compute it with `npm run bench:zc-space`/);
  });
});
