/**
 * Batch norm on wasm: the forward pass in one SIMD pass, and the training gradient in one kernel. tfjs
 * differentiates FusedBatchNorm with about a dozen elementwise ops over the activation (tile, sub, mul,
 * sum, ...), each a full pass over tens of MB; ours makes two passes. Registered as the wasm kernel "NasbookBatchNormGrad", and used through a
 * FusedBatchNorm gradient that falls back to tfjs's own on other backends and for shapes it does not
 * cover (per-channel statistics of rank 1 only).
 */
import * as tf from "@tensorflow/tfjs";
import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, Tensor, TensorInfo } from "@tensorflow/tfjs";
import { asWasmBackend, heapOffset } from "./heap.js";
import { dealt, evenRanges, reductionSlices, workItems } from "./split.js";
import { partialsSlot, trainingModuleFor, type TrainingCall } from "./trainingModule.js";

/** Kernel name of our fused batch-norm gradient (wasm only). */
export const batchNormGradKernelName = "NasbookBatchNormGrad";

function batchNormGrad(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo[] {
  const backend = asWasmBackend(args.backend);
  const { x, dy, mean, variance, scale } = args.inputs as {
    x: TensorInfo; dy: TensorInfo; mean: TensorInfo; variance: TensorInfo; scale?: TensorInfo;
  };
  const { varianceEpsilon } = (args.attrs ?? {}) as { varianceEpsilon: number };
  const cols = mean.shape[0] as number;
  const rows = x.shape.reduce((a, b) => a * b, 1) / cols;
  const outs = [x.shape, [cols], [cols], [cols], [cols]].map((shape) => backend.makeOutput(shape, "float32"));
  const { k, scratch, run, threads } = trainingModuleFor(backend);
  const [dx, dmean, dvar, dscale, doffset] = outs.map((o) => heapOffset(backend, o)) as [number, number, number, number, number];
  const [xPtr, dyPtr, meanPtr] = [heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, mean)];
  // Pass 1, column sums of dy and dy*(x-mean): fixed row slices into partials, added in slice order.
  const slices = reductionSlices(rows);
  const partials = scratch((slices.length + 1) * 2 * cols * 4, partialsSlot); // slice s at s; the total last
  const sums = (s: number) => partials + s * 2 * cols * 4;
  run(dealt(slices.map((range, s) => ({ range, s })), threads).map((mine, t) => {
    const block = scratch(2 * cols * 4, t);
    return mine.map(({ range: [a, b], s }): TrainingCall =>
      ["batch_norm_grad_sums", xPtr + a * cols * 4, dyPtr + a * cols * 4, meanPtr, b - a, cols, sums(s), sums(s) + cols * 4, block]);
  }));
  const total = sums(slices.length);
  k.zero_floats(total, 2 * cols);
  for (let s = 0; s < slices.length; s++) k.add_floats(total, sums(s), 2 * cols);
  const factor = scratch(cols * 4, 0);
  k.batch_norm_grad_finish(
    total, total + cols * 4, heapOffset(backend, variance), scale == null ? 0 : heapOffset(backend, scale), varianceEpsilon,
    cols, factor, dmean, dvar, dscale, doffset,
  );
  // Pass 2, dx = dy * factor: rows split over the threads.
  run(evenRanges(rows, Math.min(threads, workItems(rows * cols))).map(([a, b]): TrainingCall[] =>
    [["batch_norm_grad_dx", dyPtr + a * cols * 4, factor, b - a, cols, dx + a * cols * 4]]));
  return outs;
}

/**
 * FusedBatchNorm forward for 'wasm' with per-channel (rank-1) statistics: one SIMD pass (the stock kernel
 * measured 14 ms for a [128,26,26,32] activation). Other shapes keep the stock kernel.
 */
export function fusedBatchNormConfig(stock: KernelConfig): KernelConfig {
  return {
    kernelName: "FusedBatchNorm",
    backendName: "wasm",
    kernelFunc: ((args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }) => {
      const { x, mean, variance, offset, scale } = args.inputs as {
        x: TensorInfo; mean: TensorInfo; variance: TensorInfo; offset?: TensorInfo; scale?: TensorInfo;
      };
      const cols = x.shape[x.shape.length - 1] as number;
      const perChannel = (t: TensorInfo | undefined) => t == null || (t.dtype === "float32" && t.shape.length === 1 && t.shape[0] === cols);
      if (x.dtype !== "float32" || x.shape.length === 0 || mean == null || variance == null ||
          ![mean, variance, offset, scale].every(perChannel)) {
        return stock.kernelFunc(args as Parameters<KernelFunc>[0]);
      }
      const backend = asWasmBackend(args.backend);
      const { varianceEpsilon } = (args.attrs ?? {}) as { varianceEpsilon?: number };
      const y = backend.makeOutput(x.shape, "float32");
      const rows = cols === 0 ? 0 : x.shape.reduce((a, b) => a * b, 1) / cols;
      const { scratch, run, threads } = trainingModuleFor(backend);
      const [xPtr, yPtr] = [heapOffset(backend, x), heapOffset(backend, y)];
      const stats = [heapOffset(backend, mean), heapOffset(backend, variance), offset == null ? 0 : heapOffset(backend, offset), scale == null ? 0 : heapOffset(backend, scale)] as const;
      run(evenRanges(rows, Math.min(threads, workItems(rows * cols))).map(([a, b], t): TrainingCall[] => [[
        "batch_norm", xPtr + a * cols * 4, ...stats, varianceEpsilon ?? 0.001, b - a, cols, yPtr + a * cols * 4, scratch(Math.max(1, cols) * 4, t),
      ]]));
      return y;
    }) as KernelFunc,
  };
}

/** The wasm kernel config. */
export const batchNormGradConfig: KernelConfig = {
  kernelName: batchNormGradKernelName,
  backendName: "wasm",
  kernelFunc: batchNormGrad as unknown as KernelFunc,
};

/** A FusedBatchNorm gradient that uses our kernel on wasm and `stock` elsewhere. */
export function fusedBatchNormGradient(stock: GradConfig): GradConfig {
  return {
    kernelName: "FusedBatchNorm",
    inputsToSave: ["x", "mean", "variance", "scale"],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
      const [x, mean, variance, scale] = saved as [Tensor, Tensor, Tensor, Tensor | undefined];
      const channels = x.shape[x.rank - 1];
      const covered =
        tf.getBackend() === "wasm" && x.dtype === "float32" && mean.rank === 1 && variance.rank === 1 &&
        mean.shape[0] === channels && variance.shape[0] === channels && (scale == null || (scale.rank === 1 && scale.shape[0] === channels));
      if (!covered) return (stock.gradFunc as NonNullable<GradConfig["gradFunc"]>)(dy, saved, attrs);
      // Computed here, not in the getters: tfjs runs each getter in its own tidy, which would dispose the
      // outputs other getters still need. Created in the backward pass's scope, unused ones are freed with it.
      const outs = tf.engine().runKernel(
        batchNormGradKernelName,
        { x, dy: dy as Tensor, mean, variance, ...(scale == null ? {} : { scale }) },
        { varianceEpsilon: attrs.varianceEpsilon } as NamedAttrMap,
      ) as Tensor[];
      return {
        x: () => outs[0] as Tensor,
        mean: () => outs[1] as Tensor,
        variance: () => outs[2] as Tensor,
        scale: () => outs[3] as Tensor,
        offset: () => outs[4] as Tensor,
      };
    },
  };
}
