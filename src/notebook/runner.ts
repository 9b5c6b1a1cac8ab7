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
 * Seeds: `--seed N` reaches the notebook through its parameters cell — the cell tagged `parameters` (as in
 * papermill), or else the cell that defines `seed` — whose `const seed = <number>` initializer is replaced by N
 * before running, so cells pass `seed` to searches, data splits and evaluators.
 */
import { Console } from "node:console";
import { Writable } from "node:stream";
import ts from "typescript";
import { NasbookError } from "../errors.js";
import { dataDir } from "../data/dir.js";
import { type CellErrorReport } from "./cellErrors.js";
import { containsPlotlyFigure, mapHtmlOutputs, stripPlotlyLibrary } from "./htmlExport.js";
import {
  cellTags, isBlank, joinSource, outputs as out, type CodeCell, type NotebookDocument, type Output,
} from "./ipynb.js";
import { buildManifest, dataRecords, trackDataReads, type RunManifest, type SeedRecord } from "./manifest.js";
import { catchCellFaults, describeFault } from "./cellFaults.js";
import { Notebook } from "./notebook.js";
import { declaredNames, parseCell } from "./transpile.js";
import type { MimeBundle } from "./mime.js";
import { plotlyLibraryHtml } from "../viz/plotlyLibrary.js";
import { resetTrialStoreUsage } from "../exec/defaults.js";

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

/** Where the runner keeps one cell's outputs while the notebook runs. */
interface OutputSlots {
  items: Array<Output | null>;
  /** Index in `items` of the cell's own display (its value), once it has shown something. */
  main: number | undefined;
}

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

/** A writable that hands each chunk to `sink` as text. */
function textSink(sink: (text: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      sink(typeof chunk === "string" ? chunk : chunk.toString("utf8"));
      done();
    },
  });
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
 * Runs every code cell of `doc` in order and returns the executed notebook (see the module comment).
 *
 * A later cell that defines a name an earlier cell defines is an *edit* of that cell (as when the kernel runs a
 * notebook under nbconvert, which sends no cell ids): it replaces the earlier cell's code, the cells that read
 * its names re-run, and the new value shows in the editing cell while the earlier cell keeps the output its own code
 * produced (a saved notebook shows what each cell's code gave) — the way to write "change the search space and
 * watch everything re-run" in a linear notebook.
 */
export async function runNotebook(doc: NotebookDocument, options: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  resetTrialStoreUsage(); // the manifest counts this run's trial-store hits
  const { notebook: executed, seed } = applySeed(doc, options.seed);
  const codeCells = executed.cells.filter((c): c is CodeCell => c.cell_type === "code");
  // Output slots are per notebook (ipynb) cell; the reactive layer's cells are keyed by its own ids.
  const slots = new Map<string, OutputSlots>();
  for (const c of codeCells) {
    c.outputs = [];
    c.execution_count = null;
    slots.set(c.id, { items: [], main: undefined });
  }
  /** Reactive cell id -> the notebook cells showing it (the first, then the cells that edited it). */
  const shownIn = new Map<string, string[]>();
  const counts = new Map<string, number>();
  let current: { cellId: string; reactiveId: string; shown: () => void } | undefined;

  const slot = (id: string): OutputSlots => {
    let s = slots.get(id);
    if (!s) slots.set(id, (s = { items: [], main: undefined }));
    return s;
  };
  /** The notebook cell that owns prints and extra displays of a reactive cell: the one that defined it last. */
  const ownerOf = (reactiveId: string): string => shownIn.get(reactiveId)?.at(-1) ?? reactiveId;
  const appendStream = (id: string, name: "stdout" | "stderr", text: string): void => {
    const s = slot(id);
    const last = s.items[s.items.length - 1];
    // Consecutive writes to one stream are one output, as Jupyter clients merge them.
    if (last && last.output_type === "stream" && last.name === name) last.text = joinSource(last.text) + text;
    else s.items.push(out.stream(name, text));
  };
  const setMain = (id: string, make: (previous: Output | null) => Output | null): void => {
    const s = slot(id);
    const previous = s.main === undefined ? null : (s.items[s.main] ?? null);
    const output = make(previous);
    if (s.main === undefined) {
      if (output === null) return;
      s.main = s.items.length;
      s.items.push(output);
    } else {
      s.items[s.main] = output;
    }
  };

  let lastSnapshot = 0;
  const snapshot = (force: boolean): void => {
    if (!options.onSnapshot) return;
    const now = performance.now();
    if (!force && now - lastSnapshot < (options.snapshotSeconds ?? 2) * 1000) return;
    lastSnapshot = now;
    const copy = structuredClone(executed);
    for (const c of copy.cells) if (c.cell_type === "code") c.outputs = slot(c.id).items.filter((o): o is Output => o !== null);
    options.onSnapshot({ notebook: copy, runningCellId: current?.cellId });
  };

  const notebook = new Notebook({
    cwd: options.cwd,
    onRun: (reactiveId) => {
      // A cell re-run by another cell's execution replaces what it printed and displayed; its value stays in
      // place and is updated when the re-run's value arrives (update_display_data, in Jupyter's terms).
      if (current?.reactiveId === reactiveId) return;
      const id = ownerOf(reactiveId);
      const s = slot(id);
      const main = s.main === undefined ? null : (s.items[s.main] ?? null);
      slots.set(id, main ? { items: [main], main: 0 } : { items: [], main: undefined });
    },
    onDisplay: (e) => {
      if (current?.reactiveId === e.cellId) current.shown();
      // Only the cell whose code is current shows the value: an edited cell keeps what its own code produced.
      const id = ownerOf(e.cellId);
      setMain(id, (previous) => {
        if (e.error) return out.error(e.error);
        if (e.bundle === undefined) return null;
        if (previous && (previous.output_type === "execute_result" || previous.output_type === "display_data")) {
          return { ...previous, data: e.bundle as MimeBundle };
        }
        // As the kernel does: a value that can never change later (no inputs, not a stream) is the cell's result.
        const fixed = current?.cellId === id && !(notebook.cell(e.cellId)?.references.length) && !e.streaming;
        return fixed ? out.result(counts.get(id) ?? null, e.bundle) : out.display(e.bundle);
      });
      snapshot(false);
    },
    onExtraDisplay: (reactiveId, bundle) => {
      slot(ownerOf(reactiveId)).items.push(out.display(bundle));
    },
    // As nbclient saves clear_output: what the cell printed and displayed so far goes; its own display stays.
    onClearOutput: (reactiveId) => {
      const s = slot(ownerOf(reactiveId));
      const main = s.main === undefined ? null : (s.items[s.main] ?? null);
      slots.set(ownerOf(reactiveId), main ? { items: [main], main: 0 } : { items: [], main: undefined });
    },
  });

  /** The reactive cell a notebook cell runs as: the earlier cell it edits (same names defined), else its own id. */
  const reactiveIdFor = (cell: CodeCell, source: string): string => {
    const names = declaredNames(parseCell(source)).values;
    if (names.length) {
      for (const id of notebook.cellIds()) {
        if (notebook.cell(id)?.defines.some((n) => names.includes(n))) return id;
      }
    }
    return cell.id;
  };

  // Cell output goes to the cell's outputs: console (also vitest's patched one) and direct stream writes.
  const captured = (name: "stdout" | "stderr") => (text: string): void => {
    const active = notebook.activeCellId();
    const id = active !== undefined ? ownerOf(active) : current?.cellId;
    if (id !== undefined) appendStream(id, name, text);
  };
  const savedConsole = globalThis.console;
  const savedOut = process.stdout.write;
  const savedErr = process.stderr.write;
  const writer = (name: "stdout" | "stderr") =>
    ((chunk: string | Uint8Array, encoding?: unknown, cb?: unknown): boolean => {
      captured(name)(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      const done = typeof encoding === "function" ? encoding : cb;
      if (typeof done === "function") (done as () => void)();
      return true;
    }) as typeof process.stdout.write;
  const progress = options.onProgress;
  const stopTracking = trackDataReads(dataDir());
  // A cell's background error goes to that cell's stderr; process.exit() in a cell fails the cell instead.
  const stopCatching = catchCellFaults(
    () => notebook.activeCellId(),
    (fault) => {
      const id = fault.cellId !== undefined ? ownerOf(fault.cellId) : current?.cellId;
      if (id !== undefined) appendStream(id, "stderr", describeFault(fault));
    },
  );
  globalThis.console = new Console({ stdout: textSink(captured("stdout")), stderr: textSink(captured("stderr")) });
  process.stdout.write = writer("stdout");
  process.stderr.write = writer("stderr");
  const restoreStreams = (): void => {
    globalThis.console = savedConsole;
    process.stdout.write = savedOut;
    process.stderr.write = savedErr;
  };
  // Progress goes to the real terminal, not into the notebook.
  const report = (p: RunProgress): void => {
    if (!progress) return;
    restoreStreams();
    try {
      progress(p);
    } finally {
      globalThis.console = new Console({ stdout: textSink(captured("stdout")), stderr: textSink(captured("stderr")) });
      process.stdout.write = writer("stdout");
      process.stderr.write = writer("stderr");
    }
  };

  const failures: CellFailure[] = [];
  const timings: CellTiming[] = [];
  /** The error that stopped the run; it counts even if a stream later replaced the cell's error by a value. */
  let stoppedBy: { cellId: string; error: CellErrorReport } | undefined;
  let files: string[] = [];
  try {
    const runnable = codeCells.filter((c) => !isBlank(c));
    report({ type: "start", cells: runnable.length });
    let count = 0;
    for (const [i, cell] of runnable.entries()) {
      count++;
      counts.set(cell.id, count);
      cell.execution_count = count;
      let shown!: () => void;
      const firstValue = new Promise<void>((resolve) => (shown = resolve));
      const source = joinSource(cell.source);
      const reactiveId = reactiveIdFor(cell, source);
      const sharing = shownIn.get(reactiveId) ?? [];
      if (!sharing.includes(cell.id)) shownIn.set(reactiveId, [...sharing, cell.id]);
      current = { cellId: cell.id, reactiveId, shown };
      snapshot(true);
      report({ type: "cell", index: i + 1, total: runnable.length, cellId: cell.id, source });
      const t0 = performance.now();
      const outcome = await notebook.execute(source, { cellId: reactiveId, until: options.live === false ? undefined : firstValue });
      current = undefined;
      const seconds = (performance.now() - t0) / 1000;
      timings.push({ cellId: cell.id, seconds });
      if (outcome.status === "error" && outcome.error) setMain(cell.id, () => out.error(outcome.error!));
      report({
        type: "cell-done", index: i + 1, total: runnable.length, cellId: cell.id, status: outcome.status, seconds,
        reran: outcome.reran, settled: outcome.settled,
      });
      if (outcome.status === "error" && !options.continueOnError) {
        stoppedBy = { cellId: cell.id, error: outcome.error! };
        break;
      }
    }
    // Streams that outlived their cell (a search feeding the plots below it) finish before outputs are collected.
    const t0 = performance.now();
    await notebook.whenSettled();
    report({ type: "settled", seconds: (performance.now() - t0) / 1000 });
  } finally {
    current = undefined;
    notebook.dispose();
    restoreStreams();
    stopCatching();
    files = stopTracking();
  }

  for (const cell of codeCells) {
    cell.outputs = slot(cell.id).items.filter((o): o is Output => o !== null);
    for (const o of cell.outputs) {
      if (o.output_type !== "error") continue;
      failures.push({
        cellId: cell.id,
        index: executed.cells.indexOf(cell) + 1,
        source: joinSource(cell.source),
        error: { ename: o.ename, evalue: o.evalue, traceback: o.traceback },
      });
    }
  }
  if (stoppedBy && !failures.some((f) => f.cellId === stoppedBy!.cellId)) {
    const cell = codeCells.find((c) => c.id === stoppedBy!.cellId)!;
    failures.push({ cellId: cell.id, index: executed.cells.indexOf(cell) + 1, source: joinSource(cell.source), error: stoppedBy.error });
    failures.sort((a, b) => a.index - b.index);
  }
  inlinePlotlyOnce(executed);
  const manifest = buildManifest({
    seed,
    dataFiles: dataRecords(files, dataDir()),
    code: codeCells.map((c) => joinSource(c.source)).join("\n\u241e\n"),
  });
  const meta = (executed.metadata["nasbook"] ?? {}) as Record<string, unknown>;
  executed.metadata["nasbook"] = { ...meta, manifest };
  return { notebook: executed, manifest, failures, timings, seconds: (performance.now() - started) / 1000 };
}
