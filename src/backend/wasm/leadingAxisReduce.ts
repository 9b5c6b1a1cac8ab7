/**
 * Sum and Mean over leading axes (bias gradients, batch-norm statistics). The stock kernels transpose
 * the reduced axes to the end first, which dominates; a column sum reads the data once, in order.
 * Other reductions keep the stock kernels.
 */
import { util, type KernelConfig, type KernelFunc, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from "@tensorflow/tfjs";
import { asWasmBackend, heapOffset } from "./heap.js";
import { dealt, reductionSlices } from "./split.js";
import { partialsSlot, trainingModuleFor, type TrainingCall } from "./trainingModule.js";

interface KernelArgs {
  inputs: NamedTensorInfoMap;
  backend: unknown;
  attrs?: NamedAttrMap;
}

/** Number of leading axes reduced, or 0 when `axis` is not a leading prefix short of all axes. */
export function leadingAxes(axis: number | number[] | undefined, shape: number[]): number {
  const axes = [...util.parseAxisParam(axis ?? shape.map((_, i) => i), shape)].sort((p, q) => p - q);
  if (axes.length === 0 || axes.length >= shape.length) return 0;
  return axes.every((a, i) => a === i) ? axes.length : 0;
}

function reduceConfig(kernelName: "Sum" | "Mean", stock: KernelConfig): KernelConfig {
  return {
    kernelName,
    backendName: "wasm",
    kernelFunc: ((args: KernelArgs) => {
      const { x } = args.inputs as { x: TensorInfo };
      const { axis, keepDims } = (args.attrs ?? {}) as { axis?: number | number[]; keepDims?: boolean };
      const lead = x.dtype === "float32" ? leadingAxes(axis, x.shape) : 0;
      if (lead === 0) return stock.kernelFunc(args as Parameters<KernelFunc>[0]);
      const backend = asWasmBackend(args.backend);
      const rows = util.sizeFromShape(x.shape.slice(0, lead));
      const cols = util.sizeFromShape(x.shape.slice(lead));
      const outShape = keepDims ? [...x.shape.slice(0, lead).map(() => 1), ...x.shape.slice(lead)] : x.shape.slice(lead);
      const out = backend.makeOutput(outShape, "float32");
      const { k, scratch, run, threads } = trainingModuleFor(backend);
      const [xPtr, outPtr] = [heapOffset(backend, x), heapOffset(backend, out)];
      const scale = kernelName === "Mean" ? 1 / rows : 1;
      const slices = reductionSlices(rows);
      if (slices.length <= 1) {
        k.column_sum(xPtr, rows, cols, scale, outPtr, scratch(cols * 4));
        return out;
      }
      // Fixed row slices into partials (slice 0 into the output), added in slice order, then scaled.
      const partials = scratch((slices.length - 1) * cols * 4, partialsSlot);
      const target = (s: number) => (s === 0 ? outPtr : partials + (s - 1) * cols * 4);
      run(dealt(slices.map((range, s) => ({ range, s })), threads).map((mine, t) => {
        const block = scratch(cols * 4, t);
        return mine.map(({ range: [a, b], s }): TrainingCall => ["column_sum", xPtr + a * cols * 4, b - a, cols, 1, target(s), block]);
      }));
      for (let s = 1; s < slices.length; s++) k.add_floats(outPtr, target(s), cols);
      if (scale !== 1) k.scale_floats(outPtr, cols, scale);
      return out;
    }) as KernelFunc,
  };
}

/** Sum for 'wasm' with a fast leading-axes path. */
export const sumConfig = (stock: KernelConfig): KernelConfig => reduceConfig("Sum", stock);
/** Mean for 'wasm' with a fast leading-axes path. */
export const meanConfig = (stock: KernelConfig): KernelConfig => reduceConfig("Mean", stock);
