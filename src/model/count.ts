/** Parameter and FLOP counts of a tfjs layers model, read from its layers' weight shapes and output shapes. */
import type * as tf from "@tensorflow/tfjs";

/** Trainable parameters (what papers and NAS-Bench-201 call "params"; moving BN statistics excluded). */
export function countParams(model: tf.LayersModel): number {
  let n = 0;
  for (const w of model.trainableWeights) n += w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
  return n;
}

function outputSpatial(layer: tf.layers.Layer): number {
  const shape = layer.outputShape as (number | null)[];
  if (shape.length !== 4) return 1;
  return (shape[1] ?? 1) * (shape[2] ?? 1);
}

function weightShape(layer: tf.layers.Layer, suffix: string): number[] | undefined {
  return layer.weights.find((w) => w.name.endsWith(suffix))?.shape as number[] | undefined;
}

const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/**
 * Multiply-accumulates of one forward pass for one sample: k*k*Cin*Cout per output pixel for a convolution,
 * k*k*Cin*multiplier for a depthwise one, in*out for a dense layer. Pooling, batch norm, activations and
 * additions are not counted (they are a few percent of a convnet's work). A layer applied twice counts once.
 */
export function countFlops(model: tf.LayersModel): number {
  let total = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === "Conv2D") {
      const k = weightShape(layer, "kernel");
      if (k) total += outputSpatial(layer) * prod(k);
    } else if (cls === "DepthwiseConv2D") {
      const k = weightShape(layer, "depthwise_kernel");
      if (k) total += outputSpatial(layer) * prod(k);
    } else if (cls === "SeparableConv2D") {
      const d = weightShape(layer, "depthwise_kernel");
      const p = weightShape(layer, "pointwise_kernel");
      if (d && p) total += outputSpatial(layer) * (prod(d) + prod(p));
    } else if (cls === "Dense") {
      const k = weightShape(layer, "kernel");
      if (k) total += prod(k);
    }
  }
  return total;
}
