// Live pages in headless Chromium with the network disabled: `nasbook export --html --live` of a notebook opens from
// disk, runs its cells in the page (its first run replays every embedded trial and trains nothing, and shows the same
// outputs as `nasbook run`), and moving a control with real key presses re-runs its readers, giving the outputs of
// `nasbook run --set` with that value and redrawing the figures that change. Parametric over the notebook: a fixture
// table search, and tutorials 00, 02 and 09 once they have a range control (skipped, saying so, until then). A trial the
// page does not carry is computed in the browser (for a trained search: real training on wasm, Node's result), and a
// cell that needs Node says so in the page while the other cells run.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseIpynb, type NotebookDocument, type Output } from "../../src/notebook/ipynb.js";
import { limitsNotebook, tableSearchNotebook, trainedSearchNotebook } from "../fixtures/liveNotebooks.js";
import { launchChromium, noChromium, offlinePage } from "./chromium.js";

const bin = resolve("bin/nasbook.js");
const root = mkdtempSync(join(tmpdir(), "nasbook-live-"));
const dataDir = join(root, "data");
const env = { ...process.env, NASBOOK_DATA: dataDir, NASBOOK_TRIALS: join(root, "trials"), NASBOOK_BACKEND: "wasm" };

function nasbook(args: string[], overrides: Record<string, string> = {}): string {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env: { ...env, ...overrides }, timeout: 600_000 });
  expect(r.stderr.replace(/^nasbook: tfjs backend.*\n/gm, "")).toBe("");
  expect(r.status).toBe(0);
  return r.stdout;
}

/** `nasbook run` of `notebook` with `set` (NAME=V pairs): the executed notebook. */
function run(notebook: string, set: string[] = [], overrides: Record<string, string> = {}): NotebookDocument {
  const out = join(root, `run-${Math.random().toString(36).slice(2)}.ipynb`);
  nasbook(["run", notebook, "--out", out, ...set.flatMap((s) => ["--set", s])], overrides);
  return parseIpynb(readFileSync(out, "utf8"));
}

/** `nasbook export --html --live`: the page's path. */
function exportLive(notebook: string, overrides: Record<string, string> = {}): string {
  const out = notebook.replace(/\.ipynb$/, ".live.html");
  expect(nasbook(["export", notebook, "--html", "--live", "--out", out], overrides)).toContain("wrote");
  return out;
}

/** Text without the notebook store's line, which names the store (a directory in Node; the page's status bar in a page). */
const withoutStoreLine = (text: string): string => text.split("\n").filter((l) => !l.startsWith("trial store ")).join("\n");

/** What a cell shows, as text: streams and results (but the store line), errors. */
function shown(outputs: readonly Output[]): string[] {
  return outputs.flatMap((o): string[] => {
    if (o.output_type === "stream") {
      const text = withoutStoreLine(Array.isArray(o.text) ? o.text.join("") : o.text);
      return text ? [`${o.name}: ${text}`] : [];
    }
    if (o.output_type === "error") return [`error: ${o.ename}: ${o.evalue}`];
    const plain = o.data["text/plain"];
    return [`${o.output_type}: ${withoutStoreLine(Array.isArray(plain) ? plain.join("") : String(plain))}`];
  });
}

function savedOf(doc: NotebookDocument, id: string): Output[] {
  const cell = doc.cells.find((c) => c.id === id);
  return cell?.cell_type === "code" ? cell.outputs : [];
}

interface LiveStats {
  settled: boolean;
  embedded: number;
  replayed: number;
  computed: number;
  trainingSteps: number;
  timings: { firstRun?: number; reruns: number[] };
  backend?: { name: string };
}

const stats = (page: Page): Promise<LiveStats> => page.evaluate(() => (window as unknown as { nasbookLive: { stats(): LiveStats } }).nasbookLive.stats());
const pageControls = (page: Page): Promise<{ name: string; text: string }[]> =>
  page.evaluate(() => (window as unknown as { nasbookLive: { page: { controls(): { name: string; text: string }[] } } }).nasbookLive.page.controls());
const pageOutputs = (page: Page, id: string): Promise<Output[]> =>
  page.evaluate((cell) => (window as unknown as { nasbookLive: { page: { outputsOf(id: string): Output[] } } }).nasbookLive.page.outputsOf(cell), id);

/** Waits until the page's live notebook has settled (first run, or the re-runs a control move started). */
async function settled(page: Page, after: () => boolean | Promise<boolean> = () => true): Promise<void> {
  await page.waitForFunction(() => {
    const w = window as unknown as { nasbookLive?: { stats(): { settled: boolean } } };
    return w.nasbookLive?.stats().settled === true || document.querySelector("#nasbook-live-status[data-failed]") !== null;
  }, null, { timeout: 240_000, polling: 50 });
  expect(await page.evaluate(() => document.querySelector("#nasbook-live-status[data-failed]")?.textContent ?? "")).toBe("");
  expect(await after()).toBe(true);
}

/** Moves the `index`-th range control of cell `cell` by `steps` (negative: left): real key presses on the focused slider. */
async function moveSlider(page: Page, cell: string, steps: number, index = 0): Promise<void> {
  const slider = page.locator(`section#${cell} .nasbook-live-control input[type=range]`).nth(index);
  await slider.focus();
  for (let i = 0; i < Math.abs(steps); i++) await page.keyboard.press(steps > 0 ? "ArrowRight" : "ArrowLeft");
}

async function historyText(page: Page, cell = "history"): Promise<string[]> {
  return shown(await pageOutputs(page, cell));
}

/** A notebook whose first range control a browser test moves (see controlMove). */
interface ControlCase {
  readonly name: string;
  /** Makes the notebook (in a directory of its own under `root`) and returns its path. */
  readonly notebook: () => string;
  /** Its data directory. */
  readonly data: string;
  /** Key presses on the slider (each is one `input` event: more than one starts re-runs that the next one stops). */
  readonly presses: number;
  /** Checks of its own after the move. */
  readonly after?: (page: Page, runs: { reference: NotebookDocument; moved: NotebookDocument }) => Promise<void>;
  /**
   * Cells that show what this session did (09's log of every finished search): a move in a live page adds to them,
   * as it does in the kernel, where a fresh `nasbook run --set` has only its own searches; not compared after a move.
   */
  readonly sessionCells?: readonly string[];
  /** It has no range control (yet): only its first run is checked. */
  readonly firstRunOnly?: boolean;
  readonly skip?: string;
}

/** The first `nas.ui.range` control of a notebook: its cell and variable. */
function firstRange(doc: NotebookDocument): { cellId: string; name: string } | undefined {
  for (const cell of doc.cells) {
    if (cell.cell_type !== "code") continue;
    const m = /\bconst\s+(\w+)\s*=\s*nas\.ui\.range\(/.exec(Array.isArray(cell.source) ? cell.source.join("") : cell.source);
    if (m) return { cellId: cell.id!, name: m[1]! };
  }
  return undefined;
}

/** A tutorial copied into its own directory (the page and the run's outputs stay out of the repository). */
function tutorialCase(file: string, sessionCells?: readonly string[]): ControlCase {
  const source = resolve("notebooks", file);
  const realData = process.env["NASBOOK_DATA"];
  const hasControl = firstRange(parseIpynb(readFileSync(source, "utf8"))) !== undefined;
  return {
    name: file.replace(/\.ipynb$/, ""),
    data: realData ?? "",
    presses: 1,
    notebook: () => {
      const dir = join(root, file.replace(/\.ipynb$/, ""));
      mkdirSync(dir, { recursive: true });
      const path = join(dir, file);
      writeFileSync(path, readFileSync(source));
      return path;
    },
    firstRunOnly: !hasControl,
    sessionCells,
    skip: realData === undefined ? "it needs the data directory (NASBOOK_DATA)" : undefined,
  };
}

function controlCases(): ControlCase[] {
  const table: ControlCase = {
    name: "a table search (fixture)",
    data: dataDir,
    presses: 2, // budget 30 -> 40 -> 50
    notebook: () => tableSearchNotebook(root, dataDir),
    after: async (page, { reference, moved }) => {
      expect(await page.locator("section#controls .nasbook-live-control").count()).toBe(2); // the group: both controls
      expect(await page.locator("section#controls output").allTextContents()).toEqual(["50", "8"]);
      // The search for 40 starts and is stopped by the one for 50 (after some of its trials, as timing has it). The
      // search for 50 replays the 30 embedded trials (the same seed proposes them first) and looks the new ones up in
      // the page's table, once per architecture (a trial the stopped search computed is the page's own).
      const archs = (doc: NotebookDocument): string[] => shown(savedOf(doc, "history")).join("\n").replace(/^display_data: /, "").split("\n").map((l) => l.split(" ")[0]!);
      const embedded = new Set(archs(reference));
      const after = await stats(page);
      expect(after.replayed).toBeGreaterThanOrEqual(60);
      expect(after.computed).toBe(new Set(archs(moved).filter((a) => !embedded.has(a))).size);
      expect(after.computed).toBeGreaterThan(0);
      expect(await page.locator("section#plot .outputs").textContent()).toContain("Population after 50 trials");
    },
  };
  // 08: its cells import tfjs, check MNIST by md5 and inflate it, in the page.
  return [
    table,
    ...["00-quickstart.ipynb", "02-regularized-evolution.ipynb", "08-zero-cost-proxies.ipynb"].map((f) => tutorialCase(f)),
    tutorialCase("09-reactive-tour.ipynb", ["curves", "before", "after"]),
  ];
}

/** The ids of the code cells whose outputs hold a plotly figure. */
function figureCells(doc: NotebookDocument): string[] {
  return doc.cells.flatMap((c) =>
    c.cell_type === "code" && c.outputs.some((o) => "data" in o && String(o.data["text/html"] ?? "").includes("data-nasbook-plotly-fig=")) ? [c.id!] : []);
}

/**
 * Exports `c` live, opens it offline: the first run replays every trial (none computed, no training step) and every
 * cell shows what `nasbook run` saved; `presses` key presses on its first slider re-run its readers, and then every
 * cell shows what `nasbook run --set NAME=<the slider's value>` saved, and every figure that changed is redrawn
 * (its screenshot differs from before the move).
 */
async function controlMove(browser: Browser, c: ControlCase): Promise<void> {
  const nb = c.notebook();
  const caseEnv = { NASBOOK_DATA: c.data };
  const html = exportLive(nb, caseEnv);
  const reference = run(nb, [], caseEnv);
  const control = firstRange(reference);
  if (!control !== (c.firstRunOnly === true)) throw new Error(`${c.name}: the notebook's range control is ${control ? "there" : "missing"}, the case says otherwise`);
  const codeCells = reference.cells.flatMap((cell) => (cell.cell_type === "code" ? [cell.id!] : []));
  const { page, problems, close } = await offlinePage(browser);
  try {
    await page.goto(`file://${html}`);
    await settled(page);
    const first = await stats(page);
    expect(first.computed).toBe(0);
    expect(first.trainingSteps).toBe(0);
    for (const id of codeCells) expect(shown(await pageOutputs(page, id)), id).toEqual(shown(savedOf(reference, id)));
    if (!control) {
      expect(problems).toEqual([]);
      return;
    }
    const figuresBefore = new Map<string, Buffer>();
    for (const id of figureCells(reference)) figuresBefore.set(id, await page.locator(`section#${id} .outputs`).screenshot());
    await moveSlider(page, control.cellId, c.presses);
    await settled(page, async () => (await stats(page)).timings.reruns.length > 0);
    const value = (await pageControls(page)).find((k) => k.name === control.name)!.text;
    const moved = run(nb, [`${control.name}=${value}`], caseEnv);
    // A control's own cell shows its widget, which follows the move (checked on the element); its saved text is the
    // value it was drawn with, as in Jupyter, so it is left out here.
    const shownWidget = (id: string) => savedOf(reference, id).some((o) => "data" in o && o.data["application/vnd.jupyter.widget-view+json"] !== undefined);
    const compared = codeCells.filter((id) => !shownWidget(id) && !c.sessionCells?.includes(id));
    for (const id of compared) expect(shown(await pageOutputs(page, id)), `${id} after the move`).toEqual(shown(savedOf(moved, id)));
    expect(await page.locator(`section#${control.cellId} .nasbook-live-control input[type=range]`).first().inputValue()).toBe(value);
    let redrawn = 0;
    for (const [id, before] of figuresBefore) {
      if (!compared.includes(id) || JSON.stringify(savedOf(moved, id)) === JSON.stringify(savedOf(reference, id))) continue;
      await page.waitForFunction((cell) => document.querySelector(`section#${cell} [data-nasbook-ready='1']`) !== null, id, { timeout: 60_000, polling: 50 });
      const after = await page.locator(`section#${id} .outputs`).screenshot();
      expect(after.equals(before), `the figure of ${id} is redrawn`).toBe(false);
      redrawn++;
      if (process.env["NASBOOK_SCREENSHOTS"]) {
        writeFileSync(join(process.env["NASBOOK_SCREENSHOTS"], `${c.name.replace(/\W+/g, "-")}-${id}-before.png`), before);
        writeFileSync(join(process.env["NASBOOK_SCREENSHOTS"], `${c.name.replace(/\W+/g, "-")}-${id}-after.png`), after);
      }
    }
    expect(redrawn, "figures the move changed").toBeGreaterThan(0);
    await c.after?.(page, { reference, moved });
    expect(problems).toEqual([]);
  } finally {
    await close();
  }
}

describe.skipIf(noChromium)("live pages in headless Chromium, network disabled", () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  beforeAll(async () => {
    mkdirSync(dataDir, { recursive: true });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  // Parametric over a notebook: the fixture table search, and every tutorial that has a range control (once they do).
  for (const c of controlCases()) {
    const move = c.firstRunOnly ? " (it has no range control yet: no move)" : "; a slider move re-runs its readers as `nasbook run --set` does and redraws the figure";
    it.skipIf(c.skip !== undefined)(`${c.name}: the first run replays every trial and shows nasbook run's outputs${move}${c.skip ? ` (skipped: ${c.skip})` : ""}`, async () => {
      await controlMove(browser, c);
    }, 900_000);
  }

  it("a trained search: embedded trials replay with no training step; a new trial trains in the page and equals Node's", async () => {
    const nb = trainedSearchNotebook(root);
    const html = exportLive(nb);
    const { page, problems, close } = await offlinePage(browser);
    try {
      await page.goto(`file://${html}`);
      await settled(page);
      const first = await stats(page);
      expect(first.backend?.name).toBe("wasm");
      expect(first.replayed).toBe(3);
      expect(first.trainingSteps).toBe(0);
      // A value the author ran before (its trials are the first two of the three): instant, nothing trained.
      await moveSlider(page, "budget", -1); // 3 -> 2
      await settled(page, async () => (await stats(page)).timings.reruns.length > 0);
      expect((await historyText(page))[0]!.split("\n")).toHaveLength(2);
      expect((await stats(page)).trainingSteps).toBe(0);
      // A value it did not run: the fourth trial trains here, on wasm, and gives Node's result.
      const reruns = (await stats(page)).timings.reruns.length;
      await moveSlider(page, "budget", 2); // 2 -> 4
      await settled(page, async () => (await stats(page)).timings.reruns.length > reruns);
      const after = await stats(page);
      expect(after.computed).toBe(1);
      expect(after.trainingSteps).toBe(4); // 1 epoch of 128 samples in batches of 32
      const node = run(nb, ["budget=4"]);
      expect(await historyText(page)).toEqual(shown(savedOf(node, "history")));
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  }, 600_000);

  it("a cell that needs Node fails in the page with a message saying so; the other cells run", async () => {
    const nb = limitsNotebook(root);
    const html = exportLive(nb);
    const reference = run(nb);
    const { page, problems, close } = await offlinePage(browser);
    try {
      await page.goto(`file://${html}`);
      await settled(page);
      expect(shown(await pageOutputs(page, "doubled"))).toEqual(shown(savedOf(reference, "doubled")));
      expect(shown(savedOf(reference, "doubled"))).toEqual(["display_data: 4"]); // it reads another cell: a composite display
      const files = shown(await pageOutputs(page, "files"));
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^error: PageUnsupportedError: writing files \(writeFileSync \/\S+\/notes\.txt\) is not available in a live page/);
      expect(files[0]).toContain("nasbook run");
      const queue = shown(await pageOutputs(page, "queue"));
      expect(queue).toHaveLength(1);
      expect(queue[0]).toMatch(/^error: PageUnsupportedError: importing "bullmq" is not available in a live page: a live page bundles only nasbook and @tensorflow\/tfjs/);
      expect(await page.locator("#nasbook-live-status .warning").textContent()).toContain("2 cells cannot run in this page");
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  }, 300_000);
});
