/**
 * The `process` a live page's library sees (esbuild injects it for the free name `process`): an environment that
 * points the library at the page's virtual files, a working directory, and stdout/stderr that reach the page's
 * console. No `versions.node`: tfjs must see a browser, not Node.
 */

/** Where the embedded data files live in the page's virtual file system (`dataDir()` in the page). */
export const pageDataDir = "/nasbook-data";
/** The notebook's directory in the page (relative paths resolve from it). */
export const pageNotebookDir = "/notebook";
/** Where nasbook's own files (package.json, wasm kernels) live in the page's virtual file system. */
export const pageRoot = "/nasbook";

type Write = (text: string) => boolean;
const consoleWrite = (level: "log" | "warn"): Write => (text: string) => {
  console[level](text.replace(/\n$/, ""));
  return true;
};

export const pageProcess = {
  env: { NASBOOK_DATA: pageDataDir } as Record<string, string | undefined>,
  argv: ["nasbook-page"],
  pid: 1,
  platform: "browser",
  version: "",
  versions: {} as Record<string, string>,
  features: {} as Record<string, unknown>,
  exitCode: undefined as number | undefined,
  cwd: (): string => pageNotebookDir,
  /** Where the page's library code writes: the page routes the running cell's console here (pageHost.ts). */
  stdout: { write: consoleWrite("log"), isTTY: false, columns: 100 },
  stderr: { write: consoleWrite("warn"), isTTY: false, columns: 100 },
  on: (): unknown => pageProcess,
  once: (): unknown => pageProcess,
  off: (): unknown => pageProcess,
  removeListener: (): unknown => pageProcess,
  emitWarning: (w: unknown): void => console.warn(w),
  nextTick: (f: (...a: unknown[]) => void, ...args: unknown[]): void => void queueMicrotask(() => f(...args)),
  hrtime: Object.assign((): [number, number] => {
    const t = performance.now();
    return [Math.floor(t / 1000), Math.round((t % 1000) * 1e6)];
  }, { bigint: (): bigint => BigInt(Math.round(performance.now() * 1e6)) }),
  /** Latency is timed in CPU time (cost/measureLatency.ts), which a browser does not give a page. */
  cpuUsage: (): never => {
    throw new Error("measuring CPU time (process.cpuUsage) is not available in a live page: a browser has no per-process CPU clock; run this notebook with `nasbook run` or in Jupyter for that");
  },
  memoryUsage: (): Record<string, number> => ({ rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 }),
  exit: (code?: number): never => {
    throw new Error(`process.exit(${code ?? 0}) called in a live page`);
  },
};

export { pageProcess as process };
