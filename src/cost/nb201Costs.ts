/**
 * Cost metrics of NAS-Bench-201 cells without building a network: `params` and `flops` of the benchmark's network
 * (C=16, N=5, CIFAR 32x32x3, 10 classes) computed from the cell, and `latency_ms` looked up in a measured latency
 * table (see nb201LatencyTable.ts). Combined with the accuracy table (combineEvaluators), one query gives a cell's
 * accuracy and its costs, so multi-objective and constrained strategies run on NB201 as fast as single-objective ones.
 */
import { DataFileError } from "../errors.js";
import type { EvaluateOptions, Evaluator, TrialResult } from "../estimate/types.js";
import { nb201Flops } from "../model/nb201Flops.js";
import { nb201Params } from "../model/nb201Params.js";
import { formatNb201, type Nb201Arch } from "../space/nb201.js";
import { NB201_LATENCY_NETWORK, type Nb201LatencyRow } from "./nb201Latency.js";

export interface Nb201CostOptions {
  /** Measured latencies by cell (loadNb201LatencyTable's rows); without it, only params and FLOPs are reported. */
  latency?: { rows: Map<string, Nb201LatencyRow>; fingerprint: Record<string, unknown> };
}

/** Params, FLOPs and (with a table) measured latency of NB201 cells. */
export function nb201CostEvaluator(o: Nb201CostOptions = {}): Evaluator<Nb201Arch> {
  const net = NB201_LATENCY_NETWORK;
  return {
    name: o.latency ? "nb201-costs(latency table)" : "nb201-costs",
    objective: "flops",
    fingerprint: () => ({ kind: "nb201-costs", network: net, latency: o.latency?.fingerprint ?? null, latencyCells: o.latency?.rows.size ?? 0, seeded: false }),
    async evaluate(a: Nb201Arch, _opts: EvaluateOptions): Promise<TrialResult> {
      const metrics: Record<string, number> = {
        params: nb201Params(a, { ...net }),
        flops: nb201Flops(a, { ...net }),
      };
      if (o.latency) {
        const row = o.latency.rows.get(formatNb201(a));
        if (!row) {
          const error = new DataFileError(`cell ${formatNb201(a)} is not in the latency table (${o.latency.rows.size} of 15625 cells); measure the rest with \`nasbook latency-table\``);
          return { status: "failed", metrics, cost: { seconds: 0 }, error: `${error.name}: ${error.message}` };
        }
        metrics.latency_ms = row.latency_ms;
        metrics.latency_iqr_ms = row.latency_iqr_ms;
        metrics.latency_cpu_ms = row.latency_cpu_ms;
      }
      return { status: "ok", metrics, cost: { seconds: 0, queries: 1 } };
    },
  };
}
