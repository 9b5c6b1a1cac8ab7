/**
 * Tile for float32 tensors of rank <= 4 (batch norm's gradient tiles [1,1,1,C] to [N,H,W,C] every step).
 * The stock kernel computes an index per element; ours copies whole rows. Other cases keep the stock kernel.
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from "@tensorflow/tfjs";
import { asWasmBackend, heapOffset } from "./heap.js";
import { trainingModuleFor } from "./trainingModule.js";

/** Tile for 'wasm' with a fast rank <= 4 float32 path. */
export function tileConfig(stock: KernelConfig): KernelConfig {
  return {
    kernelName: "Tile",
    backendName: "wasm",
    kernelFunc: ((args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }) => {
      const { x } = args.inputs as { x: TensorInfo };
      const { reps } = (args.attrs ?? {}) as { reps: number[] };
      if (x.dtype !== "float32" || x.shape.length > 4 || x.shape.length === 0 || reps.length !== x.shape.length) {
        return stock.kernelFunc(args as Parameters<KernelFunc>[0]);
      }
      const backend = asWasmBackend(args.backend);
      const pad = 4 - x.shape.length;
      const s = [...new Array<number>(pad).fill(1), ...x.shape] as [number, number, number, number];
      const r = [...new Array<number>(pad).fill(1), ...reps] as [number, number, number, number];
      const out = backend.makeOutput(x.shape.map((d, i) => d * (reps[i] as number)), "float32");
      if (s.some((d, i) => d * r[i]! === 0)) return out;
      trainingModuleFor(backend).k.tile4(heapOffset(backend, x), ...s, ...r, heapOffset(backend, out));
      return out;
    }) as KernelFunc,
  };
}
