// Every tutorial under JupyterLab 4's Run > Run All Cells, in headless Chromium, gives the same outputs as
// `nasbook run` on the same notebook. The UI does it all: open the notebook (JupyterLab starts the kernel), Run All
// from the menu, wait until every cell shows an execution count and the kernel is idle, save with Ctrl+S; the test
// then reads the saved .ipynb. `nasbook run` of the same tutorial runs at the same time (its own process).
//
// Compared per code cell (sameOutputs.ts says what is normalised and why): the sequence of output types, each output's
// text/plain and whether it is a figure; JupyterLab must also have saved an execution count for every code cell and
// shown no error.
//
// Tutorials that read ../shared data (metadata.nasbook.data) skip when a file is missing, except under CI.
import { cpSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { dataDir } from "../../src/data/dir.js";
import { readIpynb, type CodeCell, type NotebookDocument } from "../../src/notebook/ipynb.js";
import { launchChromium, NotebookPage, skipJupyterBrowser, startJupyter, type JupyterServer } from "./jupyterBrowser.js";
import { missingData, nasbookRun, shownOutputs } from "./sameOutputs.js";

const NOTEBOOKS = resolve("notebooks");
const tutorials = readdirSync(NOTEBOOKS).filter((f) => f.endsWith(".ipynb")).sort();
const skipAll = skipJupyterBrowser("the JupyterLab tutorial runs");

describe("tutorials under JupyterLab 4's Run All (headless Chromium) give the outputs of nasbook run", () => {
  // Deterministic outputs: no trial store (a store would turn trials into cache hits); the data the tutorials read.
  const kernelEnv = { NASBOOK_TRIALS: "off", NASBOOK_DATA: dataDir() };
  let server: JupyterServer | undefined;
  let browser: Browser | undefined;
  const root = mkdtempSync(join(tmpdir(), "nasbook-jlab-tutorials-"));
  const runOut = mkdtempSync(join(tmpdir(), "nasbook-jlab-run-"));

  beforeAll(async () => {
    if (skipAll) return;
    cpSync(NOTEBOOKS, root, { recursive: true });
    [server, browser] = await Promise.all([startJupyter("lab", root, kernelEnv), launchChromium()]);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, 60_000);

  for (const file of tutorials) {
    const nb = readIpynb(join(NOTEBOOKS, file));
    const name = file.replace(/\.ipynb$/, "");
    const skip = skipAll || (missingData(nb).length > 0 && !process.env["CI"]);
    const codeCells = nb.cells.filter((c) => c.cell_type === "code").length;

    it.skipIf(skip)(`${name}`, async () => {
      expect(missingData(nb), `data missing from ${dataDir()}`).toEqual([]);
      const t0 = performance.now();
      const headless = nasbookRun(NOTEBOOKS, file, join(runOut, file), { ...(process.env as Record<string, string>), ...kernelEnv });
      const page = await NotebookPage.open(browser!, server!, file);
      try {
        await page.runAll();
        await page.waitAllExecuted(codeCells, 900_000);
        const labSeconds = (performance.now() - t0) / 1000;
        await page.screenshot(`jupyterlab-${name}`);
        const saved = JSON.parse(await page.save()) as NotebookDocument;
        const run = await headless;
        console.log(`${name}: JupyterLab Run All ${labSeconds.toFixed(1)} s, nasbook run ${run.seconds.toFixed(1)} s (at the same time)`);
        expect(run.status, run.stderr.slice(-3000)).toBe(0);
        const headlessNb = readIpynb(join(runOut, file));

        const counts = saved.cells.filter((c) => c.cell_type === "code").map((c) => (c as CodeCell).execution_count);
        expect(counts.every((n) => typeof n === "number"), `execution counts saved by JupyterLab: ${JSON.stringify(counts)}`).toBe(true);
        const lab = shownOutputs(saved);
        expect(Object.values(lab).flat().filter((o) => o.type === "error"), `${name}: errors under JupyterLab`).toEqual([]);
        expect(lab, `${name}: JupyterLab's saved outputs vs nasbook run's`).toEqual(shownOutputs(headlessNb));
        expect(Object.values(lab).flat().some((o) => o.figure), `${name}: no figure`).toBe(true);
      } finally {
        await page.close();
      }
    }, 1_200_000);
  }
});
