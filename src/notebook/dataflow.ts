/**
 * Step 4 of a cell's life: running compiled cells as a dataflow graph on @observablehq/runtime, and knowing when
 * everything has settled. No Node built-ins and no TypeScript here: a live page runs the same compiled cells with
 * this same code (the host gives what differs: how to make a function from source, how to import, the library).
 *
 * Variables: `#cell <id>` runs a cell's body and holds `{ names, value, hasValue }`; `#v <owner>.<name>` picks one
 * name out of the cell that owns it (made only while some cell reads the name), so a reader depends on the names it
 * reads, not on whole cells; `#display <id>` is what a cell shows (its trailing value, or the variable of its last
 * declaration). A stream (an async iterable or generator) flows value by value to its readers and display; one
 * source feeding several of them is pulled once (`StreamHub`).
 *
 * Settlement is counted, not polled: every computation the runtime starts on a variable reaches its observer
 * (`pending`, then `fulfilled` or `rejected`); a `#tick` variable redefined with every change fulfils only after the
 * runtime has started that change's computations; streams count themselves. Nothing reads the runtime's private
 * fields.
 */
import { Runtime, type Module, type Observer, type Variable } from "@observablehq/runtime";
import { AbortError } from "../errors.js";
import { cellParameters } from "./cellScope.js";
import { InterruptedError, UpstreamCellError } from "./cellErrors.js";
import type { RunningCells } from "./runningCell.js";
import { RunControl } from "./runControl.js";
import { ControlGroup, isControl, type Control } from "../ui/controls.js";

/** What running a cell needs: its compiled body and what it declares (plain data; a live page embeds it). */
export interface CompiledCell {
  readonly id: string;
  /** Body of an async function returning `{ names, value, hasValue }`. */
  readonly body: string;
  /** Line of the body -> line of the cell (1-based), for stack traces. */
  readonly lineMap: readonly number[];
  /** Runtime names the cell declares. */
  readonly values: readonly string[];
  /** Runtime names it reads from other cells, in the order of the cell function's parameters. */
  readonly references: readonly string[];
  readonly hasValue: boolean;
  /** Without a trailing expression: the variable of a last `const x = ...`, shown when it renders richly. */
  readonly displayName: string | undefined;
  /** Whether running it needs the library (it mentions `nas`). */
  readonly usesLibrary: boolean;
  /**
   * Whether its code can reach `signal` (it names it, or uses `eval` or `arguments`). Other cells get no AbortSignal
   * made for them (see runControl.ts); their runs still stop on an interrupt.
   */
  readonly readsSignal: boolean;
}

/** How a cell variable should be defined. */
export type CellSpec =
  /** Runs `cell`; each name it reads comes from the cell in `inputs`. */
  | { readonly kind: "run"; readonly cell: CompiledCell; readonly inputs: ReadonlyMap<string, string> }
  /** Fails with `error` (a compile error or a graph problem) without running. */
  | { readonly kind: "fail"; readonly id: string; readonly error: unknown; readonly compiled?: Pick<CompiledCell, "values" | "references"> };

/**
 * What one compile step asks of the dataflow: name variables to keep (name, owner or undefined: none), in order, then
 * the cell specs (made by cellSpecs.ts; recorded as data for a live page).
 */
export interface DataflowChange {
  readonly exposures: readonly (readonly [name: string, owner: string | undefined])[];
  readonly specs: readonly CellSpec[];
}

/** What differs between hosts (Node, a browser). */
export interface DataflowHost {
  readonly running: RunningCells;
  /** Makes a function from JavaScript source (`filename` names it in stack traces). */
  compile(source: string, filename: string): unknown;
  /** Calls cell function `fn` through `f` so that a synchronous infinite loop in it can be stopped; optional. */
  callInterruptibly?<T>(fn: object, f: () => T): T;
  /** True while an interrupt waits for this thread (polled by loop guards); optional. */
  interruptRequested?(): boolean;
  /** What a cell's `import` statements load. */
  importer(specifier: string): Promise<unknown>;
  /** The library every cell sees as `nas` (loaded before a cell that uses it runs). */
  library(): unknown;
  /** Loads the library (called before the first cell that mentions `nas` runs). */
  loadLibrary(): Promise<void>;
  /** A console for cell `cellId`'s code: what it prints goes to that cell. */
  console(cellId: string): unknown;
  /** How messages name cell `cellId` (see cellLabel.ts). */
  label(cellId: string): string;
  /** A value to give the control named `name` when a cell makes it (`nasbook run --set name=value`); optional. */
  controlValue?(name: string): string | undefined;
}

/** What the dataflow reports: the output router listens. */
export interface DataflowEvents {
  /** Cell `cellId`'s code started running (in topological order). */
  run?(cellId: string): void;
  /** A new value to show for the cell (undefined: nothing to show); `streaming` while a stream feeds it. */
  value?(cellId: string, value: unknown, streaming: boolean): void;
  /** The cell failed (its own error, or its input's as an UpstreamCellError). */
  error?(cellId: string, error: unknown): void;
  /** `display(...values)` in the cell. */
  display?(cellId: string, values: readonly unknown[]): void;
  /** `clearOutput({ wait })` in the cell. */
  clear?(cellId: string, wait: boolean): void;
  /** A control (the value of `name` in cell `cellId`) moved: its readers are about to re-run. */
  control?(cellId: string, name: string): void;
}

interface CellResult {
  names: Record<string, unknown>;
  value: unknown;
  hasValue: boolean;
}

type CellFunction = (...args: unknown[]) => Promise<CellResult>;

interface CellState {
  readonly id: string;
  spec: CellSpec;
  fn: CellFunction | undefined;
  /** Bumped at every (re)definition: an unchanged spec is not redefined. */
  version: number;
  cellVar: Variable | undefined;
  cellKey: string;
  displayVar: Variable | undefined;
  displayKey: string;
  controller: RunControl | undefined;
  /** How many of its bodies are running, and streams feeding its names or display. */
  running: number;
  streams: number;
  error: unknown;
  observers: TrackedObserver[];
  /** The hubs of its current run's streams, by source. */
  hubs: Map<object, StreamHub>;
}

/** The variable of a name some cell reads; for a control, the control it follows and how to stop following it. */
interface NameVar {
  readonly variable: Variable;
  readonly owner: string;
  control?: Control<unknown>;
  unsubscribe?: () => void;
}

interface TrackedObserver extends Observer {
  busy: boolean;
  live: boolean;
}

const cellVarName = (id: string): string => `#cell ${id}`;
const displayVarName = (id: string): string => `#display ${id}`;
const nameVarName = (owner: string, name: string): string => `#v ${owner}.${name}`;

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

/** True for values that stream to their readers: async iterables and generators (not arrays or other iterables). */
export function isStream(value: unknown): value is AsyncIterable<unknown> | Generator<unknown> {
  if (value === null || typeof value !== "object") return false;
  const v = value as Record<string | symbol, unknown>;
  if (typeof v[Symbol.asyncIterator] === "function") return true;
  return typeof v["next"] === "function" && typeof v["return"] === "function" && typeof v[Symbol.iterator] === "function";
}

/** Whether a value renders itself (a figure, a control, a search run): what a cell ending in `const x = ...` shows. */
export function rendersItself(value: unknown): boolean {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return false;
  const v = value as Record<string | symbol, unknown>;
  return typeof v[Symbol.for("nasbook.mime")] === "function" || typeof v["toMimeBundle"] === "function" || isStream(value);
}

/**
 * One stream source pulled once for several readers (a cell's display and its name's readers may share one
 * iterator, which a search allows to be iterated once). Each subscriber gets every value from the moment it joins.
 */
class StreamHub {
  private readonly iterator: Iterator<unknown> | AsyncIterator<unknown>;
  private readonly subscribers = new Set<{ queue: unknown[]; wake: (() => void) | undefined }>();
  private pulling: Promise<void> | undefined;
  /** The latest value: a subscriber joining late starts with it (a generator's current value, in Observable terms). */
  private last: { value: unknown } | undefined;
  private finished = false;
  private failure: { error: unknown } | undefined;
  constructor(source: AsyncIterable<unknown> | Generator<unknown>, private readonly context: <T>(f: () => T) => T) {
    this.iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : (source as Generator<unknown>);
  }

  /**
   * A generator of the values from now on; it ends when the source ends, and throws what `stop` resolves to (the
   * run's abort reason: an interrupt shows as such) when that comes first.
   */
  async *subscribe(stop: Promise<unknown>, onEnd: () => void): AsyncGenerator<unknown> {
    const me = { queue: this.last ? [this.last.value] : ([] as unknown[]), wake: undefined as (() => void) | undefined };
    this.subscribers.add(me);
    const stopped = Symbol("stopped");
    let reason: unknown;
    const stopping = stop.then((r) => {
      reason = r;
      return stopped;
    });
    try {
      for (;;) {
        if (me.queue.length) {
          yield me.queue.shift();
          continue;
        }
        if (this.failure) throw this.failure.error;
        if (this.finished) return;
        const more = new Promise<void>((r) => (me.wake = r));
        this.pull();
        if ((await Promise.race([more, stopping])) === stopped) throw reason;
      }
    } finally {
      this.subscribers.delete(me);
      onEnd();
      if (this.subscribers.size === 0 && !this.finished) this.close();
    }
  }

  private pull(): void {
    if (this.pulling || this.finished) return;
    this.pulling = (async () => {
      try {
        const step = await this.context(() => Promise.resolve(this.iterator.next()));
        if (step.done) this.finished = true;
        else {
          this.last = { value: step.value };
          for (const s of this.subscribers) s.queue.push(step.value);
        }
      } catch (error) {
        this.failure = { error };
        this.finished = true;
      } finally {
        this.pulling = undefined;
        for (const s of this.subscribers) s.wake?.();
      }
    })();
  }

  /** Stops the source: its `finally` blocks run (Observable semantics for invalidated generators). */
  close(): void {
    if (this.finished) return;
    this.finished = true;
    void Promise.resolve(this.iterator.return?.()).catch(() => undefined);
  }
}

/** The runtime adapter (see the file comment). */
export class Dataflow {
  private readonly runtime = new Runtime();
  private readonly module: Module;
  private readonly cells = new Map<string, CellState>();
  private readonly nameVars = new Map<string, NameVar>();
  private readonly tick: Variable;
  private ticks = 0;
  private tickDone = 0;
  private busyObservers = 0;
  private runningBodies = 0;
  private activeStreams = 0;
  private listeners: Array<() => void> = [];
  private pendingInterrupt = false;
  /** Cells that started a run since `startLog`, and the first error of each. */
  private runLog: string[] | undefined;
  private errorLog: Map<string, unknown> | undefined;

  constructor(private readonly host: DataflowHost, private readonly events: DataflowEvents = {}) {
    this.module = this.runtime.module();
    this.tick = this.module.variable({
      fulfilled: (value: unknown) => {
        this.tickDone = value as number;
        this.notify();
      },
    });
  }

  /** (Re)defines cells and the name variables their readers need. Cells whose spec did not change keep running. */
  define(specs: Iterable<CellSpec>): void {
    const touched: CellState[] = [];
    for (const spec of specs) {
      const id = spec.kind === "run" ? spec.cell.id : spec.id;
      let cell = this.cells.get(id);
      if (!cell) {
        cell = {
          id, spec, fn: undefined, version: 0, cellVar: undefined, cellKey: "", displayVar: undefined, displayKey: "",
          controller: undefined, running: 0, streams: 0, error: undefined, observers: [], hubs: new Map(),
        };
        this.cells.set(id, cell);
      }
      cell.spec = spec;
      touched.push(cell);
    }
    for (const cell of touched) this.defineCell(cell);
    this.advanceTick();
  }

  /** Applies a compile step's change (see DataflowChange). */
  apply(change: DataflowChange): void {
    for (const [name, owner] of change.exposures) this.exposeName(name, owner);
    this.define(change.specs);
  }

  /** Marks cell `id` as re-executed: its variable is redefined even if nothing changed (it re-runs). */
  rerun(id: string): void {
    const cell = this.cells.get(id);
    if (cell) cell.version++;
  }

  /** Keeps the variable of `name` owned by `owner` (undefined: nobody reads it any more, or it has no owner). */
  exposeName(name: string, owner: string | undefined): void {
    const entry = this.nameVars.get(name);
    if (entry?.owner === owner) return;
    entry?.variable.delete();
    entry?.unsubscribe?.();
    this.nameVars.delete(name);
    if (owner === undefined) return;
    const variable = this.module.variable();
    const next: NameVar = { variable, owner };
    this.nameVars.set(name, next);
    this.defineName(name, next);
    this.advanceTick();
  }

  /**
   * Defines a name's variable: what its owner's result holds under the name, as readers see it. A control gives its
   * value, and its variable is defined again whenever the control moves, so exactly its readers re-run.
   */
  private defineName(name: string, entry: NameVar): void {
    const { owner } = entry;
    entry.variable.define(nameVarName(owner, name), [cellVarName(owner)], (r: CellResult) => {
      const v = r.names[name];
      if (!isControl(v)) return this.streamed(v, owner);
      if (entry.control !== v) {
        entry.unsubscribe?.();
        entry.control = v;
        entry.unsubscribe = v.subscribe(() => {
          if (this.nameVars.get(name) !== entry) return;
          this.events.control?.(owner, name);
          this.defineName(name, entry);
          this.advanceTick();
        });
      }
      return v.value;
    });
  }

  /** Deletes cells: their variables go, their runs are aborted. */
  remove(ids: Iterable<string>): void {
    for (const id of ids) {
      const cell = this.cells.get(id);
      if (!cell) continue;
      cell.controller?.abort(new AbortError("the cell was deleted"));
      cell.cellVar?.delete();
      cell.displayVar?.delete();
      for (const hub of cell.hubs.values()) hub.close();
      for (const o of cell.observers) {
        if (o.busy) this.busyObservers--;
        o.busy = false;
        o.live = false;
      }
      this.cells.delete(id);
    }
    this.advanceTick();
    this.notify();
  }

  /** Starts recording which cells run (and their first errors) until `stopLog`. */
  startLog(): void {
    this.runLog = [];
    this.errorLog = new Map();
  }

  stopLog(): { ran: string[]; errors: Map<string, unknown> } {
    const out = { ran: this.runLog ?? [], errors: this.errorLog ?? new Map<string, unknown>() };
    this.runLog = undefined;
    this.errorLog = undefined;
    return out;
  }

  /** True while cell `id`'s code or one of its streams is running. */
  isRunning(id: string): boolean {
    const cell = this.cells.get(id);
    return cell !== undefined && (cell.running > 0 || cell.streams > 0);
  }

  /** True while cell `id`'s variable or display is computing (waiting for inputs, or its body running). */
  isComputing(id: string): boolean {
    return this.cells.get(id)?.observers.some((o) => o.busy && o.live) === true;
  }

  /** Ids of the cells running code or streams now. */
  runningCells(): string[] {
    return [...this.cells.values()].filter((c) => c.running > 0 || c.streams > 0).map((c) => c.id);
  }

  /** True when cell `id`'s current run was interrupted. */
  interrupted(id: string | undefined): boolean {
    return id !== undefined && this.cells.get(id)?.controller?.interrupted === true;
  }

  /**
   * Aborts the signal of every running cell and fails its pending result at once (code that ignores its signal
   * may go on in the background, but its result is discarded). False when nothing was running.
   */
  interrupt(): boolean {
    let hit = false;
    for (const cell of this.cells.values()) {
      if (cell.running > 0 || cell.streams > 0) {
        hit = true;
        cell.controller?.abort(new InterruptedError());
      }
    }
    return hit;
  }

  /** Makes the next cell that starts running fail as interrupted (an interrupt during compilation). */
  interruptNextRun(): void {
    this.pendingInterrupt = true;
  }

  cancelPendingInterrupt(): void {
    this.pendingInterrupt = false;
  }

  /** The current value of `name` as cells read it, from the cell that owns it (for Jupyter's user_expressions). */
  async valueOf(name: string, owner: string): Promise<unknown> {
    const entry = this.nameVars.get(name);
    if (entry?.owner === owner) return this.module.value(nameVarName(owner, name));
    const r = (await this.module.value(cellVarName(owner))) as CellResult;
    return r.names[name];
  }

  /** The control `name` is assigned to (once a reader has read it), e.g. to list a live page's controls. */
  controlOf(name: string): Control<unknown> | undefined {
    return this.nameVars.get(name)?.control;
  }

  /** True when nothing is computing, running or streaming. */
  isSettled(): boolean {
    return this.tickDone === this.ticks && this.busyObservers === 0 && this.activeStreams === 0 && this.runningBodies === 0;
  }

  /**
   * True when streams are running and no cell body is: what remains is streams feeding displays and readers (a
   * request waiting for settlement may then give way to the next one).
   */
  onlyStreaming(): boolean {
    return this.activeStreams > 0 && this.runningBodies === 0 && this.tickDone === this.ticks;
  }

  /** Resolves true when everything has settled, or false when `until` resolves first. */
  async whenSettled(until?: Promise<unknown>): Promise<boolean> {
    let preempted = false;
    void until?.then(() => {
      preempted = true;
      this.notify();
    });
    while (!this.isSettled()) {
      if (preempted) return false;
      await this.changed();
    }
    return !preempted || this.isSettled();
  }

  /** Resolves at the next change of what is running (a run or stream starting or ending, a value). */
  changed(): Promise<void> {
    return new Promise((resolve) => this.listeners.push(resolve));
  }

  dispose(): void {
    for (const entry of this.nameVars.values()) entry.unsubscribe?.();
    for (const cell of this.cells.values()) {
      cell.controller?.abort(new AbortError("the notebook was disposed"));
      for (const hub of cell.hubs.values()) hub.close();
    }
    this.runtime.dispose();
  }

  private advanceTick(): void {
    const n = ++this.ticks;
    this.tick.define(null, [], () => n);
  }

  private notify(): void {
    const listeners = this.listeners;
    this.listeners = [];
    for (const l of listeners) l();
  }

  private defineCell(cell: CellState): void {
    const spec = cell.spec;
    const variable = (cell.cellVar ??= this.module.variable(this.observe(cell, "cell")));
    const name = cellVarName(cell.id);
    let key: string;
    if (spec.kind === "fail") {
      key = `fail ${cell.version}`;
      if (key !== cell.cellKey) {
        const error = spec.error;
        variable.define(name, [], () => { throw error; });
      }
    } else {
      const inputs = spec.cell.references.map((n) => {
        const owner = spec.inputs.get(n);
        return owner === undefined ? `#missing ${n}` : nameVarName(owner, n);
      });
      key = `run ${cell.version} ${inputs.join(",")}`;
      if (key !== cell.cellKey) {
        let fn: CellFunction;
        try {
          fn = this.instantiate(spec.cell);
        } catch (err) {
          // Source the host cannot compile (a bug of ours, or a cell compiled elsewhere): the cell shows why.
          key = `fail ${cell.version}`;
          variable.define(name, [], () => { throw err; });
          cell.cellKey = key;
          this.defineDisplay(cell);
          return;
        }
        cell.fn = fn;
        variable.define(name, [...inputs, "invalidation"], (...args: unknown[]) =>
          this.runCell(cell, fn, args.slice(0, -1), args[args.length - 1] as Promise<void>),
        );
      }
    }
    cell.cellKey = key;
    this.defineDisplay(cell);
  }

  private defineDisplay(cell: CellState): void {
    const spec = cell.spec;
    const c = spec.kind === "run" ? spec.cell : undefined;
    // Without a trailing value, a cell shows the controls it defines (all of them), else its last `const x = ...`.
    const key = c?.hasValue ? `value ${cell.version}` : c && (c.displayName || c.values.length > 0) ? `names ${cell.version}` : "";
    if (key === cell.displayKey) return;
    cell.displayKey = key;
    if (!key) {
      cell.displayVar?.delete();
      cell.displayVar = undefined;
      return;
    }
    const variable = (cell.displayVar ??= this.module.variable(this.observe(cell, "display")));
    const { displayName, values } = c!;
    variable.define(displayVarName(cell.id), [cellVarName(cell.id)], (r: CellResult) => {
      // A control shows itself (its widget), not its values.
      if (r.hasValue) return isControl(r.value) ? r.value : this.streamed(r.value, cell.id);
      const controls = [...new Set(values.map((n) => r.names[n]).filter((v): v is Control<unknown> => isControl(v)))];
      if (controls.length > 1) return new ControlGroup(controls);
      if (controls.length === 1) return controls[0];
      if (displayName === undefined) return undefined;
      const v = r.names[displayName];
      return rendersItself(v) ? this.streamed(v, cell.id) : undefined;
    });
  }

  private instantiate(c: CompiledCell): CellFunction {
    const params = [...cellParameters, ...c.references];
    // One line of header keeps the cell's line numbers in stack traces; the inner block lets a cell declare a name
    // (say `signal`) that shadows an injected parameter.
    const source = `(async function (${params.join(", ")}) { "use strict"; {${c.body}\n} })`;
    return this.host.compile(source, `cell[${c.id}]`) as CellFunction;
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
          // A cell without anything to show still reports that it ran fine (its earlier error goes).
          if (!cell.displayVar) this.events.value?.(cell.id, undefined, false);
          return;
        }
        this.events.value?.(cell.id, value, cell.streams > 0);
      },
      rejected: (error) => {
        this.setBusy(observer, false);
        if (!observer.live) return;
        // When the cell itself failed, its display fails as a consequence: the cell's error was already reported.
        if (role === "display" && cell.error !== undefined) return;
        const shown = this.asSeenBy(cell, error);
        if (role === "cell") cell.error = shown;
        if (this.errorLog && !this.errorLog.has(cell.id)) this.errorLog.set(cell.id, shown);
        this.events.error?.(cell.id, shown);
      },
    };
    cell.observers.push(observer);
    return observer;
  }

  private setBusy(observer: TrackedObserver, busy: boolean): void {
    if (observer.live && observer.busy !== busy) {
      observer.busy = busy;
      this.busyObservers += busy ? 1 : -1;
    }
    this.notify();
  }

  /**
   * The error cell `cell` shows for `error`: its own, or, when an input failed (the runtime then rejects with a
   * RuntimeError naming the input variable), an UpstreamCellError naming the input, the cell owning it and the cell
   * the failure started in.
   */
  private asSeenBy(cell: CellState, error: unknown): unknown {
    if (!(error instanceof Error) || error.name !== "RuntimeError") return error;
    const input = (error as Error & { input?: unknown }).input;
    if (typeof input !== "string") return error;
    const m = /^#v (.*)\.([^.]+)$/.exec(input);
    if (!m) {
      const missing = /^#missing (.*)$/.exec(input);
      return missing ? new Error(`"${missing[1]}" is not defined by any cell`) : error;
    }
    const [, ownerId, name] = m;
    const from = this.cells.get(ownerId!);
    if (!from) return error;
    const failed = from.error ?? new Error(error.message);
    const label = (id: string): string => this.host.label(id);
    if (failed instanceof UpstreamCellError) return new UpstreamCellError(name!, from.id, failed.sourceCell, failed.failure, label);
    return new UpstreamCellError(name!, from.id, from.id, failed, label);
  }

  private async runCell(cell: CellState, fn: CellFunction, inputs: unknown[], invalidation: Promise<void>): Promise<CellResult> {
    this.runLog?.push(cell.id);
    this.events.run?.(cell.id);
    const controller = new RunControl();
    cell.controller = controller;
    for (const hub of cell.hubs.values()) hub.close();
    cell.hubs = new Map();
    void invalidation.then(() => controller.abort(invalidatedError()));
    cell.running++;
    this.runningBodies++;
    this.notify();
    try {
      if (this.pendingInterrupt) {
        this.pendingInterrupt = false;
        controller.abort(new InterruptedError());
        throw controller.reason;
      }
      if ((cell.spec as { cell?: CompiledCell }).cell?.usesLibrary) await this.host.loadLibrary();
      const id = cell.id;
      const guard = (): void => {
        if (this.host.interruptRequested?.()) throw new InterruptedError();
        if (controller.interrupted) throw controller.reason;
      };
      const display = (...values: unknown[]): void => this.events.display?.(id, values);
      const clearOutput = (options?: { wait?: boolean }): void => this.events.clear?.(id, options?.wait === true);
      const signal = (cell.spec as { cell?: CompiledCell }).cell?.readsSignal ? controller.signal : undefined;
      const call = (): Promise<CellResult> =>
        fn(this.host.importer, guard, this.host.library(), signal, invalidation, display, clearOutput, this.host.console(id), ...inputs);
      const result = this.host.running.run(id, () => (this.host.callInterruptibly ? this.host.callInterruptibly(fn, call) : call()));
      const r = await controller.untilInterrupted(result);
      // A control a run is told to start at (`nasbook run --set`) takes that value before any reader sees it.
      if (this.host.controlValue) {
        for (const [name, v] of Object.entries(r.names)) {
          const text = isControl(v) ? this.host.controlValue(name) : undefined;
          if (text !== undefined) (v as unknown as { setFromText(t: string): void }).setFromText(text);
        }
      }
      return r;
    } finally {
      cell.running--;
      this.runningBodies--;
      this.notify();
    }
  }

  /** A stream as a generator pulling from the run's hub (so several readers share one pull); other values as they are. */
  private streamed(value: unknown, ownerId: string): unknown {
    if (!isStream(value)) return value;
    const cell = this.cells.get(ownerId);
    if (!cell) return value;
    let hub = cell.hubs.get(value);
    if (!hub) {
      hub = new StreamHub(value, (f) => this.host.running.run(ownerId, f));
      cell.hubs.set(value, hub);
    }
    cell.streams++;
    this.activeStreams++;
    this.notify();
    const controller = cell.controller;
    const stop = new Promise<unknown>((resolve) => {
      if (!controller) return;
      if (controller.aborted) resolve(controller.reason);
      else controller.signal.addEventListener("abort", () => resolve(controller.reason), { once: true });
    });
    let ended = false;
    return hub.subscribe(stop, () => {
      if (ended) return;
      ended = true;
      cell.streams--;
      this.activeStreams--;
      this.notify();
    });
  }
}
