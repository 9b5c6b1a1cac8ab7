/**
 * The kernel in a real Jupyter client: Debian's Notebook 6 server, driven in headless chromium. Editing the upstream
 * cell and running only it must update the dependent cells' outputs in place — a value and a plotly figure.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chromium, type Browser } from "playwright-core";
import { freePort, installTestKernel, waitForHttp } from "./jupyterHelpers.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"];
const hasNotebook6 = existsSync("/usr/bin/jupyter") && spawnSync("/usr/bin/jupyter", ["notebook", "--version"], { stdio: "ignore" }).status === 0;
const skip = (!hasNotebook6 || !existsSync(CHROMIUM)) && !process.env.CI;

const code = (source: string, i: number) => ({ cell_type: "code", id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source });

describe("Notebook 6 in headless chromium", () => {
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
    server?.kill("SIGTERM");
  });

  it.skipIf(skip)("re-running an edited cell updates its dependents' value and figure in place", async () => {
    const env = installTestKernel();
    const dir = mkdtempSync(join(tmpdir(), "nasbook-nb6-"));
    writeFileSync(join(dir, "reactive.ipynb"), JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: "nasbook", display_name: "TypeScript (nasbook)", language: "typescript" } },
      cells: [
        "const n = 3;\nn",
        "n * 2",
        'nas.viz.searchCurves([{ strategy: "demo", seed: 0, points: [{ queries: 1, seconds: 0.1, best: n }, { queries: 2, seconds: 0.2, best: n + 1 }] }], { id: "demo-curve" })',
      ].map(code),
    }));
    const port = await freePort();
    server = spawn("/usr/bin/jupyter", ["notebook", "--no-browser", "--allow-root", `--port=${port}`, "--ip=127.0.0.1",
      "--NotebookApp.token=", "--NotebookApp.password=", `--notebook-dir=${dir}`], { env, stdio: "ignore" });
    await waitForHttp(`http://127.0.0.1:${port}/api`, 60_000);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/notebooks/reactive.ipynb`);
    type NbWindow = { Jupyter: { notebook: { kernel: { is_connected(): boolean } | null; execute_all_cells(): void; get_cell(i: number): { set_text(s: string): void; execute(): void } } } };
    await page.waitForFunction(() => (window as unknown as NbWindow).Jupyter?.notebook?.kernel?.is_connected() === true, undefined, { timeout: 60_000 });
    const outputText = (i: number) => page.evaluate((k) => document.querySelectorAll(".cell")[k]?.querySelector(".output_area")?.textContent?.trim() ?? "", i);
    const plotY = () => page.evaluate(() => {
      const gd = document.getElementById("demo-curve") as (HTMLElement & { data?: { y?: number[] }[] }) | null;
      return gd?.data?.flatMap((t) => t.y ?? []) ?? [];
    });

    await page.evaluate(() => (window as unknown as NbWindow).Jupyter.notebook.execute_all_cells());
    await page.waitForFunction(() => document.querySelectorAll(".cell")[1]?.querySelector(".output_area")?.textContent?.trim() === "6", undefined, { timeout: 60_000 });
    await page.waitForFunction(() => document.querySelector("#demo-curve .main-svg") !== null, undefined, { timeout: 60_000 });
    expect(await plotY()).toContain(3);

    // Edit the upstream cell and run only it: the kernel re-runs the two dependents and updates their outputs.
    await page.evaluate(() => {
      const c = (window as unknown as NbWindow).Jupyter.notebook.get_cell(0);
      c.set_text("const n = 5;\nn");
      c.execute();
    });
    await page.waitForFunction(() => document.querySelectorAll(".cell")[1]?.querySelector(".output_area")?.textContent?.trim() === "10", undefined, { timeout: 60_000 });
    await page.waitForFunction(() => {
      const gd = document.getElementById("demo-curve") as (HTMLElement & { data?: { y?: number[] }[] }) | null;
      return gd?.data?.some((t) => t.y?.includes(5)) === true;
    }, undefined, { timeout: 60_000 });
    expect(await outputText(1)).toBe("10");
    expect(await outputText(0)).toMatch(/5$/);
    // One output per cell: updated in place, not appended.
    expect(await page.evaluate(() => [...document.querySelectorAll(".cell")].map((c) => c.querySelectorAll(".output_area").length))).toEqual([1, 1, 1]);
    const shots = resolve("bench/results");
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, "notebook6-reactive.png") });
  }, 240_000);
});
