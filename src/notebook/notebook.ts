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
import { analyseCell, type CellAnalysis } from "./analysis.js";
import {
  CellCompileError, CircularDefinitionError, DuplicateDefinitionError, InterruptedError, UndefinedNameError,
  reportError, type CellErrorReport,
} from "./cellErrors.js";
import { CellChecker, CheckInterrupted, type CellCompletions, type CheckedCell } from "./checker.js";
import { Dataflow, type CellSpec, type CompiledCell } from "./dataflow.js";
import { describeProblem, type CellGraph } from "./graph.js";
import { isComplete, type Completeness } from "./isComplete.js";
import { errorBundle, toMimeBundle, type MimeBundle } from "./mime.js";
import { NameIndex, type NameChange } from "./names.js";
import { nodeHost } from "./nodeHost.js";
import type { RunningCells } from "./runningCell.js";
import { tslabModule } from "./tslabCompat.js";
import type { ExpressionHost, ExpressionScope } from "./userExpressions.js";

/** Where a notebook's output goes (the output router implements it; every method optional). */
export interface NotebookOutputs {
  /** Whether cell `cellId` reads other cells (decided at each execution). */
  setLive?(cellId: string, live: boolean): void;
  run?(cellId: string): void;
  stream?(cellId: string, name: "stdout" | "stderr", text: string): void;
  display?(cellId: string, bundle: MimeBundle, displayId?: string): void;
  updateDisplay?(displayId: string, bundle: MimeBundle): void;
  value?(cellId: string, bundle: MimeBundle | undefined, streaming: boolean): void;
  error?(cellId: string, bundle: MimeBundle, report: CellErrorReport): void;
  clear?(cellId: string, wait: boolean): void;
  forget?(cellId: string): void;
}

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

/** A cell as the notebook knows it. */
export interface NotebookCell {
  readonly id: string;
  readonly code: string;
  readonly defines: readonly string[];
  readonly references: readonly string[];
}

/** How long after an execution the background library warm-up waits before parsing again. */
const quietMs = 250;
const signalWords = /\b(signal|eval|arguments)\b/;

/** A reactive notebook: cells in, outputs out (see the file comment). */
export class Notebook {
  readonly index = new NameIndex();
  readonly checker: CellChecker;
  private readonly dataflow: Dataflow;
  private readonly running: RunningCells;
  private readonly outputs: NotebookOutputs;
  private readonly checked = new Map<string, CheckedCell>();
  /** code -> ids of the cells with that code, most recent last (for `identify`). */
  private readonly byCode = new Map<string, string[]>();
  private nextAnonymous = 1;
  private library: unknown;
  private libraryLoad: Promise<void> | undefined;
  private readonly warming = new AbortController();
  private executions = 0;
  private lastExecution = 0;
  private readonly host: ReturnType<typeof nodeHost>;

  constructor(private readonly options: NotebookOptions = {}) {
    this.outputs = options.outputs ?? {};
    this.checker = new CellChecker(this.index, { cwd: options.cwd, interruptRequested: options.interruptRequested });
    this.host = nodeHost({
      cwd: this.checker.cwd,
      running: options.running,
      interruptRequested: options.interruptRequested,
      print: (cellId, name, text) => this.outputs.stream?.(cellId, name, text),
      library: () => this.library,
      loadLibrary: () => this.loadLibrary(),
      modules: {
        nasbook: () => this.library,
        tslab: () => this.tslab,
      },
    });
    this.running = this.host.running;
    const toBundle = (v: unknown): MimeBundle | undefined => toMimeBundle(v);
    this.dataflow = new Dataflow(this.host, {
      run: (id) => this.outputs.run?.(id),
      value: (id, v, streaming) => this.outputs.value?.(id, toBundle(v), streaming),
      error: (id, e) => {
        const shown = this.mapLines(e);
        this.outputs.error?.(id, errorBundle(shown), this.report(shown));
      },
      display: (id, values) => {
        for (const v of values) {
          const b = toBundle(v);
          if (b) this.outputs.display?.(id, b);
        }
      },
      clear: (id, wait) => this.outputs.clear?.(id, wait),
    });
    if (options.warmUp !== false) {
      setImmediate(() => {
        if (this.warming.signal.aborted) return;
        this.checker.warmUp();
        const idle = (): boolean => this.executions === 0 && performance.now() - this.lastExecution > quietMs;
        void this.checker.warmLibrary({ signal: this.warming.signal, idle });
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

  /** The cell whose code runs in the current async context (for attributing output). */
  activeCellId(): string | undefined {
    return this.running.current();
  }

  /** The running-cell registry (the kernel's stdout capture and fault handlers ask it). */
  get runningCells(): RunningCells {
    return this.running;
  }

  /** Ids of the cells, in notebook order. */
  cellIds(): string[] {
    return [...this.index.cells.keys()];
  }

  /** What the notebook knows of a cell. */
  cell(id: string): NotebookCell | undefined {
    const c = this.checked.get(id);
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

  /**
   * The cell some code is when the client sends no cell id: the cell that last ran exactly this code (running it
   * again is re-running that cell), else a new cell. Names never decide: a second definition of a name is an
   * error naming both cells, whichever client sent it (see graph.ts).
   */
  identify(code: string): string {
    const same = this.byCode.get(code);
    if (same?.length) return same[same.length - 1]!;
    let id: string;
    do id = `c${this.nextAnonymous++}`;
    while (this.index.cells.has(id));
    return id;
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
    const analysis = analyseCell(code, { fileName: this.checker.checkFileName });
    const previous = this.checked.get(id);
    const change = new ChangeSet();
    change.add(this.index.declare(declarations(id, analysis)));
    let result: CheckedCell;
    let declarationChanged: boolean;
    try {
      ({ cell: result, declarationChanged } = this.checker.check(id, analysis));
    } catch (err) {
      if (!(err instanceof CheckInterrupted)) throw err;
      // Interrupted while type-checking: nothing ran and the cell keeps its previous version.
      if (previous) this.index.declare(declarations(id, previous.analysis));
      else this.index.remove(id);
      await this.dataflow.whenSettled(opts.until);
      this.dataflow.cancelPendingInterrupt();
      return { cellId: id, status: "error", error: reportError(new InterruptedError()), reran: [], rechecked: [], hasInputs: false, settled: true };
    }
    this.remember(id, result, previous);
    change.add(this.index.setReferences(id, result.references));
    const namesBefore = previous ? [...previous.analysis.values, ...previous.analysis.types] : [];
    const namesAfter = [...analysis.values, ...analysis.types];
    const propagate = new Set<string>(change.names);
    if (declarationChanged || namesBefore.join() !== namesAfter.join()) for (const n of [...namesBefore, ...namesAfter]) propagate.add(n);
    const rechecked = this.recheck(propagate, id, change);
    if (result.analysis.usesLibrary || rechecked.some((c) => this.checked.get(c)?.analysis.usesLibrary)) await this.loadLibrary();
    this.outputs.setLive?.(id, result.references.length > 0);
    this.dataflow.rerun(id);
    this.dataflow.startLog();
    this.sync(new Set([id, ...change.cells, ...rechecked]), change.names);
    const settled = await this.dataflow.whenSettled(opts.until);
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

  /** Re-checks the cells whose view of `names` changed, feeding their new references to the index. */
  private recheck(names: ReadonlySet<string>, skip: string | undefined, change: ChangeSet): string[] {
    const changed: string[] = [];
    this.checker.recheck(names, skip, (cell) => {
      const before = this.checked.get(cell.id);
      this.remember(cell.id, cell, before);
      change.add(this.index.setReferences(cell.id, cell.references));
      const same = before !== undefined && before.body === cell.body && before.references.join() === cell.references.join() &&
        JSON.stringify(before.errors) === JSON.stringify(cell.errors);
      if (!same) {
        changed.push(cell.id);
        this.dataflow.rerun(cell.id);
      }
    });
    return changed;
  }

  private remember(id: string, cell: CheckedCell, previous: CheckedCell | undefined): void {
    if (previous && previous.analysis.code !== cell.analysis.code) {
      const list = this.byCode.get(previous.analysis.code);
      if (list) {
        list.splice(list.indexOf(id), 1);
        if (!list.length) this.byCode.delete(previous.analysis.code);
      }
    }
    const list = this.byCode.get(cell.analysis.code) ?? [];
    if (!list.includes(id)) list.push(id);
    this.byCode.set(cell.analysis.code, list);
    this.checked.set(id, cell);
  }

  /** Deletes cells: their names disappear (or pass to another definer), and cells reading them show an error. */
  async delete(ids: readonly string[], opts: { until?: Promise<unknown> } = {}): Promise<void> {
    const change = new ChangeSet();
    const gone: string[] = [];
    const names = new Set<string>();
    for (const id of ids) {
      const c = this.checked.get(id);
      if (!c) continue;
      gone.push(id);
      this.dataflow.remove([id]);
      change.add(this.index.remove(id));
      this.checker.remove(id);
      this.checked.delete(id);
      const list = this.byCode.get(c.analysis.code);
      if (list) {
        list.splice(list.indexOf(id), 1);
        if (!list.length) this.byCode.delete(c.analysis.code);
      }
      for (const n of [...c.analysis.values, ...c.analysis.types]) names.add(n);
      this.outputs.forget?.(id);
    }
    if (!gone.length) return;
    for (const n of change.names) names.add(n);
    const rechecked = this.recheck(names, undefined, change);
    this.sync(new Set([...change.cells, ...rechecked].filter((c) => !gone.includes(c))), change.names);
    await this.dataflow.whenSettled(opts.until);
  }

  /** The error a cell fails with before running (compile errors, graph problems), if any. */
  private specError(id: string): unknown {
    const c = this.checked.get(id);
    if (!c) return undefined;
    if (c.errors.length) return new CellCompileError(c.errors);
    const problems = this.index.problems.get(id) ?? [];
    if (!problems.length) return undefined;
    const label = (cell: string): string => `[${cell}]`;
    const message = problems.map((p) => describeProblem(p, label)).join("; ");
    const kind = problems[0]!.kind;
    if (kind === "cycle") return new CircularDefinitionError(message);
    if (kind === "duplicate") return new DuplicateDefinitionError(message);
    return new UndefinedNameError(message);
  }

  /** Brings the dataflow in line with the cells and names that changed. */
  private sync(cells: ReadonlySet<string>, names: ReadonlySet<string>): void {
    const specs: CellSpec[] = [];
    for (const id of cells) {
      const c = this.checked.get(id);
      if (!c) continue;
      const error = this.specError(id);
      if (error !== undefined) {
        specs.push({ kind: "fail", id, error });
        continue;
      }
      const inputs = new Map<string, string>();
      for (const n of c.references) {
        const owner = this.index.owner(n);
        if (owner !== undefined) inputs.set(n, owner);
      }
      specs.push({ kind: "run", cell: compiledCell(c), inputs });
    }
    for (const n of names) this.dataflow.exposeName(n, this.index.isRead(n) ? this.index.owner(n) : undefined);
    // Readers of a name need its variable before they are defined.
    for (const s of specs) {
      if (s.kind !== "run") continue;
      for (const [n, owner] of s.inputs) this.dataflow.exposeName(n, owner);
    }
    this.dataflow.define(specs);
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

  /** True when only streams are running (a waiting request may give way to the next one). */
  onlyStreaming(): boolean {
    return this.dataflow.onlyStreaming();
  }

  /** Resolves at the next change of what runs (for waiting on `onlyStreaming` without polling). */
  changed(): Promise<void> {
    return this.dataflow.changed();
  }

  /** Completions for `code` at `cursor`. */
  complete(code: string, cursor: number, cellId?: string): CellCompletions {
    return this.checker.complete(analyseCell(code, { fileName: "completion.ts" }), cursor, cellId);
  }

  /** Type and documentation at `cursor`, or undefined. */
  inspect(code: string, cursor: number, cellId?: string): string | undefined {
    return this.checker.inspect(analyseCell(code, { fileName: "inspection.ts" }), cursor, cellId);
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
      const map = this.checked.get(id)?.lineMap;
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

/** The name-index view of an analysed cell. */
function declarations(id: string, a: CellAnalysis) {
  return { id, defines: [...a.values, ...a.types], imports: a.imports, redefines: a.redefines, mentioned: a.mentioned };
}

/** What the run side needs of a checked cell. */
export function compiledCell(c: CheckedCell): CompiledCell {
  const a = c.analysis;
  return {
    id: c.id,
    body: c.body,
    lineMap: c.lineMap,
    values: a.values,
    references: c.references,
    hasValue: a.hasValue,
    displayName: a.displayName,
    usesLibrary: a.usesLibrary,
    readsSignal: signalWords.test(a.code),
  };
}

/** Changes of the name index accumulated over one execution. */
class ChangeSet {
  readonly cells = new Set<string>();
  readonly names = new Set<string>();
  add(c: NameChange): void {
    for (const id of c.cells) this.cells.add(id);
    for (const n of c.names) this.names.add(n);
  }
}
