/**
 * plotly.js served from the kernelspec by a real Jupyter server (Debian's Notebook 6, with a token): the resource
 * answers 200 with the library, figures of a live session draw from it in headless chromium (through Notebook 6's
 * RequireJS, the CDN blocked), and the notebook the frontend saves carries no copy of it.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chromium, type Browser } from "playwright-core";
import { plotlyBundlePath, plotlyResourceFile } from "../../src/viz/plotlyLibrary.js";
import { freePort, installTestKernel, waitForHttp } from "./jupyterHelpers.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"];
const hasNotebook6 = existsSync("/usr/bin/jupyter") && spawnSync("/usr/bin/jupyter", ["notebook", "--version"], { stdio: "ignore" }).status === 0;
const skip = (!hasNotebook6 || !existsSync(CHROMIUM)) && !process.env.CI;
const LIB_MARKER = "data-nasbook-plotly=";

const code = (source: string, i: number) => ({ cell_type: "code", id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source });
const curve = (best: number) =>
  `nas.viz.searchCurves([{ strategy: "demo", seed: 0, points: [{ queries: 1, seconds: 0.1, best: ${best} }, { queries: 2, seconds: 0.2, best: ${best + 1} }] }], { id: "curve-${best}" })`;

describe("Notebook 6 serves the kernelspec's plotly.js to live figures", () => {
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
    server?.kill("SIGTERM");
  });

  it.skipIf(skip)("GET kernelspecs/nasbook/plotly-<version>.min.js is the library; two figures draw from it; the saved notebook is small", async () => {
    const env = installTestKernel();
    const dir = mkdtempSync(join(tmpdir(), "nasbook-nb6-plotly-"));
    writeFileSync(join(dir, "figures.ipynb"), JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: "nasbook", display_name: "TypeScript (nasbook)", language: "typescript" } },
      cells: [curve(1), curve(2)].map(code),
    }));
    const port = await freePort();
    const token = randomBytes(16).toString("hex");
    server = spawn("/usr/bin/jupyter", ["notebook", "--no-browser", "--allow-root", `--port=${port}`, "--ip=127.0.0.1",
      `--NotebookApp.token=${token}`, "--NotebookApp.password=", `--notebook-dir=${dir}`], { env, stdio: "ignore" });
    const base = `http://127.0.0.1:${port}/`;
    await waitForHttp(`${base}api`, 60_000);

    // The resource handler: authenticated (the page's login cookie in a browser), then the file itself.
    const resource = `${base}kernelspecs/nasbook/${plotlyResourceFile()}`;
    const anonymous = await fetch(resource, { redirect: "manual" });
    expect(anonymous.status).not.toBe(200);
    const got = await fetch(resource, { headers: { Authorization: `token ${token}` } });
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(readFileSync(plotlyBundlePath()))).toBe(true);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const cdn: string[] = [];
    const served: string[] = [];
    await page.route("https://cdn.plot.ly/**", (route) => {
      cdn.push(route.request().url());
      return route.abort();
    });
    page.on("request", (r) => { if (r.url().includes("/kernelspecs/nasbook/plotly-")) served.push(r.url()); });
    await page.goto(`${base}notebooks/figures.ipynb?token=${token}`);
    type NbWindow = { Jupyter: { notebook: { kernel: { is_connected(): boolean } | null; execute_all_cells(): void; save_notebook(): Promise<unknown> } } };
    await page.waitForFunction(() => (window as unknown as NbWindow).Jupyter?.notebook?.kernel?.is_connected() === true, undefined, { timeout: 60_000 });
    await page.evaluate(() => (window as unknown as NbWindow).Jupyter.notebook.execute_all_cells());
    await page.waitForFunction(() => document.querySelectorAll("[data-nasbook-ready='1']").length === 2, undefined, { timeout: 90_000 });
    expect(await page.evaluate(() => ["curve-1", "curve-2"].map((id) => document.querySelector(`#${id} .main-svg`) !== null))).toEqual([true, true]);
    // Once, through RequireJS (which appends Notebook 6's cache-busting ?v=...).
    expect(served.map((u) => u.split("?")[0])).toEqual([resource]);
    expect(cdn).toEqual([]);
    expect(await page.locator("script[data-nasbook-plotly]").count()).toBe(0);

    await page.evaluate(() => (window as unknown as NbWindow).Jupyter.notebook.save_notebook());
    const saved = join(dir, "figures.ipynb");
    const outputs = (JSON.parse(readFileSync(saved, "utf8")) as { cells: { outputs: { data?: Record<string, unknown> }[] }[] }).cells.flatMap((c) => c.outputs);
    const html = outputs.map((o) => [o.data?.["text/html"] ?? ""].flat().join(""));
    console.log(`Notebook 6: notebook with 2 plotly figures saved from the live session: ${statSync(saved).size} bytes`);
    expect(html.filter((h) => h.includes("data-nasbook-plotly-fig="))).toHaveLength(2);
    expect(html.some((h) => h.includes(LIB_MARKER))).toBe(false);
    expect(outputs.every((o) => o.data?.["application/vnd.plotly.v1+json"] !== undefined)).toBe(true);
    expect(statSync(saved).size).toBeLessThan(100_000);
  }, 240_000);
});
