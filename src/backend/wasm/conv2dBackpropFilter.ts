/**
 * Conv2DBackpropFilter for wasm (stock wasm has none): dW = im2col(x)^T · dy, one SIMD GEMM per
 * L2-sized chunk of output pixels, accumulated in place. Supports stride, padding and dilation.
 */
import { backend_util, type KernelConfig, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from "@tensorflow/tfjs";
import { chunkRows, dilationsOf, geometryOf, isPointwise } from "./convGeometry.js";
import { asWasmBackend, heapOffset } from "./heap.js";
import { trainingModuleFor } from "./trainingModule.js";

function conv2dBackpropFilter(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = asWasmBackend(args.backend);
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = (args.attrs ?? {}) as unknown as {
    strides: number | [number, number];
    pad: "valid" | "same" | number | backend_util.ExplicitPadding;
    dataFormat: "NHWC" | "NCHW";
    dimRoundingMode?: "floor" | "round" | "ceil";
    filterShape: [number, number, number, number];
    dilations?: number | [number, number];
  };
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, dilationsOf(attrs.dilations),
    attrs.pad, attrs.dimRoundingMode, false, backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  const g = geometryOf(info);
  const { k, scratch } = trainingModuleFor(backend);
  const dw = backend.makeOutput(attrs.filterShape, "float32");
  const xPtr = heapOffset(backend, x);
  const dyPtr = heapOffset(backend, dy);
  const dwPtr = heapOffset(backend, dw);
  const rowLength = g.filterHeight * g.filterWidth * g.inChannels;
  const rows = g.batch * g.outHeight * g.outWidth;
  const co = g.outChannels;
  const gemmFloats = k.gemm_scratch_floats(co);
  if (rows === 0) {
    k.zero_floats(dwPtr, rowLength * co);
  } else if (isPointwise(g)) {
    const s = scratch(gemmFloats * 4);
    k.gemm(rowLength, co, rows, xPtr, rowLength, 1, dyPtr, co, 0, dwPtr, co, 0, s);
  } else {
    const chunk = chunkRows(rowLength, rows);
    const s = scratch((gemmFloats + chunk * rowLength) * 4 + 16);
    const colPtr = s + gemmFloats * 4 + 16;
    for (let r0 = 0; r0 < rows; r0 += chunk) {
      const r1 = Math.min(rows, r0 + chunk);
      k.im2col(
        xPtr, g.inHeight, g.inWidth, g.inChannels, g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth,
        g.dilationHeight, g.dilationWidth, g.padTop, g.padLeft, g.outHeight, g.outWidth, r0, r1, colPtr,
      );
      k.gemm(rowLength, co, r1 - r0, colPtr, rowLength, 1, dyPtr + r0 * co * 4, co, 0, dwPtr, co, r0 > 0 ? 1 : 0, s);
    }
  }
  return dw;
}

/** Kernel config registered for 'wasm'. */
export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: "Conv2DBackpropFilter",
  backendName: "wasm",
  kernelFunc: conv2dBackpropFilter as KernelConfig["kernelFunc"],
};
