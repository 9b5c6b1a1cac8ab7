/**
 * What running compiled cells needs in Node (the dataflow's host): functions made with `vm` (named `cell[<id>]` in
 * stack traces), a first call that SIGINT can break, imports resolved from the notebook's directory (with the
 * notebook's own `nasbook` and `tslab`), a console per cell, and a running-cell registry that follows async work.
 */
import { Console } from "node:console";
import { Writable } from "node:stream";
import vm from "node:vm";
import type { DataflowHost } from "./dataflow.js";
import { cellImporter } from "./imports.js";
import type { RunningCells } from "./runningCell.js";
import { asyncRunningCells } from "./runningCellNode.js";

export interface NodeHostOptions {
  readonly cwd: string;
  readonly running?: RunningCells;
  readonly interruptRequested?: () => boolean;
  /** What a cell's console prints. */
  readonly print: (cellId: string, name: "stdout" | "stderr", text: string) => void;
  readonly library: () => unknown;
  readonly loadLibrary: () => Promise<void>;
  /** Modules the notebook provides itself (a cell's `import ... from "nasbook"` gets the notebook's library). */
  readonly modules: Readonly<Record<string, () => unknown>>;
  /** How messages name a cell. */
  readonly label: (cellId: string) => string;
  /** A value for the control named `name` when its cell makes it (see DataflowHost.controlValue). */
  readonly controlValue?: (name: string) => string | undefined;
}

// Calling a cell through a one-line vm script lets SIGINT break a synchronous infinite loop in the cell.
const trampolineScript = new vm.Script("globalThis.__nasbook_trampoline()", { filename: "nasbook-trampoline" });

function callThroughTrampoline<T>(f: () => T): T {
  const g = globalThis as { __nasbook_trampoline?: () => T };
  const previous = g.__nasbook_trampoline;
  g.__nasbook_trampoline = f;
  try {
    return trampolineScript.runInThisContext({ breakOnSigint: true }) as T;
  } finally {
    g.__nasbook_trampoline = previous;
  }
}

function textSink(write: (text: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      write(typeof chunk === "string" ? chunk : chunk.toString("utf8"));
      done();
    },
  });
}

/** The dataflow host for Node (see the file comment). */
export function nodeHost(opts: NodeHostOptions): DataflowHost & { readonly running: RunningCells } {
  const running = opts.running ?? asyncRunningCells();
  const importFile = cellImporter(opts.cwd);
  const consoles = new Map<string, Console>();
  const called = new WeakSet<object>();
  return {
    running,
    compile: (source, filename) => vm.runInThisContext(source, { filename }),
    // breakOnSigint costs ~0.5 ms per call (Node starts and stops its SIGINT watchdog): only the first call of a
    // compiled cell gets it; dependents re-run by the runtime rely on the loop guards.
    callInterruptibly<T>(fn: object, f: () => T): T {
      if (called.has(fn)) return f();
      called.add(fn);
      return callThroughTrampoline(f);
    },
    interruptRequested: opts.interruptRequested,
    importer: async (specifier: string) => {
      const own = opts.modules[specifier];
      if (own) {
        if (specifier === "nasbook") await opts.loadLibrary();
        return own();
      }
      return importFile(specifier);
    },
    library: opts.library,
    loadLibrary: opts.loadLibrary,
    label: opts.label,
    controlValue: opts.controlValue,
    console: (cellId) => {
      let c = consoles.get(cellId);
      if (!c) {
        c = new Console({ stdout: textSink((t) => opts.print(cellId, "stdout", t)), stderr: textSink((t) => opts.print(cellId, "stderr", t)) });
        consoles.set(cellId, c);
      }
      return c;
    },
  };
}
