/** The strategies bench:nb201 compares, with the settings it uses for each. */
import type { SpaceStrategyFactory, StrategyFactory } from "../src/search.js";
import type { Nb201Arch } from "../src/space/nb201.js";
import { localSearch, nb201ParamsWarmup } from "../src/strategy/localSearch.js";
import { randomSearch } from "../src/strategy/random.js";
import { regularizedEvolution } from "../src/strategy/evolution.js";
import { reinforce } from "../src/strategy/reinforce.js";
import { pnasNb201 } from "../src/strategy/pnasNb201.js";
import { predictorEvolution } from "../src/strategy/predictorEvolution.js";
import { deltaNas } from "../src/strategy/deltaNas.js";
import { nb201EnsembleWarmup, nb201ZeroCostFeatures, type Nb201ZeroCostTable } from "../src/estimate/nb201ZeroCostSpace.js";

export function nb201Strategies(): Record<string, StrategyFactory | SpaceStrategyFactory<Nb201Arch>> {
  return {
    random: randomSearch(),
    "regularized-evolution": regularizedEvolution({ population: 20, sample: 5 }),
    "local-search": localSearch({ init: 10 }),
    reinforce: reinforce({ learningRate: 0.05, batch: 10 }),
    "pnas-nb201": pnasNb201({ beam: 20, surrogate: "mlp" }),
    "predictor-evolution": predictorEvolution({ init: 10, batch: 10, parents: 10, encoding: "onehot", acquisition: "mean" }),
    "delta-nas": deltaNas({ init: 10, batch: 10, parents: 10, encoding: "onehot", maxDistance: 2, maxPairs: 300 }),
  };
}

/**
 * Variants for paired checks that a change kept search quality (bench:nb201-paired --strategies ...): the
 * predictor strategies with the refit schedule of round 1 (every refit from scratch, 40 passes, no row bound).
 */
export function nb201Ablations(): Record<string, StrategyFactory | SpaceStrategyFactory<Nb201Arch>> {
  const cold = { members: 3, hidden: [32], epochs: 40, batchSize: 16, learningRate: 0.01, warmStart: false, maxRowVisits: Number.MAX_SAFE_INTEGER };
  return {
    "predictor-evolution-cold": predictorEvolution({ init: 10, batch: 10, parents: 10, encoding: "onehot", acquisition: "mean", predictor: cold }),
    // Round structure variants, for the CIFAR-10 goal (94.30 at 100 queries).
    "delta-nas-batch5": deltaNas({ init: 10, batch: 5, parents: 10, encoding: "onehot", maxDistance: 2, maxPairs: 300 }),
    "delta-nas-batch5-parents5": deltaNas({ init: 10, batch: 5, parents: 5, encoding: "onehot", maxDistance: 2, maxPairs: 300 }),
    // Greedy rounds: the predictor's 3 best unseen neighbours of the best architecture (next-best parents stand in
    // when its neighbourhood is used up). +0.16 [0.08, 0.23] at 50 queries on CIFAR-10 (seeds 0-99).
    "delta-nas-p1b3": deltaNas({ init: 10, batch: 3, parents: 1, encoding: "onehot", maxDistance: 2, maxPairs: 300 }),
    // Local search as in White et al.'s Algorithm 1 (move to the best neighbour), and the same started from the
    // cell with the most parameters among 1,000 random ones (zero-cost warmup, params proxy; no query spent on it).
    "local-search-best": localSearch({ init: 10, move: "best" }),
    "local-search-zc": localSearch({ init: 1, move: "best", warmup: nb201ParamsWarmup() }),
    "delta-nas-cold": deltaNas({ init: 10, batch: 10, parents: 10, encoding: "onehot", maxDistance: 2, maxPairs: 300, predictor: cold }),
  };
}

/** Strategies that start from the zero-cost table of the whole space (bench:zc-space), by name. */
export const NB201_ZC_STRATEGIES = ["local-search-zc-ensemble", "evolution-zc-ensemble", "delta-nas-zc"] as const;

/**
 * The zero-cost strategies, given the table: the training-free ensemble (NB201_ENSEMBLE) ranks every cell before
 * the first query, and each strategy starts where it points.
 */
export function nb201ZeroCostStrategies(table: Nb201ZeroCostTable): Record<(typeof NB201_ZC_STRATEGIES)[number], SpaceStrategyFactory<Nb201Arch>> {
  const warmup = nb201EnsembleWarmup(table);
  return {
    // Steepest-ascent local search from the ensemble's best cell, each neighbourhood evaluated in the ensemble's order.
    "local-search-zc-ensemble": localSearch({ init: 1, move: "best", order: "proxy", warmup }),
    // Regularized evolution whose first population is the ensemble's top 10.
    "evolution-zc-ensemble": regularizedEvolution({ population: 10, sample: 3, warmup }),
    // Delta-NAS (greedy rounds) from the ensemble's top 10, each pair encoded with the difference of its proxies' ranks.
    "delta-nas-zc": deltaNas({ init: 10, batch: 3, parents: 1, encoding: "onehot", maxDistance: 2, maxPairs: 300, warmup, proxyFeatures: nb201ZeroCostFeatures(table) }),
  };
}

/**
 * Variants of the zero-cost strategies tried for the issue-27 targets (bench:nb201 --strategies NAME; not in its
 * default list), each against its strategy above: what the ensemble start, the neighbour order and the proxy
 * features each contribute at 20 queries.
 */
export function nb201ZeroCostVariants(table: Nb201ZeroCostTable): Record<string, SpaceStrategyFactory<Nb201Arch>> {
  const warmup = nb201EnsembleWarmup(table);
  const features = nb201ZeroCostFeatures(table);
  return {
    // First-improvement moves: "best" evaluates a whole neighbourhood (24 cells) before moving, more than 20 queries.
    "local-search-zc-first": localSearch({ init: 1, move: "first", order: "proxy", warmup }),
    // The climb starts from the best (by the search signal) of the ensemble's top 10, not from its top cell.
    "local-search-zc-top10": localSearch({ init: 10, move: "first", order: "proxy", warmup }),
    "local-search-zc-top5": localSearch({ init: 5, move: "first", order: "proxy", warmup }),
    // Delta-NAS from the ensemble's top 10 without the proxy features (the warm start alone), and with the features
    // but random initial architectures (the difference encoding alone).
    "delta-nas-zc-no-features": deltaNas({ init: 10, batch: 3, parents: 1, encoding: "onehot", maxDistance: 2, maxPairs: 300, warmup }),
    "delta-nas-zc-features-only": deltaNas({ init: 10, batch: 3, parents: 1, encoding: "onehot", maxDistance: 2, maxPairs: 300, proxyFeatures: features }),
    "delta-nas-zc-init5": deltaNas({ init: 5, batch: 3, parents: 1, encoding: "onehot", maxDistance: 2, maxPairs: 300, warmup, proxyFeatures: features }),
    // Regularized evolution from the ensemble's top 20 / top 5.
    "evolution-zc-p20": regularizedEvolution({ population: 20, sample: 5, warmup }),
    "evolution-zc-p5": regularizedEvolution({ population: 5, sample: 2, warmup }),
  };
}
