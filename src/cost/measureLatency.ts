/**
 * Latency of a built tfjs model, measured on the backend it runs on: `repeats` timed inferences of one batch after
 * `warmup` untimed ones (the first calls of a fresh model create kernels and caches), reported as the median with
 * the spread, because a shared machine's timings are noisy and the median is what survives that noise.
 */
import * as tf from "@tensorflow/tfjs";
import { NasbookError } from "../errors.js";
import { Rng } from "../rng.js";

export interface LatencyOptions {
  /** Images per inference (default 1: one request). */
  batchSize?: number;
  /** Untimed inferences first (default 2). */
  warmup?: number;
  /** Timed inferences (default 10). */
  repeats?: number;
}

export interface LatencyMeasurement {
  /** Median milliseconds of one inference of one batch. */
  median: number;
  /** Interquartile range (ms): the noise. */
  iqr: number;
  min: number;
  max: number;
  /** Every timed inference (ms), in order. */
  samples: number[];
  /**
   * CPU time of each timed inference (ms, this process's user + system time): what the inference costs a core it has
   * to itself. On a busy machine the wall-clock time also counts the time other processes held the core; the CPU
   * time does not, so it is the robust figure there (the backends run inference on the calling thread).
   */
  cpuSamples: number[];
  /** Median CPU milliseconds. */
  cpuMedian: number;
  cpuIqr: number;
  batchSize: number;
  backend: string;
}

/** Bad latency options (a zero batch, no timed repeats). */
export class LatencyOptionsError extends NasbookError {}

/** The q-quantile of sorted values, linearly interpolated (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function checkLatencyOptions(o: LatencyOptions): Required<LatencyOptions> {
  const batchSize = o.batchSize ?? 1;
  const warmup = o.warmup ?? 2;
  const repeats = o.repeats ?? 10;
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new LatencyOptionsError(`latency batchSize must be an integer >= 1, got ${batchSize}`);
  if (!(Number.isInteger(warmup) && warmup >= 0)) throw new LatencyOptionsError(`latency warmup must be an integer >= 0, got ${warmup}`);
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new LatencyOptionsError(`latency repeats must be an integer >= 1 (timed inferences), got ${repeats}`);
  return { batchSize, warmup, repeats };
}

/** Summary of timed samples (ms). */
export function summarizeSamples(samples: readonly number[]): Pick<LatencyMeasurement, "median" | "iqr" | "min" | "max"> {
  const s = [...samples].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), iqr: quantile(s, 0.75) - quantile(s, 0.25), min: s[0]!, max: s[s.length - 1]! };
}

/**
 * Times `model` on a seeded random batch shaped like its input. Each timed call includes reading the output back
 * (`dataSync`), so asynchronous backends are timed to completion, not to dispatch.
 */
export function measureLatency(model: tf.LayersModel, options: LatencyOptions = {}): LatencyMeasurement {
  const { batchSize, warmup, repeats } = checkLatencyOptions(options);
  const shape = model.inputs[0]!.shape.slice(1) as number[];
  const rng = new Rng("latency-input");
  const n = batchSize * shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = rng.normal();
  const x = tf.tensor(values, [batchSize, ...shape]);
  const once = () => {
    const y = model.predict(x) as tf.Tensor;
    y.dataSync();
    y.dispose();
  };
  try {
    for (let i = 0; i < warmup; i++) once();
    const samples: number[] = [];
    const cpuSamples: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      once();
      samples.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpuSamples.push((c.user + c.system) / 1000);
    }
    const cpu = summarizeSamples(cpuSamples);
    return { ...summarizeSamples(samples), samples, cpuSamples, cpuMedian: cpu.median, cpuIqr: cpu.iqr, batchSize, backend: tf.getBackend() };
  } finally {
    x.dispose();
  }
}
