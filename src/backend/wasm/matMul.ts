/**
 * BatchMatMul and _FusedMatMul through our SIMD GEMM. The stock wasm kernels send any transpose to a
 * scalar triple loop (0.5-3 GFLOP/s), and every dense-layer gradient is transposed; our GEMM packs
 * either layout for free. Untransposed float32 products also take our GEMM: XNNPACK re-packs the
 * weights whenever their tensor changes, which in training is every step (measured: 9.8 GFLOP/s for
 * [128,784]x[784,256] against about 20 for ours).
 */
import {
  broadcast_util, getKernel, util, type KernelConfig, type KernelFunc, type NamedAttrMap, type NamedTensorInfoMap,
  type TensorInfo,
} from "@tensorflow/tfjs";
import { asWasmBackend, heapOffset, type WasmHeapBackend } from "./heap.js";
import { evenRanges, workItems } from "./split.js";
import { trainingModuleFor, type TrainingCall } from "./trainingModule.js";

interface KernelArgs {
  inputs: NamedTensorInfoMap;
  backend: unknown;
  attrs?: NamedAttrMap;
}

/** op(a) · op(b) over broadcast batch dims, or undefined when the batch broadcast is not a plain repeat. */
function transposedProduct(
  backend: WasmHeapBackend, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean,
): TensorInfo | undefined {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const [aRows, aCols] = [a.shape[ra - 2] as number, a.shape[ra - 1] as number];
  const [bRows, bCols] = [b.shape[rb - 2] as number, b.shape[rb - 1] as number];
  const m = transposeA ? aCols : aRows;
  const kA = transposeA ? aRows : aCols;
  const kB = transposeB ? bCols : bRows;
  const n = transposeB ? bRows : bCols;
  util.assert(kA === kB, () =>
    `Error in matMul: inner shapes (${kA}) and (${kB}) of Tensors with shapes ${a.shape} and ${b.shape} and ` +
    `transposeA=${transposeA} and transposeB=${transposeB} must match.`);
  const outer = broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = util.sizeFromShape(outer);
  const batchA = util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = util.sizeFromShape(b.shape.slice(0, -2));
  if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) return undefined;
  const { k, scratch, run, threads } = trainingModuleFor(backend);
  const out = backend.makeOutput([...outer, m, n], "float32");
  const aPtr = heapOffset(backend, a);
  const bPtr = heapOffset(backend, b);
  const outPtr = heapOffset(backend, out);
  // Rows of op(A) (and of the product) split over the threads; each element's sum is the same whatever the split.
  const rowRanges = evenRanges(m, Math.min(threads, workItems(m * n * kA), Math.max(1, Math.floor(m / 8))));
  run(rowRanges.map(([r0, r1], t) => {
    const s = scratch(k.gemm_scratch_floats(n) * 4, t);
    const calls: TrainingCall[] = [];
    for (let i = 0; i < batch; i++) {
      const aBase = aPtr + (batchA === 1 ? 0 : i * aRows * aCols * 4);
      calls.push([
        "gemm", r1 - r0, n, kA,
        aBase + (transposeA ? r0 * 4 : r0 * aCols * 4), aCols, transposeA ? 1 : 0,
        bPtr + (batchB === 1 ? 0 : i * bRows * bCols * 4), bCols, transposeB ? 1 : 0,
        outPtr + (i * m + r0) * n * 4, n, 0, s,
      ]);
    }
    return calls;
  }));
  return out;
}

function stockKernel(name: string): KernelFunc {
  const config = getKernel(name, "wasm");
  if (config === undefined) throw new Error(`tfjs wasm kernel ${name} is missing; is @tensorflow/tfjs-backend-wasm 4.22.0 installed?`);
  return config.kernelFunc;
}

/** BatchMatMul for 'wasm': our GEMM for float32 (any transposes), otherwise the stock kernel. */
export function batchMatMulConfig(stock: KernelConfig): KernelConfig {
  return {
    kernelName: "BatchMatMul",
    backendName: "wasm",
    kernelFunc: ((args: KernelArgs) => {
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      const { transposeA, transposeB } = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
      if (a.dtype === "float32" && b.dtype === "float32") {
        const out = transposedProduct(asWasmBackend(args.backend), a, b, !!transposeA, !!transposeB);
        if (out !== undefined) return out;
      }
      return stock.kernelFunc(args as Parameters<KernelFunc>[0]);
    }) as KernelFunc,
  };
}

const activationKernels: Record<string, string> = {
  relu: "Relu", relu6: "Relu6", elu: "Elu", sigmoid: "Sigmoid", leakyrelu: "LeakyRelu", prelu: "Prelu",
};

/** _FusedMatMul for 'wasm': transposed products go through our GEMM, then bias and activation kernels. */
// Untransposed fused products stay on XNNPACK, which applies bias and activation in the same pass.
export function fusedMatMulConfig(stock: KernelConfig): KernelConfig {
  return {
    kernelName: "_FusedMatMul",
    backendName: "wasm",
    kernelFunc: ((args: KernelArgs) => {
      const { a, b, bias, preluActivationWeights } = args.inputs as {
        a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo;
      };
      const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean; activation?: string; leakyreluAlpha?: number };
      const activation = attrs.activation ?? "linear";
      if (!(attrs.transposeA || attrs.transposeB) || (activation !== "linear" && activationKernels[activation] === undefined)) {
        return stock.kernelFunc(args as Parameters<KernelFunc>[0]);
      }
      const backend = asWasmBackend(args.backend);
      let out = transposedProduct(backend, a, b, !!attrs.transposeA, !!attrs.transposeB);
      if (out === undefined) return stock.kernelFunc(args as Parameters<KernelFunc>[0]);
      if (bias != null) {
        const withBias = stockKernel("Add")({ inputs: { a: out, b: bias }, backend: args.backend as object }) as TensorInfo;
        backend.disposeData(out.dataId);
        out = withBias;
      }
      const kernelName = activationKernels[activation];
      if (kernelName !== undefined) {
        const inputs: NamedTensorInfoMap = kernelName === "Prelu" ? { x: out, alpha: preluActivationWeights as TensorInfo } : { x: out };
        const attrsFor: NamedAttrMap = kernelName === "LeakyRelu" ? { alpha: attrs.leakyreluAlpha ?? 0.2 } : {};
        const activated = stockKernel(kernelName)({ inputs, backend: args.backend as object, attrs: attrsFor }) as TensorInfo;
        backend.disposeData(out.dataId);
        out = activated;
      }
      return out;
    }) as KernelFunc,
  };
}
