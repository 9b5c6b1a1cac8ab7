/** What every model builder returns: a tfjs network plus the numbers a search reports about it. */
import type * as tf from "@tensorflow/tfjs";
import type { ImageShape } from "../data/types.js";

export interface ModelOptions {
  /** Input image shape [height, width, channels]. */
  inputShape: ImageShape;
  numClasses: number;
  /** Seeds every weight initialiser, so the same seed gives the same initial network. */
  seed: number;
  /** Initialise every weight to zero instead of randomly: only for counting params/FLOPs of many models fast. */
  zeroInit?: boolean;
}

export interface BuiltModel {
  /** Maps images [batch, h, w, c] to logits [batch, numClasses] (no softmax: losses and proxies want logits). */
  model: tf.LayersModel;
  /** Trainable parameters (batch-norm moving statistics are not parameters). */
  params: number;
  /** Multiply-accumulates of one forward pass of one sample, counted over convolutions and dense layers. */
  flops: number;
  inputShape: ImageShape;
  numClasses: number;
}

/** What a model builder made by modelBuilder() says about itself (the space's name and recipe, the network size). */
export interface BuilderIdentity {
  builder: string;
  space: string;
  options?: unknown;
}
