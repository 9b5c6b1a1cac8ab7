/** The predictor contract: fit on evaluated feature vectors, predict a mean and an uncertainty for new ones. */
import type { Rng } from "../rng.js";

export interface Prediction {
  mean: Float64Array;
  /** Spread of the prediction (ensemble standard deviation); 0 when the predictor has no notion of uncertainty. */
  std: Float64Array;
}

export interface Predictor {
  readonly name: string;
  /** Length of the feature vectors it reads. */
  readonly inputs: number;
  /** Rows the last fit used. */
  readonly trainSize: number;
  /**
   * Fits on (x, y): from scratch, or, for a warm-starting predictor given the previous fit's rows plus new ones
   * appended, continuing from the previous weights. All randomness (initialisation, shuffling) comes from `rng`.
   */
  fit(x: readonly Float32Array[], y: ArrayLike<number>, rng: Rng): void;
  predict(x: readonly Float32Array[]): Prediction;
}

/** Makes a fresh, unfitted predictor for feature vectors of a given length. */
export type PredictorFactory = (inputs: number) => Predictor;
