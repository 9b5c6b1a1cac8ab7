/**
 * Gradients of the ops inside tf.moments, which tf.layers.batchNormalization runs on every training step:
 * mean over leading axes and square. tfjs differentiates a mean as div(mul(reshape(dy), ones(x.shape)), n) and a
 * square as mul(dy, mul(x, 2)): five passes over the activation, plus a tensor of ones. On wasm these take one
 * pass each (kernels NasbookBroadcastRows and NasbookSquareGrad, split over the kernel threads), with the same
 * arithmetic (dy / n, (x * 2) * dy); other backends and other shapes keep tfjs's gradients.
 */
import * as tf from "@tensorflow/tfjs";
import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, Tensor, TensorInfo } from "@tensorflow/tfjs";
import { asWasmBackend, heapOffset } from "./heap.js";
import { leadingAxes } from "./leadingAxisReduce.js";
import { evenRanges, workItems } from "./split.js";
import { trainingModuleFor, type TrainingCall } from "./trainingModule.js";

/** Kernel names of the two wasm gradient kernels. */
export const broadcastRowsKernelName = "NasbookBroadcastRows";
export const squareGradKernelName = "NasbookSquareGrad";

interface KernelArgs {
  inputs: NamedTensorInfoMap;
  backend: unknown;
  attrs?: NamedAttrMap;
}

/** out (shape attr) = each row equal to x (its trailing size) divided by `divisor`. */
function broadcastRows(args: KernelArgs): TensorInfo {
  const backend = asWasmBackend(args.backend);
  const { x } = args.inputs as { x: TensorInfo };
  const { shape, divisor } = args.attrs as unknown as { shape: number[]; divisor: number };
  const out = backend.makeOutput(shape, "float32");
  const cols = x.shape.reduce((a, b) => a * b, 1);
  const rows = cols === 0 ? 0 : shape.reduce((a, b) => a * b, 1) / cols;
  const { run, threads } = trainingModuleFor(backend);
  const [xPtr, outPtr] = [heapOffset(backend, x), heapOffset(backend, out)];
  run(evenRanges(rows, Math.min(threads, workItems(rows * cols))).map(([a, b]): TrainingCall[] =>
    [["broadcast_rows", xPtr, cols, b - a, divisor, outPtr + a * cols * 4]]));
  return out;
}

/** out = (x * 2) * dy, elementwise. */
function squareGrad(args: KernelArgs): TensorInfo {
  const backend = asWasmBackend(args.backend);
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const out = backend.makeOutput(x.shape, "float32");
  const n = x.shape.reduce((a, b) => a * b, 1);
  const { run, threads } = trainingModuleFor(backend);
  const [xPtr, dyPtr, outPtr] = [heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, out)];
  run(evenRanges(n, Math.min(threads, workItems(n))).map(([a, b]): TrainingCall[] =>
    [["square_grad", xPtr + a * 4, dyPtr + a * 4, b - a, outPtr + a * 4]]));
  return out;
}

/** The wasm kernel configs. */
export const broadcastRowsConfig: KernelConfig = { kernelName: broadcastRowsKernelName, backendName: "wasm", kernelFunc: broadcastRows as unknown as KernelFunc };
export const squareGradConfig: KernelConfig = { kernelName: squareGradKernelName, backendName: "wasm", kernelFunc: squareGrad as unknown as KernelFunc };

/** Mean's gradient: one broadcast pass on wasm for float32 means over leading axes, `stock` otherwise. */
export function meanGradient(stock: GradConfig): GradConfig {
  return {
    kernelName: "Mean",
    inputsToSave: ["x"],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
      const [x] = saved as [Tensor];
      const lead = x.dtype === "float32" && tf.getBackend() === "wasm" ? leadingAxes(attrs.axis as number | number[] | undefined, x.shape) : 0;
      if (lead === 0) return (stock.gradFunc as NonNullable<GradConfig["gradFunc"]>)(dy, saved, attrs);
      const divisor = x.shape.slice(0, lead).reduce((a, b) => a * b, 1);
      return {
        x: () => tf.engine().runKernel(broadcastRowsKernelName, { x: dy as Tensor }, { shape: x.shape, divisor } as unknown as NamedAttrMap) as Tensor,
      };
    },
  };
}

/** Square's gradient: one pass on wasm for float32, `stock` otherwise. */
export function squareGradient(stock: GradConfig): GradConfig {
  return {
    kernelName: "Square",
    inputsToSave: ["x"],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
      const [x] = saved as [Tensor];
      if (x.dtype !== "float32" || tf.getBackend() !== "wasm") return (stock.gradFunc as NonNullable<GradConfig["gradFunc"]>)(dy, saved, attrs);
      return { x: () => tf.engine().runKernel(squareGradKernelName, { x, dy: dy as Tensor }) as Tensor };
    },
  };
}

// Gradients of the two kernels themselves, so second-order methods (GRASP) can differentiate through them.

/** d(broadcast(x) / n) / dx: the rows of the upstream gradient summed, divided by n. */
export const broadcastRowsGradient: GradConfig = {
  kernelName: broadcastRowsKernelName,
  inputsToSave: ["x"],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [x] = saved as [Tensor];
    const { divisor } = attrs as unknown as { divisor: number };
    const g = dy as Tensor;
    const cols = x.size;
    return { x: () => tf.reshape(tf.div(tf.sum(tf.reshape(g, [-1, cols]), 0), divisor), x.shape) };
  },
};

/** d((x * 2) * dy): 2 * dy * g for x and 2 * x * g for dy. */
export const squareGradGradient: GradConfig = {
  kernelName: squareGradKernelName,
  inputsToSave: ["x", "dy"],
  gradFunc: (g: Tensor | Tensor[], saved: Tensor[]) => {
    const [x, dy] = saved as [Tensor, Tensor];
    return {
      x: () => tf.mul(tf.mul(dy, 2), g as Tensor),
      dy: () => tf.mul(tf.mul(x, 2), g as Tensor),
    };
  },
};
