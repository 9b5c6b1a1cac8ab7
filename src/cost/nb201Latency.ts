/**
 * What the NAS-Bench-201 latency table measures: the benchmark's network (C=16, N=5, 32x32x3 CIFAR input, 10
 * classes) timed at batch 1 on the wasm backend, by `nb201LatencyEvaluator`; and the row the table holds per cell.
 * Building and reading the whole table (through the search loop and a trial store) is src/latencyTable.ts.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { Evaluator } from "../estimate/types.js";
import { modelBuilder } from "../model/build.js";
import { NB201_PAPER } from "../model/nb201Params.js";
import { nb201Space, type Nb201Arch } from "../space/nb201.js";
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
