/**
 * `npm run bench:live-page`: for every tutorial (or `--notebooks 00,02,path/to/other.ipynb`), the live page `nasbook export --html
 * --live` makes of it: its size (what each part weighs), the time its first run takes in headless Chromium with the
 * network blocked, and the time to its first live re-run (one key press on the page's first slider, or the next
 * option of its first select, until everything the move re-ran has settled). Peers measured in the same run: the
 * size of the static export of the same executed notebook (`nasbook export --html`), and the time the same change
 * takes without a live page: `nasbook run NB --set NAME=VALUE` (the notebook directory's trial store warm, as the
 * export left it). Each export runs in a child process (`--child`), as `nasbook export` would.
 * Data: `--data DIR` / NASBOOK_DATA. Pages go to `--out DIR` (default a temporary directory).
 * Last stdout line: {"bench":"live-page","notebooks":[{name, bytes, staticBytes, sizeRatio, parts, firstRunMs,
 * control, rerunMs, nodeSetMs, rerunRatio, cannotRun}, …],"loadAverage":…}.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Page } from "playwright-core";
import { stringFlag } from "./args.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "bin", "nasbook.js");

interface ChildResult {
  page: string;
  staticBytes: number;
  sizes: Record<string, number>;
  trials: number;
  dataFiles: readonly string[];
  seconds: Record<string, number>;
  backend: string | undefined;
}

/** `--child NB OUT`: export NB live to OUT and its executed notebook statically beside it; one JSON line. */
async function child(notebook: string, out: string): Promise<void> {
  const { exportLive } = await import("../src/notebook/liveExport.js");
  const { notebookToHtml } = await import("../src/notebook/htmlExport.js");
  const page = await exportLive({ notebook });
  writeFileSync(out, page.html);
  const staticHtml = notebookToHtml(page.notebook);
  const result: ChildResult = {
    page: out, staticBytes: Buffer.byteLength(staticHtml), sizes: { ...page.sizes }, trials: page.trials, dataFiles: page.dataFiles,
    seconds: { ...page.seconds }, backend: page.backend,
  };
  console.log(JSON.stringify(result));
}

const childAt = process.argv.indexOf("--child");
if (childAt >= 0) {
  await child(resolve(process.argv[childAt + 1]!), resolve(process.argv[childAt + 2]!));
  process.exit(0);
}

const data = stringFlag("data") ?? process.env["NASBOOK_DATA"];
if (!data) throw new Error("bench:live-page needs the data directory: --data DIR or NASBOOK_DATA (the tutorials read the NB201 table, MNIST, ...)");
const wanted = stringFlag("notebooks")?.split(",").map((s) => s.trim());
const outDir = resolve(stringFlag("out") ?? mkdtempSync(join(tmpdir(), "nasbook-bench-live-")));
mkdirSync(outDir, { recursive: true });
// `--notebooks 00,02` picks tutorials by prefix; an entry ending in .ipynb is a notebook path (any notebook).
const notebooks = [
  ...readdirSync(join(root, "notebooks"))
    .filter((f) => f.endsWith(".ipynb") && (!wanted || wanted.some((w) => !w.endsWith(".ipynb") && f.startsWith(w))))
    .sort()
    .map((f) => join(root, "notebooks", f)),
  ...(wanted ?? []).filter((w) => w.endsWith(".ipynb")).map((w) => resolve(w)),
];
const env = { ...process.env, NASBOOK_DATA: resolve(data), NASBOOK_BACKEND: process.env["NASBOOK_BACKEND"] ?? "wasm" };

interface Measured {
  name: string;
  bytes?: number;
  staticBytes?: number;
  sizeRatio?: number;
  parts?: Record<string, number>;
  trials?: number;
  exportSeconds?: Record<string, number>;
  firstRunMs?: number;
  control?: string;
  rerunMs?: number;
  nodeSetMs?: number;
  rerunRatio?: number;
  /** Cells the page could not run, with what it said. */
  cannotRun?: string[];
  failed?: string;
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});

interface PageStats {
  settled: boolean;
  timings: { firstRun?: number; reruns: number[] };
}
const stats = (page: Page): Promise<PageStats> => page.evaluate(() => (window as unknown as { nasbookLive: { stats(): PageStats } }).nasbookLive.stats());

async function untilSettled(page: Page, reruns: number): Promise<void> {
  await page.waitForFunction((n) => {
    const live = (window as unknown as { nasbookLive?: { stats(): PageStats } }).nasbookLive;
    if (document.querySelector("#nasbook-live-status[data-failed]")) return true;
    const s = live?.stats();
    return s !== undefined && s.settled && s.timings.reruns.length >= n;
  }, reruns, { timeout: 1_800_000, polling: 100 });
  const failed = await page.evaluate(() => document.querySelector("#nasbook-live-status[data-failed]")?.textContent ?? "");
  if (failed) throw new Error(failed);
}

/** Moves the first control the page has (see the file comment); its name and new value as `--set` writes it. */
async function moveFirstControl(page: Page): Promise<{ name: string; text: string } | undefined> {
  type Control = { name: string; cellId: string; kind: string; text: string };
  const controls = (): Promise<Control[]> => page.evaluate(() => (window as unknown as { nasbookLive: { page: { controls(): Control[] } } }).nasbookLive.page.controls());
  const first = (await controls()).find((c) => c.kind === "range" || c.kind === "select");
  if (!first) return undefined;
  const area = page.locator(`section#${first.cellId} .nasbook-live-control[data-kind=${first.kind}]`).first();
  if (first.kind === "range") {
    const slider = area.locator("input[type=range]");
    const atMax = await slider.evaluate((el) => (el as HTMLInputElement).value === (el as HTMLInputElement).max);
    await slider.focus();
    await page.keyboard.press(atMax ? "ArrowLeft" : "ArrowRight");
  } else {
    const select = area.locator("select");
    const n = await select.evaluate((el) => (el as HTMLSelectElement).options.length);
    const i = await select.evaluate((el) => (el as HTMLSelectElement).selectedIndex);
    await select.selectOption({ index: (i + 1) % n });
  }
  const moved = (await controls()).find((c) => c.name === first.name)!;
  return { name: moved.name, text: moved.text };
}

async function measure(notebook: string): Promise<Measured> {
  const name = basename(notebook, ".ipynb");
  const m: Measured = { name };
  const pagePath = join(outDir, `${name}.live.html`);
  const exported = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--child", notebook, pagePath], { encoding: "utf8", env, cwd: root, maxBuffer: 1 << 26 });
  if (exported.status !== 0) return { ...m, failed: `export: ${exported.stderr.trim().split("\n").slice(-3).join(" / ")}` };
  const r = JSON.parse(exported.stdout.trim().split("\n").at(-1)!) as ChildResult;
  m.bytes = statSync(pagePath).size;
  m.staticBytes = r.staticBytes;
  m.sizeRatio = +(m.bytes / r.staticBytes).toFixed(2);
  m.parts = r.sizes;
  m.trials = r.trials;
  m.exportSeconds = Object.fromEntries(Object.entries(r.seconds).map(([k, v]) => [k, +v.toFixed(1)]));
  const context = await browser.newContext({ offline: true, viewport: { width: 1100, height: 900 } });
  await context.route((url) => !/^(file|data|blob):$/.test(url.protocol), (route) => route.abort());
  const page = await context.newPage();
  try {
    await page.goto(`file://${pagePath}`);
    await untilSettled(page, 0);
    m.firstRunMs = Math.round((await stats(page)).timings.firstRun ?? NaN);
    m.cannotRun = await page.evaluate(() => Array.from(document.querySelectorAll("section")).flatMap((s) => {
      const error = s.querySelector(".outputs pre.error")?.textContent ?? "";
      return /not available in a live page|a live page bundles only/.test(error) ? [`${s.id}: ${error.split("\n")[0]}`] : [];
    }));
    const moved = await moveFirstControl(page);
    if (moved) {
      await untilSettled(page, 1);
      m.control = `${moved.name}=${moved.text}`;
      m.rerunMs = Math.round((await stats(page)).timings.reruns[0]!);
      const t0 = performance.now();
      const node = spawnSync(process.execPath, [bin, "run", notebook, "--set", m.control], { encoding: "utf8", env, cwd: root, maxBuffer: 1 << 26 });
      if (node.status !== 0) m.failed = `nasbook run --set ${m.control}: ${node.stderr.trim().split("\n").slice(-2).join(" / ")}`;
      else {
        m.nodeSetMs = Math.round(performance.now() - t0);
        m.rerunRatio = +(m.rerunMs / m.nodeSetMs).toFixed(3);
      }
    }
  } catch (e) {
    m.failed = `page: ${(e as Error).message.split("\n")[0]}`;
  } finally {
    await context.close();
  }
  return m;
}

const results: Measured[] = [];
for (const nb of notebooks) {
  const m = await measure(nb);
  results.push(m);
  const mb = (n: number | undefined) => (n === undefined ? "?" : (n / 1e6).toFixed(2));
  console.log(
    `${m.name}: ${m.failed ? `FAILED ${m.failed}; ` : ""}page ${mb(m.bytes)} MB (static ${mb(m.staticBytes)} MB, x${m.sizeRatio}; script ${mb(m.parts?.["script"])}, ` +
      `plotly ${mb(m.parts?.["plotly"])}, wasm ${mb(m.parts?.["wasm"])}, trials ${mb(m.parts?.["trials"])} (${m.trials}), data ${mb(m.parts?.["data"])}); ` +
      `first run ${m.firstRunMs} ms; ${m.control ? `move ${m.control}: re-run ${m.rerunMs} ms vs nasbook run --set ${m.nodeSetMs} ms` : "no control"}` +
      `${m.cannotRun?.length ? `; cannot run in a page: ${m.cannotRun.join("; ")}` : ""} (load ${loadavg()[0]!.toFixed(1)})`,
  );
  writeFileSync(join(outDir, "results.json"), JSON.stringify(results, null, 1));
}
await browser.close();
console.log(JSON.stringify({ bench: "live-page", notebooks: results, loadAverage: +loadavg()[0]!.toFixed(2) }));
