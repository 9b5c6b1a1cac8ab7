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
import { cpSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { dataDir } from "../../src/data/dir.js";
import { readIpynb } from "../../src/notebook/ipynb.js";
import { jupyterForTests, skipJupyterBrowser } from "./jupyterBrowser.js";
import { expectRunAllLikeNasbookRun, missingData, shownOutputs } from "./sameOutputs.js";

const NOTEBOOKS = resolve("notebooks");
const tutorials = readdirSync(NOTEBOOKS).filter((f) => f.endsWith(".ipynb")).sort();
const skipAll = skipJupyterBrowser("the JupyterLab tutorial runs");

describe("tutorials under JupyterLab 4's Run All (headless Chromium) give the outputs of nasbook run", () => {
  // Deterministic outputs: no trial store (a store would turn trials into cache hits); the data the tutorials read.
  const kernelEnv = { NASBOOK_TRIALS: "off", NASBOOK_DATA: dataDir() };
  const lab = jupyterForTests("lab", { skip: skipAll, kernelEnv, prepare: (root) => cpSync(NOTEBOOKS, root, { recursive: true }) });

  for (const file of tutorials) {
    const nb = readIpynb(join(NOTEBOOKS, file));
    const name = file.replace(/\.ipynb$/, "");
    const skip = skipAll || (missingData(nb).length > 0 && !process.env["CI"]);

    it.skipIf(skip)(`${name}`, async () => {
      expect(missingData(nb), `data missing from ${dataDir()}`).toEqual([]);
      const saved = await expectRunAllLikeNasbookRun(lab.open, NOTEBOOKS, file, kernelEnv, `jupyterlab ${name}`);
      expect(Object.values(shownOutputs(saved)).flat().some((o) => o.figure), `${name}: no figure`).toBe(true);
    }, 1_200_000);
  }
});
