/**
 * AvgPoolGrad for wasm. Overrides the stock kernel, which divides every window's gradient by the full window size
 * while the forward pass (XNNPACK, like tfjs 'cpu' and TensorFlow) averages each window over the elements inside
 * the input: under 'same' padding every border gradient was wrong (NB201's avg_pool_3x3 is 'same'-padded). Ours
 * divides by each window's valid count, as TensorFlow's AvgPoolGrad does (test/backend/avgPoolSame.test.ts).
 */
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from "@tensorflow/tfjs";
import { asWasmBackend, heapOffset } from "./heap.js";
import { avgPoolGradGeometry, type AvgPoolGradAttrs } from "../avgPoolGradGeometry.js";
import { evenRanges, workItems } from "./split.js";
import { trainingModuleFor, type TrainingCall } from "./trainingModule.js";

function avgPoolGrad(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = asWasmBackend(args.backend);
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
  const g = avgPoolGradGeometry(input.shape, dy.shape, (args.attrs ?? {}) as unknown as AvgPoolGradAttrs);
  const dx = backend.makeOutput(input.shape, "float32");
  const rows = g.batch * g.inHeight;
  if (rows === 0 || g.inWidth === 0 || g.channels === 0) return dx;
  const { run, threads } = trainingModuleFor(backend);
  const [dyPtr, dxPtr] = [heapOffset(backend, dy), heapOffset(backend, dx)];
  // Every input row is computed on its own (a gather over the windows containing it): one range of rows per thread.
  const work = rows * g.inWidth * g.channels * Math.ceil(g.filterHeight / g.strideHeight) * Math.ceil(g.filterWidth / g.strideWidth);
  run(evenRanges(rows, Math.min(threads, workItems(work))).map(([r0, r1]): TrainingCall[] => [[
    "avg_pool_grad", dyPtr, dxPtr, g.inHeight, g.inWidth, g.channels, g.filterHeight, g.filterWidth, g.strideHeight,
    g.strideWidth, g.padTop, g.padLeft, g.outHeight, g.outWidth, r0, r1,
  ]]));
  return dx;
}

/** Kernel config registered for 'wasm' (overrides the stock kernel, which divides by the full window). */
export const avgPoolGradConfig: KernelConfig = {
  kernelName: "AvgPoolGrad",
  backendName: "wasm",
  kernelFunc: avgPoolGrad as KernelConfig["kernelFunc"],
};
