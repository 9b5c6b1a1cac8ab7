/**
 * The trial store's line ("trial store …: N of M trials from the store") in the saved outputs of `nasbook run`:
 * it belongs to the cell that ran search(), also when that cell returns the search's stream and the search ends
 * after every cell has run (the store line used to be dropped then: the search ran outside any cell's context).
 * And `cache: false`, the spelling of the opt-out, next to `store:`.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryStore } from "../../src/exec/store.js";
import { NotebookSession } from "../../src/notebook/session.js";
import { loadNb201Table, nb201TableEvaluator } from "../../src/estimate/nb201Table.js";
import { codeCell, joinSource, notebookOf, type Output } from "../../src/notebook/ipynb.js";
import { runNotebook } from "../../src/notebook/runner.js";
import { search } from "../../src/search.js";
import { nb201Space } from "../../src/space/nb201.js";
import { randomSearch } from "../../src/strategy/random.js";
import { nb201Csv } from "../fixtures/nb201Csv.js";

const work = mkdtempSync(join(tmpdir(), "nasbook-storenotice-"));
const table = join(work, "nb201_all.csv");
const previousTrials = process.env.NASBOOK_TRIALS;

let session: NotebookSession;
beforeAll(() => {
  writeFileSync(table, nb201Csv(15625));
  process.env.NASBOOK_TRIALS = join(work, "trials");
  session = new NotebookSession({ notebook: join(work, "notice.ipynb") });
});
afterAll(() => {
  if (previousTrials === undefined) delete process.env.NASBOOK_TRIALS;
  else process.env.NASBOOK_TRIALS = previousTrials;
});

// What a cell shows as text: its printed streams, and its displays (a cell reading others prints into its display).
const textOf = (outputs: Output[]) =>
  outputs.map((o) => (o.output_type === "stream" ? joinSource(o.text) : o.output_type === "error" ? "" : String(o.data["text/plain"] ?? ""))).join("\n");

describe("the trial store line in saved notebook outputs", () => {
  it("lands once, on the first search's cell when it streams past its cell; the manifest counts every search", async () => {
    // The search cell returns the stream (no .result()); the cell below reads it; the search ends after both ran.
    // A second search cell prints nothing: the notebook's store line is printed once.
    const nb = () => notebookOf([
      codeCell("setup", `const space = nas.nb201Space();\nconst evaluator = nas.nb201TableEvaluator({ table: nas.Nb201Table.load(${JSON.stringify(table)}) });`),
      codeCell("run", "const events = nas.search({ space, strategy: nas.randomSearch(), evaluator, budget: { queries: 30 }, seed: 5, signal });"),
      codeCell("plot", 'events.type === "trial" ? events.queries : events.result.history.length'),
      codeCell("again", "const again = await nas.search({ space, strategy: nas.randomSearch(), evaluator, budget: { queries: 10 }, seed: 6 }).result();\nagain.cachedHits"),
    ]);
    const cold = await runNotebook(nb(), { session });
    const cell = (r: typeof cold, id: string) => r.notebook.cells.find((c) => c.id === id) as { outputs: Output[] };
    expect(textOf(cell(cold, "run").outputs)).toMatch(/trial store dir .*: \d+ of 30 trials from the store/);
    expect(textOf(cell(cold, "plot").outputs)).not.toMatch(/trial store/);
    expect(textOf(cell(cold, "again").outputs)).not.toMatch(/trial store/);
    expect(cold.manifest.trialStore).toMatchObject({ searches: 2, trials: 40 });
    const warm = await runNotebook(nb(), { session });
    expect(textOf(cell(warm, "run").outputs)).toMatch(/trial store dir .*: 30 of 30 trials from the store/);
    expect(textOf(cell(warm, "again").outputs)).not.toMatch(/trial store/);
    expect(warm.manifest.trialStore).toMatchObject({ searches: 2, trials: 40, cached: 40 });
  }, 60_000);
});

describe("cache: false", () => {
  const space = nb201Space();
  const cfg = () => ({ space, strategy: randomSearch(), evaluator: nb201TableEvaluator({ table: loadNb201Table(table) }), budget: { queries: 12 }, seed: 1 });

  it("turns the notebook's store off: nothing read, nothing written", async () => {
    const store = memoryStore();
    const first = await search({ ...cfg(), fallbackStore: store }).result();
    expect(first.store).toBe("memory");
    const off = await search({ ...cfg(), fallbackStore: store, cache: false }).result();
    expect(off.store).toBeUndefined();
    expect(off.cachedHits).toBe(0);
    expect(off.history.map((t) => t.result.metrics)).toEqual(first.history.map((t) => t.result.metrics));
  });

  it("refuses a contradicting store option, naming both", () => {
    expect(() => search({ ...cfg(), cache: false, store: memoryStore() })).toThrow(/cache: false .* store: memory .* keep one/);
    expect(() => search({ ...cfg(), cache: true, store: false })).toThrow(/cache: true and store: false/);
    expect(() => search({ ...cfg(), cache: "no" as unknown as boolean })).toThrow(/cache must be true or false/);
  });
});
