/**
 * What running compiled cells needs in a page (the dataflow's host, as nodeHost.ts is in Node): functions made from
 * the cells' compiled source by indirect eval (named `cell[<id>]` in stack traces), imports of `nasbook` (the page's
 * bundled library, bound to the page's session) and of the modules the page has (its tfjs, its versions of some Node
 * built-ins), a console per cell, and the synchronous running-cell registry. A cell that imports any other package
 * fails with a message saying what the page bundles.
 */
import type { DataflowHost } from "../notebook/dataflow.js";
import { synchronousRunningCells, type RunningCells } from "../notebook/runningCell.js";
import { format } from "./shims/util.js";
import { unsupported } from "./unsupported.js";

export interface PageHostOptions {
  /** The library as cells see it (`nas`, and `import ... from "nasbook"`). */
  readonly library: () => unknown;
  /** Other modules cells may import, by specifier (the page's tfjs, the page versions of Node built-ins). */
  readonly modules?: Readonly<Record<string, unknown>>;
  /** What a cell's console prints. */
  readonly print: (cellId: string, name: "stdout" | "stderr", text: string) => void;
  readonly label: (cellId: string) => string;
  /** A value for the control named `name` when its cell makes it (the values the notebook was run with). */
  readonly controlValue?: (name: string) => string | undefined;
}

type ConsoleMethod = (...args: unknown[]) => void;

/** The dataflow host for a page (see the file comment). */
export function pageHost(opts: PageHostOptions): DataflowHost & { readonly running: RunningCells } {
  const running = synchronousRunningCells();
  const consoles = new Map<string, Record<string, ConsoleMethod>>();
  const evaluate = globalThis.eval;
  return {
    running,
    compile: (source, filename) => evaluate(`${source}\n//# sourceURL=${filename}`),
    importer: async (specifier: string) => {
      if (specifier === "nasbook") return opts.library();
      const module = opts.modules?.[specifier];
      if (module !== undefined) return module;
      const others = Object.keys(opts.modules ?? {}).filter((k) => !k.startsWith("node:"));
      throw unsupported(`importing "${specifier}"`, `a live page bundles only nasbook${others.length ? ` and ${others.join(", ")}` : ""} (use \`nas\`)`);
    },
    library: opts.library,
    loadLibrary: async () => undefined,
    label: opts.label,
    controlValue: opts.controlValue,
    console: (cellId) => {
      let c = consoles.get(cellId);
      if (!c) {
        const out: ConsoleMethod = (...args) => opts.print(cellId, "stdout", `${format(...args)}\n`);
        const err: ConsoleMethod = (...args) => opts.print(cellId, "stderr", `${format(...args)}\n`);
        c = { log: out, info: out, debug: out, dir: out, table: out, warn: err, error: err, trace: err };
        consoles.set(cellId, c);
      }
      return c;
    },
  };
}
