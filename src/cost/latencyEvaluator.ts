/**
 * The latency evaluator: builds an architecture's network and measures its inference latency on the tfjs backend it
 * will run on (see measureLatency), reporting `latency_ms` (median wall-clock), `latency_iqr_ms` (noise),
 * `latency_min_ms`, `latency_cpu_ms` / `latency_cpu_iqr_ms` (median CPU time: the robust figure on a busy machine, see
 * measureLatency) and the network's `params` and `flops`. A result is a property of the machine as much as of the architecture, so
 * the machine's processor is part of the fingerprint: a latency cached on one machine is never reused on another.
 */
import os from "node:os";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend/index.js";
import type { ImageShape } from "../data/types.js";
import { builderFingerprint } from "../estimate/fingerprint.js";
import type { ModelBuilder } from "../estimate/train.js";
import { failedResult, type EvaluateOptions, type Evaluator, type TrialResult } from "../estimate/types.js";
import { throwIfAborted } from "../errors.js";
import type { Recipe } from "../recipe.js";
import { checkLatencyOptions, measureLatency, type LatencyOptions } from "./measureLatency.js";

export interface LatencyEvaluatorOptions<A> {
  name?: string;
  /** Builds the network to time (e.g. `modelBuilder(space, { channels: 16, cellsPerStage: 5 })`). */
  build: ModelBuilder<A>;
  /** Input image shape [h, w, c] (NAS-Bench-201's CIFAR: [32, 32, 3]). */
  inputShape: ImageShape;
  numClasses: number;
  latency?: LatencyOptions;
  /**
   * The tfjs backend to time on: "wasm", "cpu", "tfjs-node" (forced through initBackend), "auto" (nasbook's
   * choice, default) or "current" (whatever is active).
   */
  backend?: string;
  /** Names the builder in the fingerprint when `build` is not made by modelBuilder(). */
  buildId?: string;
  /** A second (third ...) measurement of the same cells gets its own trial keys (test-retest); default 1. */
  round?: number;
}

/** Processor model and core count: latencies are only comparable on the same kind of machine. */
export function machineFingerprint(): { cpu: string; cores: number; platform: string } {
  return { cpu: os.cpus()[0]?.model.trim() ?? "unknown", cores: os.availableParallelism(), platform: `${process.platform}-${process.arch}` };
}

/** An evaluator that measures latency (objective `latency_ms`, lower is better). */
export function latencyEvaluator<A>(options: LatencyEvaluatorOptions<A>): Evaluator<A> & { readonly latencyOptions: Required<LatencyOptions> } {
  const latency = checkLatencyOptions(options.latency ?? {});
  const name = options.name ?? `latency(b${latency.batchSize})`;
  let ready: Promise<void> | undefined;
  const init = () => {
    ready ??= (async () => {
      if (options.backend === "current") return;
      await initBackend({ backend: options.backend === "auto" ? undefined : options.backend, quiet: true });
    })();
    return ready;
  };
  const spaceRecipe = (options.build.builderIdentity?.options as { space?: Recipe | null } | undefined)?.space;
  const size = (options.build.builderIdentity?.options as { size?: unknown } | undefined)?.size ?? {};
  return {
    name,
    objective: "latency_ms",
    latencyOptions: latency,
    async fingerprint() {
      await init();
      return {
        kind: "latency", build: builderFingerprint(options.build, options.buildId, `latencyEvaluator "${name}"`),
        inputShape: [...options.inputShape], numClasses: options.numClasses, latency, backend: tf.getBackend(),
        machine: machineFingerprint(), seeded: false, clock: "wall+cpu",
        // Round 1 keeps the keys it always had; later rounds are new trials.
        ...(options.round !== undefined && options.round > 1 ? { round: options.round } : {}),
      };
    },
    recipe: spaceRecipe
      ? {
          kind: "builtin", name: "latency",
          options: { space: spaceRecipe, size, inputShape: [...options.inputShape], numClasses: options.numClasses, latency, backend: options.backend ?? "auto", name: options.name, round: options.round },
        }
      : undefined,
    async evaluate(arch: A, opts: EvaluateOptions): Promise<TrialResult> {
      const t0 = performance.now();
      throwIfAborted(opts.signal);
      try {
        await init();
        // Weights are seeded but do not matter for timing; seed 0 keeps the result independent of the trial's seed.
        const built = options.build(arch, { inputShape: options.inputShape, numClasses: options.numClasses, seed: 0 });
        try {
          const m = measureLatency(built.model, latency);
          return {
            status: "ok",
            metrics: {
              latency_ms: m.median, latency_iqr_ms: m.iqr, latency_min_ms: m.min, latency_cpu_ms: m.cpuMedian, latency_cpu_iqr_ms: m.cpuIqr,
              params: built.params, flops: built.flops,
            },
            cost: { seconds: (performance.now() - t0) / 1000 },
          };
        } finally {
          built.model.dispose();
        }
      } catch (e) {
        return failedResult(e, (performance.now() - t0) / 1000);
      }
    },
  };
}
