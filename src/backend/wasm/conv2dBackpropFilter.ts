/**
 * Conv2DBackpropFilter for wasm (stock wasm has none): dW = im2col(x)^T · dy, one SIMD GEMM per
 * L2-sized chunk of output pixels, accumulated in place. Supports stride, padding and dilation. Row slices of the
 * sum run on the kernel threads (split.ts).
 */
import { backend_util, type KernelConfig, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from "@tensorflow/tfjs";
import { chunkRows, dilationsOf, geometryOf, isPointwise } from "./convGeometry.js";
import { asWasmBackend, heapOffset } from "./heap.js";
import { dealt, reductionSlices } from "./split.js";
import { partialsSlot, trainingModuleFor, type TrainingCall } from "./trainingModule.js";

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
  const { k, scratch, run, threads } = trainingModuleFor(backend);
  const dw = backend.makeOutput(attrs.filterShape, "float32");
  const xPtr = heapOffset(backend, x);
  const dyPtr = heapOffset(backend, dy);
  const dwPtr = heapOffset(backend, dw);
  const rowLength = g.filterHeight * g.filterWidth * g.inChannels;
  const rows = g.batch * g.outHeight * g.outWidth;
  const co = g.outChannels;
  const outFloats = rowLength * co;
  if (rows === 0) {
    k.zero_floats(dwPtr, outFloats);
    return dw;
  }
  // dW sums over every output pixel: fixed row slices, each into its own partial (slice 0 into dW), added in order.
  const slices = reductionSlices(rows);
  const partials = slices.length > 1 ? scratch((slices.length - 1) * outFloats * 4, partialsSlot) : 0;
  const target = (s: number) => (s === 0 ? dwPtr : partials + (s - 1) * outFloats * 4);
  const gemmFloats = k.gemm_scratch_floats(co);
  const pointwise = isPointwise(g);
  const chunk = pointwise ? 0 : chunkRows(rowLength, Math.max(...slices.map(([a, b]) => b - a)));
  const threadScratch = Array.from({ length: threads }, (_, t) => scratch((gemmFloats + chunk * rowLength) * 4 + 16, t));
  const plans = dealt(slices.map((range, s) => ({ range, s })), threads).map((mine, t) => {
    const gemmScratch = threadScratch[t] as number;
    const colPtr = gemmScratch + gemmFloats * 4 + 16;
    const calls: TrainingCall[] = [];
    for (const { range: [a, b], s } of mine) {
      if (pointwise) {
        calls.push(["gemm", rowLength, co, b - a, xPtr + a * rowLength * 4, rowLength, 1, dyPtr + a * co * 4, co, 0, target(s), co, 0, gemmScratch]);
        continue;
      }
      for (let r0 = a; r0 < b; r0 += chunk) {
        const r1 = Math.min(b, r0 + chunk);
        calls.push([
          "im2col", xPtr, g.inHeight, g.inWidth, g.inChannels, g.filterHeight, g.filterWidth, g.strideHeight,
          g.strideWidth, g.dilationHeight, g.dilationWidth, g.padTop, g.padLeft, g.outHeight, g.outWidth, r0, r1, colPtr,
        ]);
        calls.push(["gemm", rowLength, co, r1 - r0, colPtr, rowLength, 1, dyPtr + r0 * co * 4, co, 0, target(s), co, r0 > a ? 1 : 0, gemmScratch]);
      }
    }
    return calls;
  });
  run(plans);
  for (let s = 1; s < slices.length; s++) k.add_floats(dwPtr, target(s), outFloats);
  return dw;
}

/** Kernel config registered for 'wasm'. */
export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: "Conv2DBackpropFilter",
  backendName: "wasm",
  kernelFunc: conv2dBackpropFilter as KernelConfig["kernelFunc"],
};
