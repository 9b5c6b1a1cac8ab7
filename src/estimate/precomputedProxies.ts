/**
 * A "precomputed proxy" evaluator: zero-cost proxy scores of NAS-Bench-201 architectures looked up in NASLib's
 * NAS-Bench-Suite-Zero table (White et al. / Krishnakumar et al. 2022), `<data>/nb201/nb201_naslib_zc_subset.csv`:
 * 725 architectures on cifar10 and cifar100, 724 on ImageNet16-120, each with its validation accuracy and
 * the scores of flops, params, synflow, grasp, fisher, grad_norm, l2_norm, plain, nwot, epe_nas, jacov, snip.
 */
import { existsSync, readFileSync } from "node:fs";
import { parseCsv } from "../data/csv.js";
import { dataPath } from "../data/dir.js";
import { DataFileError, InvalidArchError } from "../errors.js";
import type { Rng } from "../rng.js";
import { formatNb201, parseNb201, type Nb201Arch } from "../space/nb201.js";
import { sha256Hex } from "../hash.js";
import { spearman } from "../predict/rank.js";
import { failedResult, type Evaluator, type TrialResult } from "./types.js";

export const ZC_FILE = "nb201/nb201_naslib_zc_subset.csv";
export const ZC_DATASETS = ["cifar10", "cifar100", "ImageNet16-120"] as const;
export type ZcDataset = (typeof ZC_DATASETS)[number];
export const ZC_PROXIES = ["flops", "params", "synflow", "grasp", "fisher", "grad_norm", "l2_norm", "plain", "nwot", "epe_nas", "jacov", "snip"] as const;
export type ZcProxy = (typeof ZC_PROXIES)[number];

export interface ZcRow {
  dataset: ZcDataset;
  index: number;
  arch: string;
  valAccuracy: number;
  /** Proxy scores; a proxy missing from the file (one empty synflow cell) is absent. */
  scores: Partial<Record<ZcProxy, number>>;
}

const ZC_HINT = "use NASLib's NB201 zero-cost table as converted in nb201_naslib_zc_subset.csv (see the data directory's SOURCES.md)";

/**
 * Parses the NASLib zero-cost table (CSV text) strictly: a short row, a non-numeric index, accuracy or score,
 * an unknown dataset name or a bad arch string is an error naming the file and line. An empty score cell is
 * allowed (the file has one) and leaves that proxy absent for the row; a score may be ±inf (NASWOT's -inf).
 */
export function parseZcTable(text: string, source = ZC_FILE): ZcRow[] {
  const csv = parseCsv(text, source);
  csv.requireColumns(["dataset", "index", "arch", "val_accuracy", ...ZC_PROXIES], ZC_HINT);
  return csv.rows.map((row) => {
    const dataset = csv.oneOf(row, "dataset", ZC_DATASETS);
    let arch: string;
    try {
      arch = formatNb201(parseNb201(csv.text(row, "arch")));
    } catch (e) {
      throw new DataFileError(`${source} line ${row.line}: bad arch string: ${(e as Error).message}`);
    }
    const scores: Partial<Record<ZcProxy, number>> = {};
    for (const p of ZC_PROXIES) {
      // NASWOT is log|det K|: -inf for a singular K is a real value of the file, not a corrupt cell.
      const v = csv.optionalNumber(row, p, { allowInfinite: true });
      if (v !== undefined) scores[p] = v;
    }
    return { dataset, index: csv.number(row, "index"), arch, valAccuracy: csv.number(row, "val_accuracy"), scores };
  });
}

/** Loads the table from the data directory, with an error saying where to put the file if it is missing. */
export function loadZcTable(dataDir?: string): ZcRow[] {
  const path = dataPath(ZC_FILE, dataDir);
  if (!existsSync(path)) {
    throw new DataFileError(`${path} not found: put NASLib's NB201 zero-cost table (nb201_naslib_zc_subset.csv) there, or set NASBOOK_DATA / --data to the directory holding nb201/`);
  }
  return parseZcTable(readFileSync(path, "utf8"), path);
}

export interface PrecomputedProxyOptions {
  proxy: ZcProxy;
  dataset?: ZcDataset;
  /** Rows to use (default: loaded from the data directory). */
  table?: readonly ZcRow[];
  dataDir?: string;
  /** Also report the table's validation accuracy as `val_acc` (for analysis; a search must not optimise it). */
  includeAccuracy?: boolean;
}

export interface PrecomputedProxyEvaluator extends Evaluator<Nb201Arch> {
  /** The architectures the table covers (a search can be restricted to them). */
  architectures(): Nb201Arch[];
}

/** Scores an NB201 architecture by a proxy precomputed in NASLib's table; objective `score` (higher is better). */
export function precomputedProxyEvaluator(opts: PrecomputedProxyOptions): PrecomputedProxyEvaluator {
  const dataset = opts.dataset ?? "cifar10";
  if (!ZC_PROXIES.includes(opts.proxy)) throw new InvalidArchError(`unknown proxy "${String(opts.proxy)}" (proxies: ${ZC_PROXIES.join(", ")})`);
  if (!ZC_DATASETS.includes(dataset)) throw new InvalidArchError(`unknown dataset "${String(dataset)}" (datasets: ${ZC_DATASETS.join(", ")})`);
  let rows: Map<string, ZcRow> | undefined;
  const table = () => {
    rows ??= new Map((opts.table ?? loadZcTable(opts.dataDir)).filter((r) => r.dataset === dataset).map((r) => [r.arch, r]));
    return rows;
  };
  return {
    name: `zc:${opts.proxy}:${dataset}`,
    objective: "score",
    // The rows of this dataset are the evaluator's whole content: hash them (whatever file or array they came from).
    fingerprint: () => ({
      kind: "zc", proxy: opts.proxy, dataset, includeAccuracy: opts.includeAccuracy === true, seeded: false,
      rows: sha256Hex(JSON.stringify([...table().values()])),
    }),
    recipe: opts.table ? undefined : { kind: "builtin", name: "zc", options: { proxy: opts.proxy, dataset, dataDir: opts.dataDir, includeAccuracy: opts.includeAccuracy } },
    architectures: () => [...table().keys()].map(parseNb201),
    async evaluate(arch: Nb201Arch): Promise<TrialResult> {
      try {
        const key = formatNb201(arch);
        const row = table().get(key);
        if (!row) throw new InvalidArchError(`${key} is not among the ${table().size} ${dataset} architectures of ${ZC_FILE}; search over evaluator.architectures()`);
        const score = row.scores[opts.proxy];
        if (score === undefined) throw new DataFileError(`${ZC_FILE} has no ${opts.proxy} value for ${key} on ${dataset}`);
        const metrics: Record<string, number> = { score, [opts.proxy]: score };
        if (opts.includeAccuracy) metrics.val_acc = row.valAccuracy;
        return { status: "ok", metrics, cost: { seconds: 0, queries: 1 } };
      } catch (e) {
        return failedResult(e);
      }
    },
  };
}

/** Spearman correlation of each proxy with validation accuracy on one dataset, over the rows that have it. */
export function proxyCorrelations(rows: readonly ZcRow[], dataset: ZcDataset): { proxy: ZcProxy; spearman: number; n: number }[] {
  const sub = rows.filter((r) => r.dataset === dataset);
  return ZC_PROXIES.map((proxy) => {
    const have = sub.filter((r) => r.scores[proxy] !== undefined && Number.isFinite(r.scores[proxy]));
    return { proxy, spearman: spearman(have.map((r) => r.scores[proxy]!), have.map((r) => r.valAccuracy)), n: have.length };
  });
}

/** Percentile bootstrap interval of Spearman's rho (±Infinity ranked lowest/highest): pairs resampled with replacement, seeded (Efron 1979). */
export function spearmanBootstrapCI(a: readonly number[], b: readonly number[], opts: { resamples?: number; level?: number; rng: Rng }): [number, number] {
  const n = a.length;
  const resamples = opts.resamples ?? 1000;
  const level = opts.level ?? 0.95;
  const rhos: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const idx = Array.from({ length: n }, () => opts.rng.int(n));
    const ra = idx.map((i) => a[i]!);
    const rb = idx.map((i) => b[i]!);
    // A resample of all-equal values has no rank correlation: it is left out, not counted as 0.
    if (new Set(ra).size > 1 && new Set(rb).size > 1) rhos.push(spearman(ra, rb, { allowInfinite: true }));
  }
  rhos.sort((x, y) => x - y);
  const at = (q: number) => rhos[Math.min(rhos.length - 1, Math.max(0, Math.floor(q * rhos.length)))]!;
  return [at((1 - level) / 2), at(1 - (1 - level) / 2)];
}
