/**
 * The trial store in a notebook: with the notebook-local default store on (what `nasbook run` and the kernel
 * set), re-running the notebook takes every trial from the store, and editing the strategy cell re-runs the
 * search with every re-proposed trial a cache hit; the store's line is printed once per notebook (its first
 * search), its whole count kept by trialStoreUsage() (which `nasbook run` puts in the manifest).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { notebookTrialDir, setDefaultTrialStore, trialStoreUsage, useNotebookTrialStore } from "../../src/exec/defaults.js";
import { Notebook } from "../../src/notebook/notebook.js";
import type { SearchResult } from "../../src/search.js";
import { nb201Csv } from "../fixtures/nb201Csv.js";

type Run = SearchResult<unknown>;
const g = globalThis as { __storeRuns?: Run[] };
const work = mkdtempSync(join(tmpdir(), "nasbook-nbstore-"));
const table = join(work, "nb201_all.csv");
const notebookPath = join(work, "tour.ipynb");
const previousCache = process.env.NASBOOK_CACHE;

beforeAll(() => {
  writeFileSync(table, nb201Csv(15625));
  process.env.NASBOOK_CACHE = join(work, "cache");
  useNotebookTrialStore(notebookPath);
});
afterAll(() => {
  setDefaultTrialStore(undefined);
  if (previousCache === undefined) delete process.env.NASBOOK_CACHE;
  else process.env.NASBOOK_CACHE = previousCache;
});

const cells = {
  setup: `const space = nas.nb201Space();\nconst evaluator = nas.nb201TableEvaluator({ table: nas.Nb201Table.load(${JSON.stringify(table)}) });`,
  strategy: "const strategy = nas.regularizedEvolution({ population: 10, sample: 3 });",
  run: "const result = await nas.search({ space, strategy, evaluator, budget: { queries: 40 }, seed: 3 }).result();\n(globalThis as any).__storeRuns.push(result);\nresult.cachedHits",
};

async function runNotebook(nb: Notebook, printed: string[]): Promise<void> {
  for (const [id, code] of Object.entries(cells)) {
    const out = await nb.execute(code, { cellId: id });
    expect(out.error?.evalue, id).toBeUndefined();
  }
}

describe("notebook trial store", () => {
  it("re-running the notebook's cells and editing the strategy cell get a cache hit for every re-proposed trial", async () => {
    g.__storeRuns = [];
    const printed: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void printed.push(a.join(" ")));
    const first = new Notebook();
    await runNotebook(first, printed);
    const cold = g.__storeRuns[0]!;
    expect(cold.store).toBe(`dir ${notebookTrialDir(notebookPath)}`);
    const distinct = new Set(cold.history.map((t) => t.archString));
    expect(cold.cachedHits).toBe(40 - distinct.size); // only repeats within the run

    // Run it again (every cell re-executed, as "Run All" does): every trial comes from the store.
    const second = first;
    await runNotebook(second, printed);
    const warm = g.__storeRuns.at(-1)!;
    expect(g.__storeRuns.slice(1).every((r) => r.cachedHits === 40)).toBe(true);
    expect(warm.cachedHits).toBe(40);
    expect(warm.history.map((t) => t.archString)).toEqual(cold.history.map((t) => t.archString));
    // The store's line: once, on the notebook's first search (where, and that search's hits).
    const lines = printed.filter((p) => p.includes("trial store"));
    expect(lines).toEqual([`trial store dir ${notebookTrialDir(notebookPath)}: ${40 - distinct.size} of 40 trials from the store (the notebook's own; cache: false turns it off)`]);
    const runs = g.__storeRuns.length;
    expect(trialStoreUsage()).toEqual({ store: `dir ${notebookTrialDir(notebookPath)}`, searches: runs, trials: 40 * runs, cached: g.__storeRuns.reduce((n, r) => n + r.cachedHits, 0) });

    // Edit the strategy cell: the search re-runs; each trial it re-proposes is a hit, the others computed.
    await second.execute("const strategy = nas.regularizedEvolution({ population: 14, sample: 4 });", { cellId: "strategy" });
    const edited = g.__storeRuns.at(-1)!;
    const seen = new Set(cold.history.map((t) => t.archString));
    const reproposed = edited.history.filter((t, i) => seen.has(t.archString) || edited.history.slice(0, i).some((u) => u.archString === t.archString)).length;
    expect(edited.cachedHits).toBe(reproposed);
    expect(reproposed).toBeGreaterThan(0);
    expect(reproposed).toBeLessThan(40);
    second.dispose();
    log.mockRestore();
  }, 60_000);
});

describe("notebook trial store location", () => {
  it("is per notebook path, NASBOOK_TRIALS overrides it or turns it off, and an unusable one only warns", () => {
    const a = notebookTrialDir("/x/a.ipynb"), b = notebookTrialDir("/y/a.ipynb");
    expect(a).not.toBe(b);
    expect(a).toMatch(/notebooks[/\\]a\.ipynb-[0-9a-f]{12}$/);
    const saved = process.env.NASBOOK_TRIALS;
    try {
      process.env.NASBOOK_TRIALS = "off";
      expect(useNotebookTrialStore("/x/a.ipynb")).toBeUndefined();
      const file = join(work, "not-a-dir");
      writeFileSync(file, "x");
      process.env.NASBOOK_TRIALS = file;
      const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
      expect(useNotebookTrialStore("/x/a.ipynb")).toBeUndefined();
      expect(String(warn.mock.calls[0]?.[0])).toMatch(/no trial store for this notebook .*is a file, not a directory/);
      warn.mockRestore();
    } finally {
      if (saved === undefined) delete process.env.NASBOOK_TRIALS;
      else process.env.NASBOOK_TRIALS = saved;
    }
  });
});
