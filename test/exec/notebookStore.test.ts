/**
 * The trial store in a notebook: with the notebook session's store on (what `nasbook run` and the kernel set up),
 * re-running the notebook takes every trial from the store, and editing the strategy cell re-runs the search with
 * every re-proposed trial a cache hit; the store's line is printed once per notebook (its first search), its whole
 * count kept by the session's storeUsage() (which `nasbook run` puts in the manifest).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { NotebookSession, notebookTrialDir } from "../../src/notebook/session.js";
import { Notebook } from "../../src/notebook/notebook.js";
import type { SearchResult } from "../../src/search.js";
import { nb201Csv } from "../fixtures/nb201Csv.js";

type Run = SearchResult<unknown>;
const g = globalThis as { __storeRuns?: Run[] };
const work = mkdtempSync(join(tmpdir(), "nasbook-nbstore-"));
const table = join(work, "nb201_all.csv");
const notebookPath = join(work, "tour.ipynb");
let session: NotebookSession;
const previousCache = process.env.NASBOOK_CACHE;

beforeAll(() => {
  writeFileSync(table, nb201Csv(15625));
  process.env.NASBOOK_CACHE = join(work, "cache");
  session = new NotebookSession({ notebook: notebookPath });
});
afterAll(() => {
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
    const first = new Notebook({ bindLibrary: (lib) => session.bind(lib) });
    await runNotebook(first, printed);
    const cold = g.__storeRuns[0]!;
    expect(cold.store).toBe(`dir ${notebookTrialDir(work)}`);
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
    expect(lines).toEqual([`trial store dir ${notebookTrialDir(work)}: ${40 - distinct.size} of 40 trials from the store (the notebook's own; cache: false turns it off)`]);
    const runs = g.__storeRuns.length;
    expect(session.storeUsage()).toEqual({ store: `dir ${notebookTrialDir(work)}`, searches: runs, trials: 40 * runs, cached: g.__storeRuns.reduce((n, r) => n + r.cachedHits, 0) });

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
  it("is per notebook directory (the kernel knows only its cwd), NASBOOK_TRIALS overrides it or turns it off, and an unusable one only warns", () => {
    const a = notebookTrialDir("/x"), b = notebookTrialDir("/y/x");
    expect(a).not.toBe(b);
    expect(a).toMatch(/notebooks[/\\]x-[0-9a-f]{12}$/);
    // `nasbook run /x/a.ipynb` and a kernel started in /x use the same store.
    expect(new NotebookSession({ notebook: join(work, "a.ipynb") }).store?.name).toBe(new NotebookSession({ notebook: work }).store?.name);
    const saved = process.env.NASBOOK_TRIALS;
    try {
      process.env.NASBOOK_TRIALS = "off";
      expect(new NotebookSession({ notebook: "/x/a.ipynb" }).store).toBeUndefined();
      const file = join(work, "not-a-dir");
      writeFileSync(file, "x");
      process.env.NASBOOK_TRIALS = file;
      const s = new NotebookSession({ notebook: "/x/a.ipynb" });
      expect(s.store).toBeUndefined();
      expect(s.storeProblem).toMatch(/no trial store for this notebook .*is a file, not a directory/);
    } finally {
      if (saved === undefined) delete process.env.NASBOOK_TRIALS;
      else process.env.NASBOOK_TRIALS = saved;
    }
  });
});
