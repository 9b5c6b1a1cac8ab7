/**
 * Real-browser check: every figure drawn by Debian's headless chromium (driven by playwright-core, no browser
 * download), from a standalone page and from notebook-like outputs (carrier after its users, re-displayed outputs,
 * scripts run detached as Notebook 6 does). Saves one PNG per figure for the README.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { figuresPage } from "../../src/viz/page.js";
import { PlotlySession } from "../../src/viz/plotlyLibrary.js";
import { trainingCurves } from "../../src/viz/trainingCurves.js";
import { populationScatter } from "../../src/viz/populationScatter.js";
import { supernetGraph } from "../../src/viz/supernetGraph.js";
import { joinSource, readIpynb } from "../../src/notebook/ipynb.js";
import { plotlyCdnUrl } from "../../src/viz/plotlyLibrary.js";
import { gallery } from "./gallery.js";
import { dartsPolicy, nb201Policy, policySnapshots, population, trainingEpochs } from "./fixtures.js";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
/** The exported page goes to bench/results (git-ignored); PNGs too, unless NASBOOK_SCREENSHOT_DIR says where (docs/viz for the README). */
const OUT_DIR = resolve("bench/results/viz");
const PNG_DIR = resolve(process.env.NASBOOK_SCREENSHOT_DIR ?? OUT_DIR);
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"];

interface DrawnPlot {
  traces: number;
  drawn: number;
}

/** Waits until the loader reports `id` drawn and reports how many traces it has and how many trace groups are in the SVG. */
async function plotState(page: Page, id: string): Promise<DrawnPlot> {
  await page.waitForFunction((i) => {
    const gd = document.getElementById(i) as (HTMLElement & { _fullData?: unknown[] }) | null;
    return gd !== null && gd.getAttribute("data-nasbook-ready") === "1" && Array.isArray(gd._fullData);
  }, id, { timeout: 20_000 });
  return page.evaluate((i) => {
    const gd = document.getElementById(i) as HTMLElement & { _fullData: unknown[] };
    // A trace counts as drawn when its group holds a non-empty path (lines, markers, fills) or a heatmap image.
    const groups = [...gd.querySelectorAll(".overplot .trace, .heatmaplayer .hm")];
    const drawn = groups.filter((g) => g.querySelector("image") !== null || [...g.querySelectorAll("path")].some((p) => (p.getAttribute("d") ?? "").length > 4));
    return { traces: gd._fullData.length, drawn: drawn.length };
  }, id);
}

/** Skipped only on a machine without chromium outside CI; in CI a missing chromium fails the launch, loudly. */
const skip = !hasChromium && !process.env.CI;

describe("figures in headless chromium", () => {
  let browser: Browser;
  let exported: Page | undefined; // the exported page, kept open for the interaction test
  const errors: string[] = [];

  beforeAll(async () => {
    if (skip) return;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function newPage(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 }, deviceScaleFactor: 1 });
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    return page;
  }

  it.skipIf(skip)("draws every figure of an exported page and saves a screenshot of each", async () => {
    const entries = gallery();
    mkdirSync(OUT_DIR, { recursive: true });
    mkdirSync(PNG_DIR, { recursive: true });
    const file = join(OUT_DIR, "figures.html");
    writeFileSync(file, figuresPage(entries.map((e) => e.figure), { title: "nasbook figures" }));
    const page = await newPage();
    await page.goto(`file://${file}`);
    for (const { name, figure } of entries) {
      if (figure.kind === "supernet" || figure.kind === "notebook") {
        const svg = await page.evaluate((id) => {
          const root = document.getElementById(id)!.querySelector("svg")!;
          const paths = [...root.querySelectorAll("path")].filter((p) => (p.getAttribute("d") ?? "").length > 4);
          const box = root.getBoundingClientRect();
          return { paths: paths.length, drawnLength: paths.reduce((s, p) => s + p.getTotalLength(), 0), width: box.width, height: box.height };
        }, figure.id);
        expect(svg.paths, name).toBeGreaterThan(3);
        expect(svg.drawnLength, name).toBeGreaterThan(100);
        expect(svg.width, name).toBeGreaterThan(200);
      } else {
        const state = await plotState(page, figure.id);
        expect(state.traces, name).toBe((figure as unknown as { spec: { data: unknown[] } }).spec.data.length);
        expect(state.drawn, name).toBe(state.traces);
      }
      await page.locator(`#${figure.id}`).screenshot({ path: join(PNG_DIR, `${name}.png`) });
    }
    expect(errors).toEqual([]);
    exported = page;
  });

  it.skipIf(skip)("keeps a 3-run training legend (12 series) off the title and axes, and supernet edge labels off each other, as drawn", async () => {
    const names = ["a", "b", "c"].map((c) => `|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|${c}vg_pool_3x3~0|none~1|nor_conv_1x1~2|`);
    const curves = trainingCurves(names.map((name, i) => ({ name, epochs: trainingEpochs(i, 3) })), { id: "legend-check" });
    const cells = [supernetGraph({ policy: nb201Policy(1) }), supernetGraph({ policy: dartsPolicy(1) }, { combine: "concat" })];
    const page = await newPage();
    await page.setContent(figuresPage([curves, ...cells]));
    await plotState(page, curves.id);
    const drawn = await page.evaluate(([id, ...cellIds]) => {
      type Box = { x0: number; x1: number; y0: number; y1: number };
      const box = (e: Element): Box => { const r = e.getBoundingClientRect(); return { x0: r.left, x1: r.right, y0: r.top, y1: r.bottom }; };
      const hit = (a: Box, b: Box): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
      const gd = document.getElementById(id!)!;
      const legend = box(gd.querySelector(".legend")!);
      const title = box(gd.querySelector(".gtitle")!);
      const axes = [...gd.querySelectorAll(".xtitle, .x2title, .ytitle, .y2title, .xtick text, .x2tick text")].map(box);
      const labelOverlaps = cellIds.map((c) => {
        const b = [...document.getElementById(c!)!.querySelectorAll("text.nb-edge-label")].map(box);
        let n = 0;
        for (let i = 0; i < b.length; i++) for (let j = i + 1; j < b.length; j++) if (hit(b[i]!, b[j]!)) n++;
        return { labels: b.length, overlaps: n };
      });
      const ticks = [...gd.querySelectorAll(".xtick text, .x2tick text")].map((t) => t.textContent);
      const entries = [...gd.querySelectorAll(".legend .traces")].map(box);
      const subtitle = gd.querySelector(".gtitle-subtitle")?.textContent ?? "";
      const entriesOverlap = entries.some((a, i) => entries.some((b, j) => j > i && hit(a, b)));
      return { legendOnTitle: hit(legend, title), legendOnAxes: axes.some((a) => hit(legend, a)), entries: entries.length, entriesOverlap, subtitle, ticks, labelOverlaps };
    }, [curves.id, ...cells.map((c) => c.id)]);
    expect(drawn.entries).toBe(3); // one per run (12 series)
    expect(drawn.entriesOverlap).toBe(false);
    expect(drawn.subtitle).toBe("solid: train, dashed: validation");
    expect(drawn.legendOnTitle).toBe(false);
    expect(drawn.legendOnAxes).toBe(false);
    expect(drawn.ticks).toEqual(["1", "2", "3", "1", "2", "3"]);
    for (const c of drawn.labelOverlaps) expect(c).toMatchObject({ overlaps: 0 });

    // A population plot with a long title in a narrow output (640 px, a JupyterLab side panel): the legend used to
    // sit at the top right, on the title's line; and the age colour bar ticked at 2.5.
    const pop = populationScatter(population(3).slice(0, 4).map((m, i) => ({ ...m, trial: i + 2 })), { cost: "params", title: "Before the edit: population over 120 architectures" });
    const narrow = await browser.newPage({ viewport: { width: 640, height: 700 } });
    await narrow.setContent(figuresPage([pop]));
    await plotState(narrow, pop.id);
    const popDrawn = await narrow.evaluate((id) => {
      type Box = { x0: number; x1: number; y0: number; y1: number };
      const box = (e: Element): Box => { const r = e.getBoundingClientRect(); return { x0: r.left, x1: r.right, y0: r.top, y1: r.bottom }; };
      const hit = (a: Box, b: Box): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
      const gd = document.getElementById(id)!;
      const legend = box(gd.querySelector(".legend")!);
      const axes = [...gd.querySelectorAll(".xtitle, .ytitle, .xtick text")].map(box);
      return {
        legendOnTitle: hit(legend, box(gd.querySelector(".gtitle")!)),
        legendOnAxes: axes.some((a) => hit(legend, a)),
        colourTicks: [...gd.querySelectorAll(".colorbar .cbaxis text, .colorbar text.ytick, .colorbar .ycbtick text, .cbaxis .tick text")].map((t) => t.textContent ?? ""),
      };
    }, pop.id);
    expect(popDrawn.legendOnTitle).toBe(false);
    expect(popDrawn.legendOnAxes).toBe(false);
    expect(popDrawn.colourTicks.length).toBeGreaterThan(1);
    for (const t of popDrawn.colourTicks) expect(t).toMatch(/^\d+$/);
    await narrow.close();
    expect(drawn.labelOverlaps.map((c) => c.labels)).toEqual([6, 16]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it.skipIf(skip)("moves the policy slider through the snapshots' frames and shows arch strings on hover", async () => {
    const entries = gallery();
    const policy = entries.find((e) => e.name === "policy")!.figure;
    const pop = entries.find((e) => e.name === "population")!.figure;
    // The gallery's inputs: the heatmap must show these snapshots' probabilities, the hover these members.
    const snapshots = policySnapshots(3);
    const members = population(4);
    const page = exported ?? (await newPage());
    if (exported === undefined) await page.goto(`file://${join(OUT_DIR, "figures.html")}`);
    await plotState(page, policy.id);
    const shown = () => page.evaluate((id) => {
      const gd = document.getElementById(id)! as HTMLElement & { data: { z: unknown }[] };
      // The slider's current-value text is its one label outside the tick labels.
      const current = [...gd.querySelectorAll(".slider-group .slider-label")].find((t) => t.closest(".slider-labels") === null);
      return { z: gd.data[0]!.z, label: current?.textContent ?? "" };
    }, policy.id);
    const expected = (s: number) => ({ z: snapshots[s]!.policy!.map((p) => p.probs), label: `step ${snapshots[s]!.step}` });
    expect(await shown()).toEqual(expected(snapshots.length - 1)); // opens at the latest snapshot
    // Click the slider's rail at its left end, as a reader would: the first snapshot (a uniform policy) shows.
    const rail = page.locator(`[id="${policy.id}"] .slider-rail-touch-rect`);
    const box = (await rail.boundingBox())!;
    await rail.click({ position: { x: 1, y: box.height / 2 } });
    await expect.poll(async () => (await shown()).label, { timeout: 10_000 }).toBe(expected(0).label);
    expect(await shown()).toEqual(expected(0));

    await plotState(page, pop.id);
    // Not the first point: a hover reading every point's data from point 0 would pass there.
    const point = 7;
    const hover = await page.evaluate(([id, n]) => {
      const w = window as unknown as { Plotly: { Fx: { hover: (gd: HTMLElement, pts: object[]) => void } } };
      const gd = document.getElementById(id as string)!;
      w.Plotly.Fx.hover(gd, [{ curveNumber: 0, pointNumber: n }]);
      return gd.querySelector(".hovertext")?.textContent ?? "";
    }, [pop.id, point] as const);
    expect(hover).toContain(members[point]!.arch);
    expect(hover).toContain(`trial ${members[point]!.trial}`);
    await page.close();
  });

  it.skipIf(skip)("npm start's notebook is saved without plotly.js (<= 1 MB); its --html report and `nasbook export` draw every figure offline", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nasbook-saved-"));
    const saved = join(dir, "00-quickstart.ipynb");
    const run = spawnSync(process.execPath, ["bin/nasbook.js", "run", "notebooks/00-quickstart.ipynb", "--out", saved, "--html", join(dir, "run.html"), "--quiet"], { encoding: "utf8", timeout: 600_000 });
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    const exported = spawnSync(process.execPath, ["bin/nasbook.js", "export", saved, "--html", "--out", join(dir, "export.html")], { encoding: "utf8" });
    expect(exported.status, exported.stderr).toBe(0);
    console.log(`00-quickstart saved: ${statSync(saved).size} bytes; report ${statSync(join(dir, "run.html")).size} bytes`);
    expect(statSync(saved).size).toBeLessThanOrEqual(1_000_000);
    const cells = readIpynb(saved).cells.flatMap((c) => (c.cell_type === "code" ? [c] : []));
    const outputs = cells.flatMap((c) => c.outputs);
    const htmls = outputs.flatMap((o) => ("data" in o && o.data["text/html"] !== undefined ? [joinSource(o.data["text/html"] as string)] : []));
    const figures = htmls.filter((h) => h.includes("data-nasbook-plotly-fig="));
    // The quickstart's two figures, each in its cell: the population, and the curves of the three best trainings.
    const shown = cells.flatMap((c) => c.outputs.flatMap((o) => {
      if (!("data" in o)) return [];
      const kind = /data-nasbook-plotly-fig="nb-([a-z]+)-/.exec(joinSource(o.data["text/html"] as string | undefined))?.[1];
      return kind === undefined ? [] : [`${c.id}: ${kind}: ${joinSource(o.data["text/plain"] as string).split("\n")[0]}`];
    }));
    expect(shown).toEqual([
      expect.stringMatching(/^population-plot: population: Population after \d+ trials: \d+ members/),
      "training-curves: training: Training curves of the three best: 3 run(s)",
    ]);
    expect(htmls.some((h) => h.includes("data-nasbook-plotly="))).toBe(false); // no copy of the library in any output
    expect(outputs.filter((o) => "data" in o && o.data["application/vnd.plotly.v1+json"] !== undefined)).toHaveLength(figures.length);

    const requests: string[] = [];
    for (const report of ["run.html", "export.html"]) {
      const page = await newPage();
      page.on("request", (r) => { if (!r.url().startsWith("file:")) requests.push(r.url()); });
      await page.goto(`file://${join(dir, report)}`);
      await page.waitForFunction((n) => document.querySelectorAll("[data-nasbook-ready='1']").length === n, figures.length, { timeout: 20_000 });
      expect(await page.locator("script[data-nasbook-plotly]").count(), report).toBe(1);
      await page.close();
    }
    expect(requests).toEqual([]); // offline: nothing fetched

    // The saved outputs on their own (a notebook viewer without the library): the loader fetches plotly.js from
    // the CDN, served here from node_modules so the test needs no network.
    const plotlyFile = createRequire(import.meta.url).resolve("plotly.js-dist-min");
    const page = await newPage();
    const fetched: string[] = [];
    await page.route("https://cdn.plot.ly/**", (route) => {
      fetched.push(route.request().url());
      return route.fulfill({ contentType: "text/javascript", body: readFileSync(plotlyFile, "utf8") });
    });
    await page.setContent(`<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${htmls.map((h) => `<div class="output">${h}</div>`).join("\n")}</body></html>`);
    await page.waitForFunction((n) => document.querySelectorAll("[data-nasbook-ready='1']").length === n, figures.length, { timeout: 20_000 });
    expect(fetched).toEqual([plotlyCdnUrl()]);
    expect(errors).toEqual([]);
    await page.close();
  }, 700_000);

  it.skipIf(skip)("draws notebook outputs whose plotly carrier comes later, re-displayed outputs, and detached scripts", async () => {
    const session = new PlotlySession();
    const popFig = populationScatter(population(1), { cost: "params" });
    const trainA = trainingCurves(trainingEpochs(1, 5));
    const trainB = trainingCurves(trainingEpochs(2, 8));
    // Cell 2 ran first (carrier), then cell 1; the saved document shows cell 1 (no library) above cell 2.
    const carrier = popFig.toMimeBundle({ session, displayId: "cell-2" })["text/html"];
    const user = trainA.toMimeBundle({ session, displayId: "cell-1" })["text/html"];
    expect(user).not.toContain("data-nasbook-plotly=");
    const doc = `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<div id="out-1">${user}</div><div id="out-2">${carrier}</div><div id="out-3"></div></body></html>`;
    const page = await newPage();
    await page.setContent(doc);
    // Every trace drawn: training curves of one run are 4 series (train/val loss and accuracy); a population is
    // its members and their Pareto front.
    expect(await plotState(page, trainA.id)).toEqual({ traces: 4, drawn: 4 });
    expect(await plotState(page, popFig.id)).toEqual({ traces: 2, drawn: 2 });

    // update_display_data as JupyterLab/VS Code apply it: replace the output's HTML and re-create its scripts.
    const updated = trainB.toMimeBundle({ session, displayId: "cell-1" })["text/html"];
    await page.evaluate(([html]) => {
      const out = document.getElementById("out-1")!;
      out.innerHTML = html!;
      for (const old of [...out.querySelectorAll("script")]) {
        const s = document.createElement("script");
        s.textContent = old.textContent;
        old.replaceWith(s);
      }
    }, [updated]);
    await plotState(page, trainB.id);
    const epochs = await page.evaluate((id) => (document.getElementById(id) as unknown as { data: { x: number[] }[] }).data[0]!.x.length, trainB.id);
    expect(epochs).toBe(8);

    // Notebook 6 (jQuery) runs output scripts detached from the output: the loader must still find its element.
    const other = populationScatter(population(9), { cost: "params" }).toMimeBundle({ session, displayId: "cell-3" })["text/html"];
    await page.evaluate(([html]) => {
      const out = document.getElementById("out-3")!;
      const tmp = document.createElement("div");
      tmp.innerHTML = html!;
      const scripts = [...tmp.querySelectorAll("script")].map((s) => s.textContent ?? "");
      for (const s of tmp.querySelectorAll("script")) s.remove();
      out.innerHTML = tmp.innerHTML;
      for (const code of scripts) {
        const s = document.createElement("script");
        s.textContent = code;
        document.head.appendChild(s).remove();
      }
    }, [other]);
    const otherId = /id="(nb-population-[0-9a-f]+)"/.exec(other)![1]!;
    expect(await plotState(page, otherId)).toEqual({ traces: 2, drawn: 2 });
    expect(errors).toEqual([]);
    await page.close();
  });
});
