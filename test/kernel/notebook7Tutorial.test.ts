// Notebook 7 (the `notebook` package: the classic-style UI built from JupyterLab's components), in headless Chromium:
// tutorial 09 under Run > Run All Cells gives the same outputs as `nasbook run` (compared as in sameOutputs.ts). 09
// because it needs no data, is short, and is the tutorial whose cells depend on client behaviour (controls, a `@redefine`
// cell, re-run dependents, a snapshot that must not re-run).
import { cpSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { jupyterForTests, skipJupyterBrowser } from "./jupyterBrowser.js";
import { expectRunAllLikeNasbookRun, shownOutputs } from "./sameOutputs.js";

const FILE = "09-reactive-tour.ipynb";
const NOTEBOOKS = resolve("notebooks");
const skip = skipJupyterBrowser("the Notebook 7 tutorial run");

describe("Notebook 7 in headless Chromium", () => {
  const nb7 = jupyterForTests("notebook", { skip, kernelEnv: { NASBOOK_TRIALS: "off" }, prepare: (root) => cpSync(join(NOTEBOOKS, FILE), join(root, FILE)) });

  it.skipIf(skip)(`${FILE} under Run All gives the outputs of nasbook run`, async () => {
    const saved = await expectRunAllLikeNasbookRun(nb7.open, NOTEBOOKS, FILE, { NASBOOK_TRIALS: "off" }, "notebook7 09-reactive-tour");
    expect(Object.values(shownOutputs(saved)).flat().filter((o) => o.figure).length).toBe(3); // the trials, the curves, the snapshot
  }, 1_200_000);
});
