/**
 * The latency table of every NAS-Bench-201 cell on this machine (see src/cost/nb201Latency.ts for what is timed):
 * built once by a search that enumerates the space through the trial store (so it is incremental, resumable and
 * shared between processes), and read back from the same store: the table is the store's results, keyed like any
 * trial.
 */
import { NasbookError } from "./errors.js";
import { directoryStore } from "./exec/store.js";
import { evaluatorFingerprint, trialKey } from "./exec/trialKey.js";
import type { Executor, TrialStore } from "./exec/types.js";
import { search } from "./search.js";
import { allChoices, enumeration } from "./strategy/enumeration.js";
import { nb201Space } from "./space/nb201.js";
import { defaultLatencyDir, nb201LatencyEvaluator, type Nb201LatencyOptions, type Nb201LatencyRow } from "./cost/nb201Latency.js";

export { defaultLatencyDir } from "./cost/nb201Latency.js";

export interface BuildLatencyTableOptions extends Nb201LatencyOptions {
  /** Seed of the enumeration order (default 0); processes with different seeds fill one store side by side. */
  orderSeed?: number;
  store?: TrialStore;
  executor?: Executor | "inprocess" | "pool";
  workers?: number;
  /** Stop after this many cells (default: all 15,625); a later call goes on where this one stopped. */
  limit?: number;
  signal?: AbortSignal;
  onCell?: (done: number, cached: number) => void;
}

/** Measures every cell not yet in the store (in a fixed shuffled order: a partial table is a uniform sample). */
export async function buildNb201LatencyTable(o: BuildLatencyTableOptions = {}): Promise<{ measured: number; cached: number; seconds: number }> {
  const space = nb201Space();
  const store = o.store ?? directoryStore(defaultLatencyDir());
  const pool = o.executor === "pool";
  const workers = pool ? (o.workers ?? 1) : 1;
  const run = search({
    space, strategy: enumeration(), evaluator: nb201LatencyEvaluator(o), budget: { queries: o.limit ?? Number(space.size()) }, seed: o.orderSeed ?? 0,
    store, executor: o.executor ?? "inprocess", workers: pool ? workers : undefined, parallel: workers, signal: o.signal, snapshotEvery: 0,
  });
  let done = 0;
  let cached = 0;
  for await (const e of run) {
    if (e.type !== "trial") continue;
    done++;
    if (e.trial.cached) cached++;
    o.onCell?.(done, cached);
  }
  const r = await run.result();
  return { measured: r.history.length - r.cachedHits, cached: r.cachedHits, seconds: r.seconds };
}

/** Reads the cells measured so far from the store (any subset of the space; `complete` when all 15,625 are there). */
export async function loadNb201LatencyTable(o: Nb201LatencyOptions & { store?: TrialStore } = {}): Promise<{ rows: Map<string, Nb201LatencyRow>; complete: boolean }> {
  const space = nb201Space();
  const store = o.store ?? directoryStore(defaultLatencyDir());
  const fingerprint = await evaluatorFingerprint(nb201LatencyEvaluator(o));
  const rows = new Map<string, Nb201LatencyRow>();
  const archs = allChoices(space).map((c) => space.format(space.fromChoices(c)));
  const results = await Promise.all(archs.map((arch) => store.get(trialKey({ fingerprint, space: space.name, archKey: arch, seed: 0 }))));
  results.forEach((r, i) => {
    if (r?.status !== "ok") return;
    const m = r.metrics;
    rows.set(archs[i]!, { arch: archs[i]!, latency_ms: m.latency_ms!, latency_iqr_ms: m.latency_iqr_ms!, latency_min_ms: m.latency_min_ms!,
      latency_cpu_ms: m.latency_cpu_ms!, latency_cpu_iqr_ms: m.latency_cpu_iqr_ms!, params: m.params!, flops: m.flops! });
  });
  return { rows, complete: rows.size === archs.length };
}

/** The table must be complete for whole-space figures (true fronts); this says how to finish it. */
export function requireCompleteTable(t: { rows: Map<string, unknown>; complete: boolean }): void {
  if (!t.complete) {
    throw new NasbookError(
      `the NB201 latency table has ${t.rows.size} of 15625 cells; finish it with \`nasbook latency-table\` (it resumes where it stopped)`,
    );
  }
}
