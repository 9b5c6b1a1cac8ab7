// Tutorial 09 in JupyterLab 4 (headless Chromium), as its prose tells the reader to use it: after Run All, change the
// `space` cell in the editor and run only that cell. The cells that read `space` (the search line, the population
// plot) show the new space's search in place — one output each, as before, nothing appended — and the `before`
// snapshot, which reads nothing the edit changes, keeps the first search. The saved notebook holds the same.
import { cpSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { chainSpace } from "../../src/space/chain.js";
import { formatSpaceSize } from "../../src/space/size.js";
import { joinSource, readIpynb, type CodeCell, type NotebookDocument } from "../../src/notebook/ipynb.js";
import { jupyterForTests, skipJupyterBrowser, until, type ShownCell } from "./jupyterBrowser.js";

const FILE = "09-reactive-tour.ipynb";
const skip = skipJupyterBrowser("the JupyterLab reactive tour");
const tour = readIpynb(resolve("notebooks", FILE));
const codeIds = tour.cells.filter((c) => c.cell_type === "code").map((c) => String(c.id));
const at = (id: string): number => {
  const i = codeIds.indexOf(id);
  if (i < 0) throw new Error(`tutorial 09 has no code cell "${id}" (cells: ${codeIds.join(", ")})`);
  return i;
};
const sourceOf = (id: string) => joinSource(tour.cells.find((c) => c.id === id)!.source);
/** The sizes the tutorial's own space cells give (at the slider's start, one convolution), and the one this test's edit gives. */
const optionsOf = (code: string) => Function("maxConv", `return ${/chainSpace\((\{[^)]*\})\)/.exec(code)![1]}`)(1) as Parameters<typeof chainSpace>[0];
const editedCode = "const space = nas.chainSpace({ maxConv, maxDense: 1, filters: [4, 8, 16], kernels: [3, 5], units: [16] });\n`${nas.formatSpaceSize(space)} architectures`";
const sizes = {
  first: formatSpaceSize(chainSpace(optionsOf(sourceOf("space")))),
  tourEdit: formatSpaceSize(chainSpace(optionsOf(sourceOf("space-edit")))),
  ours: formatSpaceSize(chainSpace(optionsOf(editedCode))),
};

describe("tutorial 09 in JupyterLab 4: editing the space cell updates its dependents in place", () => {
  const lab = jupyterForTests("lab", { skip, kernelEnv: { NASBOOK_TRIALS: "off" }, prepare: (root) => cpSync(resolve("notebooks", FILE), join(root, FILE)) });

  it.skipIf(skip)("after Run All, an edit of `space` re-runs the search and the plot in place; the snapshot keeps the first search", async () => {
    expect(new Set(Object.values(sizes)).size, JSON.stringify(sizes)).toBe(3);
    const page = await lab.open(FILE);
    try {
      await page.runAll();
      const ran = await page.waitAllExecuted(codeIds.length, 900_000);
      const search = (cells: ShownCell[]) => cells[at("search")]!;
      const plot = (cells: ShownCell[]) => cells[at("population-plot")]!;
      const before = (cells: ShownCell[]) => cells[at("before")]!;
      // Run All: the search and the plot follow the tour's own edit; the snapshot shows the first search.
      const shown = await until("the plots are drawn", 120_000, async () => {
        const cells = await page.cells();
        return plot(cells).figureTitles.length && before(cells).figureTitles.length ? cells : undefined;
      });
      expect(search(shown).outputs).toEqual([expect.stringContaining(`over ${sizes.tourEdit} architectures`)]);
      expect(plot(shown).figureTitles).toEqual([`regularized-evolution: 6 trials (${sizes.tourEdit} architectures in the space)`]);
      expect(before(shown).figureTitles).toEqual([`Before the edit: regularized-evolution, 6 queries over ${sizes.first} architectures`]);
      const outputsPerCell = ran.map((c) => c.outputs.length);

      // The edit, in the editor, and Ctrl+Enter on that cell only.
      await page.setCode(at("space"), editedCode);
      await page.runSelected();
      const after = await until(`the search and the plot show the search over ${sizes.ours} architectures`, 900_000, async () => {
        const cells = await page.cells();
        return search(cells).outputs.some((o) => o.includes(`over ${sizes.ours} architectures`)) &&
          plot(cells).figureTitles.includes(`regularized-evolution: 6 trials (${sizes.ours} architectures in the space)`) ? cells : undefined;
      }, async () => JSON.stringify(await page.cells()));
      await page.waitAllExecuted(codeIds.length, 300_000);
      await page.screenshot("jupyterlab-09-edited");
      expect(after[at("space")]!.outputs).toEqual([`${sizes.ours} architectures`]);
      expect(search(after).outputs).toEqual([expect.stringMatching(new RegExp(`^6 trials over ${sizes.ours} architectures \\(regularized-evolution\\); best `))]);
      expect(plot(after).figureTitles).toEqual([`regularized-evolution: 6 trials (${sizes.ours} architectures in the space)`]);
      expect(before(after).figureTitles).toEqual([`Before the edit: regularized-evolution, 6 queries over ${sizes.first} architectures`]);
      expect(before(after).outputs).toEqual(before(shown).outputs);
      // In place: every cell shows as many outputs as after Run All.
      expect((await page.cells()).map((c) => c.outputs.length)).toEqual(outputsPerCell);

      // The saved notebook holds what the page shows.
      const saved = JSON.parse(await page.save()) as NotebookDocument;
      const plain = (id: string) => (saved.cells.find((c) => c.id === id) as CodeCell).outputs.map((o) => ("data" in o ? joinSource(o.data["text/plain"] as string) : o.output_type));
      expect(plain("search")).toEqual([expect.stringMatching(new RegExp(`^6 trials over ${sizes.ours} architectures \\(regularized-evolution\\); best `))]);
      expect(plain("population-plot")).toEqual([expect.stringMatching(new RegExp(`^regularized-evolution: 6 trials \\(${sizes.ours} architectures in the space\\)`))]);
      expect(plain("before")).toEqual([expect.stringMatching(new RegExp(`^Before the edit: regularized-evolution, 6 queries over ${sizes.first} architectures`))]);
      expect(plain("after")).toEqual([expect.stringMatching(new RegExp(`^searches finished: 3\\n[^]*\\nnow: regularized-evolution, 6 queries over ${sizes.ours} architectures`))]);
    } finally {
      await page.close();
    }
  }, 1_500_000);
});
