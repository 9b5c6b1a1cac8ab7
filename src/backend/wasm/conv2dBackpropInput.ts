/**
 * Conv2DBackpropInput for wasm, replacing the stock scalar loop: dcol = dy · W^T with the SIMD GEMM,
 * then col2im scatters each chunk back into dx. Supports stride, padding and dilation.
 */
import { backend_util, type KernelConfig, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from "@tensorflow/tfjs";
import { chunkRows, dilationsOf, geometryOf, isPointwise } from "./convGeometry.js";
import { asWasmBackend, heapOffset } from "./heap.js";
import { trainingModuleFor } from "./trainingModule.js";

function conv2dBackpropInput(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = asWasmBackend(args.backend);
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = (args.attrs ?? {}) as unknown as {
    strides: number | [number, number];
    pad: "valid" | "same" | number | backend_util.ExplicitPadding;
    dataFormat: "NHWC" | "NCHW";
    dimRoundingMode?: "floor" | "round" | "ceil";
    inputShape: [number, number, number, number];
    dilations?: number | [number, number];
  };
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, dilationsOf(attrs.dilations),
    attrs.pad, attrs.dimRoundingMode, false, backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  const g = geometryOf(info);
  const { k, scratch } = trainingModuleFor(backend);
  const dx = backend.makeOutput(attrs.inputShape, "float32");
  const dyPtr = heapOffset(backend, dy);
  const wPtr = heapOffset(backend, filter);
  const dxPtr = heapOffset(backend, dx);
  const rowLength = g.filterHeight * g.filterWidth * g.inChannels;
  const rows = g.batch * g.outHeight * g.outWidth;
  const co = g.outChannels;
  const gemmFloats = k.gemm_scratch_floats(rowLength);
  if (isPointwise(g) && rows > 0) {
    const s = scratch(gemmFloats * 4);
    k.gemm(rows, rowLength, co, dyPtr, co, 0, wPtr, co, 1, dxPtr, rowLength, 0, s);
    return dx;
  }
  k.zero_floats(dxPtr, g.batch * g.inHeight * g.inWidth * g.inChannels);
  const chunk = chunkRows(rowLength, rows);
  const s = scratch((gemmFloats + chunk * rowLength) * 4 + 16);
  const colPtr = s + gemmFloats * 4 + 16;
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const r1 = Math.min(rows, r0 + chunk);
    k.gemm(r1 - r0, rowLength, co, dyPtr + r0 * co * 4, co, 0, wPtr, co, 1, colPtr, rowLength, 0, s);
    k.col2im(
      colPtr, g.inHeight, g.inWidth, g.inChannels, g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth,
      g.dilationHeight, g.dilationWidth, g.padTop, g.padLeft, g.outHeight, g.outWidth, r0, r1, dxPtr,
    );
  }
  return dx;
}

/** Kernel config registered for 'wasm' (overrides the stock scalar kernel). */
export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: "Conv2DBackpropInput",
  backendName: "wasm",
  kernelFunc: conv2dBackpropInput as KernelConfig["kernelFunc"],
};
