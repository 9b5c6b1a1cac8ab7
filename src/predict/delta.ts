/**
 * Delta-NAS difference encoding (Sridhar & Chen, "Delta-NAS: Difference of Architecture Encoding for Predictor-based
 * Evolutionary Neural Architecture Search", arXiv 2411.14498, 2024): a pair of close architectures (a, b) is
 * encoded by enc(b) - enc(a), and a predictor learns the accuracy DIFFERENCE acc(b) - acc(a). Ranking the children
 * of one parent needs only differences, and differences of nearby architectures vary far less than accuracies.
 */
import { requireCapabilities } from "../errors.js";
import type { Rng } from "../rng.js";
import type { Encodable, EncodingKind, SearchSpace } from "../space/types.js";
import type { Prediction, Predictor, PredictorFactory } from "./types.js";

/** enc(b) - enc(a): the pair encoding of a step from a to b. */
export function pairEncoding(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length !== b.length) throw new RangeError(`pairEncoding: encodings differ in length (${a.length} vs ${b.length}); encode both with the same space and kind`);
  const d = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) d[i] = b[i]! - a[i]!;
  return d;
}

export interface DeltaPredictorOptions {
  encoding?: EncodingKind;
  /** Pairs are architectures at most this far apart (`space.distance`; default 2). */
  maxDistance?: number;
  /** At most this many pairs per fit, subsampled at random (default 300). */
  maxPairs?: number;
}

/** Trains on ordered pairs of evaluated architectures; predicts acc(to) - acc(from). */
export class DeltaPredictor<A> {
  private inner: Predictor | undefined;
  private readonly space: SearchSpace<A> & Encodable<A>;
  readonly encoding: EncodingKind;
  readonly maxDistance: number;
  readonly maxPairs: number;
  /** Pairs used by the last fit. */
  pairs = 0;

  constructor(space: SearchSpace<A>, private readonly factory: PredictorFactory, opts: DeltaPredictorOptions = {}) {
    requireCapabilities("DeltaPredictor", space, ["encode", "distance"]);
    this.space = space as SearchSpace<A> & Encodable<A>;
    this.encoding = opts.encoding ?? "onehot";
    this.maxDistance = opts.maxDistance ?? 2;
    this.maxPairs = opts.maxPairs ?? 300;
    if (!(this.maxDistance > 0)) throw new RangeError(`DeltaPredictor: maxDistance must be > 0, got ${this.maxDistance}`);
    if (!(Number.isInteger(this.maxPairs) && this.maxPairs >= 1)) throw new RangeError(`DeltaPredictor: maxPairs must be an integer >= 1, got ${this.maxPairs}`);
  }

  get name(): string {
    return `delta:${this.encoding}:${this.inner?.name ?? "unfitted"}`;
  }

  get trainSize(): number {
    return this.pairs;
  }

  /**
   * Builds pairs of evaluated architectures within `maxDistance` (both orders, so the predictor learns that
   * reversing a step negates its effect); with fewer than 2 such pairs per architecture, the nearest others are
   * added so a fit always has data.
   */
  fit(archs: readonly A[], y: ArrayLike<number>, rng: Rng): void {
    if (archs.length !== y.length) throw new RangeError(`DeltaPredictor.fit: ${archs.length} architectures but ${y.length} targets`);
    if (archs.length < 2) throw new RangeError("DeltaPredictor.fit: needs at least 2 evaluated architectures to form a pair");
    const enc = archs.map((a) => this.space.encode(a, this.encoding));
    const n = archs.length;
    let pairs: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      const near: { j: number; d: number }[] = [];
      for (let j = 0; j < n; j++) if (j !== i) near.push({ j, d: this.space.distance(archs[i]!, archs[j]!) });
      const close = near.filter((p) => p.d <= this.maxDistance);
      const chosen = close.length >= 2 ? close : near.sort((p, q) => p.d - q.d || p.j - q.j).slice(0, 2);
      for (const { j } of chosen) pairs.push([i, j]);
    }
    if (pairs.length > this.maxPairs) pairs = rng.sample(pairs, this.maxPairs);
    const x = pairs.map(([i, j]) => pairEncoding(enc[i]!, enc[j]!));
    const t = pairs.map(([i, j]) => y[j]! - y[i]!);
    this.inner = this.factory(enc[0]!.length);
    this.inner.fit(x, t, rng);
    this.pairs = pairs.length;
  }

  /**
   * Predicted acc(to) - acc(from) for each `to`. The raw network g is made antisymmetric, (g(d) - g(-d)) / 2, so a
   * step and its reverse get opposite predictions and a zero step predicts exactly 0.
   */
  predict(from: A, to: readonly A[]): Prediction {
    if (!this.inner) throw new Error("DeltaPredictor: predict before fit; call fit() on evaluated architectures first");
    const e0 = this.space.encode(from, this.encoding);
    const fwd = to.map((b) => pairEncoding(e0, this.space.encode(b, this.encoding)));
    const bwd = fwd.map((d) => d.map((v) => -v));
    const p = this.inner.predict(fwd);
    const q = this.inner.predict(bwd);
    const mean = p.mean.map((v, i) => (v - q.mean[i]!) / 2);
    const std = p.std.map((v, i) => (v + q.std[i]!) / 2);
    return { mean, std };
  }
}
