/**
 * The zero-cost scores of the whole NAS-Bench-201 space, computed once per machine: every network is one
 * content-addressed trial of nb201ZeroCostEvaluator run through search() (on the worker pool by default), so a
 * killed pass resumes from the trial store, a second pass computes nothing, and a shared store (a directory on a
 * shared disk, Redis) pays it once for everyone. The result is a table of every cell's scores, kept as one JSON
 * file outside git (a derived artefact: `scoreNb201Space` rebuilds it from the store in seconds).
 *
 * Cells that compute the same function (equal nb201Key: isomorphic, or equal after dead paths are pruned; 4,930
 * classes) share one scored network by default (`cells: "classes"`): the member with the fewest parameters (its dead
 * convolutions removed), the first by index on a tie. Its network proxies are copied to the class; the size metrics
 * (params, FLOPs, trainable layers) are always each cell's own. `cells: "all"` scores all 15,625 networks.
 *
 * This module is nasbook's only whole-space scoring pass; it is kept in its own file (not a generic "table of the
 * whole space" framework) on purpose.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { DataFileError } from "../errors.js";
import type { Executor, TrialStore } from "../exec/types.js";
import { directoryStore } from "../exec/store.js";
import { Rng } from "../rng.js";
import { search } from "../search.js";
import { formatNb201, nb201Key, nb201Space, type Nb201Arch } from "../space/nb201.js";
import type { Strategy, StrategyFactory } from "../strategy/types.js";
import { logRankAggregate, proxyRanks } from "./rankEnsemble.js";
import { NB201_ZC_METRICS, nb201SizeMetrics, nb201ZeroCostEvaluator, type Nb201ZcMetric, type Nb201ZeroCostOptions } from "./nb201ZeroCost.js";

/** Every cell's zero-cost scores, in NAS-Bench-201 index order (`nb201Space().fromIndex(i)`). */
export interface Nb201ZeroCostTable {
  /** Arch strings, index order. */
  archs: string[];
  metrics: Record<Nb201ZcMetric, Float64Array>;
  /** What was computed: the evaluator's fingerprint, the batch, how many networks, and what it cost. */
  meta: {
    fingerprint: Record<string, unknown>;
    batch: string;
    cells: "classes" | "all";
    networks: number;
    /** Networks scored (fewer than `networks` with `limit`). */
    scored: number;
    /** Trials that failed (their cells' network metrics are NaN). */
    failed: number;
    /** Sum over the scored networks of the thread CPU seconds each took (when it was computed, on any run). */
    cpuSeconds: number;
    /** Sum of their wall-clock seconds. */
    wallSeconds: number;
  };
}

export interface ScoreNb201SpaceOptions {
  /** How each network is scored (network size, batch). */
  proxy?: Nb201ZeroCostOptions;
  /** One network per class of equivalent cells (default) or per cell. */
  cells?: "classes" | "all";
  /** Where trials are kept (default: the machine's directory store, ~/.cache/nasbook/trials or $NASBOOK_CACHE/trials). */
  store?: TrialStore;
  /** Where networks are scored (default: the worker pool). */
  executor?: Executor | "inprocess" | "pool";
  /** Threads of the "pool" executor, and trials at once (default 2); another executor runs as many as its slots. */
  workers?: number;
  signal?: AbortSignal;
  /** Score only `limit` networks, a seeded uniform sample (a cost estimate, a test); the other cells' network metrics are NaN. */
  limit?: number;
  /** Called after every trial. */
  onProgress?(p: { done: number; total: number; cached: number }): void;
}

/** The cells whose networks are scored, and for each cell (index order) the position of its scored network. */
export function nb201ScoredCells(cells: "classes" | "all"): { scored: Nb201Arch[]; of: Int32Array } {
  const all = nb201Space().all();
  const of = new Int32Array(all.length);
  if (cells === "all") {
    all.forEach((_, i) => (of[i] = i));
    return { scored: all, of };
  }
  const rep = new Map<string, number>(); // class key -> index of its representative
  all.forEach((a, i) => {
    const k = nb201Key(a);
    const r = rep.get(k);
    if (r === undefined || nb201SizeMetrics(a).params < nb201SizeMetrics(all[r]!).params) rep.set(k, i);
  });
  const reps = [...new Set(rep.values())].sort((p, q) => p - q);
  const position = new Map(reps.map((r, j) => [r, j]));
  all.forEach((a, i) => (of[i] = position.get(rep.get(nb201Key(a))!)!));
  return { scored: reps.map((r) => all[r]!), of };
}

/** Proposes a fixed list of architectures in order, ignoring results (asked ahead by the loop: independent). */
function inOrder(archs: readonly Nb201Arch[]): StrategyFactory {
  return {
    name: "in-order",
    create<A>(): Strategy<A> {
      let next = 0;
      return {
        name: "in-order",
        independent: true,
        ask: (n: number) => archs.slice(next, (next += n)) as unknown as A[],
        tell: () => undefined,
        snapshot: () => ({ strategy: "in-order", step: next }),
      };
    },
  };
}

/** Scores the whole space (see the file comment); trials already in the store are read, not recomputed. */
export async function scoreNb201Space(opts: ScoreNb201SpaceOptions = {}): Promise<Nb201ZeroCostTable> {
  const cells = opts.cells ?? "classes";
  if (cells !== "classes" && cells !== "all") throw new RangeError(`scoreNb201Space: cells must be "classes" or "all", got ${JSON.stringify(cells)}`);
  const workers = opts.workers ?? 2;
  const executor = opts.executor ?? "pool";
  const evaluator = nb201ZeroCostEvaluator(opts.proxy);
  const { scored: every, of } = nb201ScoredCells(cells);
  const limit = opts.limit ?? every.length;
  if (!(Number.isInteger(limit) && limit >= 1)) throw new RangeError(`scoreNb201Space: limit must be an integer >= 1, got ${limit}`);
  // A seeded shuffle: a pass stopped early (or `limit`) has scored a uniform sample of the space, not its first
  // indices, so its partial table already estimates what the full one will say (and what the rest will cost).
  const scored = new Rng("nb201-zero-cost/order").shuffle(every.slice()).slice(0, limit);
  const run = search({
    space: nb201Space(),
    strategy: inOrder(scored),
    evaluator,
    budget: { queries: scored.length },
    seed: 0,
    executor,
    ...(executor === "pool" ? { workers } : {}),
    parallel: typeof executor === "object" ? executor.slots : executor === "pool" ? workers : 1,
    store: opts.store ?? directoryStore(),
    signal: opts.signal,
    snapshotEvery: 0,
  });
  let cached = 0;
  for await (const e of run) {
    if (e.type !== "trial") continue;
    if (e.trial.cached) cached++;
    opts.onProgress?.({ done: e.queries, total: scored.length, cached });
  }
  const { history, stopped } = await run.result();
  if (history.length < scored.length) throw new DataFileError(`scoreNb201Space: stopped (${stopped}) after ${history.length} of ${scored.length} networks; run it again to continue from the trial store`);
  const byArch = new Map(history.map((t) => [t.archString, t.result]));
  const all = nb201Space().all();
  const metrics = Object.fromEntries(NB201_ZC_METRICS.map((m) => [m, new Float64Array(all.length)])) as Record<Nb201ZcMetric, Float64Array>;
  all.forEach((a, i) => {
    const r = byArch.get(formatNb201(every[of[i]!]!));
    for (const m of NB201_ZC_METRICS) metrics[m][i] = r?.status === "ok" ? (r.metrics[m] ?? NaN) : NaN;
    const size = nb201SizeMetrics(a);
    metrics.params[i] = size.params;
    metrics.flops[i] = size.flops;
    metrics.layers[i] = size.layers;
  });
  let cpuSeconds = 0;
  let wallSeconds = 0;
  for (const t of history) {
    cpuSeconds += t.result.metrics.cpu_seconds ?? t.result.cost.seconds;
    wallSeconds += t.result.cost.seconds;
  }
  return {
    archs: all.map(formatNb201),
    metrics,
    meta: {
      fingerprint: (await evaluator.fingerprint!()) as Record<string, unknown>,
      batch: await evaluator.batchNote(),
      cells,
      networks: every.length,
      scored: scored.length,
      failed: history.filter((t) => t.result.status !== "ok").length,
      cpuSeconds,
      wallSeconds,
    },
  };
}

/** Where the table is kept by default: `$NASBOOK_CACHE/nb201-zero-cost.json`, else `~/.cache/nasbook/nb201-zero-cost.json`. */
export function defaultZeroCostTablePath(): string {
  const env = process.env.NASBOOK_CACHE;
  return join(env && env.trim() !== "" ? resolve(env) : join(homedir(), ".cache", "nasbook"), "nb201-zero-cost.json");
}

/** Writes the table as one JSON file (atomically: a temporary file renamed into place). */
export function writeZeroCostTable(t: Nb201ZeroCostTable, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const body = { meta: t.meta, archs: t.archs, metrics: Object.fromEntries(Object.entries(t.metrics).map(([k, v]) => [k, Array.from(v, (x) => (Number.isFinite(x) ? x : String(x)))])) };
  writeFileSync(tmp, JSON.stringify(body));
  renameSync(tmp, path);
}

/** Reads a table written by writeZeroCostTable, checking its shape; a clear error says how to make one. */
export function readZeroCostTable(path: string): Nb201ZeroCostTable {
  const how = "compute it with `npm run bench:zc-space` (it resumes from the trial store)";
  if (!existsSync(path)) throw new DataFileError(`zero-cost table ${path} not found: ${how}`);
  let body: { meta?: Nb201ZeroCostTable["meta"]; archs?: unknown; metrics?: Record<string, unknown> };
  try {
    body = JSON.parse(readFileSync(path, "utf8")) as typeof body;
  } catch (e) {
    throw new DataFileError(`zero-cost table ${path} is not JSON (${(e as Error).message}): ${how}`);
  }
  const n = 15625;
  if (!Array.isArray(body.archs) || body.archs.length !== n || !body.meta || !body.metrics) throw new DataFileError(`zero-cost table ${path} is not a table of the ${n} NB201 cells: ${how}`);
  const metrics = {} as Record<Nb201ZcMetric, Float64Array>;
  for (const m of NB201_ZC_METRICS) {
    const col = body.metrics[m];
    if (!Array.isArray(col) || col.length !== n) throw new DataFileError(`zero-cost table ${path} has no column ${m} of ${n} values: ${how}`);
    metrics[m] = Float64Array.from(col, (v) => Number(v));
  }
  return { archs: body.archs as string[], metrics, meta: body.meta };
}

/**
 * nasbook's training-free ensemble for NB201, fixed before any accuracy was looked at: every label-free metric
 * except params (FLOPs ranks the cells almost exactly as params does, and would count size twice), aggregated by
 * AZ-NAS's log-rank sum.
 */
export const NB201_ENSEMBLE: readonly Nb201ZcMetric[] = ["flops", "layers", "synflow", "naswot", "jacob_cov", "meco", "swap", "az_expressivity", "az_progressivity", "az_trainability"];

/** AZ-NAS's own recipe (expressivity, progressivity, trainability, complexity = FLOPs), for comparison. */
export const AZ_NAS_ENSEMBLE: readonly Nb201ZcMetric[] = ["az_expressivity", "az_progressivity", "az_trainability", "flops"];

/** The ensemble score of every cell (index order) from the table's columns. */
export function nb201EnsembleScores(t: Nb201ZeroCostTable, members: readonly Nb201ZcMetric[] = NB201_ENSEMBLE): Float64Array {
  return logRankAggregate(members.map((m) => t.metrics[m]));
}

/** Row of each arch string in the table. */
const rowsOf = new WeakMap<Nb201ZeroCostTable, Map<string, number>>();
function rowOf(t: Nb201ZeroCostTable, a: Nb201Arch): number {
  let rows = rowsOf.get(t);
  if (!rows) rowsOf.set(t, (rows = new Map(t.archs.map((s, i) => [s, i]))));
  const r = rows.get(formatNb201(a));
  if (r === undefined) throw new DataFileError(`${formatNb201(a)} is not a cell of the zero-cost table`);
  return r;
}

/**
 * The ensemble as a zero-cost warmup over the whole space (a search's strategies rank every cell by it before their
 * first query): `{ name, score, pool: "all" }`, a plain object the strategies' ZeroCostWarmup accepts.
 */
export function nb201EnsembleWarmup(t: Nb201ZeroCostTable, members: readonly Nb201ZcMetric[] = NB201_ENSEMBLE, name = "zc-ensemble"): { name: string; score(a: Nb201Arch): number; pool: "all" } {
  const scores = nb201EnsembleScores(t, members);
  return { name, score: (a) => scores[rowOf(t, a)]!, pool: "all" };
}

/**
 * Each member's rank among all cells, scaled to [0, 1] (1 = best), as extra encoding features (Delta-NAS's pair
 * encoding then holds the difference of the proxies' ranks). Ranks, not raw values: the scales differ by orders of
 * magnitude and the ensemble itself only uses ranks.
 */
export function nb201ZeroCostFeatures(t: Nb201ZeroCostTable, members: readonly Nb201ZcMetric[] = NB201_ENSEMBLE): (a: Nb201Arch) => Float32Array {
  const n = t.archs.length;
  const ranks = members.map((m) => proxyRanks(t.metrics[m]));
  return (a) => {
    const r = rowOf(t, a);
    return Float32Array.from(ranks, (col) => (col[r]! - 1) / (n - 1));
  };
}
