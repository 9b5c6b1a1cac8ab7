/**
 * A reactive TypeScript notebook on @observablehq/runtime, usable with or without Jupyter.
 *
 * Each cell is one runtime variable (`#cell <id>`) whose inputs are the names it reads; each name a cell
 * defines is a small variable picking that name out of the cell's result, so dependents read names, not
 * cells; and a cell with something to show has a display variable (`#display <id>`) observed for output.
 * Re-running a cell redefines its variable and the runtime re-runs exactly its dependents, in topological
 * order. Graph problems (duplicates, cycles, undefined names) are kept by the incremental graph of
 * `liveGraph.ts` and encoded as variables that throw, so errors flow to exactly the cells involved and their
 * dependents while the rest of the graph stays alive. An execution touches only the variables of the cells and
 * names it changed: its cost does not grow with the number of cells.
 *
 * Long work: every computation of a cell gets an AbortSignal (`signal` in the cell) that aborts when the
 * runtime invalidates it (an input changed, the cell re-ran or was deleted) or on `interrupt()`. Values that
 * are async iterables (e.g. `nas.search(...)`) stream: every yield updates the display and flows to dependents.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import vm from "node:vm";
import { Runtime, type Module, type Observer, type Variable } from "@observablehq/runtime";
import { AbortError } from "../errors.js";
import {
  CellCompileError,
  CircularDefinitionError,
  DuplicateDefinitionError,
  InterruptedError,
  UndefinedNameError,
  UpstreamCellError,
  reportError,
  type CellErrorReport,
} from "./cellErrors.js";
import { CellCompiler, CheckInterrupted, libraryEntry, type CellCompletions, type CompiledCell, type CompileResult } from "./compiler.js";
import { describeProblem, type CellGraph } from "./graph.js";
import { LiveGraph, type GraphChange } from "./liveGraph.js";
import { cellImporter } from "./imports.js";
import { onClearOutput } from "./clearOutput.js";
import { guardLoops, watchCellInterrupts } from "./interruptFlag.js";
import { addDisplayRoute } from "./displayRoutes.js";
import { isComplete, type Completeness } from "./isComplete.js";
import type { ExpressionScope } from "./userExpressions.js";
import { errorBundle, toMimeBundle, type MimeBundle } from "./mime.js";
import { importFunctionName } from "./transpile.js";
import { RunControl } from "./runControl.js";

/** A change of a cell's display: a new value (bundle undefined = nothing to show) or an error. */
export interface DisplayEvent {
  readonly cellId: string;
  readonly bundle: MimeBundle | undefined;
  readonly error?: CellErrorReport;
  /** True while the value comes from a stream that has not finished (more updates will follow). */
  readonly streaming?: boolean;
}

/** Callbacks through which a notebook reports what happens; all optional. */
export interface NotebookOptions {
  /** Directory imports are resolved from (the notebook's directory); default: process.cwd(). */
  readonly cwd?: string;
  /** A cell's display changed. */
  readonly onDisplay?: (event: DisplayEvent) => void;
  /** A cell called `display(value)`. */
  readonly onExtraDisplay?: (cellId: string, bundle: MimeBundle) => void;
  /** A cell called `clearOutput({ wait })`: clear what it printed and displayed so far. */
  readonly onClearOutput?: (cellId: string, wait: boolean) => void;
  /** A cell started running (in topological order). */
  readonly onRun?: (cellId: string) => void;
  /** Type-check an empty cell right after construction, so the first real cell is fast (default true). */
  readonly warmUp?: boolean;
}

/** What `execute` reports for the executed cell once the affected subgraph has settled (or was preempted). */
export interface ExecuteOutcome {
  readonly cellId: string;
  readonly status: "ok" | "error";
  readonly error?: CellErrorReport;
  /** Other cells that re-ran because of this execution, in the order they started. */
  readonly reran: readonly string[];
  /** Other cells whose type-check result changed because of this execution (a missing name appeared, a type changed). */
  readonly rechecked: readonly string[];
  /** True when the cell reads names of other cells (so its display may change later). */
  readonly hasInputs: boolean;
  /** False when `until` fired before everything settled. */
  readonly settled: boolean;
}

interface CellResult {
  names: Record<string, unknown>;
  value: unknown;
  hasValue: boolean;
}

type CellFunction = (...args: unknown[]) => Promise<CellResult>;

/** What an execution changed: the cells and names whose runtime variables `sync` must bring up to date. */
interface Touched {
  readonly cells: Set<string>;
  readonly names: Set<string>;
}

interface CellState {
  readonly id: string;
  compiled: CompiledCell;
  fn: CellFunction | undefined;
  runs: number;
  cellVar: Variable | undefined;
  cellSpec: string;
  displayVar: Variable | undefined;
  displaySpec: string;
  controller: RunControl | undefined;
  running: number;
  streams: number;
  error: unknown;
  observers: TrackedObserver[];
}

interface TrackedObserver extends Observer {
  busy: boolean;
  /** False once the cell is deleted: deleting a variable computes it one last time, which must not show. */
  live: boolean;
}

const cellVarName = (id: string): string => `#cell ${id}`;
/** How long after an execution the background library warm-up waits before parsing again. */
const quietMs = 250;
const displayVarName = (id: string): string => `#display ${id}`;
const aborted = Symbol("aborted");

// Calling a cell through a one-line vm script lets SIGINT break a synchronous infinite loop in the cell.
const trampolineScript = new vm.Script("globalThis.__nasbook_trampoline()", { filename: "nasbook-trampoline" });

function callInterruptibly<T>(f: () => T): T {
  const g = globalThis as { __nasbook_trampoline?: () => T };
  const previous = g.__nasbook_trampoline;
  g.__nasbook_trampoline = f;
  try {
    return trampolineScript.runInThisContext({ breakOnSigint: true }) as T;
  } finally {
    g.__nasbook_trampoline = previous;
  }
}

/**
 * The reason a cell's signal aborts when the runtime invalidates it. Made without a stack trace: it would only show
 * the runtime's frames, and a chain of 100 dependents re-running would capture 100 of them.
 */
function invalidatedError(): AbortError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new AbortError("the cell was invalidated: an input changed, or it was re-run or deleted");
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Cell functions that have run once (see runCell: only the first run is wrapped in breakOnSigint). */
const ranOnce = new WeakSet<CellFunction>();

/**
 * Cell functions whose code can reach the `signal` parameter: it names it (or uses `eval` or `arguments`, which
 * could). The others get no AbortSignal made for them (see runControl.ts); their runs still stop on an interrupt.
 */
const readsSignal = new WeakSet<CellFunction>();

function isStream(value: unknown): value is AsyncIterable<unknown> | Generator<unknown> {
  if (value === null || typeof value !== "object") return false;
  const v = value as Record<string | symbol, unknown>;
  if (typeof v[Symbol.asyncIterator] === "function") return true;
  // Sync generators stream too (Observable semantics); arrays and other plain iterables do not.
  return typeof v["next"] === "function" && typeof v["return"] === "function" && typeof v[Symbol.iterator] === "function";
}

/** A reactive notebook: cells in, displays out. */
export class Notebook {
  readonly compiler: CellCompiler;
  private readonly runtime = new Runtime();
  private readonly module: Module;
  private readonly cells = new Map<string, CellState>();
  private readonly order: string[] = [];
  private readonly nameVars = new Map<string, { variable: Variable; spec: string }>();
  /** Live observers whose variable is computing, and cells whose code is running: settled when both are 0. */
  private busyObservers = 0;
  private runningCells = 0;
  /** code -> ids of the cells with that code, in notebook order (for `identify`). */
  private readonly byCode = new Map<string, string[]>();
  private readonly context = new AsyncLocalStorage<string>();
  private readonly removeDisplayRoute: () => void;
  private readonly importer: (specifier: string) => Promise<unknown>;
  private listeners: Array<() => void> = [];
  private activeStreams = 0;
  private nextAnonymous = 1;
  private readonly graph = new LiveGraph();
  private library: unknown;
  private libraryLoad: Promise<void> | undefined;
  private runLog: string[] | undefined;
  private errorLog: Map<string, unknown> | undefined;
  private pendingInterrupt = false;
  /** Aborted on dispose: stops the background warm-up, which would otherwise keep a finished process alive. */
  private readonly warming = new AbortController();
  /** execute() calls in progress (the background warm-up waits while there are any). */
  private executions = 0;
  /** When the last execute() ended (performance.now()). */
  private lastExecution = 0;
  private readonly unwatchInterrupts: () => void;
  private readonly unwatchClearOutput: () => void;

  constructor(private readonly options: NotebookOptions = {}) {
    this.compiler = new CellCompiler({ cwd: options.cwd });
    this.module = this.runtime.module();
    this.importer = cellImporter(this.compiler.cwd);
    // Lets libraries (the tslab shim) show output below the running cell.
    this.removeDisplayRoute = addDisplayRoute({ activeCellId: () => this.activeCellId(), show: (id, b) => this.options.onExtraDisplay?.(id, b) });
    this.unwatchInterrupts = watchCellInterrupts(() => this.currentCellInterrupted());
    // Parse and bind the lib files while the kernel is starting up, not when the first cell arrives.
    // Then the library's type files, in slices between requests (the first `nas` cell then only binds them).
    if (options.warmUp !== false) {
      setImmediate(() => {
        if (this.warming.signal.aborted) return;
        this.compiler.warmUp();
        // Idle = no execution for a moment: cells sent back to back (a script, Run All) are not slowed by slices.
        const idle = (): boolean => this.executions === 0 && performance.now() - this.lastExecution > quietMs;
        void this.compiler.warmLibrary({ signal: this.warming.signal, idle });
      });
    }
    this.unwatchClearOutput = onClearOutput((wait) => {
      const id = this.context.getStore();
      if (id === undefined || !this.cells.has(id)) return false;
      this.options.onClearOutput?.(id, wait);
      return true;
    });
  }

  /** True when the cell whose async context is running was interrupted (polled by loop guards). */
  private currentCellInterrupted(): boolean {
    const id = this.context.getStore();
    return id !== undefined && this.cells.get(id)?.controller?.interrupted === true;
  }

  /** The id of the cell whose code is running in the current async context (for attributing console output). */
  activeCellId(): string | undefined {
    return this.context.getStore();
  }

  /** Ids of the cells, in the order they were first executed. */
  cellIds(): string[] {
    return [...this.order];
  }

  /** The compiled form of a cell (what it defines and reads). */
  cell(id: string): CompiledCell | undefined {
    return this.cells.get(id)?.compiled;
  }

  /** The current cell graph. */
  cellGraph(): CellGraph {
    return this.graph;
  }

  /** What Jupyter's user_expressions see: every name a cell defines, and the library (see userExpressions.ts). */
  expressionScope(): ExpressionScope {
    const definers = this.graph.definers;
    return {
      get names() {
        return [...definers.keys()];
      },
      value: (name) => this.module.value(name),
      library: this.library,
    };
  }

  private loadLibrary(): Promise<void> {
    this.libraryLoad ??= import(libraryEntry).then(
      (m: unknown) => {
        this.library = m;
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

  /**
   * Which cell some code replaces when the client sends no cell id: the cell defining any of the same names
   * (so a redefinition of `space` replaces the cell that defined `space`), else an earlier cell with the same
   * code, else a new cell.
   */
  identify(code: string): string {
    const names = this.compiler.declared(code).values;
    let found: string | undefined;
    let position = Infinity;
    for (const n of names) {
      const id = this.graph.definers.get(n)?.[0];
      const at = id === undefined ? Infinity : this.graph.position(id);
      if (at < position) [found, position] = [id, at];
    }
    if (found !== undefined) return found;
    if (names.length === 0) {
      const same = this.byCode.get(code);
      if (same?.length) return same[0]!;
    }
    let id: string;
    do id = `c${this.nextAnonymous++}`;
    while (this.cells.has(id));
    return id;
  }

  /**
   * Compiles and runs a cell (new or changed), re-running its dependents, and resolves once everything it
   * affected has settled (streams included) or `until` resolves, whichever is first.
   */
  async execute(code: string, opts: { cellId?: string; until?: Promise<unknown> } = {}): Promise<ExecuteOutcome> {
    this.executions++;
    try {
      return await this.executeCounted(code, opts);
    } finally {
      this.executions--;
      this.lastExecution = performance.now();
    }
  }

  private async executeCounted(code: string, opts: { cellId?: string; until?: Promise<unknown> }): Promise<ExecuteOutcome> {
    const id = opts.cellId ?? this.identify(code);
    let update: CompileResult;
    try {
      update = this.compiler.update(id, code);
    } catch (err) {
      if (!(err instanceof CheckInterrupted)) throw err;
      // Interrupted while type-checking: nothing ran and the cell keeps its previous version. Let the event loop
      // turn first, as after a run, so the kernel has handled the interrupt before the next request starts.
      await this.whenSettled(opts.until);
      this.pendingInterrupt = false;
      const error = reportError(new InterruptedError());
      return { cellId: id, status: "error", error, reran: [], rechecked: [], hasInputs: false, settled: true };
    }
    const compiled = update.cell!;
    const touched = { cells: new Set<string>([id]), names: new Set<string>() };
    const rechecked = this.applyRechecks(update, touched);
    // Only cells that mention `nas` wait for the library: a first `1 + 1` does not load tfjs.
    if (compiled.usesLibrary || update.rechecked.some((c) => c.usesLibrary)) await this.loadLibrary();
    let cell = this.cells.get(id);
    if (!cell) {
      cell = {
        id, compiled, fn: undefined, runs: 0, cellVar: undefined, cellSpec: "", displayVar: undefined,
        displaySpec: "", controller: undefined, running: 0, streams: 0, error: undefined, observers: [],
      };
      this.cells.set(id, cell);
      this.order.push(id);
    }
    this.setCode(cell, compiled, touched);
    cell.runs++;
    cell.fn = undefined;
    let compileError: unknown;
    if (compiled.errors.length) compileError = new CellCompileError(compiled.errors);
    else {
      try {
        cell.fn = this.instantiate(compiled);
      } catch (err) {
        compileError = err;
      }
    }
    const runLog: string[] = [];
    const errorLog = new Map<string, unknown>();
    this.runLog = runLog;
    this.errorLog = errorLog;
    this.sync(compileError === undefined ? undefined : { id, error: compileError }, touched);
    const settled = await this.whenSettled(opts.until);
    this.runLog = undefined;
    this.errorLog = undefined;
    const err = compileError ?? errorLog.get(id);
    return {
      cellId: id,
      status: err === undefined ? "ok" : "error",
      ...(err === undefined ? {} : { error: reportError(err) }),
      reran: runLog.filter((r) => r !== id),
      rechecked,
      hasInputs: compiled.references.length > 0,
      settled,
    };
  }

  /** Deletes cells: their names disappear, and cells reading them show an error. */
  async delete(ids: readonly string[], opts: { until?: Promise<unknown> } = {}): Promise<void> {
    let changed = false;
    const touched = { cells: new Set<string>(), names: new Set<string>() };
    for (const id of ids) {
      const cell = this.cells.get(id);
      if (!cell) continue;
      changed = true;
      cell.controller?.abort(new AbortError("the cell was deleted"));
      cell.cellVar?.delete();
      cell.displayVar?.delete();
      this.forgetObservers(cell);
      this.cells.delete(id);
      this.order.splice(this.order.indexOf(id), 1);
      this.forgetCode(id, cell.compiled.code);
      this.touch(touched, this.graph.remove(id));
      touched.cells.delete(id);
      this.applyRechecks(this.compiler.remove(id), touched);
    }
    if (!changed) return;
    this.sync(undefined, touched);
    await this.whenSettled(opts.until);
  }

  /** True while cell `id`'s code or one of its streams is running. */
  isRunning(id: string): boolean {
    const cell = this.cells.get(id);
    return cell !== undefined && (cell.running > 0 || cell.streams > 0);
  }

  /**
   * Aborts the signal of every running cell, stops every stream, and fails the pending result of every running
   * cell at once (a cell awaiting something that ignores its signal stops too; its code may go on in the
   * background, but its result is discarded). Returns false when nothing was running.
   */
  interrupt(): boolean {
    let hit = false;
    // Over every cell, but only on an interrupt (rare, and the user is waiting for it anyway).
    for (const cell of this.cells.values()) {
      if (cell.running > 0 || cell.streams > 0) {
        hit = true;
        cell.controller?.abort(new InterruptedError());
      }
    }
    return hit;
  }

  /**
   * Makes the next cell that starts running fail as interrupted: for an interrupt that arrives while a cell is
   * being compiled or type-checked (nothing is running yet, but the user asked to stop what they just started).
   */
  interruptNextRun(): void {
    this.pendingInterrupt = true;
  }

  /** Forgets an interrupt that found no cell to stop (the execution it was meant for has ended). */
  cancelPendingInterrupt(): void {
    this.pendingInterrupt = false;
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
    for (const cell of this.cells.values()) cell.controller?.abort(new AbortError("the notebook was disposed"));
    this.warming.abort();
    this.removeDisplayRoute();
    this.runtime.dispose();
    this.unwatchInterrupts();
    this.unwatchClearOutput();
  }

  private instantiate(compiled: CompiledCell): CellFunction {
    const params = [importFunctionName, "nas", "signal", "invalidation", "display", ...compiled.references];
    // One line of header keeps the cell's line numbers in stack traces; the inner block lets a cell declare
    // a name (say `signal`) that shadows an injected parameter.
    const source = `(async function (${params.join(", ")}) { "use strict"; {${guardLoops(compiled.body)}\n} })`;
    const fn = vm.runInThisContext(source, { filename: `cell[${compiled.id}]` }) as CellFunction;
    if (/\b(signal|eval|arguments)\b/.test(compiled.body)) readsSignal.add(fn);
    return fn;
  }

  /** Records a cell's new compiled form: in the graph (collecting what that changed) and in the code index. */
  private setCode(cell: CellState, compiled: CompiledCell, touched: Touched): void {
    if (cell.compiled !== compiled) this.forgetCode(cell.id, cell.compiled.code);
    cell.compiled = compiled;
    const same = this.byCode.get(compiled.code);
    if (!same) this.byCode.set(compiled.code, [cell.id]);
    else if (!same.includes(cell.id)) {
      same.push(cell.id);
      same.sort((a, b) => this.graph.position(a) - this.graph.position(b));
    }
    this.touch(touched, this.graph.set(compiled));
  }

  private forgetCode(id: string, code: string): void {
    const same = this.byCode.get(code);
    if (!same) return;
    const i = same.indexOf(id);
    if (i >= 0) same.splice(i, 1);
    if (same.length === 0) this.byCode.delete(code);
  }

  private touch(touched: Touched, change: GraphChange): void {
    for (const c of change.cells) touched.cells.add(c);
    for (const n of change.names) touched.names.add(n);
  }

  /**
   * Brings the runtime in line with the cells that changed: (re)defines the variables of the cells in `touched`
   * (the executed cell, re-checked cells, cells whose graph problems changed) and of the names whose definers or
   * readers changed. Everything else keeps its variables, so this costs what changed, not the notebook's size.
   */
  private sync(failed: { id: string; error: unknown } | undefined, touched: Touched): void {
    const label = (id: string): string => `[${id}]`;
    const cells = [...touched.cells].filter((id) => this.cells.has(id));
    for (const id of cells) {
      const cell = this.cells.get(id)!;
      const problems = (this.graph.problems.get(id) ?? []).filter((p) => p.kind !== "undefined");
      let spec: string;
      let define: () => void;
      const name = cellVarName(id);
      const variable = (cell.cellVar ??= this.module.variable(this.observe(cell, "cell")));
      if (failed?.id === id || (!cell.fn && cell.compiled.errors.length)) {
        const error = failed?.id === id ? failed.error : new CellCompileError(cell.compiled.errors);
        spec = `failed ${cell.runs}`;
        define = () => variable.define(name, [], () => { throw error; });
      } else if (problems.length) {
        const message = problems.map((p) => describeProblem(p, label)).join("; ");
        const Kind = problems[0]!.kind === "cycle" ? CircularDefinitionError : DuplicateDefinitionError;
        spec = `problem ${message}`;
        define = () => variable.define(name, [], () => { throw new Kind(message); });
      } else {
        spec = `run ${cell.runs} ${cell.compiled.references.join(",")}`;
        const fn = cell.fn!;
        define = () =>
          variable.define(name, [...cell.compiled.references, "invalidation"], (...args: unknown[]) =>
            this.runCell(cell, fn, args.slice(0, -1), args[args.length - 1] as Promise<void>),
          );
      }
      if (spec !== cell.cellSpec) {
        cell.cellSpec = spec;
        define();
      }
    }
    this.syncNames(touched.names);
    for (const id of cells) this.syncDisplay(this.cells.get(id)!);
  }

  /** (Re)defines the variables of `names`: each picks its name out of its one definer, or throws why it cannot. */
  private syncNames(names: Iterable<string>): void {
    for (const name of names) {
      const ids = this.graph.definers.get(name) ?? [];
      const spec = ids.length === 1 ? `cell ${ids[0]}` : ids.length > 1 ? `duplicate ${ids.join(",")}` : this.graph.isRead(name) ? "undefined" : "";
      const entry = this.nameVars.get(name);
      if (!spec) {
        if (entry) {
          entry.variable.delete();
          this.nameVars.delete(name);
        }
        continue;
      }
      if (entry?.spec === spec) continue;
      const variable = entry?.variable ?? this.module.variable();
      this.nameVars.set(name, { variable, spec });
      if (ids.length === 1) {
        const cell = this.cells.get(ids[0]!)!;
        variable.define(name, [cellVarName(cell.id)], (r: CellResult) => this.asStream(r.names[name], cell));
      } else if (ids.length > 1) {
        const message = describeProblem({ kind: "duplicate", name, cells: ids }, (id) => `[${id}]`);
        variable.define(name, [], () => { throw new DuplicateDefinitionError(message); });
      } else {
        const message = describeProblem({ kind: "undefined", names: [name] });
        variable.define(name, [], () => { throw new UndefinedNameError(message); });
      }
    }
  }

  private syncDisplay(cell: CellState): void {
    const c = cell.compiled;
    const spec = c.hasValue ? `value ${cell.runs}` : c.displayName ? `name ${c.displayName} ${cell.runs}` : "";
    if (spec === cell.displaySpec) return;
    cell.displaySpec = spec;
    if (!spec) {
      cell.displayVar?.delete();
      return;
    }
    const variable = (cell.displayVar ??= this.module.variable(this.observe(cell, "display")));
    if (c.hasValue) {
      variable.define(displayVarName(cell.id), [cellVarName(cell.id)], (r: CellResult) => this.asStream(r.value, cell));
    } else {
      variable.define(displayVarName(cell.id), [c.displayName!], (v: unknown) => v);
    }
  }

  private observe(cell: CellState, role: "cell" | "display"): TrackedObserver {
    const observer: TrackedObserver = {
      busy: false,
      live: true,
      pending: () => this.setBusy(observer, true),
      fulfilled: (value) => {
        this.setBusy(observer, false);
        if (!observer.live) return;
        if (role === "cell") {
          cell.error = undefined;
          return;
        }
        this.options.onDisplay?.({ cellId: cell.id, bundle: toMimeBundle(value), streaming: cell.streams > 0 });
      },
      rejected: (error) => {
        this.setBusy(observer, false);
        if (!observer.live) return;
        // When the cell itself failed, its display fails as a consequence (re-wrapped by the runtime as a
        // RuntimeError): the cell's error was already reported.
        if (role === "display" && cell.error !== undefined) return;
        const shown = this.asSeenBy(cell, error);
        if (role === "cell") cell.error = shown;
        if (this.errorLog && !this.errorLog.has(cell.id)) this.errorLog.set(cell.id, shown);
        this.options.onDisplay?.({ cellId: cell.id, bundle: errorBundle(shown), error: reportError(shown) });
      },
    };
    cell.observers.push(observer);
    return observer;
  }

  private forgetObservers(cell: CellState): void {
    for (const o of cell.observers) {
      if (o.busy) this.busyObservers--;
      o.busy = false;
      o.live = false;
    }
    this.notify();
  }

  private setBusy(observer: TrackedObserver, busy: boolean): void {
    // A deleted cell's variable may still report; it no longer counts.
    if (observer.live && observer.busy !== busy) {
      observer.busy = busy;
      this.busyObservers += busy ? 1 : -1;
    }
    this.notify();
  }

  private notify(): void {
    const listeners = this.listeners;
    this.listeners = [];
    for (const l of listeners) l();
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.listeners.push(resolve));
  }

  private isSettled(): boolean {
    if (this.activeStreams > 0 || this.busyObservers > 0) return false;
    // The runtime computes on the next macrotask after a redefinition; a scheduled computation is not settled.
    return !(this.runtime as unknown as { _computing: unknown })._computing;
  }

  /** Resolves true when nothing is computing or streaming, or false when `until` resolves first. */
  async whenSettled(until?: Promise<unknown>): Promise<boolean> {
    let preempted = false;
    void until?.then(() => {
      preempted = true;
      this.notify();
    });
    for (;;) {
      // Two macrotasks: the runtime schedules computation with setImmediate, and generators pull once per turn.
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      if (preempted) return false;
      if (this.isSettled()) return true;
      await Promise.race([this.changed(), new Promise((r) => setTimeout(r, 50))]);
      if (preempted) return false;
    }
  }

  /**
   * True when streams are yielding and no cell body is still computing. The kernel cuts a request's wait short for a
   * new request only then: a cell still awaiting its own work (and that may yet throw) finishes first, as in any
   * Jupyter kernel.
   */
  onlyStreaming(): boolean {
    if (this.activeStreams === 0) return false;
    if ((this.runtime as unknown as { _computing: unknown })._computing) return false;
    return this.runningCells === 0;
  }

  /**
   * Takes the type-check results of cells re-checked because of a change elsewhere (a missing name appeared, an
   * upstream type changed). A cell whose errors or inputs changed is redefined, so it re-runs (or shows its new
   * error) and its display updates in place. Returns the ids of the cells whose result changed.
   */
  private applyRechecks(update: CompileResult, touched: Touched): string[] {
    const changed: string[] = [];
    for (const next of update.rechecked) {
      const cell = this.cells.get(next.id);
      if (!cell) continue;
      const before = cell.compiled;
      this.setCode(cell, next, touched);
      const same =
        before.references.join(",") === next.references.join(",") &&
        JSON.stringify(before.errors) === JSON.stringify(next.errors) &&
        before.body === next.body;
      if (same) continue;
      changed.push(next.id);
      touched.cells.add(next.id);
      cell.runs++;
      cell.fn = undefined;
      if (!next.errors.length) {
        try {
          cell.fn = this.instantiate(next);
        } catch {
          // Left without a function: sync shows it as failing to compile, as `execute` would.
        }
      }
    }
    return changed;
  }

  /**
   * The error cell `cell` shows for `error`: its own, or, when an input failed (the runtime then rejects the
   * cell with a RuntimeError naming that input), a short `UpstreamCellError` naming the input, the cell defining
   * it and the cell the failure started in, so the upstream's positions and stack stay on the upstream.
   */
  private asSeenBy(cell: CellState, error: unknown): unknown {
    if (!(error instanceof Error) || error.name !== "RuntimeError") return error;
    const input = (error as Error & { input?: unknown }).input;
    if (typeof input !== "string" || !cell.compiled.references.includes(input)) return error;
    const ids = this.graph.definers.get(input);
    // A duplicate or missing definition is this cell's problem, and its message already says so.
    if (ids?.length !== 1) return error;
    const from = this.cells.get(ids[0]!);
    if (!from) return error;
    const failed = from.error ?? new Error(error.message);
    if (failed instanceof UpstreamCellError) return new UpstreamCellError(input, from.id, failed.sourceCell, failed.failure);
    return new UpstreamCellError(input, from.id, from.id, failed);
  }

  private async runCell(cell: CellState, fn: CellFunction, inputs: unknown[], invalidation: Promise<void>): Promise<CellResult> {
    this.runLog?.push(cell.id);
    this.options.onRun?.(cell.id);
    const controller = new RunControl();
    cell.controller = controller;
    void invalidation.then(() => controller.abort(invalidatedError()));
    const show = (...values: unknown[]): void => {
      for (const v of values) {
        const bundle = toMimeBundle(v);
        if (bundle) this.options.onExtraDisplay?.(cell.id, bundle);
      }
    };
    cell.running++;
    this.runningCells++;
    this.notify();
    try {
      if (this.pendingInterrupt) {
        this.pendingInterrupt = false;
        controller.abort(new InterruptedError());
        throw controller.reason;
      }
      const signal = readsSignal.has(fn) ? controller.signal : undefined;
      const call = (): Promise<CellResult> => fn(this.importer, this.library, signal, invalidation, show, ...inputs);
      // breakOnSigint costs ~0.5 ms per call (Node starts and stops its SIGINT watchdog): only a cell's first run
      // after it was (re)defined gets it; dependents re-run by the runtime rely on the loop guards.
      const first = !ranOnce.has(fn);
      ranOnce.add(fn);
      const result = this.context.run(cell.id, () => (first ? callInterruptibly(call) : call()));
      return await controller.untilInterrupted(result);
    } finally {
      cell.running--;
      this.runningCells--;
      this.notify();
    }
  }

  private asStream(value: unknown, cell: CellState): unknown {
    if (!isStream(value)) return value;
    return this.stream(value, cell, cell.controller?.signal);
  }

  private async *stream(source: AsyncIterable<unknown> | Generator<unknown>, cell: CellState, signal: AbortSignal | undefined): AsyncGenerator<unknown> {
    cell.streams++;
    this.activeStreams++;
    const iterator: Iterator<unknown> | AsyncIterator<unknown> =
      Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : (source as Generator<unknown>);
    const stop = new Promise<typeof aborted>((resolve) => {
      if (signal?.aborted) resolve(aborted);
      signal?.addEventListener("abort", () => resolve(aborted), { once: true });
    });
    let finished = false;
    try {
      for (;;) {
        const step = await Promise.race([this.context.run(cell.id, () => Promise.resolve(iterator.next())), stop]);
        if (step === aborted) throw signal!.reason;
        if (step.done) {
          finished = true;
          return;
        }
        yield step.value;
      }
    } finally {
      // Stop the source too: its `finally` blocks run (Observable semantics for invalidated generators).
      if (!finished) void Promise.resolve(iterator.return?.()).catch(() => undefined);
      cell.streams--;
      this.activeStreams--;
      this.notify();
    }
  }
}
