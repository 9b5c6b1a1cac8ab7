// Every tutorial in notebooks/ runs top to bottom, by both routes: `nasbook run`'s runner (in-process) and
// `jupyter nbconvert --execute` on our kernel. Tutorials that read ../shared data name the files in
// `metadata.nasbook.data`; they are skipped only when a file is missing AND this is not CI.
// Each tutorial's prose must say what to look at in every figure it shows. The two routes of one tutorial run at the
// same time (nbconvert's kernel is a process of its own), so the file takes about as long as its nbconvert runs.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { dataDir, dataPath } from "../../src/data/dir.js";
import { notebookToHtml, withoutPlotlyLibrary } from "../../src/notebook/htmlExport.js";
import { joinSource, readIpynb, serializeIpynb, type CodeCell, type NotebookDocument } from "../../src/notebook/ipynb.js";
import { runNotebook } from "../../src/notebook/runner.js";
import { installTestKernel } from "../kernel/jupyterHelpers.js";

const NOTEBOOKS = resolve("notebooks");
const OUT = process.env.NASBOOK_TUTORIAL_OUT ? resolve(process.env.NASBOOK_TUTORIAL_OUT) : mkdtempSync(join(tmpdir(), "nasbook-tutorials-"));
const JUPYTER = "/usr/bin/jupyter";
const hasJupyter = existsSync(JUPYTER) && spawnSync(JUPYTER, ["nbconvert", "--version"], { stdio: "ignore" }).status === 0;

const tutorials = readdirSync(NOTEBOOKS).filter((f) => f.endsWith(".ipynb")).sort();

function dataFiles(nb: NotebookDocument): string[] {
  const meta = nb.metadata["nasbook"] as { data?: unknown } | undefined;
  const files = meta?.data;
  return Array.isArray(files) ? files.filter((f): f is string => typeof f === "string") : [];
}
/**
 * A tutorial whose metadata says `"process": "own"` picks its tfjs backend itself (10 times models on wasm): in this
 * test process another tutorial has already chosen one, so it runs as `nasbook run` in a process of its own.
 */
const ownProcess = (nb: NotebookDocument): boolean => (nb.metadata["nasbook"] as { process?: unknown } | undefined)?.process === "own";

/** `nasbook run FILE --out` in a child process: the executed notebook, the seconds, and a failure when it exited non-zero. */
function runInOwnProcess(file: string): Promise<{ notebook: NotebookDocument; seconds: number; failures: { cellId: string; error: { ename: string; evalue: string } }[] }> {
  const out = join(mkdtempSync(join(tmpdir(), "nasbook-own-")), file);
  const t0 = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [resolve("bin/nasbook.js"), "run", file, "--out", out], {
      cwd: NOTEBOOKS, env: { ...process.env, NASBOOK_DATA: dataDir() }, stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr = (stderr + d).slice(-20_000)));
    child.on("error", reject);
    child.on("close", (status) => {
      const failures = status === 0 ? [] : [{ cellId: "(process)", error: { ename: `exit ${status}`, evalue: stderr.slice(-3000) } }];
      resolvePromise({ notebook: existsSync(out) ? readIpynb(out) : { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 }, seconds: (performance.now() - t0) / 1000, failures });
    });
  });
}

const missingData = (nb: NotebookDocument) => dataFiles(nb).filter((f) => !existsSync(dataPath(f)));
const skipFor = (nb: NotebookDocument) => missingData(nb).length > 0 && !process.env.CI;

const isFigure = (o: CodeCell["outputs"][number]) =>
  (o.output_type === "display_data" || o.output_type === "execute_result") &&
  /data-nasbook-plotly-fig=|<svg/.test(joinSource(o.data["text/html"] as string | string[] | undefined));

/**
 * The converse of "every figure has prose saying what to look at": each "what to look at" paragraph is followed, before
 * the next markdown cell, by a code cell that shows a figure. Returns the code cells of paragraphs whose figure is
 * missing (the tutorial promises a figure it does not show).
 */
function promisedFiguresMissing(cells: NotebookDocument["cells"]): string[] {
  const missing: string[] = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    if (cell.cell_type !== "markdown" || !/what to look at/i.test(joinSource(cell.source))) continue;
    const section: CodeCell[] = [];
    for (let j = i + 1; j < cells.length && cells[j]!.cell_type !== "markdown"; j++) if (cells[j]!.cell_type === "code") section.push(cells[j] as CodeCell);
    if (!section.some((c) => c.outputs.some(isFigure))) missing.push(`after markdown cell ${i}: ${section.map((c) => c.id).join(", ") || "no code cell"}`);
  }
  return missing;
}
const figureCells = (cells: NotebookDocument["cells"]): string[] =>
  cells.flatMap((c) => (c.cell_type === "code" && c.outputs.some(isFigure) ? [String(c.id)] : []));
/** The figure cells `nasbook run` showed, per tutorial, for the nbconvert route to match. */
const shownByRun = new Map<string, string[]>();

interface Converted { status: number | null; stderr: string; seconds: number }
const conversions = new Map<string, Promise<Converted>>();
/** `jupyter nbconvert --execute` of a tutorial on the nasbook kernel, started once by whichever test asks first. */
function nbconvert(file: string, name: string): Promise<Converted> {
  let p = conversions.get(name);
  if (p) return p;
  p = new Promise<Converted>((resolvePromise, reject) => {
    const env = { ...installTestKernel(), NASBOOK_DATA: dataDir() };
    const t0 = performance.now();
    const child = spawn(JUPYTER, [
      "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=nasbook",
      "--ExecutePreprocessor.timeout=600", "--output-dir", OUT, "--output", `${name}.nbconvert.ipynb`, join(NOTEBOOKS, file),
    ], { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr = (stderr + d).slice(-20_000)));
    const timer = setTimeout(() => child.kill("SIGKILL"), 900_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolvePromise({ status, stderr, seconds: (performance.now() - t0) / 1000 });
    });
  });
  conversions.set(name, p);
  return p;
}
const nbconvertRoute = (nb: NotebookDocument) => !skipFor(nb) && (hasJupyter || !!process.env.CI);

describe("tutorials", () => {
  it("there are tutorials, each with a kernelspec, a title and a parameters cell", () => {
    expect(tutorials).toContain("00-quickstart.ipynb");
    for (const file of tutorials) {
      const nb = readIpynb(join(NOTEBOOKS, file));
      expect((nb.metadata["kernelspec"] as { name?: string }).name, file).toBe("nasbook");
      expect(joinSource(nb.cells[0]!.source), file).toMatch(/^# /);
      const params = nb.cells.find((c) => c.cell_type === "code" && (c.metadata["tags"] as string[] | undefined)?.includes("parameters"));
      expect(joinSource(params?.source), file).toMatch(/const seed = \d+;/);
    }
  });

  for (const file of tutorials) {
    const nb = readIpynb(join(NOTEBOOKS, file));
    const name = file.replace(/\.ipynb$/, "");

    it.skipIf(skipFor(nb))(`${name} runs top to bottom with nasbook run, and its prose explains every figure`, async () => {
      expect(missingData(nb), `data missing from ${dataDir()}`).toEqual([]);
      if (nbconvertRoute(nb)) nbconvert(file, name).catch(() => undefined); // its own test checks it
      const r = ownProcess(nb) ? await runInOwnProcess(file) : await runNotebook(nb, { cwd: NOTEBOOKS });
      writeFileSync(join(OUT, `${name}.ipynb`), serializeIpynb(withoutPlotlyLibrary(r.notebook))); // as nasbook run --out saves it
      writeFileSync(join(OUT, `${name}.html`), notebookToHtml(r.notebook));
      console.log(`${name}: nasbook run ${r.seconds.toFixed(1)} s (reports in ${OUT})`);
      expect(r.failures.map((f) => `${f.cellId}: ${f.error.ename}: ${f.error.evalue}`)).toEqual([]);
      let prose = "";
      let figures = 0;
      for (const cell of r.notebook.cells) {
        if (cell.cell_type === "markdown") prose = joinSource(cell.source);
        if (cell.cell_type !== "code") continue;
        if (cell.outputs.some(isFigure)) {
          figures++;
          expect(prose, `the markdown before cell ${cell.id} of ${name} should say what to look at`).toMatch(/what to look at/i);
        }
      }
      expect(figures, `${name} shows no figure`).toBeGreaterThan(0);
      expect(promisedFiguresMissing(r.notebook.cells), `${name}: prose says what to look at in a figure that is not shown`).toEqual([]);
      shownByRun.set(name, figureCells(r.notebook.cells));
    }, 600_000);

    it.skipIf(!nbconvertRoute(nb))(`${name} runs with jupyter nbconvert --execute on the nasbook kernel`, async () => {
      const r = await nbconvert(file, name);
      console.log(`${name}: nbconvert ${r.seconds.toFixed(1)} s`);
      expect(r.status, r.stderr.slice(-3000)).toBe(0);
      const executed = JSON.parse(readFileSync(join(OUT, `${name}.nbconvert.ipynb`), "utf8")) as NotebookDocument;
      const errors = executed.cells.flatMap((c) => (c.cell_type === "code" ? c.outputs : [])).filter((o) => o.output_type === "error");
      expect(errors).toEqual([]);
      expect(figureCells(executed.cells), `${name} shows no figure under nbconvert`).not.toEqual([]);
      expect(promisedFiguresMissing(executed.cells), `${name} under nbconvert: prose says what to look at in a figure that is not shown`).toEqual([]);
      // The same cells show figures as under nasbook run (when that test ran first in this process).
      if (shownByRun.has(name)) expect(figureCells(executed.cells), `${name}: figure cells, nbconvert vs nasbook run`).toEqual(shownByRun.get(name));
    }, 900_000);
  }
});

describe("09-reactive-tour", () => {
  const nb = readIpynb(join(NOTEBOOKS, "09-reactive-tour.ipynb"));
  const source = (id: string) => joinSource(nb.cells.find((c) => c.id === id)?.source);
  /** The size the space cell `id` gives with `maxConv` convolutions, computed here from the cell's own options. */
  const sizeOf = async (id: string, maxConv: number) => {
    const { chainSpace, formatSpaceSize } = await import("../../src/index.js");
    const options = /chainSpace\(\{ maxConv, ([^}]*)\}\)/.exec(source(id));
    expect(options, `cell ${id} builds its chainSpace from maxConv`).not.toBeNull();
    return formatSpaceSize(chainSpace({ maxConv, ...(Function(`return { ${options?.[1]} }`)() as object) }));
  };
  const shown = (r: Awaited<ReturnType<typeof runNotebook>>) => (id: string) =>
    (r.notebook.cells.find((c) => c.id === id) as CodeCell).outputs
      .map((o) => ("data" in o ? joinSource(o.data["text/plain"] as string) : joinSource((o as { text?: string }).text ?? ""))).join("\n");

  it("each cell shows what its own code produced, and the tour keeps the first search beside the edited one", async () => {
    const r = await runNotebook(nb, { cwd: NOTEBOOKS });
    expect(r.failures).toEqual([]);
    const plain = shown(r);
    const [before, after] = [await sizeOf("space", 1), await sizeOf("space-edit", 1)];
    expect(before).not.toBe(after);
    expect(plain("controls")).toBe("max. convolutions: 1\nstrategy: regularized evolution\nqueries: 6");
    expect(plain("space")).toBe(`${before} architectures`);
    expect(plain("space-edit")).toBe(`${after} architectures`);
    // The reactive cells follow the edit; the snapshot keeps the first search; their points differ.
    expect(plain("search")).toMatch(new RegExp(`^6 trials over ${after} architectures \\(regularized-evolution\\); best `));
    expect(plain("population-plot")).toMatch(new RegExp(`^regularized-evolution: 6 trials \\(${after} architectures in the space\\)`));
    expect(plain("before")).toMatch(new RegExp(`^Before the edit: regularized-evolution, 6 queries over ${before} architectures`));
    const spec = (id: string) => JSON.stringify((r.notebook.cells.find((c) => c.id === id) as CodeCell).outputs.find((o) => "data" in o && "application/vnd.plotly.v1+json" in o.data));
    expect(spec("before")).not.toBe(spec("population-plot"));
    expect(plain("curves")).toMatch(new RegExp(`^Best validation accuracy so far \\(2 searches; now: regularized-evolution, 6 queries over ${after} architectures\\)`));
    expect(plain("after")).toMatch(new RegExp(`^searches finished: 2\\nregularized-evolution, 6 queries over ${before} architectures: 6 trials[^\\n]*\\n` +
      `regularized-evolution, 6 queries over ${after} architectures: 6 trials[^\\n]*\\nnow: regularized-evolution, 6 queries over ${after} architectures`));
  }, 300_000);

  it("--set moves its controls: the space, the search and the figures follow, both space cells read maxConv", async () => {
    const r = await runNotebook(nb, { cwd: NOTEBOOKS, set: { maxConv: "2", strategy: "random search", queries: "8" } });
    expect(r.failures).toEqual([]);
    const plain = shown(r);
    const [before, after] = [await sizeOf("space", 2), await sizeOf("space-edit", 2)];
    expect(plain("controls")).toBe("max. convolutions: 2\nstrategy: random search\nqueries: 8");
    expect(plain("space")).toBe(`${before} architectures`);
    expect(plain("space-edit")).toBe(`${after} architectures`);
    expect(plain("search")).toMatch(new RegExp(`^8 trials over ${after} architectures \\(random\\); best `));
    expect(plain("population-plot")).toMatch(new RegExp(`^random: 8 trials \\(${after} architectures in the space\\)`));
    expect(plain("before")).toMatch(new RegExp(`^Before the edit: random, 8 queries over ${before} architectures`));
    expect(r.manifest.set).toEqual({ maxConv: "2", strategy: "random search", queries: "8" });
  }, 300_000);
});

describe("controls of 00-quickstart and 02-regularized-evolution", () => {
  const plainOf = (r: Awaited<ReturnType<typeof runNotebook>>, id: string) =>
    (r.notebook.cells.find((c) => c.id === id) as CodeCell).outputs
      .map((o) => ("data" in o ? joinSource(o.data["text/plain"] as string) : joinSource((o as { text?: string }).text ?? ""))).join("\n");

  it("00: the budget and population sliders start at the quickstart's constants, and --set moves the search", async () => {
    const nb = readIpynb(join(NOTEBOOKS, "00-quickstart.ipynb"));
    const r = await runNotebook(nb, { cwd: NOTEBOOKS, set: { queries: "8", population: "4" } });
    expect(r.failures).toEqual([]);
    expect(plainOf(r, "controls")).toBe("queries: 8\npopulation: 4");
    expect(plainOf(r, "progress")).toMatch(/^done: best so far /);
    expect(plainOf(r, "population-plot")).toMatch(/^Population after 8 trials: 4 members/);
    expect(plainOf(r, "result")).toMatch(/\n8 architectures trained, stopped by queries$/);
    // The defaults are the constants the search cell had before it read controls: 16 queries, a population of 6.
    expect(joinSource(nb.cells.find((c) => c.id === "controls")?.source)).toMatch(/range\(\[\d+, \d+\], \{ value: 16, [^\n]*\n[^\n]*range\(\[\d+, \d+\], \{ value: 6, /);
  }, 600_000);

  const nb02 = readIpynb(join(NOTEBOOKS, "02-regularized-evolution.ipynb"));
  it.skipIf(skipFor(nb02))("02: queries, population and tournament size are sliders read by the live search; --set moves it, the comparison keeps its settings", async () => {
    expect(missingData(nb02), `data missing from ${dataDir()}`).toEqual([]);
    const r = await runNotebook(nb02, { cwd: NOTEBOOKS, set: { queries: "50", population: "10", sample: "3" } });
    expect(r.failures).toEqual([]);
    expect(plainOf(r, "controls")).toBe("queries: 50\npopulation: 10\ntournament (sample): 3");
    expect(plainOf(r, "status")).toMatch(/^finished: best [^\n]*\npopulation: 10 members/);
    expect(plainOf(r, "population-plot")).toMatch(/^Population at step 50: 10 members/);
    expect(plainOf(r, "compare")).toMatch(/^random search +best after 150 queries: mean [\d.]+% over 5 seeds\nregularized evolution +best after 150 queries/);
  }, 600_000);
});

describe("npm start, piped", () => {
  it("says what runs, shows each cell and the search's progress, names the backend that trained and the files written", () => {
    const dir = mkdtempSync(join(tmpdir(), "nasbook-start-"));
    const r = spawnSync(process.execPath, ["bin/nasbook.js", "run", "notebooks/00-quickstart.ipynb", "--out", join(dir, "q.ipynb"), "--html", join(dir, "q.html"), "--progress"], {
      encoding: "utf8", timeout: 600_000, stdio: ["ignore", "pipe", "pipe"],
    });
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const lines = r.stderr.split("\n");
    expect(lines[0]).toMatch(/^nasbook run notebooks\/00-quickstart\.ipynb: \d+ code cells/);
    expect(r.stderr).toMatch(/\[ ?\d+\/\d+\] const queries = nas\.ui\.range\(/); // each cell as it starts
    expect(r.stderr).toMatch(/regularized-evolution +16\/16 +cached \d+/); // the search's progress
    expect(r.stderr).toMatch(/^tfjs backend: (tensorflow|wasm|cpu) — .+$/m); // "tensorflow" is tfjs-node
    expect(lines.filter((l) => l !== "").at(-1)).toBe(`done in ${/done in ([\d.]+) s/.exec(r.stderr)![1]} s; wrote ${join(dir, "q.ipynb")}, ${join(dir, "q.html")}`);
  }, 600_000);
});
