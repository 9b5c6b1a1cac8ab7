/**
 * Kernels nasbook replaces on tfjs's 'cpu' backend, which is the fallback backend and the reference the
 * cross-backend tests compare wasm with. Registered by `initBackend` whichever backend it chooses; idempotent;
 * `unregisterCpuKernels` restores stock.
 *
 * AvgPoolGrad: tfjs 4.22's divides every window's gradient by the full window size, while its forward pass averages
 * each window over the elements inside the input, so under 'same' padding every border gradient was wrong. Ours
 * divides by each window's valid count, as TensorFlow does (the same arithmetic as the wasm kernel's
 * avg_pool_grad in wasm/training_kernels.c).
 */
import {
  getKernel, registerKernel, unregisterKernel, type DataType, type KernelConfig, type NamedAttrMap,
  type NamedTensorInfoMap, type TensorInfo,
} from "@tensorflow/tfjs";
import { avgPoolGradGeometry, type AvgPoolGradAttrs, type AvgPoolGradGeometry } from "./avgPoolGradGeometry.js";
import type { TrainingKernelRegistration } from "./wasm/registerTrainingKernels.js";

/** The slice of tfjs's MathBackendCPU these kernels use. */
interface CpuBackend {
  data: { get(dataId: object): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: DataType, values: Float32Array): TensorInfo;
}

/** Window positions o along one axis whose window [o*s - p, o*s - p + f) contains index i, and its valid count. */
const firstWindow = (i: number, f: number, s: number, p: number) => {
  const lo = i + p - f + 1;
  return lo <= 0 ? 0 : Math.ceil(lo / s);
};
const lastWindow = (i: number, s: number, p: number, on: number) => Math.min(Math.floor((i + p) / s), on - 1);
const inside = (o: number, f: number, s: number, p: number, n: number) => {
  const start = o * s - p;
  return Math.min(start + f, n) - Math.max(start, 0);
};

/** dx = gradient of avgPool given dy (NHWC), each window divided by its count of elements inside the input. */
export function avgPoolGradValues(dy: Float32Array, g: AvgPoolGradGeometry): Float32Array {
  const { inHeight: h, inWidth: w, channels: ch, filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = g;
  const dx = new Float32Array(g.batch * h * w * ch);
  const full = Math.fround(1 / (fh * fw));
  for (let b = 0; b < g.batch; b++) {
    for (let iy = 0; iy < h; iy++) {
      const y0 = firstWindow(iy, fh, sh, g.padTop);
      const y1 = lastWindow(iy, sh, g.padTop, g.outHeight);
      for (let ix = 0; ix < w; ix++) {
        const x0 = firstWindow(ix, fw, sw, g.padLeft);
        const x1 = lastWindow(ix, sw, g.padLeft, g.outWidth);
        const d = ((b * h + iy) * w + ix) * ch;
        for (let y = y0; y <= y1; y++) {
          const rows = inside(y, fh, sh, g.padTop, h);
          for (let xo = x0; xo <= x1; xo++) {
            const cols = inside(xo, fw, sw, g.padLeft, w);
            const s = rows === fh && cols === fw ? full : Math.fround(1 / (rows * cols));
            const o = ((b * g.outHeight + y) * g.outWidth + xo) * ch;
            for (let c = 0; c < ch; c++) dx[d + c] = Math.fround(dx[d + c]! + Math.fround(dy[o + c]! * s));
          }
        }
      }
    }
  }
  return dx;
}

function avgPoolGrad(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = args.backend as CpuBackend;
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
  const g = avgPoolGradGeometry(input.shape, dy.shape, (args.attrs ?? {}) as unknown as AvgPoolGradAttrs);
  const values = backend.data.get(dy.dataId).values;
  const dyValues = values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
  return backend.makeTensorInfo(input.shape, "float32", avgPoolGradValues(dyValues, g));
}

const plans: { config: KernelConfig; why: string }[] = [
  {
    config: { kernelName: "AvgPoolGrad", backendName: "cpu", kernelFunc: avgPoolGrad as KernelConfig["kernelFunc"] },
    why: "stock divides border windows by the full window size, not by the valid count the forward pass uses",
  },
];

const stock = new Map<string, KernelConfig>();
let registered: TrainingKernelRegistration[] | undefined;

/** Replaces the stock 'cpu' kernels nasbook fixes (idempotent). */
export function registerCpuKernels(): TrainingKernelRegistration[] {
  if (registered !== undefined) return registered;
  const done: TrainingKernelRegistration[] = [];
  for (const { config, why } of plans) {
    const existing = getKernel(config.kernelName, "cpu");
    if (existing !== undefined) {
      stock.set(config.kernelName, existing);
      unregisterKernel(config.kernelName, "cpu");
    }
    registerKernel(config);
    done.push({ kernelName: config.kernelName, action: existing === undefined ? "added" : "replaced", why });
  }
  registered = done;
  return done;
}

/** Restores the stock 'cpu' kernels (for comparisons and tests). */
export function unregisterCpuKernels(): void {
  if (registered === undefined) return;
  for (const { kernelName } of registered) {
    unregisterKernel(kernelName, "cpu");
    const original = stock.get(kernelName);
    if (original !== undefined) registerKernel(original);
  }
  stock.clear();
  registered = undefined;
}

/** Runs `f` with the stock 'cpu' kernels in place of ours for `kernelNames`, then puts ours back (comparisons, tests). */
export function withStockCpuKernels<T>(kernelNames: readonly string[], f: () => T): T {
  const swapped: KernelConfig[] = [];
  try {
    for (const kernelName of kernelNames) {
      const original = stock.get(kernelName);
      const config = plans.find((p) => p.config.kernelName === kernelName)?.config;
      if (original === undefined || config === undefined || registered === undefined) {
        throw new Error(`no stock cpu kernel ${kernelName} was replaced`);
      }
      unregisterKernel(kernelName, "cpu");
      registerKernel(original);
      swapped.push(config);
    }
    return f();
  } finally {
    for (const config of swapped) {
      unregisterKernel(config.kernelName, "cpu");
      registerKernel(config);
    }
  }
}
