/**
 * The process-wide default trial store: off for plain library use, set by `nasbook run` and the kernel at start
 * to a notebook-local directory, so re-running a notebook (or a cell after an edit) never recomputes a trial.
 */
import { createHash } from "node:crypto";
import { basename, join, resolve } from "node:path";
import { defaultTrialDir, directoryStore } from "./store.js";
import type { ProgressOptions, SearchProgress } from "./progress.js";
import { NasbookError } from "../errors.js";
import { inProcessExecutor } from "./inProcess.js";
import { sharedPool } from "./pool.js";
import type { Executor, TrialStore } from "./types.js";

/** A search's `executor` / `workers` options do not fit together or name no executor. */
export class ExecutorOptionError extends NasbookError {}

let current: TrialStore | undefined;

/** The store search() uses when its config says nothing about `store` (undefined: none). */
export function defaultTrialStore(): TrialStore | undefined {
  return current;
}

/** Sets (or with undefined, clears) the process's default trial store. */
export function setDefaultTrialStore(store: TrialStore | undefined): void {
  current = store;
}

/**
 * The trial directory of a notebook: `<cache>/trials/notebooks/<name>-<hash of its absolute path>`, so each
 * notebook has its own (and two notebooks of the same name in different folders do not share one).
 * `NASBOOK_TRIALS` overrides the location (`NASBOOK_TRIALS=off`: no default store).
 */
export function notebookTrialDir(notebookPath: string): string {
  const env = process.env.NASBOOK_TRIALS;
  if (env && env.trim() !== "") return resolve(env);
  const abs = resolve(notebookPath);
  const tag = createHash("sha256").update(abs).digest("hex").slice(0, 12);
  return join(defaultTrialDir(), "notebooks", `${basename(abs).replace(/[^\w.-]+/g, "_")}-${tag}`);
}

/** Makes the notebook-local directory store the process default (what `nasbook run` and the kernel call). */
export function useNotebookTrialStore(notebookPath: string): TrialStore | undefined {
  if (process.env.NASBOOK_TRIALS?.trim().toLowerCase() === "off") return undefined;
  let store: TrialStore;
  try {
    store = directoryStore(notebookTrialDir(notebookPath));
  } catch (e) {
    // An unwritable cache must not stop a notebook from running: it runs without a store, and says so.
    console.warn(`nasbook: no trial store for this notebook (${(e as Error).message}); set NASBOOK_TRIALS=DIR to choose one`);
    return undefined;
  }
  setDefaultTrialStore(store);
  return store;
}

let progressFactory: ((options: ProgressOptions) => SearchProgress) | undefined;

/**
 * Makes every search() of this process report its progress (trials done/total, cached hits, running, best, ETA)
 * through displays made by `make`: what `nasbook run --progress` sets, so a long notebook run is never silent.
 */
export function setDefaultSearchProgress(make: ((options: ProgressOptions) => SearchProgress) | undefined): void {
  progressFactory = make;
}

/** The progress display factory search() uses (undefined: none). */
export function defaultSearchProgress(): ((options: ProgressOptions) => SearchProgress) | undefined {
  return progressFactory;
}

/** The executor a search config names: an Executor as given, "inprocess" (the default), or "pool" (sharedPool). */
export function executorFor(executor: Executor | "inprocess" | "pool" | undefined, workers?: number): Executor {
  if (workers !== undefined && executor !== "pool") {
    throw new ExecutorOptionError(
      `workers: ${workers} sets the threads of executor: "pool"; ${executor === undefined || executor === "inprocess" ? 'add executor: "pool"' : "a given executor has its own size (poolExecutor({ workers }))"}`,
    );
  }
  if (executor === undefined || executor === "inprocess") return inProcessExecutor();
  if (executor === "pool") return sharedPool({ workers });
  if (typeof executor !== "object" || executor === null || typeof (executor as Executor).run !== "function") {
    throw new ExecutorOptionError(`executor must be "inprocess", "pool" or an executor (poolExecutor(), bullmqExecutor()), got ${JSON.stringify(executor)}`);
  }
  return executor;
}
