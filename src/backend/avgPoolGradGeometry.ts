/**
 * The geometry of an average-pool gradient (AvgPoolGrad), shared by nasbook's wasm and cpu kernels. The forward
 * pass of tfjs (every backend) and TensorFlow averages each window over the elements inside the input; the gradient
 * must divide by the same count, which tfjs 4.22's cpu and stock wasm kernels do not (they divide by the full
 * window size, wrong at the borders under 'same' or explicit padding).
 */
import { backend_util } from "@tensorflow/tfjs";

/** Attributes tfjs passes to AvgPoolGrad (tfjs drops the forward pass's dimRoundingMode). */
export interface AvgPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: "valid" | "same" | number | backend_util.ExplicitPadding;
}

/** NHWC sizes, window, strides and leading pads. */
export interface AvgPoolGradGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

/**
 * Geometry from tfjs's own shape logic. The output size is dy's: tfjs does not pass the forward pass's
 * dimRoundingMode to the gradient, so with a numeric pad its recomputed output size could differ from dy's.
 */
export function avgPoolGradGeometry(inputShape: number[], dyShape: number[], attrs: AvgPoolGradAttrs): AvgPoolGradGeometry {
  if (inputShape.length !== 4 || dyShape.length !== 4) {
    throw new Error(`AvgPoolGrad needs rank-4 NHWC input and dy, got input [${inputShape}] and dy [${dyShape}]`);
  }
  const info = backend_util.computePool2DInfo(
    inputShape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad,
  );
  const [batch, outHeight, outWidth, channels] = dyShape as [number, number, number, number];
  if (batch !== info.batchSize || channels !== info.inChannels) {
    throw new Error(`AvgPoolGrad: dy [${dyShape}] does not match input [${inputShape}]`);
  }
  return {
    batch, inHeight: info.inHeight, inWidth: info.inWidth, channels, outHeight, outWidth,
    filterHeight: info.filterHeight, filterWidth: info.filterWidth, strideHeight: info.strideHeight,
    strideWidth: info.strideWidth, padTop: info.padInfo.top, padLeft: info.padInfo.left,
  };
}
