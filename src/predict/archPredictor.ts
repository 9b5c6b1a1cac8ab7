/**
 * A predictor over architectures: encode each architecture with one of the space's encodings, then fit a
 * feature-vector predictor. With the path encoding and an MLP ensemble this is the BANANAS predictor
 * (White, Neiswanger, Savani, "BANANAS: Bayesian Optimization with Neural Architectures for NAS", AAAI 2021).
 */
import { requireCapabilities } from "../errors.js";
import type { Rng } from "../rng.js";
import type { Encodable, EncodingKind, SearchSpace } from "../space/types.js";
import { mlpEnsemble, type MlpEnsembleOptions } from "./ensemble.js";
import type { Prediction, PredictorFactory } from "./types.js";

export interface ArchPredictor<A> {
  readonly name: string;
  readonly trainSize: number;
  fit(archs: readonly A[], y: ArrayLike<number>, rng: Rng): void;
  predict(archs: readonly A[]): Prediction;
}

/** Encodes architectures with `space.encode(a, encoding)` and delegates to a predictor made by `factory`. */
export function encodedPredictor<A>(space: SearchSpace<A>, encoding: EncodingKind, factory: PredictorFactory): ArchPredictor<A> {
  requireCapabilities(`${encoding}-encoding predictor`, space, ["encode"]);
  const enc = space as SearchSpace<A> & Encodable<A>;
  let inner: ReturnType<PredictorFactory> | undefined;
  // Evaluated architectures are re-encoded at every refit; caching keeps a refit from costing O(history) encodes
  // (and lets the MLP reuse its sparse form of each row).
  // Architectures that are objects are cached by identity (a history holds the same objects), others by format.
  const byObject = new WeakMap<object, Float32Array>();
  const byFormat = new Map<string, Float32Array>();
  const encodeOne = (a: A) => {
    if (typeof a === "object" && a !== null) {
      let e = byObject.get(a);
      if (e === undefined) byObject.set(a, (e = enc.encode(a, encoding)));
      return e;
    }
    const f = space.format(a);
    let e = byFormat.get(f);
    if (e === undefined) byFormat.set(f, (e = enc.encode(a, encoding)));
    return e;
  };
  const encodeAll = (archs: readonly A[]) => archs.map(encodeOne);
  return {
    get name() {
      return `${encoding}:${inner?.name ?? "unfitted"}`;
    },
    get trainSize() {
      return inner?.trainSize ?? 0;
    },
    fit(archs, y, rng) {
      const x = encodeAll(archs);
      if (x.length === 0) throw new RangeError("predictor fit: no architectures; evaluate some first");
      // The same predictor across fits, so a warm-starting one continues from its previous weights.
      if (inner === undefined || inner.inputs !== x[0]!.length) inner = factory(x[0]!.length);
      inner.fit(x, y, rng);
    },
    predict(archs) {
      if (!inner) throw new Error("predictor: predict before fit; call fit() on evaluated architectures first");
      return inner.predict(archs.map((a) => enc.encode(a, encoding)));
    },
  };
}

/** The BANANAS predictor: an MLP ensemble on the path encoding (input-to-output paths labelled by their ops). */
export function pathPredictor<A>(space: SearchSpace<A>, opts: MlpEnsembleOptions = {}): ArchPredictor<A> {
  return encodedPredictor(space, "path", mlpEnsemble(opts));
}
