// Notebook 7 (the `notebook` package: the classic-style UI built from JupyterLab's components), in headless Chromium:
// tutorial 09 under Run > Run All Cells gives the same outputs as `nasbook run` (compared as in sameOutputs.ts). 09
// because it needs no data, is short, and is the tutorial whose cells depend on client behaviour (a `@redefine` cell,
// re-run dependents, a snapshot that must not re-run).
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { readIpynb, type CodeCell, type NotebookDocument } from "../../src/notebook/ipynb.js";
import { launchChromium, NotebookPage, skipJupyterBrowser, startJupyter, type JupyterServer } from "./jupyterBrowser.js";
import { nasbookRun, shownOutputs } from "./sameOutputs.js";

const FILE = "09-reactive-tour.ipynb";
const NOTEBOOKS = resolve("notebooks");
const skip = skipJupyterBrowser("the Notebook 7 tutorial run");

describe("Notebook 7 in headless Chromium", () => {
  const kernelEnv = { NASBOOK_TRIALS: "off" };
  let server: JupyterServer | undefined;
  let browser: Browser | undefined;
  const root = mkdtempSync(join(tmpdir(), "nasbook-nb7-"));
  const runOut = mkdtempSync(join(tmpdir(), "nasbook-nb7-run-"));

  beforeAll(async () => {
    if (skip) return;
    cpSync(join(NOTEBOOKS, FILE), join(root, FILE));
    [server, browser] = await Promise.all([startJupyter("notebook", root, kernelEnv), launchChromium()]);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, 60_000);

  it.skipIf(skip)(`${FILE} under Run All gives the outputs of nasbook run`, async () => {
    const t0 = performance.now();
    const headless = nasbookRun(NOTEBOOKS, FILE, join(runOut, FILE), { ...(process.env as Record<string, string>), ...kernelEnv });
    const page = await NotebookPage.open(browser!, server!, FILE);
    try {
      await page.runAll();
      await page.waitAllExecuted(readIpynb(join(NOTEBOOKS, FILE)).cells.filter((c) => c.cell_type === "code").length, 900_000);
      console.log(`Notebook 7 Run All of ${FILE}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      await page.screenshot("notebook7-09");
      const saved = JSON.parse(await page.save()) as NotebookDocument;
      const run = await headless;
      expect(run.status, run.stderr.slice(-3000)).toBe(0);
      const counts = saved.cells.filter((c) => c.cell_type === "code").map((c) => (c as CodeCell).execution_count);
      expect(counts.every((n) => typeof n === "number"), `execution counts saved by Notebook 7: ${JSON.stringify(counts)}`).toBe(true);
      const nb7 = shownOutputs(saved);
      expect(Object.values(nb7).flat().filter((o) => o.type === "error")).toEqual([]);
      expect(nb7).toEqual(shownOutputs(readIpynb(join(runOut, FILE))));
      expect(Object.values(nb7).flat().filter((o) => o.figure).length).toBe(2);
    } finally {
      await page.close();
    }
  }, 1_200_000);
});
