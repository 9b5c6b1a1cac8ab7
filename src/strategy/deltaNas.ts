/**
 * Delta-NAS (Sridhar & Chen, "Delta-NAS: Difference of Architecture Encoding for Predictor-based Evolutionary
 * Neural Architecture Search", arXiv 2411.14498, 2024): a predictor of the accuracy DIFFERENCE between close
 * architectures, trained on pairs encoded by the difference of their encodings, guides evolution. Each round the
 * mutations of the best architectures are ranked by parent accuracy + predicted improvement over that parent, and
 * only the top ones are evaluated.
 */
import { requireCapabilities } from "../errors.js";
import type { Rng } from "../rng.js";
import type { EncodingKind, SearchSpace } from "../space/types.js";
import { DeltaPredictor } from "../predict/delta.js";
import { mlpEnsemble, type MlpEnsembleOptions } from "../predict/ensemble.js";
import type { SpaceStrategyFactory, Strategy, StrategyFactory } from "./types.js";
import { checkWarmup, type ZeroCostWarmup } from "./zeroCostWarmup.js";
import { checkGuidedOptions, guidedEvolution, type GuidedEvolutionOptions } from "./guidedEvolution.js";
import { FAST_ENSEMBLE } from "./predictorEvolution.js";

export interface DeltaNasOptions extends GuidedEvolutionOptions {
  /** Encoding whose differences encode a pair (default onehot). */
  encoding?: EncodingKind;
  /** Training pairs are evaluated architectures at most this far apart (default 2). */
  maxDistance?: number;
  /** At most this many training pairs per refit (default 300). */
  maxPairs?: number;
  /**
   * The predictor is first fitted once this many close pairs exist (default 20); until then rounds evaluate random
   * mutations of the best architectures, which are close to their parents.
   */
  minPairs?: number;
  /** Ranking adds kappa * predicted-difference spread (default 0: rank by predicted improvement alone). */
  kappa?: number;
  predictor?: MlpEnsembleOptions;
}

export function deltaNas(opts?: DeltaNasOptions): StrategyFactory;
/**
 * Delta-NAS with zero-cost proxies: `proxyFeatures` (each scaled to [0, 1]) are appended to every architecture's
 * encoding, so a pair is encoded by its structural difference and the difference of its proxies; `warmup` makes
 * the first `init` architectures the proxy's top ones.
 */
export function deltaNas<A>(opts: DeltaNasOptions & { proxyFeatures?: (a: A) => Float32Array; warmup?: ZeroCostWarmup<A> }): SpaceStrategyFactory<A>;
export function deltaNas<A>(opts: DeltaNasOptions & { proxyFeatures?: (a: A) => Float32Array; warmup?: ZeroCostWarmup<A> } = {}): StrategyFactory | SpaceStrategyFactory<A> {
  const name = "delta-nas";
  const guided = checkGuidedOptions(name, opts);
  const encoding = opts.encoding ?? "onehot";
  const kappa = opts.kappa ?? 0;
  if (!["onehot", "adjacency", "path"].includes(encoding)) throw new RangeError(`${name}: encoding must be onehot, adjacency or path, got "${encoding}"`);
  if (!(kappa >= 0)) throw new RangeError(`${name}: kappa must be >= 0, got ${kappa}`);
  // Up to maxPairs (300) pairs x 40 passes, so a cold fit on a full pair sample is not cut short.
  const factory = mlpEnsemble({ ...FAST_ENSEMBLE, maxRowVisits: 12_000, ...opts.predictor });
  checkWarmup(name, opts.warmup, guided.init);
  return {
    name,
    create(space: SearchSpace<A>, rng: Rng): Strategy<A> {
      requireCapabilities(name, space, ["encode", "distance", "mutate", "neighbours"]);
      const predictor = new DeltaPredictor(space, factory, {
        encoding, maxDistance: opts.maxDistance ?? 2, maxPairs: opts.maxPairs ?? 300, minPairs: opts.minPairs ?? 20, features: opts.proxyFeatures,
      });
      return guidedEvolution(name, space, rng, guided, {
        fit: (members, r) => predictor.fit(members.map((m) => m.arch), members.map((m) => m.fitness), r),
        score(parent, children) {
          // Anchored at the parent's measured accuracy so children of different parents compare.
          const { mean, std } = predictor.predict(parent.arch, children);
          return mean.map((d, i) => parent.fitness + d + kappa * std[i]!);
        },
        describe: () => ({ name: predictor.name, trainSize: predictor.trainSize, ...predictor.lastFit }),
      }, opts.warmup);
    },
  };
}
