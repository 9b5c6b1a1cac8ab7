// Tutorial 09 in JupyterLab 4 (headless Chromium), used as its prose says: Run All, then drag the "max. convolutions"
// slider with the mouse. The ipywidgets front end sends the move to the kernel (a comm `update`), and the kernel
// re-runs the cells that read `maxConv`: the space (now the edit cell's, which reads the slider too), the search, its
// figures and the summary show the new space in place. Cells that read nothing the slider changes (`setup`, the
// `before` snapshot) keep their outputs. What the moved notebook shows must be what `nasbook run --set maxConv=2`
// computes: the same search line and the same plotted points. If the update never reached the kernel (or the kernel
// ignored it), the space size would stay and the test fails when its wait runs out.
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { joinSource, readIpynb, type CodeCell } from "../../src/notebook/ipynb.js";
import { chainSpace } from "../../src/space/chain.js";
import { formatSpaceSize } from "../../src/space/size.js";
import { jupyterForTests, skipJupyterBrowser, until, type ShownCell } from "./jupyterBrowser.js";
import { nasbookRun } from "./sameOutputs.js";

const FILE = "09-reactive-tour.ipynb";
const NOTEBOOKS = resolve("notebooks");
const skip = skipJupyterBrowser("the JupyterLab slider test");
const tour = readIpynb(join(NOTEBOOKS, FILE));
const codeIds = tour.cells.filter((c) => c.cell_type === "code").map((c) => String(c.id));
const at = (id: string): number => {
  const i = codeIds.indexOf(id);
  if (i < 0) throw new Error(`tutorial 09 has no code cell "${id}" (cells: ${codeIds.join(", ")})`);
  return i;
};
/** The size of space cell `id`'s space with `maxConv` convolutions, from the options written in that cell. */
function spaceSize(id: "space" | "space-edit", maxConv: number): string {
  const options = /chainSpace\(\{ maxConv, ([^}]*)\}\)/.exec(joinSource(tour.cells.find((c) => c.id === id)?.source));
  if (!options) throw new Error(`tutorial 09's ${id} cell no longer builds chainSpace({ maxConv, ... })`);
  return formatSpaceSize(chainSpace({ maxConv, ...(Function(`return { ${options[1]} }`)() as object) }));
}

describe("tutorial 09 in JupyterLab 4: dragging a slider re-runs the cells that read it", () => {
  const env = { NASBOOK_TRIALS: "off" };
  const lab = jupyterForTests("lab", { skip, kernelEnv: env, prepare: (root) => cpSync(join(NOTEBOOKS, FILE), join(root, FILE)) });

  it.skipIf(skip)("after Run All, dragging maxConv from 1 to 2 updates the space, the search and its figures as nasbook run --set maxConv=2 does; setup and the snapshot keep theirs", async () => {
    const [sizeAt1, sizeAt2] = [spaceSize("space-edit", 1), spaceSize("space-edit", 2)];
    expect(sizeAt1).not.toBe(sizeAt2);
    // What the moved notebook must show, computed headless at the same time (its own process).
    const out = join(mkdtempSync(join(tmpdir(), "nasbook-run-")), FILE);
    const stopRun = new AbortController();
    const headless = nasbookRun(NOTEBOOKS, FILE, out, { ...(process.env as Record<string, string>), ...env }, stopRun.signal, ["--set", "maxConv=2"]);
    headless.catch(() => undefined);
    const page = await lab.open(FILE);
    try {
      const t0 = performance.now();
      await page.runAll();
      await page.waitAllExecuted(codeIds.length, 900_000);
      const cellOf = (id: string) => page.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell").nth(at(id));
      const figure = (cells: ShownCell[], id: string) => cells[at(id)]!.figureTitles;
      const ran = await until("the figures are drawn", 120_000, async () => {
        const cells = await page.cells();
        return ["population-plot", "curves", "before"].every((id) => figure(cells, id).length) ? cells : undefined;
      });
      const runAllSeconds = (performance.now() - t0) / 1000;
      expect(ran[at("space-edit")]!.outputs).toEqual([`${sizeAt1} architectures`]);
      expect(figure(ran, "population-plot")).toEqual([`regularized-evolution: 6 trials (${sizeAt1} architectures in the space)`]);
      const plotBefore = await cellOf("population-plot").locator(".jp-OutputArea").screenshot();

      // The drag: press on the slider's handle, move to the middle of its track (2 of [1, 3]), release.
      const slider = page.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .widget-slider", { has: page.page.locator(".widget-label", { hasText: "max. convolutions" }) });
      await expect.poll(() => slider.count(), { timeout: 60_000 }).toBe(1);
      await slider.scrollIntoViewIfNeeded();
      expect(await slider.locator(".widget-readout").textContent()).toBe("1");
      const handle = await slider.locator(".noUi-handle").boundingBox();
      const track = await slider.locator(".noUi-target").boundingBox();
      if (!handle || !track) throw new Error("the maxConv slider has no handle or track on screen");
      const y = handle.y + handle.height / 2;
      const t1 = performance.now();
      await page.page.mouse.move(handle.x + handle.width / 2, y);
      await page.page.mouse.down();
      await page.page.mouse.move(track.x + track.width / 2, y, { steps: 8 });
      await page.page.mouse.up();
      expect(await slider.locator(".widget-readout").textContent(), "the slider's readout after the drag").toBe("2");

      // The kernel re-runs the readers of maxConv; wait until the space, the search and the plot show the new space.
      const moved = await until(`the space, the search and the plot show ${sizeAt2} architectures`, 180_000, async () => {
        const cells = await page.cells();
        return cells[at("space-edit")]!.outputs.join() === `${sizeAt2} architectures` &&
          cells[at("search")]!.outputs.some((o) => o.includes(`over ${sizeAt2} architectures`)) &&
          figure(cells, "population-plot").includes(`regularized-evolution: 6 trials (${sizeAt2} architectures in the space)`) &&
          cells[at("after")]!.outputs.join().includes("searches finished: 3") &&
          (await page.kernelState()) === "idle" ? cells : undefined;
      }, async () => JSON.stringify((await page.cells()).map((c, i) => `${codeIds[i]}: ${c.outputs.join(" | ").slice(0, 200)} ${c.figureTitles.join()}`)));
      const moveSeconds = (performance.now() - t1) / 1000;
      const plotAfter = await cellOf("population-plot").locator(".jp-OutputArea").screenshot();
      const dir = resolve("bench/results/jupyter");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "jupyterlab-09-slider-plot-before.png"), plotBefore);
      writeFileSync(join(dir, "jupyterlab-09-slider-plot-after.png"), plotAfter);
      await page.screenshot("jupyterlab-09-slider-moved");
      console.log(`jupyterlab 09 slider: Run All ${runAllSeconds.toFixed(1)} s, drag to settled ${moveSeconds.toFixed(1)} s`);

      // The figure on screen changed, and each cell still shows one set of outputs (replaced in place, not appended).
      expect(plotAfter.equals(plotBefore), "the population plot's pixels after the drag").toBe(false);
      expect(moved.map((c) => c.outputs.length)).toEqual(ran.map((c) => c.outputs.length));
      expect(figure(moved, "curves")).toEqual([expect.stringContaining(`(3 searches; now: regularized-evolution, 6 queries over ${sizeAt2} architectures)`)]);
      // The first space cell reads the slider too: it shows its own code's space at 2 (the edit's is the one in effect).
      expect(moved[at("space")]!.outputs).toEqual([`${spaceSize("space", 2)} architectures`]);
      // Cells that read nothing the slider changes keep their outputs.
      for (const id of ["setup", "before"]) expect(moved[at(id)]!.outputs, id).toEqual(ran[at(id)]!.outputs);
      expect(figure(moved, "before")).toEqual(figure(ran, "before"));

      // The same search and the same points as nasbook run --set maxConv=2.
      const run = await headless;
      expect(run.status, run.stderr.slice(-3000)).toBe(0);
      const expected = readIpynb(out);
      const outputOf = (id: string) => (expected.cells.find((c) => c.id === id) as CodeCell).outputs.find((o) => "data" in o) as { data: Record<string, unknown> } | undefined;
      expect(moved[at("search")]!.outputs).toEqual([joinSource(outputOf("search")?.data["text/plain"] as string)]);
      const spec = outputOf("population-plot")?.data["application/vnd.plotly.v1+json"] as { data: { x: unknown[]; y: unknown[] }[] } | undefined;
      const shownPoints = await cellOf("population-plot").evaluate((cell) =>
        [...cell.querySelectorAll(".js-plotly-plot")].map((p) => ((p as unknown as { data: { x: unknown[]; y: unknown[] }[] }).data).map((t) => ({ x: [...t.x], y: [...t.y] }))));
      expect(shownPoints, "the points plotted (x and y of each trace)").toEqual([spec?.data.map((t) => ({ x: t.x, y: t.y }))]);
    } finally {
      stopRun.abort();
      await page.close();
    }
  }, 1_500_000);
});
