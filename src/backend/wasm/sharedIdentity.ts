/**
 * Identity, and Cast to the same dtype, that share the input's buffer instead of copying it. tfjs clones
 * every tensor it saves for backprop (engine.clone -> Identity), and the stock wasm kernels copy each one
 * (about 11 MB per conv activation per step); 'cpu' already shares. Safe because wasm kernels never write
 * into their inputs, and the backend frees a buffer only when its reference count reaches zero (the
 * same mechanism the stock Reshape uses).
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from "@tensorflow/tfjs";

interface RefCountingBackend {
  incRef(dataId: object): void;
}

function share(x: TensorInfo, backend: unknown): TensorInfo {
  (backend as RefCountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Identity for 'wasm' that shares numeric buffers. */
export function identityConfig(stock: KernelConfig): KernelConfig {
  return {
    kernelName: "Identity",
    backendName: "wasm",
    kernelFunc: ((args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }) => {
      const { x } = args.inputs as { x: TensorInfo };
      return x.dtype === "string" ? stock.kernelFunc(args as Parameters<KernelFunc>[0]) : share(x, args.backend);
    }) as KernelFunc,
  };
}

/** Cast for 'wasm' that shares the buffer when the dtype does not change. */
export function castConfig(stock: KernelConfig): KernelConfig {
  return {
    kernelName: "Cast",
    backendName: "wasm",
    kernelFunc: ((args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }) => {
      const { x } = args.inputs as { x: TensorInfo };
      const { dtype } = (args.attrs ?? {}) as { dtype: string };
      return dtype === x.dtype && x.dtype !== "string" ? share(x, args.backend) : stock.kernelFunc(args as Parameters<KernelFunc>[0]);
    }) as KernelFunc,
  };
}
