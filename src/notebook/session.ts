/**
 * What a notebook gives the library its cells use: every `search()` of its cells gets the notebook's trial store
 * (so re-running a cell after an edit recomputes nothing it computed before) and, under `nasbook run --progress`, a
 * progress display. Passed in explicitly: cells see a copy of the library whose `search` adds these options (as
 * `nas` and as `import ... from "nasbook"`); the library itself reads nothing from process globals.
 *
 * The store is the directory of the notebook: the kernel (started in the notebook's directory by Jupyter, nbconvert
 * or VS Code) and `nasbook run nb.ipynb` use the same one, and notebooks side by side share trials (a trial's key is
 * its content: sharing never gives a wrong result).
 */
import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import type { ProgressOptions, SearchProgress } from "../exec/progress.js";
import { configuredSharedKey } from "../exec/sharedKey.js";
import { defaultTrialDir, directoryStore } from "../exec/store.js";
import type { TrialStore } from "../exec/types.js";
import type { SearchEvent, SearchStartedEvent } from "../search.js";

/** What the notebook's store gave its searches. */
export interface TrialStoreUsage {
  /** The store, as printed (the home directory written `~`). */
  store: string;
  /** Searches that used it, trials they recorded (resumed ones left out) and how many came from the store. */
  searches: number;
  trials: number;
  cached: number;
}

/** A store's name as printed into outputs a notebook may share: the home directory written as `~`. */
export function shownStoreName(name: string): string {
  const home = homedir();
  return home.length > 1 ? name.split(home + "/").join("~/") : name;
}

/**
 * The trial directory of the notebooks in `notebookDir`: `<cache>/trials/notebooks/<dir name>-<hash of its absolute
 * path>`. `NASBOOK_TRIALS` overrides the location (`NASBOOK_TRIALS=off`: no store).
 */
export function notebookTrialDir(notebookDir: string): string {
  const env = process.env.NASBOOK_TRIALS;
  if (env && env.trim() !== "") return resolve(env);
  const abs = resolve(notebookDir);
  const tag = createHash("sha256").update(abs).digest("hex").slice(0, 12);
  return join(defaultTrialDir(), "notebooks", `${basename(abs).replace(/[^\w.-]+/g, "_") || "root"}-${tag}`);
}

/** The directory of a notebook file, or the directory itself when given one (the kernel knows only its cwd). */
export function notebookDirOf(path: string): string {
  return /\.ipynb$/i.test(path) ? dirname(resolve(path)) : resolve(path);
}

export interface NotebookSessionOptions {
  /** The notebook file or its directory (default: none, no store). */
  readonly notebook?: string;
  /** The store itself, instead of the notebook directory's (a live page's: src/page/replayStore.ts). */
  readonly store?: TrialStore;
  /** Makes each search's progress display (`nasbook run --progress`). */
  readonly progress?: (options: ProgressOptions) => SearchProgress;
  /** Where the one-line notes go (the store line): default console.log, i.e. the running cell. */
  readonly print?: (line: string) => void;
}

type SearchFn = (cfg: Record<string, unknown>) => unknown;

/** The session of one notebook run (see the file comment). */
export class NotebookSession {
  readonly store: TrialStore | undefined;
  /** Why there is no store, when there is none although one was asked for. */
  readonly storeProblem: string | undefined;
  private usage: TrialStoreUsage | undefined;
  private readonly notedOff = new Set<string>();

  constructor(private readonly options: NotebookSessionOptions = {}) {
    let store: TrialStore | undefined;
    let problem: string | undefined;
    if (options.store) store = options.store;
    else if (options.notebook !== undefined && process.env.NASBOOK_TRIALS?.trim().toLowerCase() !== "off") {
      try {
        // Keyed when a shared key is configured (NASBOOK_KEY, NASBOOK_KEY_FILE): then nobody without the key can
        // plant a result in the notebook's store (see src/exec/store.ts).
        store = directoryStore(notebookTrialDir(notebookDirOf(options.notebook)), { key: configuredSharedKey() });
      } catch (e) {
        // An unwritable cache must not stop a notebook from running: it runs without a store, and says so.
        problem = `no trial store for this notebook (${(e as Error).message}); set NASBOOK_TRIALS=DIR to choose one`;
      }
    }
    this.store = store;
    this.storeProblem = problem;
    this.resetUsage();
  }

  /** What the store gave this notebook's searches since the session started (or `resetUsage`). */
  storeUsage(): TrialStoreUsage | undefined {
    return this.usage && { ...this.usage };
  }

  resetUsage(): void {
    this.usage = this.store ? { store: shownStoreName(this.store.name), searches: 0, trials: 0, cached: 0 } : undefined;
  }

  /** The library as the notebook's cells see it: `search` with the session's store and progress. */
  bind(library: Record<string, unknown>): Record<string, unknown> {
    const search = library["search"] as SearchFn | undefined;
    if (typeof search !== "function") return library;
    return { ...library, search: (cfg: Record<string, unknown>) => search(this.searchOptions(cfg)) };
  }

  private searchOptions(cfg: Record<string, unknown>): Record<string, unknown> {
    if (cfg === null || typeof cfg !== "object") return cfg;
    const own = cfg["progress"] as SearchProgress | undefined;
    const made = this.options.progress?.({ label: (cfg["strategy"] as { name?: string } | undefined)?.name, total: (cfg["budget"] as { queries?: number } | undefined)?.queries });
    const observers = [own, made, this.storeObserver(cfg)].filter((o): o is SearchProgress => o !== undefined);
    return {
      ...cfg,
      ...(this.store && cfg["fallbackStore"] === undefined ? { fallbackStore: this.store } : {}),
      progress: fanOut(observers),
    };
  }

  /** Prints the store line once per session, on the cell of the first search that used the store. */
  private storeObserver(cfg: Record<string, unknown>): SearchProgress | undefined {
    if (!this.store || cfg["store"] !== undefined || cfg["cache"] === false) return undefined;
    const print = this.options.print ?? ((line: string) => console.log(line));
    let usedStore = false;
    let first = false;
    return {
      update: (e: SearchEvent<unknown> | SearchStartedEvent) => {
        if (e.type === "started") {
          usedStore = e.store !== undefined;
          if (usedStore && this.usage) first = ++this.usage.searches === 1;
          const evaluator = (cfg["evaluator"] as { name?: string } | undefined)?.name ?? "";
          if (e.storeNote && !this.notedOff.has(evaluator)) {
            this.notedOff.add(evaluator); // once per evaluator: a notebook may run many such searches
            print(e.storeNote);
          }
        } else if (e.type === "done" && usedStore && this.usage) {
          const trials = e.result.history.length - e.result.resumed;
          this.usage.trials += trials;
          this.usage.cached += e.result.cachedHits;
          if (first) {
            print(`trial store ${this.usage.store}: ${e.result.cachedHits} of ${trials} trials from the store (the notebook's own; cache: false turns it off)`);
          }
        }
      },
      finish: () => ({ done: 0, cached: 0, failed: 0, running: 0 }),
    };
  }
}

/** One progress observer feeding several. */
function fanOut(observers: readonly SearchProgress[]): SearchProgress | undefined {
  if (observers.length <= 1) return observers[0];
  return {
    update: (e) => {
      for (const o of observers) o.update(e);
    },
    finish: () => {
      let counts = { done: 0, cached: 0, failed: 0, running: 0 };
      for (const o of observers) counts = o.finish();
      return counts;
    },
  };
}
