/**
 * Delta-NAS difference encoding (Sridhar & Chen, "Delta-NAS: Difference of Architecture Encoding for Predictor-based
 * Evolutionary Neural Architecture Search", arXiv 2411.14498, 2024): a pair of close architectures (a, b) is
 * encoded by enc(b) - enc(a), and a predictor learns the accuracy DIFFERENCE acc(b) - acc(a). Ranking the children
 * of one parent needs only differences, and differences of nearby architectures vary far less than accuracies.
 */
import { requireCapabilities } from "../errors.js";
import type { Rng } from "../rng.js";
import type { Encodable, EncodingKind, Mutable, SearchSpace } from "../space/types.js";
import type { Prediction, Predictor, PredictorFactory } from "./types.js";

/** enc(b) - enc(a): the pair encoding of a step from a to b. */
export function pairEncoding(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length !== b.length) throw new RangeError(`pairEncoding: encodings differ in length (${a.length} vs ${b.length}); encode both with the same space and kind`);
  const d = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) d[i] = b[i]! - a[i]!;
  return d;
}

export interface DeltaPredictorOptions<A = unknown> {
  encoding?: EncodingKind;
  /** Pairs are architectures at most this far apart (`space.distance`; default 2). */
  maxDistance?: number;
  /** At most this many pairs per fit, subsampled at random (default 300). */
  maxPairs?: number;
  /** No fit until at least this many close pairs (counting both orders) exist (default 20). */
  minPairs?: number;
  /**
   * Extra numbers describing an architecture, appended to its structural encoding (e.g. its zero-cost proxy scores,
   * each scaled to [0, 1]): a pair is then also encoded by the difference of its proxies.
   */
  features?: (a: A) => Float32Array;
}

/** What the last fit trained on. */
export interface DeltaFitStats {
  /** Training pairs used (both orders counted). */
  pairs: number;
  /** Share of them at most `maxDistance` apart, measured with `space.distance` (1 by construction). */
  withinDistance: number;
  /** Close pairs known among all evaluated architectures. */
  closePairs: number;
}

/**
 * Trains on ordered pairs of evaluated architectures at most `maxDistance` apart; predicts acc(to) - acc(from).
 * Pairs are found incrementally: each newly evaluated architecture looks up the evaluated ones in its
 * neighbourhood (every architecture within `ceil(maxDistance)` mutation steps, via `space.neighbours`), so
 * building pairs costs a constant per architecture instead of comparing every architecture with every other.
 */
export class DeltaPredictor<A> {
  private inner: Predictor | undefined;
  private readonly space: SearchSpace<A> & Encodable<A> & Partial<Mutable<A>>;
  readonly encoding: EncodingKind;
  readonly maxDistance: number;
  readonly maxPairs: number;
  readonly minPairs: number;
  /** Evaluated architectures in fit order, their encodings, and format -> position. */
  private archs: A[] = [];
  private encodings: Float32Array[] = [];
  private readonly position = new Map<string, number>();
  /** Close ordered pairs [from, to] among `archs`. */
  private closePairs: [number, number][] = [];
  /** Pairs used by the last fit. */
  pairs = 0;
  lastFit: DeltaFitStats | undefined;

  private readonly features: ((a: A) => Float32Array) | undefined;

  constructor(space: SearchSpace<A>, private readonly factory: PredictorFactory, opts: DeltaPredictorOptions<A> = {}) {
    this.features = opts.features;
    requireCapabilities("DeltaPredictor", space, ["encode", "distance"]);
    this.space = space as SearchSpace<A> & Encodable<A> & Partial<Mutable<A>>;
    this.encoding = opts.encoding ?? "onehot";
    this.maxDistance = opts.maxDistance ?? 2;
    this.maxPairs = opts.maxPairs ?? 300;
    this.minPairs = opts.minPairs ?? 20;
    if (!(this.maxDistance > 0)) throw new RangeError(`DeltaPredictor: maxDistance must be > 0, got ${this.maxDistance}`);
    if (!(Number.isInteger(this.maxPairs) && this.maxPairs >= 1)) throw new RangeError(`DeltaPredictor: maxPairs must be an integer >= 1, got ${this.maxPairs}`);
    if (!(Number.isInteger(this.minPairs) && this.minPairs >= 1)) throw new RangeError(`DeltaPredictor: minPairs must be an integer >= 1, got ${this.minPairs}`);
  }

  get name(): string {
    return `delta:${this.encoding}${this.features ? "+features" : ""}:${this.inner?.name ?? "unfitted"}`;
  }

  /** The architecture's encoding: the space's, then the extra features if any. */
  private encode(a: A): Float32Array {
    const e = this.space.encode(a, this.encoding);
    if (!this.features) return e;
    const f = this.features(a);
    const out = new Float32Array(e.length + f.length);
    out.set(e);
    out.set(f, e.length);
    return out;
  }

  get trainSize(): number {
    return this.pairs;
  }

  /** Whether a fit has happened (predict needs one). */
  get fitted(): boolean {
    return this.inner !== undefined;
  }

  /**
   * Fits on the close pairs of `archs` (both orders, so the predictor learns that reversing a step negates its
   * effect), and only when at least `minPairs` exist: far pairs are never used, against the method's premise that
   * differences of NEARBY architectures are what is easy to learn. Returns whether it fitted. `archs` is expected
   * to grow by appending (a search's history); any other change rebuilds the pair index.
   */
  fit(archs: readonly A[], y: ArrayLike<number>, rng: Rng): boolean {
    if (archs.length !== y.length) throw new RangeError(`DeltaPredictor.fit: ${archs.length} architectures but ${y.length} targets`);
    if (archs.length < 2) throw new RangeError("DeltaPredictor.fit: needs at least 2 evaluated architectures to form a pair");
    this.index(archs);
    if (this.closePairs.length < this.minPairs) return false;
    const pairs = this.closePairs.length > this.maxPairs ? rng.sample(this.closePairs, this.maxPairs) : this.closePairs.slice();
    const x = pairs.map(([i, j]) => pairEncoding(this.encodings[i]!, this.encodings[j]!));
    const t = pairs.map(([i, j]) => y[j]! - y[i]!);
    const inputs = this.encodings[0]!.length;
    // One predictor across fits, so a warm-starting one continues from its previous weights.
    if (this.inner === undefined || this.inner.inputs !== inputs) this.inner = this.factory(inputs);
    this.inner.fit(x, t, rng);
    this.pairs = pairs.length;
    let within = 0;
    for (const [i, j] of pairs) if (this.space.distance(this.archs[i]!, this.archs[j]!) <= this.maxDistance) within++;
    this.lastFit = { pairs: pairs.length, withinDistance: within / pairs.length, closePairs: this.closePairs.length };
    return true;
  }

  /** Adds the architectures not indexed yet, with their close pairs; rebuilds if `archs` is not an extension. */
  private index(archs: readonly A[]): void {
    const n = this.archs.length;
    const extends_ = archs.length >= n && (n === 0 || this.space.format(archs[n - 1]!) === this.space.format(this.archs[n - 1]!));
    if (!extends_) {
      this.archs = [];
      this.encodings = [];
      this.position.clear();
      this.closePairs = [];
    }
    for (let i = this.archs.length; i < archs.length; i++) {
      const a = archs[i]!;
      const f = this.space.format(a);
      if (this.position.has(f)) {
        // The same architecture twice (a re-evaluation): keep one entry, but stay aligned with `y`.
        this.archs.push(a);
        this.encodings.push(this.encodings[this.position.get(f)!]!);
        continue;
      }
      for (const j of this.closeEvaluated(a)) {
        this.closePairs.push([i, j], [j, i]);
      }
      this.position.set(f, i);
      this.archs.push(a);
      this.encodings.push(this.encode(a));
    }
  }

  /** Positions of indexed architectures within maxDistance of `a` (not `a` itself). */
  private closeEvaluated(a: A): number[] {
    const out: number[] = [];
    const neighbours = this.space.neighbours?.bind(this.space);
    if (neighbours === undefined) {
      // No neighbourhoods to walk: compare with every indexed architecture (linear in the history per new one).
      this.archs.forEach((b, j) => {
        if (this.position.get(this.space.format(b)) === j && this.space.distance(a, b) <= this.maxDistance) out.push(j);
      });
      return out;
    }
    const self = this.space.format(a);
    const visited = new Set<string>([self]);
    let frontier: A[] = [a];
    for (let step = 0; step < Math.ceil(this.maxDistance) && frontier.length > 0; step++) {
      const next: A[] = [];
      for (const b of frontier) {
        for (const c of neighbours(b)) {
          const f = this.space.format(c);
          if (visited.has(f)) continue;
          visited.add(f);
          next.push(c);
          const j = this.position.get(f);
          if (j !== undefined && this.space.distance(a, this.archs[j]!) <= this.maxDistance) out.push(j);
        }
      }
      frontier = next;
    }
    return out.sort((p, q) => p - q);
  }

  /**
   * Predicted acc(to) - acc(from) for each `to`. The raw network g is made antisymmetric, (g(d) - g(-d)) / 2, so a
   * step and its reverse get opposite predictions and a zero step predicts exactly 0.
   */
  predict(from: A, to: readonly A[]): Prediction {
    if (!this.inner) throw new Error("DeltaPredictor: predict before fit; call fit() on evaluated architectures first");
    const e0 = this.encode(from);
    const fwd = to.map((b) => pairEncoding(e0, this.encode(b)));
    const bwd = fwd.map((d) => d.map((v) => -v));
    const p = this.inner.predict(fwd);
    const q = this.inner.predict(bwd);
    const mean = p.mean.map((v, i) => (v - q.mean[i]!) / 2);
    const std = p.std.map((v, i) => (v + q.std[i]!) / 2);
    return { mean, std };
  }
}
