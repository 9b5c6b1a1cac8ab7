// The headless runner (`nasbook run`): what ends up in each cell's saved outputs, seeds, errors, plotly.js
// once per document, and identical outputs for two runs with the same seed.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { codeCell, markdownCell, notebookOf, serializeIpynb, type CodeCell, type NotebookDocument, type Output } from "../../src/notebook/ipynb.js";
import { applySeed, runNotebook, SeedParameterError } from "../../src/notebook/runner.js";
import { stripPlotlyLibrary } from "../../src/notebook/htmlExport.js";

const plain = (o: Output | undefined): string => {
  if (!o) return "<none>";
  if (o.output_type === "stream") return `${o.name}:${Array.isArray(o.text) ? o.text.join("") : o.text}`;
  if (o.output_type === "error") return `error:${o.ename}`;
  const t = o.data["text/plain"];
  return `${o.output_type}:${Array.isArray(t) ? t.join("") : String(t)}`;
};
const outputsOf = (nb: NotebookDocument, id: string): string[] => (nb.cells.find((c) => c.id === id) as CodeCell).outputs.map(plain);
const countOf = (nb: NotebookDocument, id: string) => (nb.cells.find((c) => c.id === id) as CodeCell).execution_count;

function withParameters(...cells: [string, string][]): NotebookDocument {
  const params = codeCell("params", "const seed = 0;", { tags: ["parameters"] });
  return notebookOf([markdownCell("intro", "# Test"), params, ...cells.map(([id, src]) => codeCell(id, src))]);
}

describe("nasbook run: outputs", () => {
  it("saves values, prints, extra displays, streams' final values and execution counts as Jupyter would", async () => {
    const nb = withParameters(
      ["a", "const a = seed + 1;\na"],
      ["printing", 'console.log("hi");\nconsole.log("there");\nprocess.stderr.write("warn\\n");\n42'],
      ["extra", 'display("extra");\n"value"'],
      ["stream", "const ticks = (async function* () { for (let i = 1; i <= 3; i++) { await new Promise((r) => setTimeout(r, 5)); yield i * a; } })();"],
      ["dependent", "const last = ticks * 10;\nlast"],
      ["blank", "  \n"],
    );
    const r = await runNotebook(nb);
    expect(r.failures).toEqual([]);
    const ex = r.notebook;
    expect(outputsOf(ex, "params")).toEqual([]); // a declaration of plain data shows nothing
    expect(outputsOf(ex, "a")).toEqual(["display_data:1"]); // reads `seed`: its value may change later
    expect(outputsOf(ex, "printing")).toEqual(["stdout:hi\nthere\n", "stderr:warn\n", "execute_result:42"]);
    expect(outputsOf(ex, "extra")).toEqual(["display_data:extra", "execute_result:value"]);
    expect(outputsOf(ex, "stream")).toEqual(["display_data:3"]);
    expect(outputsOf(ex, "dependent")).toEqual(["display_data:30"]);
    expect(outputsOf(ex, "blank")).toEqual([]);
    expect(["params", "a", "printing", "extra", "stream", "dependent", "blank"].map((id) => countOf(ex, id))).toEqual([1, 2, 3, 4, 5, 6, null]);
    const result = (ex.cells.find((c) => c.id === "printing") as CodeCell).outputs[2]!;
    expect(result.output_type === "execute_result" && result.execution_count).toBe(3);
    expect(nb.cells.every((c) => c.cell_type !== "code" || c.outputs.length === 0)).toBe(true); // input untouched
  });

  it("a later cell marked `// @redefine space` takes the name over: dependents re-run, each cell shows what its own code produced", async () => {
    const nb = withParameters(
      ["space", "const space = { ops: [\"conv\", \"skip\"], depth: 2 };\nspace.ops.length"],
      ["size", 'const size = space.ops.length ** space.depth;\nconsole.log(`size ${size}`);\nsize'],
      ["edit", '// @redefine space\nconst space = { ops: ["conv", "skip", "pool"], depth: 2 };\nspace.ops.length'],
    );
    const r = await runNotebook(nb);
    expect(r.failures).toEqual([]);
    // The earlier cell's code says two ops: a saved notebook must not show the edit's 3 under it.
    expect(outputsOf(r.notebook, "space")).toEqual(["execute_result:2"]);
    // The reader shows what its re-run printed, then its value, in its one (updatable) display.
    expect(outputsOf(r.notebook, "size")).toEqual(["display_data:size 9\n9"]);
    expect(outputsOf(r.notebook, "edit")).toEqual(["execute_result:3"]);
    // Without the directive, the second definition is an error naming the first cell.
    const plainDup = withParameters(["space", "const space = 1"], ["edit", "const space = 2"]);
    const dup = await runNotebook(plainDup);
    expect(dup.failures.map((f) => [f.cellId, f.error.ename])).toEqual([["edit", "DuplicateDefinitionError"]]);
    expect(dup.failures[0]!.error.evalue).toMatch(/"space" is already defined by the cell `const space = 1`/);
  });

  it("stops at the first failing cell, reports it with its source, and keeps the error in the outputs", async () => {
    const nb = withParameters(["ok", "1 + 1"], ["bad", "const x = 1;\nthrow new RangeError(`bad ${x}`);"], ["after", "3"]);
    const r = await runNotebook(nb);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]).toMatchObject({ cellId: "bad", index: 4, source: "const x = 1;\nthrow new RangeError(`bad ${x}`);" });
    expect(r.failures[0]!.error.evalue).toBe("bad 1");
    expect(outputsOf(r.notebook, "bad")).toEqual(["error:RangeError"]);
    expect(countOf(r.notebook, "after")).toBeNull();
    const all = await runNotebook(nb, { continueOnError: true });
    expect(outputsOf(all.notebook, "after")).toEqual(["execute_result:3"]);
  });

  it("an error that stopped the run is reported even if a later stream value replaced it", async () => {
    const nb = withParameters(
      // The stream waits until the reader has seen its first value, so the reader fails once, whatever the timing.
      ["ticks", "const ticks = (async function* () {\n  yield 1;\n  while (!(globalThis as any).__sawOne) await new Promise((r) => setTimeout(r, 5));\n  yield 2;\n  yield 3;\n})();"],
      ["picky", "if (ticks < 2) {\n  (globalThis as any).__sawOne = true;\n  throw new Error(`not yet: ${ticks}`);\n}\nticks"],
      ["after", "1"],
    );
    const r = await runNotebook(nb);
    expect(r.failures.map((f) => [f.cellId, f.error.evalue])).toEqual([["picky", "not yet: 1"]]);
    expect(countOf(r.notebook, "after")).toBeNull();
  });

  it("type errors fail the cell before it runs", async () => {
    const r = await runNotebook(withParameters(["typed", "const s: string = seed;"]));
    expect(r.failures[0]?.error.evalue).toMatch(/TS2322/);
  });

  it("inlines plotly.js exactly once per saved notebook, in the first plotly figure", async () => {
    const fig = (id: string) =>
      `nas.viz.populationScatter([{ arch: "${id}", fitness: 1, trial: 0, metrics: { params: 10 } }, { arch: "${id}2", fitness: 2, trial: 1, metrics: { params: 20 } }], { cost: "params" })`;
    const r = await runNotebook(withParameters(["f1", fig("a")], ["f2", fig("b")], ["svg", "1"]));
    expect(r.failures).toEqual([]);
    const html = (id: string) => {
      const o = (r.notebook.cells.find((c) => c.id === id) as CodeCell).outputs[0]!;
      return o.output_type === "execute_result" || o.output_type === "display_data" ? String(o.data["text/html"]) : "";
    };
    const count = (s: string) => (s.match(/data-nasbook-plotly="/g) ?? []).length;
    expect([count(html("f1")), count(html("f2"))]).toEqual([1, 0]);
    // A second run in the same process (the plotly session already has a carrier) saves the same thing.
    const again = await runNotebook(withParameters(["f1", fig("a")], ["f2", fig("b")], ["svg", "1"]));
    const html2 = (again.notebook.cells.find((c) => c.id === "f1") as CodeCell).outputs[0]!;
    expect(count(String((html2 as { data: Record<string, unknown> }).data["text/html"]))).toBe(1);
  });
});

describe("nasbook run: seeds", () => {
  it("--seed replaces the parameters cell's `seed` and the manifest says so", () => {
    const nb = withParameters(["use", "seed * 2"]);
    const { notebook, seed } = applySeed(nb, 7);
    expect((notebook.cells[1] as CodeCell).source).toBe("const seed = 7;");
    expect(seed).toEqual({ seed: 7, source: "--seed", cell: "params" });
    expect(applySeed(nb, undefined).seed).toEqual({ seed: 0, source: "notebook", cell: "params" });
    expect((nb.cells[1] as CodeCell).source).toBe("const seed = 0;");
  });

  it("finds `seed` in an untagged cell, keeps comments and types, and refuses a notebook without one", () => {
    const nb = notebookOf([codeCell("c", "// the seed\nconst seed: number = 1, other = 2;")]);
    expect((applySeed(nb, 42).notebook.cells[0] as CodeCell).source).toBe("// the seed\nconst seed: number = 42, other = 2;");
    const none = notebookOf([codeCell("c", "const x = 1;")]);
    expect(() => applySeed(none, 1)).toThrow(SeedParameterError);
    expect(() => applySeed(none, 1)).toThrow(/no cell of this notebook defines `seed`/);
    expect(applySeed(none, undefined).seed).toEqual({ seed: null, source: "none" });
  });

  it("the seed reaches the cells", async () => {
    const r = await runNotebook(withParameters(["draw", "new nas.Rng(seed).int(1000000)"]), { seed: 5 });
    const r2 = await runNotebook(withParameters(["draw", "new nas.Rng(seed).int(1000000)"]), { seed: 6 });
    expect(outputsOf(r.notebook, "draw")).toEqual([`display_data:${new (await import("../../src/rng.js")).Rng(5).int(1000000)}`]);
    expect(outputsOf(r.notebook, "draw")).not.toEqual(outputsOf(r2.notebook, "draw"));
    expect(r.manifest.seed).toEqual({ seed: 5, source: "--seed", cell: "params" });
  });
});

describe("nasbook run: the command", () => {
  const bin = resolve("bin/nasbook.js");
  const dir = mkdtempSync(join(tmpdir(), "nasbook-run-"));

  it("exits 1 and prints the failing cell and its error; still writes the outputs", () => {
    const file = join(dir, "fails.ipynb");
    writeFileSync(file, serializeIpynb(withParameters(["bad", "const n = 2;\nnas.regularizedEvolution({ population: n, sample: 5 })"])));
    const r = spawnSync(process.execPath, [bin, "run", file, "--out", join(dir, "fails.out.ipynb")], { encoding: "utf8", timeout: 120_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("cell 3 (id bad) failed:");
    expect(r.stderr).toContain("  2 | nas.regularizedEvolution({ population: n, sample: 5 })");
    expect(r.stderr).toMatch(/RangeError: regularizedEvolution: sample must be an integer in 1\.\.population/);
    expect(readFileSync(join(dir, "fails.out.ipynb"), "utf8")).toContain('"output_type": "error"');
  }, 120_000);

  it("survives background errors and process.exit, and writes the outputs it had when the heap runs out", () => {
    const file = join(dir, "faults.ipynb");
    const html = join(dir, "faults.html");
    writeFileSync(file, serializeIpynb(withParameters(
      ["kept", "const kept = 41;\nkept + 1"],
      ["background", "setTimeout(() => { throw new Error('boom from a timer'); }, 10);\nPromise.reject(new Error('forgotten rejection'));\nawait new Promise((r) => setTimeout(r, 100));\n'background started'"],
      ["exits", "process.exit(3)"],
      ["after", "kept * 2"],
      ["oom", "const hog: number[][] = [];\nwhile (true) hog.push(new Array(1e6).fill(kept));"],
      ["never", "'not reached'"],
    )));
    const r = spawnSync(process.execPath, [bin, "run", file, "--allow-errors", "--out", join(dir, "faults.out.ipynb"), "--html", html], {
      encoding: "utf8",
      timeout: 150_000,
      // A small heap makes the last cell run out of memory in a second or two.
      env: { ...process.env, NODE_OPTIONS: "--max-old-space-size=400" },
    });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/died: it aborted — most often the JavaScript heap ran out of memory/);
    const saved = JSON.parse(readFileSync(join(dir, "faults.out.ipynb"), "utf8")) as NotebookDocument;
    expect(outputsOf(saved, "kept")).toEqual(["execute_result:42"]);
    const background = outputsOf(saved, "background").join("\n");
    expect(background).toContain("execute_result:background started");
    expect(background).toMatch(/Uncaught exception in the background work of the cell `setTimeout\(\(\) => \{ throw new Error\('boo…`[^]*boom from a timer/);
    expect(background).toMatch(/Unhandled promise rejection in the background work of the cell `setTimeout[^]*forgotten rejection/);
    expect(outputsOf(saved, "exits")).toEqual(["error:ProcessExitError"]);
    expect(outputsOf(saved, "after")).toEqual(["display_data:82"]);
    expect(outputsOf(saved, "oom")).toEqual(["error:RunDied"]);
    expect(outputsOf(saved, "never")).toEqual([]);
    expect(readFileSync(html, "utf8")).toContain("RunDied");
  }, 150_000);

  it("two runs with the same seed write identical notebooks (training included)", () => {
    const nb = withParameters(
      ["setup", [
        'import { initBackend, syntheticSplits, chainSpace, type ChainArch, chainModel, trainEvaluator } from "nasbook";',
        "await initBackend({ quiet: true });",
        "const data = syntheticSplits({ seed, sizes: { train: 200, val: 50, test: 50 } });",
        "const space = chainSpace({ maxConv: 1, maxDense: 1, filters: [4, 8], units: [16] });",
        "const evaluator = trainEvaluator({ data, build: (a: ChainArch, o) => chainModel(a, o, space), train: { epochs: 1, batchSize: 50 } });",
      ].join("\n")],
      ["search", "const result = await nas.search({ space, strategy: nas.randomSearch(), evaluator, budget: { queries: 3 }, seed }).result();\nresult.history.map((t) => `${t.archString} ${t.result.metrics.val_acc} ${t.result.metrics.train_loss}`)"],
      ["plot", 'nas.viz.populationScatter(result.snapshot.population ?? result.history.map((t) => ({ arch: t.archString, fitness: t.fitness, trial: t.index, metrics: t.result.metrics })), { cost: "params" })'],
    );
    const file = join(dir, "repro.ipynb");
    writeFileSync(file, serializeIpynb(nb));
    const run = (out: string, seed: string) => {
      const r = spawnSync(process.execPath, [bin, "run", file, "--out", join(dir, out), "--seed", seed], { encoding: "utf8", timeout: 150_000 });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const text = readFileSync(join(dir, out), "utf8");
      // The commit may move between the runs (others commit meanwhile); everything else must be equal.
      return text.replace(/"git": (null|\{[^}]*\})/, '"git": "..."');
    };
    const first = run("a.ipynb", "3");
    const second = run("b.ipynb", "3");
    expect(second === first).toBe(true);
    expect(first).toContain('"source": "--seed"');
    // No timestamps (outside the inlined plotly.js source, which has a date constant of its own).
    const saved = JSON.parse(first) as NotebookDocument;
    const outputText = saved.cells.flatMap((c) => (c.cell_type === "code" ? c.outputs : [])).map((o) => {
      if (o.output_type !== "display_data" && o.output_type !== "execute_result") return JSON.stringify(o);
      const html = o.data["text/html"];
      const data = { ...o.data, "text/html": stripPlotlyLibrary(Array.isArray(html) ? html.join("") : String(html ?? "")) };
      return JSON.stringify({ ...o, data });
    }).join("\n");
    expect(outputText).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    expect(outputText).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/); // no random uuids
  }, 300_000);
});
