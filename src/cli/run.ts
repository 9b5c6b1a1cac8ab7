/**
 * `nasbook run <notebook.ipynb> [--out executed.ipynb] [--html report.html] [--seed N] [--allow-errors]
 * [--progress|--quiet]`: executes a notebook headless on the reactive layer (no Jupyter) and writes the executed
 * notebook (nbformat 4.5, with a reproducibility manifest) and/or a self-contained HTML report.
 * `--data DIR` (handled by the dispatcher) sets the data directory cells read from.
 *
 * The notebook runs in a child process that sends the outputs so far to this one at every cell boundary: when
 * the child dies (heap exhausted, a native crash, a signal) the outputs it had are still written, with an error
 * on the cell that was running. Background errors and process.exit() in cells are caught inside the child
 * (cellFaults.ts) and never end it.
 */
import { spawn } from "node:child_process";
import { Writable } from "node:stream";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { dataDir, setDataDir } from "../data/dir.js";
import { packageRoot } from "../packageLocation.js";
import { notebookToHtml, withoutPlotlyLibrary } from "../notebook/htmlExport.js";
import { NotebookSession } from "../notebook/session.js";
import { searchProgress, type ProgressOptions } from "../exec/progress.js";
import { outputs as out, readIpynb, serializeIpynb, type NotebookDocument } from "../notebook/ipynb.js";
import { inlinePlotlyOnce, runNotebook, type CellFailure, type RunProgress, type RunSnapshot } from "../notebook/runner.js";
import { CliUsageError, controlSettings, integer, parseCommandLine } from "./args.js";
import { refuseClashingPaths, writeOutputFile } from "./outputPaths.js";

/** Set in the child process that actually runs the notebook. */
const childFlag = "NASBOOK_RUN_CHILD";
/** Where the child keeps its latest RunSnapshot (JSON). */
const snapshotFile = "NASBOOK_RUN_SNAPSHOT";

const USAGE =
  "usage: nasbook run <notebook.ipynb> [--out executed.ipynb] [--html report.html] [--seed N] [--set NAME=V ...] [--allow-errors] [--progress|--quiet]\n" +
  "  --out F         write the executed notebook (outputs + manifest) to F\n" +
  "  --html F        write a self-contained HTML report (interactive figures, works offline) to F\n" +
  "  --seed N        set the notebook's `seed` (its parameters cell: `const seed = ...`)\n" +
  "  --set NAME=V    start the control assigned to NAME (`const NAME = nas.ui.range(...)`) at V; repeatable\n" +
  "  --allow-errors  run every cell even after one fails (the exit code is still 1)\n" +
  "  --progress      show progress even when stderr is not a terminal; --quiet never shows it";

interface RunArgs {
  notebook: string;
  out?: string;
  html?: string;
  seed?: number;
  set: Record<string, string>;
  allowErrors: boolean;
  progress: boolean;
}

/** `nasbook run`'s flags, parsed by the one command-line parser of every command (src/cli/args.ts). */
function parseRunArgs(argv: string[]): RunArgs | "help" {
  const { values, positionals } = parseCommandLine("run", argv, {
    out: { type: "string" },
    html: { type: "string" },
    seed: { type: "string" },
    set: { type: "string", multiple: true },
    "allow-errors": { type: "boolean" },
    progress: { type: "boolean" },
    quiet: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  }, { maxPositionals: 2 });
  if (values["help"] === true) return "help";
  if (positionals.length > 1) throw new CliUsageError("run", `one notebook at a time (got "${positionals[0]}" and "${positionals[1]}")`);
  const notebook = positionals[0];
  if (notebook === undefined) throw new CliUsageError("run", "which notebook? e.g. nasbook run notebooks/00-quickstart.ipynb --html out/report.html");
  const seed = typeof values["seed"] === "string" ? integer("run", "seed", values["seed"]) : undefined;
  const set = controlSettings("run", values["set"]);
  return {
    notebook,
    out: typeof values["out"] === "string" ? values["out"] : undefined,
    html: typeof values["html"] === "string" ? values["html"] : undefined,
    seed,
    set,
    allowErrors: values["allow-errors"] === true,
    // --quiet wins over --progress; without either, progress shows on a terminal.
    progress: values["quiet"] === true ? false : values["progress"] === true || Boolean(process.stderr.isTTY),
  };
}

function firstLine(source: string): string {
  const line = source.split("\n").find((l) => l.trim() !== "" && !l.trim().startsWith("//")) ?? source.split("\n")[0] ?? "";
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

function progressPrinter(notebook: string, write: (s: string) => void): (p: RunProgress) => void {
  return (p) => {
    if (p.type === "start") write(`nasbook run ${notebook}: ${p.cells} code cells, outputs saved when all have run\n`);
    else if (p.type === "cell") write(`[${String(p.index).padStart(String(p.total).length)}/${p.total}] ${firstLine(p.source)} `);
    else if (p.type === "cell-done") {
      const times = new Map<string, number>();
      for (const id of p.reran) times.set(id, (times.get(id) ?? 0) + 1);
      const list = [...times].map(([id, n]) => (n > 1 ? `${id} x${n}` : id)).join(", ");
      const reran = list ? `; re-ran ${list}` : "";
      write(`${p.status === "ok" ? "ok" : "FAILED"} ${p.seconds.toFixed(1)} s${reran}\n`);
    } else if (p.seconds >= 0.1) write(`streams finished ${p.seconds.toFixed(1)} s later\n`);
  };
}

/** The failed cell's code (numbered) and its error, for the terminal. */
export function describeFailure(f: CellFailure, notebook: string): string {
  const lines = f.source.split("\n");
  const width = String(lines.length).length;
  const code = lines.map((l, i) => `  ${String(i + 1).padStart(width)} | ${l}`).join("\n");
  const trace = f.error.traceback.length ? f.error.traceback.join("\n") : `${f.error.ename}: ${f.error.evalue}`;
  return `${notebook}: cell ${f.index} (id ${f.cellId}) failed:\n${code}\n${trace.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "")}\n`;
}

export async function main(argv: string[]): Promise<number> {
  let parsed: RunArgs | "help";
  try {
    parsed = parseRunArgs(argv);
  } catch (err) {
    if (!(err instanceof CliUsageError)) throw err;
    console.error(`${err.message}\n`);
    console.error(USAGE);
    return 2;
  }
  if (parsed === "help") {
    console.error(USAGE);
    return 0;
  }
  const args = parsed;
  const clash = refuseClashingPaths("run", [
    { path: args.notebook, name: "the notebook", role: "input" }, { path: args.out, name: "--out", role: "output" }, { path: args.html, name: "--html", role: "output" },
  ]);
  if (clash !== undefined) return clash;
  const notebookPath = resolve(args.notebook);
  const outPath = args.out === undefined ? undefined : resolve(args.out);
  const html = args.html === undefined ? undefined : resolve(args.html);
  if (process.env[childFlag] !== "1") return supervise(argv, args, outPath, html);
  const doc = readIpynb(notebookPath);
  // Cells run in the notebook's directory, as under Jupyter; pin the data directory first so that a relative
  // NASBOOK_DATA keeps meaning what it meant where the command was typed.
  setDataDir(dataDir());
  const cwd = dirname(notebookPath);
  const previousCwd = process.cwd();
  process.chdir(cwd);
  const stderrWrite = process.stderr.write.bind(process.stderr);
  // Each search in the notebook shows its own progress (done/total, cached hits, best, ETA) on the real stderr,
  // not in the cell's saved output (cells' stderr is captured).
  const stream = Object.assign(new Writable({ write: (chunk, _enc, done) => void (stderrWrite(chunk), done()) }), {
    isTTY: process.stderr.isTTY,
    columns: process.stderr.columns,
  });
  // Re-running the notebook reuses every trial it computed: the trial store of the notebook's directory.
  const session = new NotebookSession({
    notebook: notebookPath,
    ...(args.progress ? { progress: (o: ProgressOptions) => searchProgress({ ...o, stream }) } : {}),
  });
  if (session.storeProblem) stderrWrite(`nasbook: ${session.storeProblem}\n`);
  let result;
  try {
    result = await runNotebook(doc, {
      cwd,
      seed: args.seed,
      set: args.set,
      session,
      continueOnError: args.allowErrors,
      onProgress: args.progress ? progressPrinter(args.notebook, (s) => void stderrWrite(s)) : undefined,
      // Written synchronously: a cell may block the event loop (or exhaust the heap) right after a snapshot.
      onSnapshot: process.env[snapshotFile] ? (snap) => writeFileSync(process.env[snapshotFile]!, JSON.stringify(snap)) : undefined,
    });
  } finally {
    process.chdir(previousCwd);
  }
  writeOutputs(result.notebook, outPath, html);
  for (const f of result.failures) console.error(describeFailure(f, args.notebook));
  if (args.progress) {
    const wrote = [outPath, html].filter((p): p is string => p !== undefined);
    const ts = result.manifest.trialStore;
    if (ts && ts.searches > 0) console.error(`trial store ${ts.store}: ${ts.cached} of ${ts.trials} trials from the store (${ts.searches} search${ts.searches === 1 ? "" : "es"})`);
    const b = result.manifest.backend;
    console.error(b ? `tfjs backend: ${b.name} — ${b.reason}` : "tfjs backend: none chosen (no cell called initBackend)");
    console.error(
      `${result.failures.length ? "failed" : "done"} in ${result.seconds.toFixed(1)} s` +
        (wrote.length ? `; wrote ${wrote.join(", ")}` : " (nothing written: give --out and/or --html)"),
    );
  } else if (outPath === undefined && html === undefined) {
    // Quiet or not, a run that saves nothing says so: its outputs are gone when it ends.
    console.error(
      `nasbook run: ran ${args.notebook} (${result.failures.length ? `${result.failures.length} cell(s) failed` : "every cell ok"}); ` +
        "nothing written: give --out FILE.ipynb and/or --html FILE.html to keep the outputs",
    );
  }
  return result.failures.length ? 1 : 0;
}

function writeOutputs(doc: NotebookDocument, outPath: string | undefined, html: string | undefined): void {
  // plotly.js stays out of the saved notebook (4.6 MB); the HTML report below inlines it once.
  if (outPath) writeOutputFile(outPath, serializeIpynb(withoutPlotlyLibrary(doc)), "the executed notebook");
  if (html) writeOutputFile(html, notebookToHtml(doc), "the HTML report");
}

/** Why a child process ended, in words. */
function deathReason(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal === "SIGABRT" || code === 134) return "it aborted — most often the JavaScript heap ran out of memory (see the message above)";
  if (signal === "SIGINT") return "it was interrupted (SIGINT)";
  if (signal) return `it was killed by ${signal}`;
  return `it exited with code ${code}`;
}

/**
 * Runs the notebook in a child process (see the module comment) and, if the child dies, writes the outputs of
 * its last snapshot with an error on the cell that was running. Returns the exit code.
 */
async function supervise(argv: string[], args: RunArgs, outPath: string | undefined, html: string | undefined): Promise<number> {
  const snapshotDir = mkdtempSync(join(tmpdir(), "nasbook-run-"));
  const snapshotPath = join(snapshotDir, "snapshot.json");
  const child = spawn(process.execPath, [...process.execArgv, join(packageRoot, "bin", "nasbook.js"), "run", ...argv], {
    stdio: "inherit",
    env: { ...process.env, [childFlag]: "1", [snapshotFile]: snapshotPath, NASBOOK_DATA: dataDir() },
  });
  // Ctrl-C stops the run, not the saving: the child gets the signal, this process writes what it had.
  const forward = (): void => void child.kill("SIGINT");
  process.on("SIGINT", forward);
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolvePromise) =>
    child.on("exit", (c, s) => resolvePromise({ code: c, signal: s })),
  );
  process.off("SIGINT", forward);
  let last: RunSnapshot | undefined;
  try {
    last = JSON.parse(readFileSync(snapshotPath, "utf8")) as RunSnapshot;
  } catch {
    last = undefined; // no snapshot yet (or a torn write while dying): nothing to save
  }
  rmSync(snapshotDir, { recursive: true, force: true });
  // 0: done; 1: cells failed; 2: usage. The child wrote its outputs itself.
  if (signal === null && code !== null && code <= 2) return code;
  const reason = deathReason(code, signal);
  console.error(`nasbook run: the process running ${args.notebook} died: ${reason}`);
  if (!last) {
    console.error("nasbook run: it died before the first cell ran; nothing to write");
    return 1;
  }
  const doc = last.notebook;
  const running = doc.cells.find((c) => c.cell_type === "code" && c.id === last!.runningCellId);
  if (running && running.cell_type === "code") {
    running.outputs.push(out.error({
      ename: "RunDied",
      evalue: `the run stopped here: ${reason}; the outputs above and in earlier cells were saved`,
      traceback: [`RunDied: the run stopped here: ${reason}`],
    }));
  }
  inlinePlotlyOnce(doc);
  writeOutputs(doc, outPath, html);
  const wrote = [outPath, html].filter((p): p is string => p !== undefined);
  if (wrote.length) console.error(`nasbook run: wrote the outputs so far to ${wrote.join(", ")}`);
  return 1;
}
