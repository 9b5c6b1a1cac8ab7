/**
 * A reactive TypeScript notebook: the cell pipeline in one place, usable with or without Jupyter.
 *
 *   cell text -> analysis (analysis.ts: one parse; what it declares, imports, mentions)
 *             -> name index (names.ts: who owns each name; edges; problems)
 *             -> checker (checker.ts: types against the owners' declarations; references; the emitted body)
 *             -> dataflow (dataflow.ts: @observablehq/runtime variables; streams; settlement)
 *             -> outputs (whatever implements NotebookOutputs: the output router of the kernel, runner or page)
 *
 * Executing a cell redefines its variable and the runtime re-runs exactly its dependents, in topological order.
 * An execution touches only the variables of the cells and names it changed: its cost does not grow with the
 * number of cells. Every run of a cell gets an AbortSignal (`signal`) that aborts when the run is invalidated (an
 * input changed, the cell re-ran or was deleted) or interrupted; values that are async iterables stream.
 */
import { libraryEntry } from "../packageLocation.js";
import { analyseCell } from "./analysis.js";
import { CellCompiler } from "./cellCompiler.js";
import { cellLabel } from "./cellLabel.js";
import { InterruptedError, reportError, type CellErrorReport } from "./cellErrors.js";
import { dataflowChange, specError } from "./cellSpecs.js";
import { CheckInterrupted, type CellCompletions } from "./checker.js";
import { Dataflow } from "./dataflow.js";
import type { CellGraph } from "./graph.js";
import { isComplete, type Completeness } from "./isComplete.js";
import type { MimeBundle } from "./mime.js";
import { outputEvents, type NotebookOutputs } from "./notebookOutputs.js";
import { nodeHost } from "./nodeHost.js";
import type { RunningCells } from "./runningCell.js";
import { tslabModule } from "./tslabCompat.js";
import type { ExpressionHost, ExpressionScope } from "./userExpressions.js";

export type { NotebookOutputs } from "./notebookOutputs.js";

export interface NotebookOptions {
  /** Directory imports are resolved from (the notebook's directory); default: process.cwd(). */
  readonly cwd?: string;
  readonly outputs?: NotebookOutputs;
  /** Turns the library module into what cells see as `nas` and `import ... from "nasbook"` (session defaults). */
  readonly bindLibrary?: (library: Record<string, unknown>) => unknown;
  /** The running-cell registry (default: one following async context). */
  readonly running?: RunningCells;
  /** True while an interrupt waits for this thread (the kernel's watchdog flag). */
  readonly interruptRequested?: () => boolean;
  /** Type-check an empty cell right after construction, so the first real cell is fast (default true). */
  readonly warmUp?: boolean;
  /**
   * How a value a cell shows becomes a MIME bundle, before the default (toMimeBundle): the kernel draws controls
   * as Jupyter widgets. Undefined: the default.
   */
  readonly render?: (value: unknown, cellId: string) => MimeBundle | undefined;
  /** Values to give controls by variable name when their cell makes them (`nasbook run --set name=value`). */
  readonly controlValues?: ReadonlyMap<string, string>;
}

/** What `execute` reports for the executed cell once the affected subgraph has settled (or was preempted). */
export interface ExecuteOutcome {
  readonly cellId: string;
  readonly status: "ok" | "error";
  readonly error?: CellErrorReport;
  /** Other cells that re-ran because of this execution, in the order they started. */
  readonly reran: readonly string[];
  /** Other cells whose type-check result changed because of this execution. */
  readonly rechecked: readonly string[];
  /** True when the cell reads names of other cells (so its output may change later). */
  readonly hasInputs: boolean;
  /** False when `until` fired before everything settled. */
  readonly settled: boolean;
}

export interface ExecuteOptions {
  /** The cell's id (default: `identify(code)`). */
  readonly cellId?: string;
  /**
   * Stop waiting for everything to settle when this resolves (a function: called once the cell is defined, so that
   * it sees the cell's own computation).
   */
  readonly until?: Promise<unknown> | (() => Promise<unknown>);
}

/** A cell as the notebook knows it. */
export interface NotebookCell {
  readonly id: string;
  readonly code: string;
  readonly defines: readonly string[];
  readonly references: readonly string[];
}

/** How long after an execution the background library warm-up waits before parsing again. */
const quietMs = 250;

/** A reactive notebook: cells in, outputs out (see the file comment). */
export class Notebook {
  readonly compiler: CellCompiler;
  private readonly dataflow: Dataflow;
  private readonly running: RunningCells;
  private readonly outputs: NotebookOutputs;
  private library: unknown;
  private libraryLoad: Promise<void> | undefined;
  private readonly warming = new AbortController();
  private executions = 0;
  private lastExecution = 0;
  private readonly host: ReturnType<typeof nodeHost>;
  /** Names of the controls that took a value from `controlValues`. */
  readonly controlsSet = new Set<string>();

  constructor(private readonly options: NotebookOptions = {}) {
    this.outputs = options.outputs ?? {};
    this.compiler = new CellCompiler({ cwd: options.cwd, interruptRequested: options.interruptRequested });
    this.host = nodeHost({
      cwd: this.compiler.cwd,
      running: options.running,
      interruptRequested: options.interruptRequested,
      print: (cellId, name, text) => this.outputs.stream?.(cellId, name, text),
      library: () => this.library,
      loadLibrary: () => this.loadLibrary(),
      modules: {
        nasbook: () => this.library,
        tslab: () => this.tslab,
      },
      label: (id) => cellLabel(this.compiler.cell(id)?.analysis.code),
      controlValue: options.controlValues ? (name) => {
        const v = options.controlValues!.get(name);
        if (v !== undefined) this.controlsSet.add(name);
        return v;
      } : undefined,
    });
    this.running = this.host.running;
    this.dataflow = new Dataflow(this.host, outputEvents(this.outputs, { render: options.render, shownError: (e) => this.mapLines(e) }));
    if (options.warmUp !== false) {
      setImmediate(() => {
        if (this.warming.signal.aborted) return;
        this.compiler.checker.warmUp();
        const idle = (): boolean => this.executions === 0 && performance.now() - this.lastExecution > quietMs;
        void this.compiler.checker.warmLibrary({ signal: this.warming.signal, idle });
      });
    }
  }

  /** tslab's display API for this notebook's cells (`import * as tslab from "tslab"`). */
  private readonly tslab = tslabModule({
    show: (bundle, displayId) => {
      const id = this.running.current();
      if (id === undefined) return false;
      this.outputs.display?.(id, bundle, displayId);
      return true;
    },
    update: (displayId, bundle) => this.outputs.updateDisplay?.(displayId, bundle),
  });

  /** How messages name cell `id`: its first line of code (see cellLabel.ts). */
  label(id: string): string {
    return cellLabel(this.compiler.cell(id)?.analysis.code);
  }

  /** The cell whose code runs in the current async context (for attributing output). */
  activeCellId(): string | undefined {
    return this.running.current();
  }

  /** The running-cell registry (the kernel's stdout capture and fault handlers ask it). */
  get runningCells(): RunningCells {
    return this.running;
  }

  private get index() {
    return this.compiler.index;
  }

  /** Ids of the cells, in notebook order. */
  cellIds(): string[] {
    return [...this.index.cells.keys()];
  }

  /** What the notebook knows of a cell. */
  cell(id: string): NotebookCell | undefined {
    const c = this.compiler.cell(id);
    if (!c) return undefined;
    return { id, code: c.analysis.code, defines: [...c.analysis.values, ...c.analysis.types], references: c.references };
  }

  /** The cell graph (the name index). */
  cellGraph(): CellGraph {
    return this.index;
  }

  /** What Jupyter's user_expressions see: every name some cell owns, and the library. */
  expressionScope(): ExpressionScope {
    const owners = this.index.owners;
    return {
      get names() {
        return [...owners.keys()];
      },
      value: (name) => {
        const owner = owners.get(name);
        if (owner === undefined) return Promise.reject(new Error(`"${name}" is not defined by any cell`));
        return this.dataflow.valueOf(name, owner);
      },
      library: this.library,
    };
  }

  /** How user_expressions run: with the protections of cells (see userExpressions.ts). */
  expressionHost(): ExpressionHost {
    return this.host;
  }

  private loadLibrary(): Promise<void> {
    this.libraryLoad ??= import(libraryEntry).then(
      (m: Record<string, unknown>) => {
        this.library = this.options.bindLibrary ? this.options.bindLibrary(m) : m;
      },
      (err: unknown) => {
        // Keep cells that do not use `nas` working while the library is broken; `nas.x` then names the cause.
        this.library = new Proxy({}, {
          get: () => {
            throw new Error(`the nasbook library failed to load: ${err instanceof Error ? err.message : String(err)}`);
          },
        });
      },
    );
    return this.libraryLoad;
  }

  /** The cell some code is when the client sends no cell id (see CellCompiler.identify). */
  identify(code: string): string {
    return this.compiler.identify(code);
  }

  /**
   * Whether executing `code` (as cell `cellId`, or as identified) would invalidate work in progress: it is, or
   * defines a name read by, a running cell or a cell upstream of one. The kernel then answers the request that is
   * waiting for that work at once, so the edit reaches it.
   */
  invalidatesRunning(code: string, cellId?: string): boolean {
    const running = this.dataflow.runningCells();
    if (!running.length) return false;
    const upstream = new Set<string>();
    const queue = [...running];
    while (queue.length) {
      const id = queue.pop()!;
      if (upstream.has(id)) continue;
      upstream.add(id);
      for (const u of this.index.upstream.get(id) ?? []) queue.push(u);
    }
    const id = cellId ?? this.identify(code);
    if (upstream.has(id)) return true;
    const a = analyseCell(code);
    for (const n of [...a.values, ...a.types]) {
      const owner = this.index.owner(n);
      if (owner !== undefined && upstream.has(owner)) return true;
    }
    return false;
  }

  /**
   * Compiles and runs a cell (new or changed), re-running its dependents, and resolves once everything it affected
   * has settled (streams included) or `until` resolves, whichever is first.
   */
  async execute(code: string, opts: ExecuteOptions = {}): Promise<ExecuteOutcome> {
    this.executions++;
    try {
      return await this.executeCounted(code, opts);
    } finally {
      this.executions--;
      this.lastExecution = performance.now();
    }
  }

  private async executeCounted(code: string, opts: ExecuteOptions): Promise<ExecuteOutcome> {
    const id = opts.cellId ?? this.identify(code);
    let compiled;
    try {
      compiled = this.compiler.compile(id, code);
    } catch (err) {
      if (!(err instanceof CheckInterrupted)) throw err;
      // Interrupted while type-checking: nothing ran and the cell keeps its previous version.
      await this.dataflow.whenSettled(typeof opts.until === "function" ? opts.until() : opts.until);
      this.dataflow.cancelPendingInterrupt();
      return { cellId: id, status: "error", error: reportError(new InterruptedError()), reran: [], rechecked: [], hasInputs: false, settled: true };
    }
    const result = compiled.cell!;
    const { rechecked, change } = compiled;
    if (result.analysis.usesLibrary || rechecked.some((c) => this.compiler.cell(c)?.analysis.usesLibrary)) await this.loadLibrary();
    // A cell that depends on other cells, or fails before running (a compile error, a graph problem), can change
    // without being executed again: its output must be updatable (see outputRouter.ts).
    this.outputs.setLive?.(id, result.readsOthers || result.errors.length > 0 || this.specError(id) !== undefined);
    this.dataflow.rerun(id);
    for (const c of rechecked) this.dataflow.rerun(c);
    this.dataflow.startLog();
    this.sync(new Set([id, ...change.cells, ...rechecked]), change.names);
    const settled = await this.dataflow.whenSettled(typeof opts.until === "function" ? opts.until() : opts.until);
    const { ran, errors } = this.dataflow.stopLog();
    const own = this.specError(id) ?? errors.get(id);
    return {
      cellId: id,
      status: own === undefined ? "ok" : "error",
      ...(own === undefined ? {} : { error: this.report(this.mapLines(own)) }),
      reran: ran.filter((r) => r !== id),
      rechecked,
      hasInputs: result.references.length > 0,
      settled,
    };
  }

  /** Deletes cells: their names disappear (or pass to another definer), and cells reading them show an error. */
  async delete(ids: readonly string[], opts: { until?: Promise<unknown> } = {}): Promise<void> {
    const { removed, rechecked, change } = this.compiler.remove(ids);
    if (!removed.length) return;
    this.dataflow.remove(removed);
    for (const id of removed) this.outputs.forget?.(id);
    for (const c of rechecked) this.dataflow.rerun(c);
    this.sync(new Set([...change.cells, ...rechecked]), change.names);
    await this.dataflow.whenSettled(opts.until);
  }

  /** The error a cell fails with before running (compile errors, graph problems), if any. */
  private specError(id: string): unknown {
    return specError(this.compiler, id);
  }

  /** Brings the dataflow in line with the cells and names that changed. */
  private sync(cells: ReadonlySet<string>, names: ReadonlySet<string>): void {
    this.dataflow.apply(dataflowChange(this.compiler, cells, names));
  }

  /** True while cell `id`'s code or one of its streams is running. */
  isRunning(id: string): boolean {
    return this.dataflow.isRunning(id);
  }

  /** Aborts every running cell (see Dataflow.interrupt); false when nothing was running. */
  interrupt(): boolean {
    return this.dataflow.interrupt();
  }

  /** Makes the next cell that starts running fail as interrupted (an interrupt during compilation). */
  interruptNextRun(): void {
    this.dataflow.interruptNextRun();
  }

  cancelPendingInterrupt(): void {
    this.dataflow.cancelPendingInterrupt();
  }

  /** True when the cell running in the current context was interrupted (loop guards of the host). */
  currentCellInterrupted(): boolean {
    return this.dataflow.interrupted(this.running.current());
  }

  /** Resolves true once nothing computes or streams, or false when `until` resolves first. */
  whenSettled(until?: Promise<unknown>): Promise<boolean> {
    return this.dataflow.whenSettled(until);
  }

  /**
   * True when what remains of executing cell `id` is streams: its own result is in (a value or an error, so its
   * outcome is known) and no cell body is running. A request waiting for it may give way to the next one.
   */
  onlyStreaming(id?: string): boolean {
    return this.dataflow.onlyStreaming() && (id === undefined || !this.dataflow.isComputing(id));
  }

  /** Resolves at the next change of what runs (for waiting on `onlyStreaming` without polling). */
  changed(): Promise<void> {
    return this.dataflow.changed();
  }

  /** Completions for `code` at `cursor`. */
  complete(code: string, cursor: number, cellId?: string): CellCompletions {
    return this.compiler.complete(code, cursor, cellId);
  }

  /** Type and documentation at `cursor`, or undefined. */
  inspect(code: string, cursor: number, cellId?: string): string | undefined {
    return this.compiler.inspect(code, cursor, cellId);
  }

  /** Whether `code` is complete, incomplete (more lines needed) or invalid. */
  isComplete(code: string): Completeness {
    return isComplete(code);
  }

  /** Stops everything: aborts all cells and disposes the runtime. */
  dispose(): void {
    this.warming.abort();
    this.dataflow.dispose();
  }

  /** An error with its stack's cell positions mapped from the compiled body back to the cell's lines. */
  private mapLines(error: unknown): unknown {
    if (!(error instanceof Error) || !error.stack?.includes("cell[")) return error;
    const mapped = error.stack.replace(/cell\[([^\]]+)\]:(\d+)(:\d+)?/g, (all, id: string, line: string, col: string | undefined) => {
      const map = this.compiler.cell(id)?.lineMap;
      const to = map?.[Number(line)];
      return to === undefined ? all : `cell[${id}]:${to}${col === undefined ? "" : ""}`;
    });
    try {
      Object.defineProperty(error, "stack", { value: mapped, configurable: true, writable: true });
    } catch {
      // A frozen error keeps its stack.
    }
    return error;
  }

  private report(error: unknown): CellErrorReport {
    return reportError(error);
  }
}

export { compiledCell } from "./cellSpecs.js";
