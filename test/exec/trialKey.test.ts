/** Trial identity: what changes a trial key, and the built-in evaluators' fingerprints. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { syntheticSplits } from "../../src/data/synthetic.js";
import { Nb201Table, nb201TableEvaluator } from "../../src/estimate/nb201Table.js";
import { precomputedProxyEvaluator, type ZcRow } from "../../src/estimate/precomputedProxies.js";
import { proxyEvaluator } from "../../src/estimate/proxyEvaluator.js";
import { trainEvaluator, type TrainEvaluatorOptions } from "../../src/estimate/train.js";
import { canonicalJson, evaluatorFingerprint, FingerprintError, nasbookVersion, trialKey } from "../../src/exec/trialKey.js";
import { modelBuilder } from "../../src/model/build.js";
import { chainModel } from "../../src/model/chain.js";
import { chainSpace, type ChainArch } from "../../src/space/chain.js";
import { leakedTensors, useCpu } from "../model/leak.js";
import { nb201Csv } from "../fixtures/nb201Csv.js";

beforeAll(useCpu);

const id = { fingerprint: { kind: "t", lr: 0.1 }, space: "bits8", archKey: "0101", budget: { epochs: 2 }, seed: 7 };

describe("trialKey", () => {
  it("is a sha256 hex, independent of key order, and changes with every part", () => {
    const k = trialKey(id);
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(trialKey({ ...id, fingerprint: { lr: 0.1, kind: "t" } })).toBe(k);
    for (const other of [
      { ...id, fingerprint: { kind: "t", lr: 0.2 } }, { ...id, space: "bits9" }, { ...id, archKey: "0110" },
      { ...id, budget: { epochs: 3 } }, { ...id, budget: undefined }, { ...id, seed: 8 },
    ]) expect(trialKey(other)).not.toBe(k);
  });

  it("drops the seed for an evaluator whose results do not depend on it (seeded: false)", () => {
    const t = { ...id, fingerprint: { kind: "table", seeded: false } };
    expect(trialKey({ ...t, seed: 1 })).toBe(trialKey({ ...t, seed: 2 }));
  });

  it("canonical JSON sorts keys and keeps non-finite numbers distinct", () => {
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
    expect(canonicalJson({ x: NaN })).not.toBe(canonicalJson({ x: Infinity }));
    expect(() => canonicalJson({ f: () => 1 })).toThrow(FingerprintError);
    expect(nasbookVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe("built-in fingerprints", () => {
  it("nb201 table: the file's sha256 and the dataset; the seed is not part of it", async () => {
    const a = Nb201Table.parse(nb201Csv(50, 1)), b = Nb201Table.parse(nb201Csv(50, 2));
    const fa = await evaluatorFingerprint(nb201TableEvaluator({ table: a }));
    expect(fa).toEqual({ kind: "nb201-table", dataset: "cifar10", table: a.sha256, seeded: false });
    expect(await evaluatorFingerprint(nb201TableEvaluator({ table: b }))).not.toEqual(fa);
    expect(await evaluatorFingerprint(nb201TableEvaluator({ table: a, dataset: "cifar100" }))).not.toEqual(fa);
  });

  it("train evaluator: training settings, builder, data content and backend", async () => {
    const space = chainSpace({ filters: [2, 3], kernels: [3], units: [4], maxConv: 1, maxDense: 1 });
    const data = syntheticSplits({ size: 8, numClasses: 3, sizes: { train: 24, val: 8, test: 8 }, seed: 5 });
    const fp = (o: Partial<TrainEvaluatorOptions<ChainArch>> = {}) =>
      evaluatorFingerprint(trainEvaluator<ChainArch>({ backend: "current", data, build: modelBuilder(space), train: { epochs: 1 }, ...o }));
    const base = await fp();
    expect(base).toMatchObject({ kind: "train", backend: "cpu", train: { epochs: 1, batchSize: 64, optimizer: "adam" } });
    expect(base.build).toEqual({ builder: "modelBuilder", space: "chain", options: { space: space.recipe, size: {} } });
    expect((base.data as { sha256: string }).sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await fp()).toEqual(base);
    const other = syntheticSplits({ size: 8, numClasses: 3, sizes: { train: 24, val: 8, test: 8 }, seed: 6 });
    for (const changed of [{ train: { epochs: 2 } }, { data: other }, { build: modelBuilder(chainSpace({ filters: [2], kernels: [3], units: [4], maxConv: 1, maxDense: 1 })) }, { maxParams: 10 }]) {
      expect(await fp(changed)).not.toEqual(base);
    }
    // a closure builder cannot be fingerprinted unless named
    await expect(fp({ build: (a, o) => chainModel(a, o, space) })).rejects.toThrow(/build function is a closure.*modelBuilder\(space, size\).*buildId/);
    expect((await fp({ build: (a, o) => chainModel(a, o, space), buildId: "chain-v1" })).build).toEqual({ buildId: "chain-v1" });
  });

  it("proxy and precomputed-proxy evaluators: their settings and their data", async () => {
    const space = chainSpace({ filters: [2], kernels: [3], units: [4], maxConv: 1, maxDense: 1 });
    const data = syntheticSplits({ size: 8, numClasses: 3, sizes: { train: 24, val: 8, test: 8 }, seed: 5 });
    const p = (proxy: "synflow" | "snip", batchSize?: number) => evaluatorFingerprint(proxyEvaluator({ proxy, batchSize, build: modelBuilder(space), data, backend: "current" }));
    expect(await p("synflow")).toMatchObject({ kind: "proxy", proxy: "synflow", batchSize: 64 });
    expect(await p("synflow")).not.toEqual(await p("snip"));
    expect(await p("synflow")).not.toEqual(await p("synflow", 16));
    const row = (v: number): ZcRow => ({ dataset: "cifar10", index: 0, arch: "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", valAccuracy: 10, scores: { synflow: v } });
    const z = (rows: ZcRow[], proxy: "synflow" | "snip" = "synflow") => evaluatorFingerprint(precomputedProxyEvaluator({ proxy, table: rows }));
    expect(await z([row(1)])).toMatchObject({ kind: "zc", proxy: "synflow", dataset: "cifar10", seeded: false });
    expect(await z([row(1)])).not.toEqual(await z([row(2)]));
    expect(await z([row(1)])).not.toEqual(await z([row(1)], "snip"));
  });

  it("a table loaded from a file carries a recipe naming that file", () => {
    const f = join(mkdtempSync(join(tmpdir(), "nasbook-key-")), "nb201_all.csv");
    writeFileSync(f, nb201Csv(20));
    const ev = nb201TableEvaluator({ table: Nb201Table.load(f) });
    expect(ev.recipe).toEqual({ kind: "builtin", name: "nb201-table", options: { dataset: "cifar10", path: f } });
  });
});

describe("a training search with a store", () => {
  it("re-run, it trains nothing and gives the same history (same seed, same backend)", async () => {
    const { search } = await import("../../src/search.js");
    const { randomSearch } = await import("../../src/strategy/random.js");
    const { memoryStore } = await import("../../src/exec/store.js");
    const space = chainSpace({ filters: [2, 3], kernels: [3], units: [4], maxConv: 1, maxDense: 1 });
    const data = syntheticSplits({ size: 8, numClasses: 3, sizes: { train: 24, val: 8, test: 8 }, seed: 5 });
    let trained = 0;
    const ev = trainEvaluator<ChainArch>({ backend: "current", data, build: modelBuilder(space), train: { epochs: 1, batchSize: 8 }, onEpoch: () => trained++ });
    const store = memoryStore();
    const cfg = { space, strategy: randomSearch(), evaluator: ev, budget: { queries: 3 }, seed: 2, store };
    let cold!: Awaited<ReturnType<ReturnType<typeof search<ChainArch>>["result"]>>;
    let warm!: typeof cold;
    let coldTrained = 0;
    const leaked = await leakedTensors(async () => {
      cold = await search(cfg).result();
      coldTrained = trained;
      warm = await search(cfg).result();
    });
    expect(leaked).toBe(0);
    // One epoch per trial the cold run computed (the others were repeats it had already stored).
    expect(coldTrained).toBe(cold.history.length - cold.cachedHits);
    expect(coldTrained).toBeGreaterThan(0);
    expect(trained).toBe(coldTrained);
    expect(warm.history.length).toBe(cold.history.length);
    expect(warm.history.length).toBe(Math.min(3, Number(space.size()))); // budget or space exhausted; every trial from the store
    expect(warm.cachedHits).toBe(warm.history.length);
    expect(warm.history.map((t) => [t.archString, t.seed, t.result.metrics])).toEqual(cold.history.map((t) => [t.archString, t.seed, t.result.metrics]));
    expect(warm.history.map((t) => t.trialKey)).toEqual(cold.history.map((t) => t.trialKey));
  }, 60_000);
});
