/**
 * The process-wide default trial store: off for plain library use, set by `nasbook run` and the kernel at start
 * to a notebook-local directory, so re-running a notebook (or a cell after an edit) never recomputes a trial.
 */
import { createHash } from "node:crypto";
import { homedir } from "node:os";
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

/** Sets (or with undefined, clears) the process's default trial store; its usage count starts afresh. */
export function setDefaultTrialStore(store: TrialStore | undefined): void {
  current = store;
  resetTrialStoreUsage();
}

/** What the notebook's default store gave the searches of this notebook (since it was set or last reset). */
export interface TrialStoreUsage {
  /** The store, as printed (the home directory written `~`). */
  store: string;
  /** Searches that used it (started), trials they recorded (resumed ones left out) and how many came from it. */
  searches: number;
  trials: number;
  cached: number;
}

let usage: TrialStoreUsage | undefined;

/** The default store's usage in this notebook, or undefined when there is no default store. */
export function trialStoreUsage(): TrialStoreUsage | undefined {
  return usage && { ...usage };
}

/** Starts counting afresh (a new run of the notebook: what `runNotebook` does first). */
export function resetTrialStoreUsage(): void {
  usage = current ? { store: shownStoreName(current.name), searches: 0, trials: 0, cached: 0 } : undefined;
}

/**
 * Registers a search starting on the default store. The notebook prints its store line once, on the cell of its
 * first such search: true for that search (it prints the line when done, with its own hits), false after.
 */
export function claimTrialStoreLine(store: TrialStore): boolean {
  if (store !== current) return false;
  usage ??= { store: shownStoreName(store.name), searches: 0, trials: 0, cached: 0 };
  return ++usage.searches === 1;
}

/** Counts what a finished search on the default store recorded; the run's total goes into the manifest. */
export function countTrialStoreUse(store: TrialStore, trials: number, cached: number): void {
  if (store !== current || !usage) return;
  usage.trials += trials;
  usage.cached += cached;
}

/** The notebook's store line, printed by its first search. */
export function trialStoreLine(store: TrialStore, trials: number, cached: number): string {
  return `trial store ${shownStoreName(store.name)}: ${cached} of ${trials} trials from the store (the notebook's own; cache: false turns it off)`;
}

/** A store's name as printed into outputs a notebook may share: the home directory written as `~`. */
export function shownStoreName(name: string): string {
  const home = homedir();
  return home.length > 1 ? name.split(home + "/").join("~/") : name;
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
