/**
 * Predictor-guided evolution with absolute predictions, as in BANANAS (White, Neiswanger, Savani, AAAI 2021): an
 * ensemble of MLPs on an architecture encoding (BANANAS: the path encoding; here a choice) is refitted after every round; the
 * mutations of the best architectures are ranked by an acquisition function of the ensemble's mean and spread, and
 * only the top ones are evaluated.
 */
import { requireCapabilities } from "../errors.js";
import type { Rng } from "../rng.js";
import type { EncodingKind, SearchSpace } from "../space/types.js";
import { encodedPredictor } from "../predict/archPredictor.js";
import { mlpEnsemble, type MlpEnsembleOptions } from "../predict/ensemble.js";
import type { Strategy, StrategyFactory } from "./types.js";
import { checkGuidedOptions, guidedEvolution, type GuidedEvolutionOptions } from "./guidedEvolution.js";

export type Acquisition = "mean" | "ucb" | "its";

export interface PredictorEvolutionOptions extends GuidedEvolutionOptions {
  /** Encoding the predictor reads (default onehot: on NAS-Bench-201 it beat the path encoding at 100 queries). */
  encoding?: EncodingKind;
  /**
   * How candidates are ranked: `mean` = predicted accuracy; `ucb` = mean + kappa * std; `its` = independent Thompson
   * sampling, mean + std * N(0, 1) per candidate (BANANAS's choice). Default `mean`.
   */
  acquisition?: Acquisition;
  /** Exploration weight of `ucb` (default 1). */
  kappa?: number;
  predictor?: MlpEnsembleOptions;
}

/** Default predictor: small enough that refitting every 10 queries costs milliseconds. */
export const FAST_ENSEMBLE: MlpEnsembleOptions = { members: 3, hidden: [32], epochs: 40, batchSize: 16, learningRate: 0.01 };

export function predictorEvolution(opts: PredictorEvolutionOptions = {}): StrategyFactory {
  const name = "predictor-evolution";
  const guided = checkGuidedOptions(name, opts);
  const encoding = opts.encoding ?? "onehot";
  const acquisition = opts.acquisition ?? "mean";
  const kappa = opts.kappa ?? 1;
  if (!["onehot", "adjacency", "path"].includes(encoding)) throw new RangeError(`${name}: encoding must be onehot, adjacency or path, got "${encoding}"`);
  if (!["mean", "ucb", "its"].includes(acquisition)) throw new RangeError(`${name}: acquisition must be mean, ucb or its, got "${acquisition}"`);
  if (!(kappa >= 0)) throw new RangeError(`${name}: kappa must be >= 0, got ${kappa}`);
  const factory = mlpEnsemble({ ...FAST_ENSEMBLE, ...opts.predictor });
  return {
    name,
    create<A>(space: SearchSpace<A>, rng: Rng): Strategy<A> {
      requireCapabilities(name, space, ["encode", "mutate", "neighbours"]);
      const predictor = encodedPredictor(space, encoding, factory);
      return guidedEvolution(name, space, rng, guided, {
        fit(members, r) {
          predictor.fit(members.map((m) => m.arch), members.map((m) => m.fitness), r);
          return true;
        },
        score(_parent, children, r) {
          const { mean, std } = predictor.predict(children);
          if (acquisition === "mean") return mean;
          if (acquisition === "ucb") return mean.map((m, i) => m + kappa * std[i]!);
          return mean.map((m, i) => m + std[i]! * r.normal());
        },
        describe: () => ({ name: predictor.name, trainSize: predictor.trainSize }),
      });
    },
  };
}
