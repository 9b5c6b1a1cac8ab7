/**
 * DepthwiseConv2dNativeBackpropInput / ...BackpropFilter for wasm (stock wasm has neither), as direct
 * SIMD loops over the output grid. Supports channel multipliers, stride, padding and dilation.
 */
import { backend_util, type KernelConfig, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from "@tensorflow/tfjs";
import { dilationsOf, geometryOf } from "./convGeometry.js";
import { asWasmBackend, heapOffset } from "./heap.js";
import { trainingModuleFor } from "./trainingModule.js";

type Shape4 = [number, number, number, number];
interface DepthwiseAttrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: "valid" | "same" | number | backend_util.ExplicitPadding;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

function depthwiseBackpropInput(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = asWasmBackend(args.backend);
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = (args.attrs ?? {}) as unknown as DepthwiseAttrs & { inputShape: Shape4 };
  const g = geometryOf(
    backend_util.computeConv2DInfo(
      attrs.inputShape, filter.shape as Shape4, attrs.strides, dilationsOf(attrs.dilations), attrs.pad,
      attrs.dimRoundingMode, true,
    ),
  );
  const dx = backend.makeOutput(attrs.inputShape, "float32");
  trainingModuleFor(backend).k.depthwise_backprop_input(
    heapOffset(backend, dy), heapOffset(backend, filter), heapOffset(backend, dx), g.batch, g.inHeight, g.inWidth,
    g.inChannels, filter.shape[3] as number, g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth,
    g.dilationHeight, g.dilationWidth, g.padTop, g.padLeft, g.outHeight, g.outWidth,
  );
  return dx;
}

function depthwiseBackpropFilter(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = asWasmBackend(args.backend);
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = (args.attrs ?? {}) as unknown as DepthwiseAttrs & { filterShape: Shape4 };
  const g = geometryOf(
    backend_util.computeConv2DInfo(
      x.shape as Shape4, attrs.filterShape, attrs.strides, dilationsOf(attrs.dilations), attrs.pad,
      attrs.dimRoundingMode, true,
    ),
  );
  const df = backend.makeOutput(attrs.filterShape, "float32");
  trainingModuleFor(backend).k.depthwise_backprop_filter(
    heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, df), g.batch, g.inHeight, g.inWidth,
    g.inChannels, attrs.filterShape[3], g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth,
    g.dilationHeight, g.dilationWidth, g.padTop, g.padLeft, g.outHeight, g.outWidth,
  );
  return df;
}

/** Kernel configs registered for 'wasm'. */
export const depthwiseBackpropInputConfig: KernelConfig = {
  kernelName: "DepthwiseConv2dNativeBackpropInput",
  backendName: "wasm",
  kernelFunc: depthwiseBackpropInput as KernelConfig["kernelFunc"],
};
export const depthwiseBackpropFilterConfig: KernelConfig = {
  kernelName: "DepthwiseConv2dNativeBackpropFilter",
  backendName: "wasm",
  kernelFunc: depthwiseBackpropFilter as KernelConfig["kernelFunc"],
};
