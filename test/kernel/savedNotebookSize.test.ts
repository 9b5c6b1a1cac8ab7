// A notebook executed live on our kernel (nbconvert --execute, as a frontend would save it) stays small: figures load
// plotly.js from the kernelspec the Jupyter server serves instead of carrying its 4.6 MB in an output. A kernel not
// started from such a kernelspec keeps one carrier figure.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chromium } from "playwright-core";
import { dataDir } from "../../src/data/dir.js";
import { plotlyResourceFile } from "../../src/viz/plotlyLibrary.js";
import { installTestKernel } from "./jupyterHelpers.js";

const JUPYTER = "/usr/bin/jupyter";
const hasJupyter = existsSync(JUPYTER) && spawnSync(JUPYTER, ["nbconvert", "--version"], { stdio: "ignore" }).status === 0;
const skip = !hasJupyter && !process.env["CI"];
const LIB_MARKER = "data-nasbook-plotly=";
const CHROMIUM = "/usr/bin/chromium";

interface Output { output_type: string; data?: Record<string, unknown> }
interface Cell { cell_type: string; outputs?: Output[] }

const html = (o: Output): string => [o.data?.["text/html"] ?? ""].flat().join("");

function execute(notebook: string, env: Record<string, string>): { file: string; outputs: Output[] } {
  const dir = mkdtempSync(join(tmpdir(), "nasbook-saved-live-"));
  const r = spawnSync(JUPYTER, ["nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=nasbook",
    "--ExecutePreprocessor.timeout=600", "--output-dir", dir, "--output", "executed.ipynb", notebook], { env, encoding: "utf8", timeout: 600_000 });
  expect(r.status, r.stderr.slice(-3000)).toBe(0);
  const file = join(dir, "executed.ipynb");
  const cells = (JSON.parse(readFileSync(file, "utf8")) as { cells: Cell[] }).cells;
  const outputs = cells.flatMap((c) => c.outputs ?? []);
  expect(outputs.filter((o) => o.output_type === "error")).toEqual([]);
  return { file, outputs };
}

const code = (source: string, i: number) => ({ cell_type: "code", id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source });

describe("a notebook saved from a live session on the nasbook kernel", () => {
  it.skipIf(skip)("the quickstart executed by nbconvert is <= 1 MB: no output carries plotly.js, every figure keeps its JSON, its export draws offline", async () => {
    const env = { ...installTestKernel(), NASBOOK_DATA: dataDir() };
    const { file, outputs } = execute("notebooks/00-quickstart.ipynb", env);
    console.log(`00-quickstart executed by nbconvert on the nasbook kernel: ${statSync(file).size} bytes`);
    expect(statSync(file).size).toBeLessThanOrEqual(1_000_000);
    const figures = outputs.filter((o) => html(o).includes("data-nasbook-plotly-fig="));
    expect(figures.length).toBeGreaterThanOrEqual(2);
    expect(outputs.filter((o) => html(o).includes(LIB_MARKER))).toEqual([]);
    for (const f of figures) {
      expect(f.data?.["application/vnd.plotly.v1+json"]).toMatchObject({ data: expect.any(Array) });
      expect(html(f)).toContain(`kernelspecs/nasbook/${plotlyResourceFile()}`);
    }

    // Its HTML export still works offline: plotly.js inlined once, every figure drawn, nothing fetched.
    const page = join(file, "..", "export.html");
    const exported = spawnSync(process.execPath, ["bin/nasbook.js", "export", file, "--html", "--out", page], { encoding: "utf8" });
    expect(exported.status, exported.stderr).toBe(0);
    expect(readFileSync(page, "utf8").split(LIB_MARKER).length - 1).toBe(1);
    if (!existsSync(CHROMIUM) && !process.env["CI"]) return;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
    try {
      const tab = await browser.newPage();
      const requests: string[] = [];
      tab.on("request", (r) => { if (!r.url().startsWith("file:")) requests.push(r.url()); });
      await tab.goto(`file://${page}`);
      await tab.waitForFunction((n) => document.querySelectorAll("[data-nasbook-ready='1']").length === n, figures.length, { timeout: 30_000 });
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 700_000);

  it.skipIf(skip)("a kernel whose kernelspec has no plotly.js copy carries it once, in the first figure", () => {
    const env = installTestKernel();
    // A kernelspec written without the copy (by hand, or by an older nasbook): kernel.json without the env entry.
    const specFile = join(env["JUPYTER_DATA_DIR"]!, "kernels", "nasbook", "kernel.json");
    const spec = JSON.parse(readFileSync(specFile, "utf8")) as { env?: unknown };
    delete spec.env;
    writeFileSync(specFile, JSON.stringify(spec));
    const dir = mkdtempSync(join(tmpdir(), "nasbook-carrier-"));
    const nb = join(dir, "figures.ipynb");
    const curve = (best: number) =>
      `nas.viz.searchCurves([{ strategy: "demo", seed: 0, points: [{ queries: 1, seconds: 0.1, best: ${best} }, { queries: 2, seconds: 0.2, best: ${best + 1} }] }], { id: "curve-${best}" })`;
    writeFileSync(nb, JSON.stringify({
      nbformat: 4, nbformat_minor: 5,
      metadata: { kernelspec: { name: "nasbook", display_name: "TypeScript (nasbook)", language: "typescript" } },
      cells: [curve(1), curve(2)].map(code),
    }));
    const { file, outputs } = execute(nb, env);
    expect(outputs.map((o) => html(o).split(LIB_MARKER).length - 1)).toEqual([1, 0]);
    expect(statSync(file).size).toBeGreaterThan(4_000_000);
  }, 300_000);
});
