/**
 * Gradients of tfjs's backward kernels, so that a gradient can itself be differentiated (a Hessian-vector
 * product, as GRASP needs: Wang et al., "Picking Winning Tickets Before Training by Preserving Gradient Flow",
 * ICLR 2020). tfjs 4.22 has no gradient for Conv2DBackpropFilter, AvgPoolGrad or Equal, and its Exp gradient is not differentiable. Both kernels are linear in
 * their `dy` input (and Conv2DBackpropFilter also in `x`), so their gradients are the adjoint linear maps:
 * the forward convolution / backprop-input for the filter gradient, and average pooling for the pooling one.
 */
import * as tf from "@tensorflow/tfjs";
import type { GradConfig, NamedAttrMap, Tensor } from "@tensorflow/tfjs";

const conv2dBackpropFilterGrad: GradConfig = {
  kernelName: "Conv2DBackpropFilter",
  inputsToSave: ["x", "dy"],
  gradFunc: (ddw: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [x, dy] = saved as [Tensor, Tensor];
    const g = ddw as Tensor;
    const { strides, pad, dataFormat, dimRoundingMode, dilations } = attrs;
    return {
      // dW = sum over positions of x patch (outer) dy: its adjoint in x is the backprop-input of dy with g ...
      x: () =>
        tf.engine().runKernel("Conv2DBackpropInput", { dy, filter: g }, {
          strides, pad, dataFormat, dimRoundingMode, inputShape: x.shape, dilations,
        } as unknown as NamedAttrMap) as Tensor,
      // ... and in dy it is the forward convolution of x with g.
      dy: () =>
        tf.engine().runKernel("Conv2D", { x, filter: g }, {
          strides, pad, dataFormat, dimRoundingMode, dilations: dilations ?? [1, 1],
        } as unknown as NamedAttrMap) as Tensor,
    };
  },
};

const avgPoolGradGrad: GradConfig = {
  kernelName: "AvgPoolGrad",
  inputsToSave: ["input"],
  gradFunc: (ddx: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [input] = saved as [Tensor];
    const { filterSize, strides, pad } = attrs;
    return {
      // AvgPoolGrad spreads dy[o] / count(o) over window o, count = the window's elements inside the input (nasbook's
      // cpu and wasm kernels, and TensorFlow's): its adjoint averages each window over the same elements, i.e. avgPool.
      dy: () => tf.avgPool(ddx as tf.Tensor4D, filterSize as [number, number], strides as [number, number], pad as "same" | "valid"),
      input: () => tf.zerosLike(input),
    };
  },
};

// Equal (inside Max's gradient, hence logSumExp's) is piecewise constant: its gradient is zero almost everywhere.
const equalGrad: GradConfig = {
  kernelName: "Equal",
  inputsToSave: ["a", "b"],
  gradFunc: (_dy: Tensor | Tensor[], saved: Tensor[]) => {
    const [a, b] = saved as [Tensor, Tensor];
    return { a: () => tf.zerosLike(a), b: () => tf.zerosLike(b) };
  },
};

// tfjs's Exp gradient reuses the saved output, which a second differentiation treats as a constant (the
// curvature of exp is lost). Saving the input and recomputing exp keeps the gradient itself differentiable.
const expGrad: GradConfig = {
  kernelName: "Exp",
  inputsToSave: ["x"],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
    const [x] = saved as [Tensor];
    return { x: () => tf.mul(dy as Tensor, tf.exp(x)) };
  },
};

/**
 * FusedBatchNorm's gradient from differentiable ops (per-channel statistics, channels last). nasbook's wasm
 * backend replaces tfjs's with one fused kernel (fast, but it has no gradient of its own), so a second
 * differentiation swaps this one in for its duration (see withDifferentiableBatchNorm).
 */
const differentiableBatchNormGrad: GradConfig = {
  kernelName: "FusedBatchNorm",
  inputsToSave: ["x", "mean", "variance", "scale"],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [x, mean, variance, scale] = saved as [Tensor, Tensor, Tensor, Tensor | undefined];
    const d = dy as Tensor;
    const eps = attrs.varianceEpsilon as number;
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const perChannel = (t: Tensor) => (mean.rank === 1 ? tf.sum(t, axes) : t).reshape(mean.shape);
    const inv = tf.rsqrt(tf.add(variance, eps));
    const dyScaled = scale === undefined ? d : tf.mul(d, scale);
    const centred = tf.sub(x, mean);
    return {
      x: () => tf.mul(dyScaled, inv),
      mean: () => perChannel(tf.neg(tf.mul(dyScaled, inv))),
      variance: () => perChannel(tf.mul(tf.mul(tf.mul(-0.5, tf.pow(inv, 3)), centred), dyScaled)),
      scale: () => perChannel(tf.mul(d, tf.mul(centred, inv))),
      offset: () => perChannel(d),
    };
  },
};

/**
 * Runs `fn` (synchronously: no other tensor code can interleave) with a FusedBatchNorm gradient that can itself
 * be differentiated, then restores whichever gradient was registered before.
 */
export function withDifferentiableBatchNorm<T>(fn: () => T): T {
  registerSecondOrderGradients();
  const before = tf.getGradient("FusedBatchNorm");
  tf.registerGradient(differentiableBatchNormGrad);
  try {
    return fn();
  } finally {
    if (before !== undefined) tf.registerGradient(before);
  }
}

let registered = false;

/** Registers the missing second-order gradients (idempotent; tfjs has none of its own for these kernels). */
export function registerSecondOrderGradients(): void {
  if (registered) return;
  tf.registerGradient(conv2dBackpropFilterGrad);
  tf.registerGradient(avgPoolGradGrad);
  tf.registerGradient(equalGrad);
  tf.registerGradient(expGrad);
  registered = true;
}
