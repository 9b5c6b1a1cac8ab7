/**
 * The headless runner behind `nasbook run`: executes a notebook's code cells in order on the reactive layer
 * (no Jupyter), and records what a Jupyter client would have saved — each cell's value (updated in place when a
 * later cell re-runs it or a stream yields), what it printed, what it `display()`ed, and its error — as
 * nbformat 4.5 outputs, plus a reproducibility manifest in `metadata.nasbook.manifest`.
 *
 * Saved outputs are made stable for version control: plotly.js is inlined exactly once per document (in the
 * first plotly figure, whatever the in-process plotly session decided), and nothing time- or random-dependent
 * is added by the runner itself.
 *
 * Outputs go through the same output router as the kernel's (outputRouter.ts) and are saved as a Jupyter client
 * saves the messages it receives, so a notebook gives the same outputs under `nasbook run` and a Jupyter client.
 *
 * Seeds: `--seed N` reaches the notebook through its parameters cell — the cell tagged `parameters` (as in
 * papermill), or else the cell that defines `seed` — whose `const seed = <number>` initializer is replaced by N
 * before running, so cells pass `seed` to searches, data splits and evaluators.
 */
import ts from "typescript";
import { NasbookError } from "../errors.js";
import { dataDir } from "../data/dir.js";
import { type CellErrorReport } from "./cellErrors.js";
import { containsPlotlyFigure, mapHtmlOutputs, stripPlotlyLibrary } from "./htmlExport.js";
import {
  cellTags, isBlank, joinSource, outputs as out, type CodeCell, type NotebookDocument, type Output,
} from "./ipynb.js";
import { buildManifest, dataRecords, trackDataReads, type RunManifest, type SeedRecord } from "./manifest.js";
import { captureProcessOutput } from "./nodeCapture.js";
import { Notebook, type NotebookOutputs } from "./notebook.js";
import { SavedOutputs } from "./savedOutputs.js";
import { WidgetBook } from "./widgets.js";
import { analyseCell } from "./analysis.js";
import { isControl, isControlGroup } from "../ui/controls.js";
import { createHash } from "node:crypto";
import { OutputRouter } from "./outputRouter.js";
import type { NotebookSession } from "./session.js";
import { plotlyLibraryHtml } from "../viz/plotlyLibrary.js";

/** What the runner reports while it runs (for a progress display). */
export type RunProgress =
  | { type: "start"; cells: number }
  | { type: "cell"; index: number; total: number; cellId: string; source: string }
  | {
      type: "cell-done"; index: number; total: number; cellId: string; status: "ok" | "error"; seconds: number;
      reran: readonly string[];
      /** False when the runner moved on while the cell's streams were still running (see `live`). */
      settled: boolean;
    }
  | { type: "settled"; seconds: number };

export interface RunOptions {
  /** Directory cells resolve relative imports from (default: process.cwd()). */
  cwd?: string;
  /** Replaces the notebook's `seed` (see the module comment); undefined keeps the notebook's own. */
  seed?: number;
  /**
   * Values for the notebook's controls, by the name of the variable that holds them (`nasbook run --set
   * budget=50`): each control takes its value when its cell makes it, before any reader runs.
   */
  set?: Readonly<Record<string, string>>;
  /** Keep running after a cell fails (default false: stop at the first error, as nbconvert does). */
  continueOnError?: boolean;
  /**
   * Go on to the next cell as soon as the current one has shown its first value, while its streams (a search)
   * keep running — as JupyterLab's "Run All" does — so that plot cells below a search update live. Default
   * true. False waits for everything to settle before the next cell, as nbclient does. The saved outputs are
   * the same either way: they are the cells' final values.
   */
  live?: boolean;
  onProgress?: (p: RunProgress) => void;
  /**
   * Receives the notebook with the outputs so far, at every cell boundary and at most every `snapshotSeconds`
   * while a cell shows output: what `nasbook run` saves if the process dies (heap exhausted) before the end.
   */
  onSnapshot?: (snapshot: RunSnapshot) => void;
  snapshotSeconds?: number;
  /** The notebook's session: its trial store and progress displays for every search (none by default). */
  session?: NotebookSession;
}

/** The outputs of a run in progress. */
export interface RunSnapshot {
  notebook: NotebookDocument;
  /** The notebook cell running when the snapshot was taken, if any. */
  runningCellId: string | undefined;
}

/** A cell that ended in an error. */
export interface CellFailure {
  cellId: string;
  /** 1-based position among all cells of the notebook. */
  index: number;
  source: string;
  error: CellErrorReport;
}

export interface CellTiming {
  cellId: string;
  seconds: number;
}

export interface RunResult {
  /** The executed notebook (a copy; the input is not modified). */
  notebook: NotebookDocument;
  manifest: RunManifest;
  failures: CellFailure[];
  /** Wall-clock seconds per executed cell (not saved in the notebook: it would change on every run). */
  timings: CellTiming[];
  seconds: number;
}

/** The notebook has no place for `--seed` to go. */
export class SeedParameterError extends NasbookError {}

/** `--set name=value` names no control of the notebook. */
export class SetParameterError extends NasbookError {}

function seedDeclaration(code: string): ts.VariableDeclaration | undefined {
  const sf = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name) && d.name.text === "seed") return d;
  }
  return undefined;
}

function numericValue(e: ts.Expression | undefined): number | undefined {
  if (!e) return undefined;
  if (ts.isNumericLiteral(e)) return Number(e.text);
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(e.operand)) return -Number(e.operand.text);
  return undefined;
}

/** The parameters cell: tagged `parameters`, else the first code cell declaring `seed` at top level. */
function parametersCell(doc: NotebookDocument): CodeCell | undefined {
  const code = doc.cells.filter((c): c is CodeCell => c.cell_type === "code");
  const tagged = code.find((c) => cellTags(c).includes("parameters") && seedDeclaration(joinSource(c.source)));
  return tagged ?? code.find((c) => seedDeclaration(joinSource(c.source)) !== undefined);
}

/**
 * Applies `seed` to a copy of the notebook (see the module comment) and says where the seed comes from.
 * Throws SeedParameterError when `seed` is given but no cell defines `const seed = ...`.
 */
export function applySeed(doc: NotebookDocument, seed: number | undefined): { notebook: NotebookDocument; seed: SeedRecord } {
  const copy = structuredClone(doc);
  const cell = parametersCell(copy);
  if (seed !== undefined && !Number.isSafeInteger(seed)) {
    throw new SeedParameterError(`--seed must be an integer, got ${seed}; e.g. --seed 1`);
  }
  if (!cell) {
    if (seed !== undefined) {
      throw new SeedParameterError(
        `--seed ${seed}: no cell of this notebook defines \`seed\`. Add a parameters cell \`const seed = 0;\` ` +
          "(tag it \"parameters\") and use `seed` in the cells that draw random numbers, e.g. nas.search({ ..., seed }).",
      );
    }
    return { notebook: copy, seed: { seed: null, source: "none" } };
  }
  const code = joinSource(cell.source);
  const decl = seedDeclaration(code)!;
  if (seed === undefined) {
    return { notebook: copy, seed: { seed: numericValue(decl.initializer) ?? null, source: "notebook", cell: cell.id } };
  }
  if (!decl.initializer) {
    throw new SeedParameterError(`--seed ${seed}: \`seed\` in cell ${cell.id} has no initializer; write \`const seed = 0;\``);
  }
  cell.source = code.slice(0, decl.initializer.getStart()) + String(seed) + code.slice(decl.initializer.getEnd());
  return { notebook: copy, seed: { seed, source: "--seed", cell: cell.id } };
}

/**
 * Makes plotly.js appear exactly once in the saved outputs: removed from every output, then put back in front of
 * the first plotly figure in document order. Returns the same notebook object.
 */
export function inlinePlotlyOnce(doc: NotebookDocument): NotebookDocument {
  let carried = false;
  mapHtmlOutputs(doc, (html) => {
    const text = stripPlotlyLibrary(html);
    if (carried || !containsPlotlyFigure(text)) return text;
    carried = true;
    return plotlyLibraryHtml() + text;
  });
  return doc;
}

/**
 * Runs every code cell of `doc` in order and returns the executed notebook (see the module comment). Each notebook
 * cell is one reactive cell (its id is the cell's id), so the rule for names is the kernel's: a second definition of
 * a name is an error naming both cells, unless the later cell starts with `// @redefine name`.
 */
export async function runNotebook(doc: NotebookDocument, options: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  options.session?.resetUsage(); // the manifest counts this run's trial-store hits
  const { notebook: executed, seed } = applySeed(doc, options.seed);
  const codeCells = executed.cells.filter((c): c is CodeCell => c.cell_type === "code");
  for (const c of codeCells) {
    c.outputs = [];
    c.execution_count = null;
  }
  const saved = new SavedOutputs();
  const router = new OutputRouter<string>((op) => saved.apply(op), (f) => setImmediate(f));
  let runningCellId: string | undefined;

  let lastSnapshot = 0;
  const snapshot = (force: boolean): void => {
    if (!options.onSnapshot) return;
    const now = performance.now();
    if (!force && now - lastSnapshot < (options.snapshotSeconds ?? 2) * 1000) return;
    lastSnapshot = now;
    router.flush();
    const copy = structuredClone(executed);
    for (const c of copy.cells) if (c.cell_type === "code") c.outputs = structuredClone(saved.of(c.id));
    options.onSnapshot({ notebook: copy, runningCellId });
  };
  const session = options.session;
  // Every value or display shown is a moment to save a snapshot (at most every snapshotSeconds).
  const outputs: NotebookOutputs = {
    setLive: (id, live) => router.setLive(id, live),
    run: (id) => router.run(id),
    stream: (id, name, text) => router.stream(id, name, text),
    display: (id, bundle, displayId) => {
      router.display(id, bundle, displayId);
      snapshot(false);
    },
    updateDisplay: (displayId, bundle) => router.updateDisplay(displayId, bundle),
    value: (id, bundle, streaming) => {
      router.value(id, bundle, streaming);
      snapshot(false);
    },
    error: (id, bundle) => router.error(id, bundle),
    clear: (id, wait) => router.clear(id, wait),
    forget: (id) => router.forget(id),
  };
  // Controls are saved as widgets (their state in the notebook's metadata), with ids derived from their order, so
  // two runs write the same notebook.
  const widgets = new WidgetBook((n) => createHash("sha256").update(`nasbook-widget:${n}`).digest("hex").slice(0, 32));
  const set = new Map(Object.entries(options.set ?? {}));
  if (set.size) {
    // Before running: each name must be declared by some cell (whether it holds a control is known once it ran).
    const declared = new Set(codeCells.flatMap((c) => analyseCell(joinSource(c.source)).values));
    const missing = [...set.keys()].filter((n) => !declared.has(n));
    if (missing.length) {
      throw new SetParameterError(`--set: no cell of this notebook declares ${missing.map((n) => `"${n}"`).join(", ")}; --set names the variable a control is assigned to, e.g. \`const budget = nas.ui.range(...)\` is --set budget=50`);
    }
  }
  const notebook = new Notebook({
    cwd: options.cwd,
    outputs,
    render: (value) => (isControl(value) || isControlGroup(value) ? widgets.bundle(value) : undefined),
    ...(set.size ? { controlValues: set } : {}),
    ...(session ? { bindLibrary: (lib: Record<string, unknown>) => session.bind(lib) } : {}),
  });
  const progress = options.onProgress;
  const stopTracking = trackDataReads(dataDir());
  // What library code prints goes to the cell running it; a background error to its cell; process.exit fails it.
  const known = new Set(codeCells.map((c) => c.id));
  const stopCapture = captureProcessOutput(notebook.runningCells, {
    print: (cellId, name, text) => router.stream(cellId !== undefined && known.has(cellId) ? cellId : undefined, name, text),
    label: (id) => notebook.label(id),
  });
  const failures: CellFailure[] = [];
  const timings: CellTiming[] = [];
  let files: string[] = [];
  try {
    const runnable = codeCells.filter((c) => !isBlank(c));
    progress?.({ type: "start", cells: runnable.length });
    let count = 0;
    for (const [i, cell] of runnable.entries()) {
      count++;
      cell.execution_count = count;
      const source = joinSource(cell.source);
      runningCellId = cell.id;
      snapshot(true);
      progress?.({ type: "cell", index: i + 1, total: runnable.length, cellId: cell.id, source });
      const t0 = performance.now();
      // As under "Run All": the next cell starts once what remains is streams, or once it would invalidate the work
      // in progress; `live: false` waits for everything to settle, as nbclient does.
      const next = runnable[i + 1];
      let finished = false;
      const until = options.live === false || !next ? undefined : () => giveWay(notebook, cell.id, joinSource(next.source), next.id, () => finished);
      router.begin({ ref: cell.id, cellId: cell.id, count, silent: false });
      const outcome = await notebook.execute(source, { cellId: cell.id, until });
      finished = true;
      router.end();
      if (outcome.status === "error" && outcome.error && !router.isComposite(cell.id)) {
        router.flush();
        saved.error(cell.id, outcome.error);
      }
      const seconds = (performance.now() - t0) / 1000;
      timings.push({ cellId: cell.id, seconds });
      progress?.({
        type: "cell-done", index: i + 1, total: runnable.length, cellId: cell.id, status: outcome.status, seconds,
        reran: outcome.reran, settled: outcome.settled,
      });
      if (outcome.status === "error") {
        failures.push({ cellId: cell.id, index: executed.cells.indexOf(cell) + 1, source, error: outcome.error! });
        if (!options.continueOnError) break;
      }
    }
    // Streams that outlived their cell (a search feeding the plots below it) finish before outputs are collected.
    const t0 = performance.now();
    await notebook.whenSettled();
    router.idle();
    progress?.({ type: "settled", seconds: (performance.now() - t0) / 1000 });
  } finally {
    runningCellId = undefined;
    router.flush();
    notebook.dispose();
    stopCapture();
    files = stopTracking();
  }
  for (const cell of codeCells) cell.outputs = saved.of(cell.id);
  const unused = [...set.keys()].filter((name) => !notebook.controlsSet.has(name));
  if (unused.length) {
    const controls = [...widgets.entries()].length;
    throw new SetParameterError(
      `--set ${unused.map((n) => `${n}=…`).join(", ")}: no control of this notebook is named ${unused.map((n) => `"${n}"`).join(" or ")} ` +
        `(${controls ? "--set names the variable a control is assigned to, e.g. `const budget = nas.ui.range(...)` is --set budget=50" : "it has no controls"})`,
    );
  }
  if ([...widgets.entries()].length) executed.metadata["widgets"] = widgets.metadata();
  // A cell that failed later (a stream's error, a re-run) shows an error output too: count it once.
  for (const cell of codeCells) {
    if (failures.some((f) => f.cellId === cell.id)) continue;
    for (const o of cell.outputs) {
      if (o.output_type !== "error") continue;
      failures.push({ cellId: cell.id, index: executed.cells.indexOf(cell) + 1, source: joinSource(cell.source), error: { ename: o.ename, evalue: o.evalue, traceback: o.traceback } });
    }
  }
  failures.sort((a, b) => a.index - b.index);
  inlinePlotlyOnce(executed);
  const manifest = buildManifest({
    seed,
    dataFiles: dataRecords(files, dataDir()),
    code: codeCells.map((c) => joinSource(c.source)).join("\n\u241e\n"),
    trialStore: session?.storeUsage(),
    ...(set.size ? { set: Object.fromEntries(set) } : {}),
  });
  const meta = (executed.metadata["nasbook"] ?? {}) as Record<string, unknown>;
  executed.metadata["nasbook"] = { ...meta, manifest };
  return { notebook: executed, manifest, failures, timings, seconds: (performance.now() - started) / 1000 };
}

/** Resolves when the running cell should give way to the next one (see runNotebook); never once `finished`. */
async function giveWay(notebook: Notebook, cellId: string, nextCode: string, nextId: string, finished: () => boolean): Promise<void> {
  for (;;) {
    if (finished()) return new Promise(() => undefined);
    if (notebook.onlyStreaming(cellId) || (nextCode.trim() !== "" && notebook.invalidatesRunning(nextCode, nextId))) return;
    await notebook.changed();
  }
}
