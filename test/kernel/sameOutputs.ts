/**
 * "The same outputs" of a notebook run by two routes (a Jupyter UI's saved .ipynb and `nasbook run --out`): per code
 * cell, the sequence of output types, each output's text/plain (streams: their text; errors: "ename: evalue") and
 * whether it is a figure.
 *
 * Not compared: ids, execution counts, HTML (the kernel's figures load plotly.js from the kernelspec, `nasbook
 * run`'s carry it), and run-dependent text, which `normalise` replaces: search timings (the `elapsed:` and
 * `seconds:` fields of printed objects). Consecutive stream outputs of one name are joined first (JupyterLab merges
 * them as they arrive; how they were split carries no meaning).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect } from "vitest";
import { dataPath } from "../../src/data/dir.js";
import { joinSource, readIpynb, type CodeCell, type NotebookDocument } from "../../src/notebook/ipynb.js";
import type { NotebookPage } from "./jupyterBrowser.js";

/** The data files a tutorial names in metadata.nasbook.data that are not in the data directory. */
export function missingData(nb: NotebookDocument): string[] {
  const files = (nb.metadata["nasbook"] as { data?: unknown } | undefined)?.data;
  const named = Array.isArray(files) ? files.filter((f): f is string => typeof f === "string") : [];
  return named.filter((f) => !existsSync(dataPath(f)));
}

/** What one output shows, as compared between two routes. */
export interface ShownOutput {
  type: string;
  text: string;
  figure: boolean;
}

/** Run-dependent text: how long things took. */
export function normalise(text: string): string {
  return text.replace(/\b(elapsed|seconds)(\s*:\s*)\d+(\.\d+)?(e[+-]?\d+)?/g, "$1$2<t>");
}

type Output = CodeCell["outputs"][number];
const plain = (o: Output): string => ("data" in o ? joinSource(o.data["text/plain"] as string | string[] | undefined) : "");
/** A figure: plotly's or d3's, inside text/html (as tutorials.test.ts counts them). */
export const isFigure = (o: Output): boolean =>
  "data" in o && /data-nasbook-plotly-fig=|<svg/.test(joinSource(o.data["text/html"] as string | string[] | undefined));

/**
 * A notebook whose metadata names what it measures (`"measures": "..."`, e.g. 10's latencies on the machine that
 * runs it) prints different numbers, and so picks different cells, in any two runs: only the kinds of outputs and
 * which are figures are compared, not their text.
 */
export const measuresTheMachine = (nb: NotebookDocument): boolean => typeof (nb.metadata["nasbook"] as { measures?: unknown } | undefined)?.measures === "string";

/** Each code cell's outputs, by cell id. */
export function shownOutputs(nb: NotebookDocument): Record<string, ShownOutput[]> {
  const shown = shownOutputsWithText(nb);
  if (!measuresTheMachine(nb)) return shown;
  for (const list of Object.values(shown)) for (const o of list) if (o.type !== "error") o.text = "(measured: not compared)";
  return shown;
}

function shownOutputsWithText(nb: NotebookDocument): Record<string, ShownOutput[]> {
  const shown: Record<string, ShownOutput[]> = {};
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code") continue;
    const list: ShownOutput[] = [];
    for (const o of (cell as CodeCell).outputs) {
      if (o.output_type === "stream") {
        const s = o as { name: string; text: string | string[] };
        const last = list.at(-1);
        if (last?.type === `stream ${s.name}`) last.text = normalise(last.text + joinSource(s.text));
        else list.push({ type: `stream ${s.name}`, text: normalise(joinSource(s.text)), figure: false });
      } else if (o.output_type === "error") {
        const e = o as { ename: string; evalue: string };
        list.push({ type: "error", text: `${e.ename}: ${e.evalue}`, figure: false });
      } else {
        list.push({ type: o.output_type, text: normalise(plain(o)), figure: isFigure(o) });
      }
    }
    shown[String(cell.id)] = list;
  }
  return shown;
}

/**
 * `nasbook run FILE --out OUT [args]` (cwd `dir`) in its own process; resolves with its exit status, stderr and seconds.
 * Aborting `signal` kills it (a test that failed early does not leave it running).
 */
export function nasbookRun(
  dir: string, file: string, out: string, env: Record<string, string>, signal?: AbortSignal, args: readonly string[] = [],
): Promise<{ status: number | null; stderr: string; seconds: number }> {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [resolve("bin/nasbook.js"), "run", file, "--out", out, ...args], { cwd: dir, env, stdio: ["ignore", "ignore", "pipe"], signal });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr = (stderr + d).slice(-20_000)));
    child.on("error", reject);
    child.on("close", (status) => resolvePromise({ status, stderr, seconds: (performance.now() - t0) / 1000 }));
  });
}

/**
 * Runs notebook `file` of `dir` under a Jupyter UI's Run All (`open` it, Run > Run All Cells, wait until every code
 * cell has an execution count and the kernel is idle, save with the UI) and, at the same time, with `nasbook run`;
 * then expects the same outputs: every code cell executed, no error, `shownOutputs` equal. Returns the saved notebook.
 */
export async function expectRunAllLikeNasbookRun(
  open: (file: string) => Promise<NotebookPage>,
  dir: string,
  file: string,
  env: Record<string, string>,
  label: string,
): Promise<NotebookDocument> {
  const t0 = performance.now();
  const codeCells = readIpynb(join(dir, file)).cells.filter((c) => c.cell_type === "code").length;
  const out = join(mkdtempSync(join(tmpdir(), "nasbook-run-")), file);
  const stopRun = new AbortController(); // kills nasbook run if the test fails before awaiting it
  const headless = nasbookRun(dir, file, out, { ...(process.env as Record<string, string>), ...env }, stopRun.signal);
  headless.catch(() => undefined);
  try {
    const page = await open(file);
    let saved: NotebookDocument;
    let uiSeconds: number;
    try {
      await page.runAll();
      await page.waitAllExecuted(codeCells, 900_000);
      uiSeconds = (performance.now() - t0) / 1000;
      await page.screenshot(label.replace(/\W+/g, "-"));
      saved = JSON.parse(await page.save()) as NotebookDocument;
    } finally {
      await page.close();
    }
    const run = await headless;
    console.log(`${label}: Run All ${uiSeconds.toFixed(1)} s, nasbook run ${run.seconds.toFixed(1)} s (at the same time)`);
    expect(run.status, run.stderr.slice(-3000)).toBe(0);
    const counts = saved.cells.filter((c) => c.cell_type === "code").map((c) => (c as CodeCell).execution_count);
    expect(counts.every((n) => typeof n === "number"), `${label}: execution counts saved: ${JSON.stringify(counts)}`).toBe(true);
    const shown = shownOutputs(saved);
    expect(Object.values(shown).flat().filter((o) => o.type === "error"), `${label}: errors`).toEqual([]);
    expect(shown, `${label}: saved outputs vs nasbook run's`).toEqual(shownOutputs(readIpynb(out)));
    return saved;
  } finally {
    stopRun.abort();
  }
}
