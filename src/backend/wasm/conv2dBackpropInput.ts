/**
 * Conv2DBackpropInput for wasm, replacing the stock scalar loop: dcol = dy · W^T with the SIMD GEMM,
 * then col2im scatters each chunk back into dx. Supports stride, padding and dilation. Images are split over the
 * kernel threads.
 */
import { backend_util, type KernelConfig, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from "@tensorflow/tfjs";
import { chunkRows, dilationsOf, geometryOf, isPointwise } from "./convGeometry.js";
import { asWasmBackend, heapOffset } from "./heap.js";
import { evenRanges, workItems } from "./split.js";
import { trainingModuleFor, type TrainingCall } from "./trainingModule.js";

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
  const { k, scratch, run, threads } = trainingModuleFor(backend);
  const dx = backend.makeOutput(attrs.inputShape, "float32");
  const dyPtr = heapOffset(backend, dy);
  const wPtr = heapOffset(backend, filter);
  const dxPtr = heapOffset(backend, dx);
  const rowLength = g.filterHeight * g.filterWidth * g.inChannels;
  const pixels = g.outHeight * g.outWidth;
  const rows = g.batch * pixels;
  const co = g.outChannels;
  const imageFloats = g.inHeight * g.inWidth * g.inChannels;
  const gemmFloats = k.gemm_scratch_floats(rowLength);
  if (rows === 0) {
    k.zero_floats(dxPtr, g.batch * imageFloats);
    return dx;
  }
  // Each thread takes whole images: their dx never overlap, and each dx element still receives its contributions
  // in row order, so the result does not depend on the thread count.
  const images = evenRanges(g.batch, Math.min(threads, workItems(rows * rowLength * co)));
  const pointwise = isPointwise(g);
  const chunk = pointwise ? 0 : chunkRows(rowLength, Math.max(...images.map(([a, b]) => (b - a) * pixels)));
  const plans = images.map(([n0, n1], t) => {
    const gemmScratch = scratch((gemmFloats + chunk * rowLength) * 4 + 16, t);
    const colPtr = gemmScratch + gemmFloats * 4 + 16;
    const [a, b] = [n0 * pixels, n1 * pixels];
    if (pointwise) return [["gemm", b - a, rowLength, co, dyPtr + a * co * 4, co, 0, wPtr, co, 1, dxPtr + a * rowLength * 4, rowLength, 0, gemmScratch]] as TrainingCall[];
    const calls: TrainingCall[] = [["zero_floats", dxPtr + n0 * imageFloats * 4, (n1 - n0) * imageFloats]];
    for (let r0 = a; r0 < b; r0 += chunk) {
      const r1 = Math.min(b, r0 + chunk);
      calls.push(["gemm", r1 - r0, rowLength, co, dyPtr + r0 * co * 4, co, 0, wPtr, co, 1, colPtr, rowLength, 0, gemmScratch]);
      calls.push([
        "col2im", colPtr, g.inHeight, g.inWidth, g.inChannels, g.filterHeight, g.filterWidth, g.strideHeight,
        g.strideWidth, g.dilationHeight, g.dilationWidth, g.padTop, g.padLeft, g.outHeight, g.outWidth, r0, r1, dxPtr,
      ]);
    }
    return calls;
  });
  run(plans);
  return dx;
}

/** Kernel config registered for 'wasm' (overrides the stock scalar kernel). */
export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: "Conv2DBackpropInput",
  backendName: "wasm",
  kernelFunc: conv2dBackpropInput as KernelConfig["kernelFunc"],
};
