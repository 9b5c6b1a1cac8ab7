/**
 * A latency table of every NAS-Bench-201 cell on this machine: the benchmark's network (C=16, N=5, 32x32x3 CIFAR
 * input, 10 classes) timed at batch 1 on the wasm backend. It is built once by a search that enumerates the space
 * through the trial store (so it is incremental, resumable and shared between processes), and read back from the
 * same store: the table is the store's results, keyed like any trial.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { NasbookError } from "../errors.js";
import { directoryStore } from "../exec/store.js";
import { evaluatorFingerprint, trialKey } from "../exec/trialKey.js";
import type { Executor, TrialStore } from "../exec/types.js";
import { modelBuilder } from "../model/build.js";
import { NB201_PAPER } from "../model/nb201Params.js";
import { search } from "../search.js";
import { allChoices, enumeration } from "../strategy/enumeration.js";
import { nb201Space, type Nb201Arch } from "../space/nb201.js";
import type { Evaluator } from "../estimate/types.js";
import { latencyEvaluator } from "./latencyEvaluator.js";
import type { LatencyOptions } from "./measureLatency.js";

/** What the table times: the published NB201 CIFAR-10 network, one image per inference. */
export const NB201_LATENCY_NETWORK = { ...NB201_PAPER, inputShape: [32, 32, 3] as const, numClasses: 10 };

/** Timing settings of the table (fewer repeats than the default: 15,625 cells). */
export const NB201_LATENCY_TIMING: Required<LatencyOptions> = { batchSize: 1, warmup: 2, repeats: 7 };

export interface Nb201LatencyOptions {
  /** tfjs backend (default "wasm"). */
  backend?: string;
  latency?: LatencyOptions;
  /** Distinguishes a repeated measurement of the same cells (test-retest), default 1. */
  round?: number;
}

/** The evaluator behind the table (also usable alone: measures one cell). */
export function nb201LatencyEvaluator(o: Nb201LatencyOptions = {}): Evaluator<Nb201Arch> {
  const space = nb201Space();
  const net = NB201_LATENCY_NETWORK;
  const round = o.round ?? 1;
  return latencyEvaluator<Nb201Arch>({
    name: round === 1 ? "nb201-latency" : `nb201-latency(round ${round})`,
    build: modelBuilder(space, { channels: net.channels, cellsPerStage: net.cellsPerStage }),
    inputShape: net.inputShape,
    numClasses: net.numClasses,
    latency: { ...NB201_LATENCY_TIMING, ...o.latency },
    backend: o.backend ?? "wasm",
    round,
  });
}

/** `$NASBOOK_CACHE/latency`, else `~/.cache/nasbook/latency`. */
export function defaultLatencyDir(): string {
  const env = process.env.NASBOOK_CACHE;
  return env && env.trim() !== "" ? join(resolve(env), "latency") : join(homedir(), ".cache", "nasbook", "latency");
}

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

/** One row of the latency table. */
export interface Nb201LatencyRow {
  arch: string;
  latency_ms: number;
  latency_iqr_ms: number;
  latency_min_ms: number;
  /** Median CPU time of an inference: what the cell costs a core of its own (robust to other processes' load). */
  latency_cpu_ms: number;
  latency_cpu_iqr_ms: number;
  params: number;
  flops: number;
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
