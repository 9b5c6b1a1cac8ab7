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
import { trainingModuleFor } from "./trainingModule.js";

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
  const { k, scratch } = trainingModuleFor(backend);
  const [dx, dmean, dvar, dscale, doffset] = outs.map((o) => heapOffset(backend, o)) as [number, number, number, number, number];
  k.batch_norm_grad(
    heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, mean), heapOffset(backend, variance),
    scale == null ? 0 : heapOffset(backend, scale), varianceEpsilon, rows, cols, dx, dmean, dvar, dscale, doffset,
    scratch(4 * cols * 4),
  );
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
      const { k, scratch } = trainingModuleFor(backend);
      k.batch_norm(
        heapOffset(backend, x), heapOffset(backend, mean), heapOffset(backend, variance),
        offset == null ? 0 : heapOffset(backend, offset), scale == null ? 0 : heapOffset(backend, scale),
        varianceEpsilon ?? 0.001, rows, cols, heapOffset(backend, y), scratch(Math.max(1, cols) * 4),
      );
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
