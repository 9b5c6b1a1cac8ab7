/**
 * Gradients of dilated convolutions. tfjs 4.22 refuses them ("dilation rates greater than 1 are not yet
 * supported in gradients"), which rules out the dilated convolutions of DARTS-style spaces. Our wasm
 * kernels take a `dilations` attribute, so on 'wasm' these gradients pass it through; elsewhere a
 * dilated gradient still fails, with an error that says how to get it. Undilated gradients are unchanged.
 */
import * as tf from "@tensorflow/tfjs";
import type { GradConfig, NamedAttrMap, Tensor } from "@tensorflow/tfjs";

type Pair = [number, number];

function dilationPair(d: unknown): Pair {
  if (d == null) return [1, 1];
  if (typeof d === "number") return [d, d];
  const p = d as number[];
  return [p[0] ?? 1, p[1] ?? 1];
}

function requireWasmFor(dilations: Pair, op: string): void {
  if ((dilations[0] !== 1 || dilations[1] !== 1) && tf.getBackend() !== "wasm") {
    throw new Error(
      `Gradient of a dilated ${op} (dilations ${dilations}) needs nasbook's wasm training kernels, but the backend is ` +
        `"${tf.getBackend()}". Run with NASBOOK_BACKEND=wasm, or use undilated convolutions.`,
    );
  }
}

const conv2dGrad: GradConfig = {
  kernelName: "Conv2D",
  inputsToSave: ["x", "filter"],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [x, filter] = saved as [Tensor, Tensor];
    const dilations = dilationPair(attrs.dilations);
    requireWasmFor(dilations, "conv2d");
    const { strides, pad, dataFormat, dimRoundingMode } = attrs;
    return {
      x: () =>
        tf.engine().runKernel("Conv2DBackpropInput", { dy: dy as Tensor, filter }, {
          strides, pad, dataFormat, dimRoundingMode, inputShape: x.shape, dilations,
        } as unknown as NamedAttrMap) as Tensor,
      filter: () =>
        tf.engine().runKernel("Conv2DBackpropFilter", { x, dy: dy as Tensor }, {
          strides, pad, dataFormat, dimRoundingMode, filterShape: filter.shape, dilations,
        } as unknown as NamedAttrMap) as Tensor,
    };
  },
};

const depthwiseGrad: GradConfig = {
  kernelName: "DepthwiseConv2dNative",
  inputsToSave: ["x", "filter"],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [x, filter] = saved as [Tensor, Tensor];
    const dilations = dilationPair(attrs.dilations);
    requireWasmFor(dilations, "depthwiseConv2d");
    const { strides, pad, dimRoundingMode } = attrs;
    return {
      x: () =>
        tf.engine().runKernel("DepthwiseConv2dNativeBackpropInput", { dy: dy as Tensor, filter }, {
          strides, pad, dimRoundingMode, inputShape: x.shape, dilations,
        } as unknown as NamedAttrMap) as Tensor,
      filter: () =>
        tf.engine().runKernel("DepthwiseConv2dNativeBackpropFilter", { x, dy: dy as Tensor }, {
          strides, pad, dimRoundingMode, filterShape: filter.shape, dilations,
        } as unknown as NamedAttrMap) as Tensor,
    };
  },
};

let registered = false;

/** Replaces tfjs's Conv2D and DepthwiseConv2dNative gradients with dilation-aware ones (idempotent). */
export function registerDilatedConvGradients(): void {
  if (registered) return;
  tf.registerGradient(conv2dGrad);
  tf.registerGradient(depthwiseGrad);
  registered = true;
}
