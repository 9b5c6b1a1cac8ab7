/** Convolution geometry in the argument order our wasm kernels take, computed by tfjs's own shape logic. */
import { backend_util } from "@tensorflow/tfjs";

/** Sizes, strides, dilations and leading pads of an NHWC convolution or pooling window. */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
}

/** Geometry of tfjs's `Conv2DInfo` (conv, depthwise conv or pooling). */
export function geometryOf(info: backend_util.Conv2DInfo): ConvGeometry {
  if (info.dataFormat !== "channelsLast") {
    throw new Error(
      `nasbook wasm training kernels support dataFormat 'NHWC' only, got '${info.dataFormat}'. ` +
        "Build the model with channels-last tensors (the tfjs default).",
    );
  }
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** Dilations attribute as tfjs passes it (number, pair, or absent = 1). */
export function dilationsOf(d: unknown): [number, number] {
  if (d == null) return [1, 1];
  if (typeof d === "number") return [d, d];
  const pair = d as number[];
  return [pair[0] ?? 1, pair[1] ?? 1];
}

/** True when a convolution is a plain per-pixel matrix product (1x1, stride 1, no padding). */
export function isPointwise(g: ConvGeometry): boolean {
  return (
    g.filterHeight === 1 && g.filterWidth === 1 && g.strideHeight === 1 && g.strideWidth === 1 &&
    g.padTop === 0 && g.padLeft === 0 && g.outHeight === g.inHeight && g.outWidth === g.inWidth
  );
}

/** Rows of the im2col matrix processed per chunk: about 1 MB of columns, so a chunk stays in L2. */
export function chunkRows(rowLength: number, totalRows: number): number {
  return Math.max(1, Math.min(totalRows, Math.floor((256 * 1024) / rowLength)));
}
