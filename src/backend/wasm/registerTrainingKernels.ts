/**
 * Registers nasbook's training kernels for the tfjs 'wasm' backend: adds the missing gradient kernels
 * and replaces the slow or wrong stock ones. Idempotent; `unregisterTrainingKernels` restores stock.
 */
import {
  findBackend, getGradient, getKernel, registerGradient, registerKernel, unregisterKernel, type GradConfig, type KernelConfig,
} from "@tensorflow/tfjs";
import { avgPoolGradConfig } from "./avgPoolGrad.js";
import { batchNormGradConfig, fusedBatchNormConfig, fusedBatchNormGradient } from "./batchNorm.js";
import { conv2dBackpropFilterConfig } from "./conv2dBackpropFilter.js";
import { conv2dBackpropInputConfig } from "./conv2dBackpropInput.js";
import { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig } from "./depthwiseBackprop.js";
import { meanConfig, sumConfig } from "./leadingAxisReduce.js";
import { batchMatMulConfig, fusedMatMulConfig } from "./matMul.js";
import { maxPoolGradConfig } from "./maxPoolGrad.js";
import {
  broadcastRowsConfig, broadcastRowsGradient, meanGradient, squareGradConfig, squareGradGradient, squareGradient,
} from "./momentsGradients.js";
import { castConfig, identityConfig } from "./sharedIdentity.js";
import { tileConfig } from "./tile.js";

/** What happened to one kernel name. */
export interface TrainingKernelRegistration {
  kernelName: string;
  /** "added": wasm had no such kernel; "replaced": ours overrides the stock one (which it may still call). */
  action: "added" | "replaced";
  why: string;
}

type Plan = { why: string } & ({ config: KernelConfig } | { wrap: (stock: KernelConfig) => KernelConfig });

const plans: Record<string, Plan> = {
  FusedBatchNorm: { wrap: fusedBatchNormConfig, why: "stock batch norm is slow; one SIMD pass" },
  NasbookBatchNormGrad: { config: batchNormGradConfig, why: "batch-norm gradient in two passes instead of about a dozen ops" },
  NasbookBroadcastRows: { config: broadcastRowsConfig, why: "gradient of a mean over leading axes (tf.moments) in one pass instead of three" },
  NasbookSquareGrad: { config: squareGradConfig, why: "gradient of square (tf.moments) in one pass instead of two" },
  Conv2DBackpropFilter: { config: conv2dBackpropFilterConfig, why: "missing in wasm; im2col + SIMD GEMM" },
  Conv2DBackpropInput: { config: conv2dBackpropInputConfig, why: "stock is a scalar loop; SIMD GEMM + col2im" },
  DepthwiseConv2dNativeBackpropInput: { config: depthwiseBackpropInputConfig, why: "missing in wasm" },
  DepthwiseConv2dNativeBackpropFilter: { config: depthwiseBackpropFilterConfig, why: "missing in wasm" },
  MaxPoolGrad: { config: maxPoolGradConfig, why: "stock misroutes the gradient of all-negative windows" },
  AvgPoolGrad: { config: avgPoolGradConfig, why: "stock divides border windows by the full window size, not by the valid count the forward pass uses" },
  BatchMatMul: { wrap: batchMatMulConfig, why: "stock transposed products are a scalar triple loop" },
  _FusedMatMul: { wrap: fusedMatMulConfig, why: "stock transposed products are a scalar triple loop" },
  Sum: { wrap: sumConfig, why: "stock leading-axis sums transpose first" },
  Mean: { wrap: meanConfig, why: "stock leading-axis means transpose first" },
  Tile: { wrap: tileConfig, why: "stock tile is an index computation per element" },
  Identity: { wrap: identityConfig, why: "stock copies every tensor saved for backprop; ours shares it" },
  Cast: { wrap: castConfig, why: "stock copies same-dtype casts (ReLU gradients); ours shares" },
};

/** Stock wasm kernels we replaced, kept so wrappers can delegate and unregister can restore them. */
const stock = new Map<string, KernelConfig>();
/** Our registered configs, so `withStockKernels` can put them back. */
const ours = new Map<string, KernelConfig>();
let registered: TrainingKernelRegistration[] | undefined;
/** Gradients (global, not per backend) that switch to our kernels when the backend is wasm, and tfjs's originals. */
const gradientOverrides: Record<string, (stock: GradConfig) => GradConfig> = {
  FusedBatchNorm: fusedBatchNormGradient,
  Mean: meanGradient,
  Square: squareGradient,
};
const stockGradients = new Map<string, GradConfig>();

/** Registers the training kernels for 'wasm' (tfjs-backend-wasm must be imported first). */
export function registerTrainingKernels(): TrainingKernelRegistration[] {
  if (registered !== undefined) return registered;
  const done: TrainingKernelRegistration[] = [];
  for (const [kernelName, plan] of Object.entries(plans)) {
    const existing = getKernel(kernelName, "wasm");
    if (existing !== undefined) {
      stock.set(kernelName, existing);
      unregisterKernel(kernelName, "wasm");
    }
    let config: KernelConfig;
    if ("config" in plan) {
      config = plan.config;
    } else {
      if (existing === undefined) throw new Error(`tfjs wasm kernel ${kernelName} is missing; is @tensorflow/tfjs-backend-wasm 4.22.0 installed?`);
      // The wrapper delegates to the stock kernel, whose setup (binding its C function) must still run.
      config = { ...plan.wrap(existing), setupFunc: existing.setupFunc, disposeFunc: existing.disposeFunc };
    }
    registerKernel(config);
    ours.set(kernelName, config);
    done.push({ kernelName, action: existing === undefined ? "added" : "replaced", why: plan.why });
  }
  registerGradient(broadcastRowsGradient);
  registerGradient(squareGradGradient);
  for (const [kernelName, override] of Object.entries(gradientOverrides)) {
    const stockGradient = getGradient(kernelName);
    if (stockGradient !== undefined && !stockGradients.has(kernelName)) {
      stockGradients.set(kernelName, stockGradient);
      registerGradient(override(stockGradient));
    }
  }
  registered = done;
  return done;
}

/** Restores the stock wasm kernels (for comparisons and tests). */
export function unregisterTrainingKernels(): void {
  if (registered === undefined) return;
  // A stock kernel replaced before the backend started never ran its setup (binding its C function).
  const backend = findBackend("wasm");
  for (const { kernelName } of registered) {
    unregisterKernel(kernelName, "wasm");
    const original = stock.get(kernelName);
    if (original !== undefined) {
      registerKernel(original);
      if (backend != null) original.setupFunc?.(backend);
    }
  }
  stock.clear();
  ours.clear();
  for (const gradient of stockGradients.values()) registerGradient(gradient);
  stockGradients.clear();
  registered = undefined;
}

/**
 * Runs `f` with the stock wasm kernels in place of ours for `kernelNames` (which must be replaced ones), then puts
 * ours back: benchmarks and tests compare the two in one process.
 */
export function withStockKernels<T>(kernelNames: readonly string[], f: () => T): T {
  const backend = findBackend("wasm");
  const swapped: string[] = [];
  try {
    for (const kernelName of kernelNames) {
      const original = stock.get(kernelName);
      if (original === undefined || !ours.has(kernelName)) throw new Error(`no stock wasm kernel ${kernelName} was replaced`);
      unregisterKernel(kernelName, "wasm");
      registerKernel(original);
      swapped.push(kernelName);
      if (backend != null) original.setupFunc?.(backend);
    }
    return f();
  } finally {
    for (const kernelName of swapped) {
      unregisterKernel(kernelName, "wasm");
      registerKernel(ours.get(kernelName)!);
    }
  }
}

/** Names of the kernels `registerTrainingKernels` registers. */
export const trainingKernelNames: readonly string[] = Object.keys(plans);
