/**
 * `nasbook run <notebook.ipynb> [--out executed.ipynb] [--html report.html] [--seed N] [--allow-errors]
 * [--progress|--quiet]`: executes a notebook headless on the reactive layer (no Jupyter) and writes the executed
 * notebook (nbformat 4.5, with a reproducibility manifest) and/or a self-contained HTML report.
 * `--data DIR` (handled by the dispatcher) sets the data directory cells read from.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { dataDir, setDataDir } from "../data/dir.js";
import { notebookToHtml } from "../notebook/htmlExport.js";
import { readIpynb, serializeIpynb } from "../notebook/ipynb.js";
import { useNotebookTrialStore } from "../exec/defaults.js";
import { runNotebook, type CellFailure, type RunProgress } from "../notebook/runner.js";

const USAGE =
  "usage: nasbook run <notebook.ipynb> [--out executed.ipynb] [--html report.html] [--seed N] [--allow-errors] [--progress|--quiet]\n" +
  "  --out F         write the executed notebook (outputs + manifest) to F\n" +
  "  --html F        write a self-contained HTML report (interactive figures, works offline) to F\n" +
  "  --seed N        set the notebook's `seed` (its parameters cell: `const seed = ...`)\n" +
  "  --allow-errors  run every cell even after one fails (the exit code is still 1)\n" +
  "  --progress      show progress even when stderr is not a terminal; --quiet never shows it";

interface RunArgs {
  notebook: string;
  out?: string;
  html?: string;
  seed?: number;
  allowErrors: boolean;
  progress: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): RunArgs {
  const args: Partial<RunArgs> & { allowErrors: boolean; progress: boolean } = {
    allowErrors: false,
    progress: Boolean(process.stderr.isTTY),
  };
  const value = (flag: string, v: string | undefined): string => {
    if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const next = (): string => (inline !== undefined ? inline : value(flag, argv[++i]));
    if (flag === "--out") args.out = next();
    else if (flag === "--html") args.html = next();
    else if (flag === "--seed") {
      const s = next();
      if (!/^-?\d+$/.test(s)) throw new UsageError(`--seed must be an integer, got "${s}"`);
      args.seed = Number(s);
    } else if (flag === "--allow-errors") args.allowErrors = true;
    else if (flag === "--progress") args.progress = true;
    else if (flag === "--quiet") args.progress = false;
    else if (flag === "--help" || flag === "-h") throw new UsageError("");
    else if (flag.startsWith("-")) throw new UsageError(`unknown option "${flag}"`);
    else if (args.notebook === undefined) args.notebook = a;
    else throw new UsageError(`one notebook at a time (got "${args.notebook}" and "${a}")`);
  }
  if (!args.notebook) throw new UsageError("which notebook? e.g. nasbook run notebooks/00-quickstart.ipynb --html out/report.html");
  return args as RunArgs;
}

function firstLine(source: string): string {
  const line = source.split("\n").find((l) => l.trim() !== "" && !l.trim().startsWith("//")) ?? source.split("\n")[0] ?? "";
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

function progressPrinter(write: (s: string) => void): (p: RunProgress) => void {
  return (p) => {
    if (p.type === "start") write(`running ${p.cells} code cells\n`);
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
  let args: RunArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (err.message) console.error(`nasbook run: ${err.message}\n`);
    console.error(USAGE);
    return err.message ? 2 : 0;
  }
  const notebookPath = resolve(args.notebook);
  const out = args.out === undefined ? undefined : resolve(args.out);
  const html = args.html === undefined ? undefined : resolve(args.html);
  const doc = readIpynb(notebookPath);
  // Cells run in the notebook's directory, as under Jupyter; pin the data directory first so that a relative
  // NASBOOK_DATA keeps meaning what it meant where the command was typed.
  setDataDir(dataDir());
  useNotebookTrialStore(notebookPath); // re-running the notebook reuses every trial it computed (src/exec/defaults.ts)
  const cwd = dirname(notebookPath);
  const previousCwd = process.cwd();
  process.chdir(cwd);
  const stderrWrite = process.stderr.write.bind(process.stderr);
  let result;
  try {
    result = await runNotebook(doc, {
      cwd,
      seed: args.seed,
      continueOnError: args.allowErrors,
      onProgress: args.progress ? progressPrinter((s) => void stderrWrite(s)) : undefined,
    });
  } finally {
    process.chdir(previousCwd);
  }
  if (out) {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, serializeIpynb(result.notebook));
  }
  if (html) {
    mkdirSync(dirname(html), { recursive: true });
    writeFileSync(html, notebookToHtml(result.notebook));
  }
  for (const f of result.failures) console.error(describeFailure(f, args.notebook));
  if (args.progress) {
    const wrote = [out, html].filter((p): p is string => p !== undefined);
    console.error(
      `${result.failures.length ? "failed" : "done"} in ${result.seconds.toFixed(1)} s` +
        (wrote.length ? `; wrote ${wrote.join(", ")}` : " (nothing written: give --out and/or --html)"),
    );
  }
  return result.failures.length ? 1 : 0;
}
