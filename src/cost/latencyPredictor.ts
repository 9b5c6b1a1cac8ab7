/**
 * A latency predictor in the manner of nn-Meter (Zhang et al., MobiSys 2021): a network's latency is the sum of its
 * kernels' latencies, and a kernel's latency depends on its type and configuration (op, kernel size, stride, input
 * and output shapes). Here a kernel is one tfjs layer with its configuration; its latency is not looked up from
 * separate micro-benchmarks but fitted, by non-negative least squares, to whole networks measured on the target
 * (a latency table's cells), so the look-up table absorbs what the runtime does between layers. Predicting a new
 * network is then a sum over its layers: no measurement, no tensors beyond building the (zero-initialised) model.
 */
import type * as tf from "@tensorflow/tfjs";
import { NasbookError } from "../errors.js";

/** The configuration that decides a layer's cost, as a look-up key. */
export function kernelKey(layer: tf.layers.Layer): string {
  const cls = layer.getClassName();
  const cfg = layer.getConfig() as Record<string, unknown>;
  const shapes = (t: tf.SymbolicTensor | tf.SymbolicTensor[]) => (Array.isArray(t) ? t : [t]).map((x) => x.shape.slice(1).join("x")).join("+");
  const parts = [cls, `in=${shapes(layer.input)}`, `out=${shapes(layer.output)}`];
  for (const k of ["kernelSize", "strides", "dilationRate", "poolSize", "useBias", "activation"]) if (cfg[k] !== undefined && cfg[k] !== null) parts.push(`${k}=${String(cfg[k])}`);
  return parts.join(" ");
}

/** How many layers of each kernel key the model has (input layers are free). */
export function kernelCounts(model: tf.LayersModel): Map<string, number> {
  const counts = new Map<string, number>();
  for (const layer of model.layers) {
    if (layer.getClassName() === "InputLayer") continue;
    const k = kernelKey(layer);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/**
 * Non-negative least squares, min ||X w - y||^2 subject to w >= 0, by cyclic coordinate descent on the normal
 * equations with a small ridge term (kernels that always occur together share their time instead of diverging).
 */
export function nnls(X: readonly Float64Array[], y: ArrayLike<number>, opts: { ridge?: number; sweeps?: number } = {}): Float64Array {
  const n = X.length;
  const m = n === 0 ? 0 : X[0]!.length;
  const G = Array.from({ length: m }, () => new Float64Array(m));
  const b = new Float64Array(m);
  for (let r = 0; r < n; r++) {
    const x = X[r]!;
    for (let i = 0; i < m; i++) {
      if (x[i] === 0) continue;
      b[i]! += x[i]! * y[r]!;
      for (let j = 0; j < m; j++) G[i]![j]! += x[i]! * x[j]!;
    }
  }
  const ridge = (opts.ridge ?? 1e-6) * Math.max(1, ...G.map((row, i) => row[i]!));
  const w = new Float64Array(m);
  for (let sweep = 0; sweep < (opts.sweeps ?? 2000); sweep++) {
    let change = 0;
    for (let i = 0; i < m; i++) {
      const d = G[i]![i]! + ridge;
      if (d === 0) continue;
      let g = b[i]!;
      for (let j = 0; j < m; j++) if (j !== i) g -= G[i]![j]! * w[j]!;
      const next = Math.max(0, g / d);
      change = Math.max(change, Math.abs(next - w[i]!));
      w[i] = next;
    }
    if (change < 1e-12) break;
  }
  return w;
}

export interface LatencyPredictor {
  /** Milliseconds per kernel key (the fitted look-up table), plus a constant per inference. */
  readonly table: ReadonlyMap<string, number>;
  readonly intercept: number;
  /** Predicted milliseconds; `unseen` counts layers whose kernel was never in the training networks (they add 0). */
  predict(counts: ReadonlyMap<string, number>): { ms: number; unseen: number };
}

/** Fits the per-kernel look-up table to measured networks (their kernel counts and median latencies). */
export function fitLatencyPredictor(samples: readonly { counts: ReadonlyMap<string, number>; latencyMs: number }[], opts: { ridge?: number } = {}): LatencyPredictor {
  if (samples.length < 2) throw new NasbookError(`a latency predictor needs at least 2 measured networks, got ${samples.length}`);
  const keys = [...new Set(samples.flatMap((s) => [...s.counts.keys()]))].sort();
  const index = new Map(keys.map((k, i) => [k, i]));
  const X = samples.map((s) => {
    const x = new Float64Array(keys.length + 1);
    for (const [k, c] of s.counts) x[index.get(k)!] = c;
    x[keys.length] = 1; // a fixed cost per inference (dispatch, reading the output back)
    return x;
  });
  const w = nnls(X, samples.map((s) => s.latencyMs), opts);
  const table = new Map(keys.map((k, i) => [k, w[i]!]));
  const intercept = w[keys.length]!;
  return {
    table,
    intercept,
    predict(counts) {
      let ms = intercept;
      let unseen = 0;
      for (const [k, c] of counts) {
        const t = table.get(k);
        if (t === undefined) unseen += c;
        else ms += c * t;
      }
      return { ms, unseen };
    },
  };
}
