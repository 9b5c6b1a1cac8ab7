// Issue 24's "Done when", in a real browser: JupyterLab 4 (headless Chromium) runs the live-search notebook
// (liveSearchNotebook.ts) with Run > Run All Cells. The reader cell shows the 24-trial search's progress while it
// runs; then the space cell is edited in the editor and run (Ctrl+Enter) while the search runs: the old search stops
// within one trial — at most one of its trials starts, and at most one is recorded, after the keypress that sent the
// edit (the evaluator logs both, in epoch ms) — and the reader, in its one output, follows the new search.
// A last cell, added and run through the UI, reads that log.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jupyterForTests, skipJupyterBrowser, until } from "./jupyterBrowser.js";
import { editedSpace, liveSearchCells, liveSearchNotebook, readerLine } from "./liveSearchNotebook.js";

const FILE = "live-search.ipynb";
const QUERIES = 24;
const skip = skipJupyterBrowser("the JupyterLab live search");
const at = (id: string) => liveSearchCells.findIndex((c) => c.id === id);

describe("a live search under JupyterLab 4's Run All, and an edit of its space while it runs", () => {
  const lab = jupyterForTests("lab", { skip, kernelEnv: { NASBOOK_TRIALS: "off" }, prepare: (root) => writeFileSync(join(root, FILE), JSON.stringify(liveSearchNotebook())) });

  it.skipIf(skip)("the reader shows progress live; the edit stops the old search within a trial and the reader follows the new one in place", async () => {
    const page = await lab.open(FILE);
    try {
      await page.runAll();
      // Every text the reader showed, in order, and how many outputs it had each time.
      const seen: string[] = [];
      const outputCounts = new Set<number>();
      const readReader = async () => {
        const reader = (await page.cells())[at("reader")]!;
        if (reader.outputs.length) outputCounts.add(reader.outputs.length);
        const text = reader.outputs.join("\n");
        if (text !== "" && seen.at(-1) !== text) seen.push(text);
        return readerLine(text);
      };
      await until("the reader shows 3 different progress lines", 900_000, async () => {
        const line = await readReader();
        // A reader that shows nothing while the search runs shows its end first: fail then, not at the deadline.
        if (line?.done) throw new Error(`the search ended before the reader showed its progress: ${JSON.stringify(seen)}`);
        return seen.length >= 3;
      }, async () => JSON.stringify(seen));
      const lines = seen.map(readerLine);
      expect(lines.every((l) => l !== undefined && !l.done), `the reader before the edit: ${JSON.stringify(seen)}`).toBe(true);
      const firstSize = lines[0]!.size;

      await page.setCode(at("space"), editedSpace);
      const sentAt = Date.now();
      await page.runSelected();
      const edited = await until("the reader shows the search over the edited space", 900_000, async () => {
        const line = await readReader();
        return line && line.size !== firstSize && line.trials >= 1 ? line : undefined;
      }, async () => JSON.stringify(seen));

      // A new cell at the end (Escape, B, type, Ctrl+Enter) reads the evaluator's log.
      await page.page.keyboard.press("Escape");
      await page.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell").last().locator(".jp-InputPrompt").click();
      await page.page.keyboard.press("b");
      await page.setCode(liveSearchCells.length, "JSON.stringify(trials)");
      await page.runSelected();
      const log = await until("the log cell shows the trial log", 300_000, async () => {
        const out = (await page.cells())[liveSearchCells.length]?.outputs[0];
        return out?.startsWith("{") ? (JSON.parse(out) as Record<string, { started: number[]; finished: number[] }>) : undefined;
      });
      await page.screenshot("jupyterlab-live-search");

      const old = log[firstSize]!;
      const startedAfter = old.started.filter((t) => t > sentAt).length;
      const recordedAfter = old.finished.filter((t) => t > sentAt).length;
      const summary = `old search: ${old.finished.length} trials recorded, ${startedAfter} started and ${recordedAfter} recorded after the edit was sent; reader: ${JSON.stringify(seen)}`;
      console.log(summary);
      expect(old.finished.length, summary).toBeLessThan(QUERIES);
      expect(recordedAfter, summary).toBeLessThanOrEqual(1);
      expect(startedAfter, summary).toBeLessThanOrEqual(1);
      expect(log[edited.size]!.finished.length).toBeGreaterThanOrEqual(1);
      // In place: the reader had one output all along.
      expect([...outputCounts]).toEqual([1]);
    } finally {
      await page.close();
    }
  }, 1_500_000);
});
