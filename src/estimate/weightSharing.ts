/**
 * How well a weight-sharing supernet ranks architectures: for a set of architectures, the accuracy of each one's
 * sub-network with the shared weights against its accuracy when trained stand-alone, both on the same validation
 * split, summarised by Kendall's tau (and Spearman's rho). This is the check Yu et al. ("Evaluating the Search
 * Phase of Neural Architecture Search", ICLR 2020) and Zela et al. (NAS-Bench-1Shot1, ICLR 2020) apply to one-shot
 * methods; a tau near 0 means the supernet's ranking says little about the stand-alone one.
 */
import type { DataSplits } from "../data/types.js";
import { NasbookError, throwIfAborted } from "../errors.js";
import type { Supernet } from "../model/supernet.js";
import { supernetAccuracy } from "../model/supernetTraining.js";
import { kendallTau, spearman } from "../predict/rank.js";
import type { Rng } from "../rng.js";
import type { SearchSpace } from "../space/types.js";
import type { Evaluator } from "./types.js";

export interface WeightSharingRow {
  arch: string;
  /** Validation accuracy (percent) of the sub-network with the supernet's shared weights. */
  supernetAcc: number;
  /** The stand-alone evaluator's metric (default val_acc, percent); NaN if the trial failed. */
  standaloneAcc: number;
  standaloneSeconds: number;
  /** Set when the stand-alone trial failed (the row is left out of the correlations). */
  error?: string;
}

export interface WeightSharingReport {
  /** Architectures compared (rows), and how many of their stand-alone trials failed. */
  archs: number;
  failed: number;
  kendallTau: number;
  spearman: number;
  /** Seconds spent on shared-weight estimates, and on stand-alone training, in total. */
  supernetSeconds: number;
  standaloneSeconds: number;
  /** Validation examples each shared-weight estimate used. */
  evalExamples: number;
  rows: WeightSharingRow[];
}

export interface WeightSharingReportOptions<A> {
  supernet: Supernet<A>;
  archs: readonly A[];
  /** The data both estimates use: the supernet is scored on `val`, and `standalone` must train/validate on it too. */
  data: DataSplits;
  /** Trains an architecture stand-alone, e.g. `trainEvaluator({ data, build: nb201Model, normalize: false })`. */
  standalone: Evaluator<A>;
  format: (a: A) => string;
  /** Stand-alone metric to compare with (default "val_acc"). */
  metric?: string;
  /** Validation examples per shared-weight estimate (default: all of `data.val`). */
  evalExamples?: number;
  /** Fewest architectures accepted (default 30: fewer give a tau too noisy to judge a supernet by). */
  minArchs?: number;
  seed: number;
  signal?: AbortSignal;
  onRow?: (row: WeightSharingRow, index: number) => void;
}

/** Compares shared-weight and stand-alone accuracies of `archs`; see the module comment. */
export async function weightSharingReport<A>(opts: WeightSharingReportOptions<A>): Promise<WeightSharingReport> {
  const minArchs = opts.minArchs ?? 30;
  if (opts.archs.length < Math.max(2, minArchs)) {
    throw new NasbookError(
      `weightSharingReport got ${opts.archs.length} architectures; it needs at least ${Math.max(2, minArchs)} ` +
        "(a rank correlation over fewer is too noisy). Pass more architectures, or minArchs to lower the bar.",
    );
  }
  const metric = opts.metric ?? "val_acc";
  const evalExamples = Math.min(opts.evalExamples ?? opts.data.val.labels.length, opts.data.val.labels.length);
  const rows: WeightSharingRow[] = [];
  let supernetSeconds = 0;
  let standaloneSeconds = 0;
  for (const [i, arch] of opts.archs.entries()) {
    throwIfAborted(opts.signal);
    const t0 = performance.now();
    const supernetAcc = supernetAccuracy(opts.supernet, opts.data.val, () => ({ kind: "path", arch }), { limit: evalExamples });
    supernetSeconds += (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const r = await opts.standalone.evaluate(arch, { seed: opts.seed + i, signal: opts.signal });
    const seconds = (performance.now() - t1) / 1000;
    standaloneSeconds += seconds;
    const value = r.metrics[metric];
    const ok = r.status === "ok" && typeof value === "number" && Number.isFinite(value);
    const row: WeightSharingRow = {
      arch: opts.format(arch),
      supernetAcc,
      standaloneAcc: ok ? value : NaN,
      standaloneSeconds: seconds,
      ...(ok ? {} : { error: r.error ?? `no finite "${metric}" in the stand-alone result` }),
    };
    rows.push(row);
    opts.onRow?.(row, i);
  }
  const good = rows.filter((r) => r.error === undefined);
  const tau = good.length >= 2 ? kendallTau(good.map((r) => r.supernetAcc), good.map((r) => r.standaloneAcc)) : NaN;
  const rho = good.length >= 2 ? spearman(good.map((r) => r.supernetAcc), good.map((r) => r.standaloneAcc)) : NaN;
  return { archs: rows.length, failed: rows.length - good.length, kendallTau: tau, spearman: rho, supernetSeconds, standaloneSeconds, evalExamples, rows };
}

/** `n` architectures drawn from `space` with distinct canonical keys (so no pair is the same network twice). */
export function distinctArchs<A>(space: SearchSpace<A>, n: number, rng: Rng): A[] {
  const seen = new Set<string>();
  const out: A[] = [];
  for (let tries = 0; out.length < n; tries++) {
    if (tries > 100 * n) throw new NasbookError(`could not draw ${n} distinct architectures from ${space.name}; ask for fewer`);
    const a = space.sample(rng);
    const k = space.key(a);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(a);
  }
  return out;
}
