/**
 * The CLI's training task: the chain space sized for the embedded 12×12 synthetic glyph task, and a train
 * evaluator on it that any process can rebuild from its recipe (this module + export + options), so
 * `nasbook search --space chain` runs on the pool and on `nasbook worker`s too.
 */
import { backendInfo } from "../backend/index.js";
import { trainEvaluator, type TrainEvaluator } from "../estimate/train.js";
import { chainModel } from "../model/chain.js";
import { chainSpace, type ChainArch, type ChainOptions, type ChainSpace } from "../space/chain.js";

/** The chain space of `nasbook search --space chain` (trains in about a second per candidate on one core). */
export const SYNTHETIC_CHAIN: ChainOptions = {
  minConv: 1, maxConv: 2, minDense: 0, maxDense: 1, filters: [4, 8, 16], kernels: [3, 5], units: [16, 32],
};

/** The chain space sized for the synthetic task. */
export function syntheticChainSpace(): ChainSpace {
  return Object.assign(chainSpace(SYNTHETIC_CHAIN), {
    recipe: { kind: "module" as const, module: import.meta.url, export: "syntheticChainSpace" },
  });
}

export interface SyntheticChainOptions {
  /** Training epochs per candidate (default 3). */
  epochs?: number;
  /** Mini-batch size (default 64). */
  batchSize?: number;
}

/** Trains chain candidates on the synthetic task (defaults of trainEvaluator: Adam, cosine schedule). */
export function syntheticChainEvaluator(opts: SyntheticChainOptions = {}): TrainEvaluator<ChainArch> {
  const space = syntheticChainSpace();
  const epochs = opts.epochs ?? 3;
  const batchSize = opts.batchSize ?? 64;
  const evaluator = trainEvaluator<ChainArch>({
    name: `train(synthetic, ${epochs} epoch${epochs === 1 ? "" : "s"})`,
    build: (a, o) => chainModel(a, o, space),
    train: { epochs, batchSize },
  });
  return Object.assign(evaluator, {
    // Everything that changes a result; the backend is the one this process trains on (chosen on first use).
    fingerprint: () => ({
      kind: "train", task: "synthetic", model: "chainModel", space: SYNTHETIC_CHAIN, epochs, batchSize,
      optimizer: "adam", schedule: "cosine", backend: backendInfo()?.name ?? process.env.NASBOOK_BACKEND ?? "auto",
    }),
    recipe: { kind: "module" as const, module: import.meta.url, export: "syntheticChainEvaluator", options: { epochs, batchSize } },
  });
}
