/**
 * MaxPoolGrad for wasm. Overrides the stock kernel, whose running max starts at +1.2e-38, so in a
 * window whose values are all <= 0 (common after batch norm) no value wins and the gradient lands on
 * the window's first element instead of its maximum (error vs 'cpu' up to 1.0). Ours starts at
 * -inf and, like tfjs 'cpu', routes each gradient to the first maximum of its window.
 */
import { backend_util, type KernelConfig, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from "@tensorflow/tfjs";
import { geometryOf } from "./convGeometry.js";
import { asWasmBackend, heapOffset } from "./heap.js";
import { evenRanges, workItems } from "./split.js";
import { trainingModuleFor, type TrainingCall } from "./trainingModule.js";

function maxPoolGrad(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = asWasmBackend(args.backend);
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
  const attrs = (args.attrs ?? {}) as unknown as {
    filterSize: number | [number, number];
    strides: number | [number, number];
    pad: "valid" | "same" | number | backend_util.ExplicitPadding;
    dimRoundingMode?: "floor" | "round" | "ceil";
  };
  const g = geometryOf(
    backend_util.computePool2DInfo(
      input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad,
      attrs.dimRoundingMode,
    ),
  );
  const dx = backend.makeOutput(input.shape, "float32");
  const { run, threads } = trainingModuleFor(backend);
  const [xPtr, dyPtr, dxPtr] = [heapOffset(backend, input), heapOffset(backend, dy), heapOffset(backend, dx)];
  const inFloats = g.inHeight * g.inWidth * g.inChannels;
  const outFloats = g.outHeight * g.outWidth * g.inChannels;
  // Images are independent: one range of them per thread.
  const work = g.batch * outFloats * g.filterHeight * g.filterWidth;
  run(evenRanges(g.batch, Math.min(threads, workItems(work))).map(([n0, n1]): TrainingCall[] => [[
    "max_pool_grad", xPtr + n0 * inFloats * 4, dyPtr + n0 * outFloats * 4, dxPtr + n0 * inFloats * 4, n1 - n0, g.inHeight,
    g.inWidth, g.inChannels, g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth, g.dilationHeight,
    g.dilationWidth, g.padTop, g.padLeft, g.outHeight, g.outWidth,
  ]]));
  return dx;
}

/** Kernel config registered for 'wasm' (overrides the stock, wrong kernel). */
export const maxPoolGradConfig: KernelConfig = {
  kernelName: "MaxPoolGrad",
  backendName: "wasm",
  kernelFunc: maxPoolGrad as KernelConfig["kernelFunc"],
};
