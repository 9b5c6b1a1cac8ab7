/**
 * JupyterLab 4 and Notebook 7 serving the nasbook kernel, driven in headless Chromium through their own UI (menus,
 * editor, keyboard). Debian packages neither, so they come from a Python venv: `jupyterVenv` is the one place that
 * says where (NASBOOK_JUPYTER_VENV, by default ~/.cache/nasbook/jupyter-venv, which .ci/run creates). Outside CI the
 * tests that need it skip, saying why; under CI=true they run, and a missing venv fails them.
 *
 * Every wait polls a condition of the page or the server with a deadline; nothing sleeps to synchronise.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { freePort, installTestKernel, waitForHttp } from "./jupyterHelpers.js";

/** The venv holding JupyterLab 4, Notebook 7 and ipywidgets 8 (see .ci/run for the pinned versions). */
export const jupyterVenv = resolve(process.env["NASBOOK_JUPYTER_VENV"] ?? join(homedir(), ".cache", "nasbook", "jupyter-venv"));
const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"];

/** Why the browser tests of JupyterLab / Notebook 7 cannot run here, or undefined when they can. */
export function jupyterBrowserMissing(): string | undefined {
  const missing: string[] = [];
  for (const app of ["jupyter-lab", "jupyter-notebook"]) if (!existsSync(join(jupyterVenv, "bin", app))) missing.push(join(jupyterVenv, "bin", app));
  if (!existsSync(CHROMIUM)) missing.push(CHROMIUM);
  return missing.length ? `missing ${missing.join(", ")} (make the venv as .ci/run does, or set NASBOOK_JUPYTER_VENV)` : undefined;
}

/** Skip outside CI when something is missing, and say so once; under CI=true never skip (a missing venv must fail). */
export function skipJupyterBrowser(what: string): boolean {
  const why = jupyterBrowserMissing();
  if (!why || process.env["CI"]) return false;
  console.log(`skipping ${what}: ${why}`);
  return true;
}

export type JupyterApp = "lab" | "notebook";

/** A running `jupyter lab` or `jupyter notebook` (7) server on a private kernelspec, serving `root`. */
export interface JupyterServer {
  readonly url: string;
  readonly root: string;
  readonly app: JupyterApp;
  /** The server's log so far (for failure messages). */
  log(): string;
  /** SIGTERM (the server shuts its kernels down) and wait for the process to exit. */
  stop(): Promise<void>;
}

/**
 * Starts a server with the nasbook kernelspec in a private JUPYTER_DATA_DIR, private JupyterLab settings and
 * workspaces (no news pop-up, no restored workspace), and `kernelEnv` added to the environment its kernels inherit.
 */
export async function startJupyter(app: JupyterApp, root: string, kernelEnv: Record<string, string> = {}): Promise<JupyterServer> {
  const env: Record<string, string> = { ...installTestKernel(), ...kernelEnv };
  const settings = mkdtempSync(join(tmpdir(), "nasbook-jlab-settings-"));
  mkdirSync(join(settings, "@jupyterlab", "apputils-extension"), { recursive: true });
  writeFileSync(join(settings, "@jupyterlab", "apputils-extension", "notification.jupyterlab-settings"), JSON.stringify({ fetchNews: "false", checkForUpdates: false }));
  env["JUPYTERLAB_SETTINGS_DIR"] = settings;
  env["JUPYTERLAB_WORKSPACES_DIR"] = mkdtempSync(join(tmpdir(), "nasbook-jlab-workspaces-"));
  const port = await freePort();
  const child: ChildProcess = spawn(join(jupyterVenv, "bin", `jupyter-${app}`), [
    "--no-browser", "--allow-root", `--port=${port}`, "--ip=127.0.0.1", "--ServerApp.token=", "--ServerApp.password=",
    `--ServerApp.root_dir=${root}`,
  ], { env, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (log = (log + d).slice(-50_000)));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/api`, 120_000);
  } catch (err) {
    child.kill("SIGTERM");
    throw new Error(`jupyter ${app} did not start: ${String(err)}\n${log.slice(-3000)}`);
  }
  return {
    url,
    root,
    app,
    log: () => log,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Headless Chromium (Debian's, no browser download) with a fresh profile. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * For a describe block: a `jupyter <app>` server over a fresh directory that `prepare` fills, and Chromium, started
 * before its tests (unless `skip`) and stopped after them. `open(file)` opens one of the directory's notebooks.
 */
export function jupyterForTests(app: JupyterApp, opts: { skip: boolean; kernelEnv?: Record<string, string>; prepare: (root: string) => void }): {
  root: string;
  open(file: string): Promise<NotebookPage>;
} {
  const root = mkdtempSync(join(tmpdir(), `nasbook-jupyter-${app}-`));
  let server: JupyterServer | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (opts.skip) return;
    opts.prepare(root);
    [server, browser] = await Promise.all([startJupyter(app, root, opts.kernelEnv), launchChromium()]);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, 60_000);
  return {
    root,
    open: (file) => {
      if (!server || !browser) throw new Error(`jupyter ${app} is not running (skipped, or it failed to start)`);
      return NotebookPage.open(browser, server, file);
    },
  };
}

/** Polls `check` until it returns a value other than undefined/false; throws `what` (and the last state) after `ms`. */
export async function until<T>(what: string, ms: number, check: () => Promise<T | undefined | false>, state?: () => Promise<string>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`${what}: not reached within ${ms / 1000} s${state ? `; last state: ${await state()}` : ""}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** What the page shows of one code cell. */
export interface ShownCell {
  /** The input prompt: "[3]:", "[*]:", "[ ]:". */
  prompt: string;
  /** The text of each output area child (one per output). */
  outputs: string[];
  /** The titles of the plotly figures drawn in its outputs. */
  figureTitles: string[];
}

/** One notebook opened in the UI of `server` (JupyterLab's document or Notebook 7's page). */
export class NotebookPage {
  private constructor(readonly page: Page, readonly server: JupyterServer, readonly file: string) {}

  /** Opens `file` (relative to the server's root) and waits until its kernel is idle. */
  static async open(browser: Browser, server: JupyterServer, file: string): Promise<NotebookPage> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    // ?reset: JupyterLab opens only this document, not the tabs a previous test left in the workspace.
    await page.goto(server.app === "lab" ? `${server.url}/lab/tree/${encodeURI(file)}?reset` : `${server.url}/notebooks/${encodeURI(file)}`);
    const nb = new NotebookPage(page, server, file);
    await until(`${file}: the notebook shows its kernel, idle`, 180_000, async () => {
      const shown = await page.evaluate(() => ({
        kernel: document.querySelector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-KernelName")?.textContent?.trim(),
        status: document.querySelector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator")?.getAttribute("data-status"),
      }));
      return shown.kernel === "TypeScript (nasbook)" && shown.status === "idle" && (await nb.kernelState()) === "idle";
    }, async () => `kernel state ${await nb.kernelState()}`);
    return nb;
  }

  /** The execution_state the server reports for this notebook's kernel (undefined: no session yet). */
  async kernelState(): Promise<string | undefined> {
    const sessions = (await (await fetch(`${this.server.url}/api/sessions`)).json()) as { path: string; kernel: { execution_state: string } }[];
    return sessions.find((s) => s.path === this.file)?.kernel.execution_state;
  }

  /** Clicks `item` of the menu bar's `menu` (as a user does). */
  async menu(menu: string, item: RegExp): Promise<void> {
    await this.page.locator(".lm-MenuBar-itemLabel", { hasText: new RegExp(`^${menu}$`) }).click();
    await this.page.locator(".lm-Menu-itemLabel", { hasText: item }).click();
  }

  /** Run > Run All Cells. */
  async runAll(): Promise<void> {
    await this.menu("Run", /^Run All Cells$/);
  }

  /** What the page shows of every code cell, in order. */
  cells(): Promise<ShownCell[]> {
    return this.page.evaluate(() => {
      // textContent, not innerText: cells scrolled out of view are not rendered (content-visibility) but are there.
      // (No named functions in here: a bundler's keepNames helper does not exist in the page.)
      return [...document.querySelectorAll(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell")].map((c) => ({
        prompt: c.querySelector(".jp-InputArea-prompt")?.textContent?.trim() ?? "",
        outputs: [...c.querySelectorAll(".jp-OutputArea-child .jp-OutputArea-output")].map((o) => {
          const copy = o.cloneNode(true) as Element;
          for (const s of copy.querySelectorAll("script, style")) s.remove();
          return copy.textContent?.trim() ?? "";
        }),
        figureTitles: [...c.querySelectorAll(".jp-OutputArea-child .gtitle")].map((t) => t.textContent ?? ""),
      }));
    });
  }

  /**
   * Waits until every code cell (there are `count`) shows an execution count and the kernel is idle. Fails at once
   * when the run stopped short: once cells were running, none is any more, the kernel is idle and some cell has no
   * count (a failed cell made the client abort the rest).
   */
  async waitAllExecuted(count: number, ms: number): Promise<ShownCell[]> {
    let started = false;
    return until(`${this.file}: every code cell executed`, ms, async () => {
      const cells = await this.cells();
      const running = cells.some((c) => c.prompt === "[*]:");
      started ||= running;
      const counted = cells.length === count && cells.every((c) => /^\[\d+\]:$/.test(c.prompt));
      if (!counted && !running && started && (await this.kernelState()) === "idle" && !(await this.cells()).some((c) => c.prompt === "[*]:")) {
        const shown = cells.map((c, i) => `${i} ${c.prompt} ${c.outputs.join(" | ").slice(0, 300)}`).join("\n");
        throw new Error(`${this.file}: the run stopped with cells not executed:\n${shown}`);
      }
      return counted && (await this.kernelState()) === "idle" ? cells : undefined;
    }, async () => JSON.stringify((await this.cells()).map((c) => c.prompt)));
  }

  /** Saves with the UI (Ctrl+S) and returns the saved file once it is on disk and the document is clean. */
  async save(): Promise<string> {
    const path = join(this.server.root, this.file);
    const before = statSync(path).mtimeMs;
    await this.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").click({ position: { x: 5, y: 5 } });
    await this.page.keyboard.press("Escape");
    await this.page.keyboard.press("Control+s");
    await until(`${this.file}: saved`, 60_000, async () => statSync(path).mtimeMs > before && !(await this.dirty()));
    return readFileSync(path, "utf8");
  }

  /** JupyterLab marks the document's tab while it has unsaved changes; Notebook 7 shows no such mark (its save is
   * known by the file's new mtime alone: the server writes atomically). */
  private dirty(): Promise<boolean> {
    if (this.server.app !== "lab") return Promise.resolve(false);
    return this.page.evaluate(() => document.querySelector(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty") !== null);
  }

  /** Replaces the text of code cell `index` in its editor (as typed, without the editor's auto-closing brackets). */
  async setCode(index: number, code: string): Promise<void> {
    const editor = this.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell").nth(index).locator(".cm-content");
    await editor.click();
    await this.page.keyboard.press("Control+a");
    await this.page.keyboard.insertText(code);
  }

  /** Runs the selected cell without moving on (Ctrl+Enter). */
  async runSelected(): Promise<void> {
    await this.page.keyboard.press("Control+Enter");
  }

  async screenshot(name: string): Promise<void> {
    const dir = resolve("bench/results/jupyter");
    mkdirSync(dir, { recursive: true });
    await this.page.screenshot({ path: join(dir, `${name}.png`) });
  }

  /** File > Close and Shut Down Notebook; resolves once the server has no session for it. */
  async close(): Promise<void> {
    await this.menu("File", /^Close and Shut Down Notebook/);
    const accept = this.page.locator(".jp-Dialog-button.jp-mod-accept");
    await until(`${this.file}: closed`, 60_000, async () => {
      if (await accept.isVisible().catch(() => false)) await accept.click().catch(() => undefined);
      return (await this.kernelState()) === undefined;
    });
    await this.page.close();
  }
}
