/**
 * The candidate operations of weight-sharing supernets, written as plain tfjs functions over named tf.Variables.
 * A supernet owns one variable per (place in the network, op), created on first use and reused on every later
 * forward pass: that reuse is the weight sharing. Layers models are not used because a supernet runs a different
 * subgraph on every step (one sampled path, or the whole softmax-weighted mixture) and its architecture
 * parameters must be differentiated together with, or apart from, the weights.
 *
 * Batch norm has no affine parameters and always normalises with the current batch's statistics, as in the DARTS
 * search network (Liu et al. 2019, `affine=False`); for evaluating sub-networks of a single-path supernet this is
 * the "recalibrated" batch norm SPOS recommends (Guo et al. 2020), given evaluation batches of reasonable size.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../rng.js";

export const BN_EPSILON = 1e-5;

/** Named, lazily created, seeded weights. Creation order fixes the random stream, so a seed gives one network. */
export class WeightStore {
  private readonly vars = new Map<string, tf.Variable>();
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = new Rng(`supernet/${seed}`);
  }

  /** The variable `name`, created He-normal (std sqrt(2 / fanIn)) on first use. */
  get(name: string, shape: number[], fanIn: number): tf.Variable {
    const have = this.vars.get(name);
    if (have !== undefined) return have;
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    const std = Math.sqrt(2 / fanIn);
    for (let i = 0; i < size; i++) values[i] = std * this.rng.normal();
    // tf.tidy must not own a variable created mid-forward, so it is kept explicitly.
    const init = tf.tensor(values, shape, "float32");
    const v = tf.keep(tf.variable(init, true));
    init.dispose();
    this.vars.set(name, v);
    return v;
  }

  /** A zero-initialised variable (biases). */
  zeros(name: string, shape: number[]): tf.Variable {
    const have = this.vars.get(name);
    if (have !== undefined) return have;
    const init = tf.zeros(shape);
    const v = tf.keep(tf.variable(init, true));
    init.dispose();
    this.vars.set(name, v);
    return v;
  }

  has(name: string): boolean {
    return this.vars.has(name);
  }

  /** Looks a variable up by name; throws if it was never created. */
  named(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (v === undefined) throw new Error(`supernet has no weight named ${name}`);
    return v;
  }

  names(): string[] {
    return [...this.vars.keys()];
  }

  variables(): tf.Variable[] {
    return [...this.vars.values()];
  }

  /** Total number of weight values. */
  size(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

/** Batch norm with batch statistics and no affine parameters (DARTS search: affine=False). */
export function batchNorm(x: tf.Tensor4D): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2], true);
  return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, BN_EPSILON))) as tf.Tensor4D;
}

/** A k x k convolution's kernel. */
export function convKernel(w: WeightStore, name: string, k: number, cin: number, cout: number): tf.Variable {
  return w.get(name, [k, k, cin, cout], k * k * cin);
}

/** Convolution with `same` padding. */
export function conv(x: tf.Tensor4D, kernel: tf.Tensor, stride = 1, dilation = 1): tf.Tensor4D {
  return tf.conv2d(x, kernel as tf.Tensor4D, stride, "same", "NHWC", dilation);
}

/** ReLU -> conv -> BN: NAS-Bench-201's nor_conv and DARTS' ReLUConvBN. */
export function reluConvBn(w: WeightStore, name: string, x: tf.Tensor4D, k: number, cout: number, stride = 1): tf.Tensor4D {
  const cin = x.shape[3];
  return batchNorm(conv(tf.relu(x), convKernel(w, `${name}/conv`, k, cin, cout), stride));
}

/**
 * Average pooling with `same` padding that does not count the pads (NAS-Bench-201's count_include_pad=False, and
 * tf.avgPool's forward). It is built from a `valid` pool of the zero-padded input times a constant
 * window-size / real-pixels map because tfjs 4.22's stock AvgPoolGrad divides every window by its full size under
 * `same` padding (on cpu and wasm alike). nasbook's backend now replaces that kernel on both (src/backend), so
 * tf.avgPool(x, k, s, "same") has exact gradients too; this form stays exact even where those are not registered.
 */
export function avgPool(x: tf.Tensor4D, size: number, stride = 1): tf.Tensor4D {
  const [, h, w] = x.shape;
  const outH = Math.ceil(h / stride);
  const outW = Math.ceil(w / stride);
  const padH = Math.max((outH - 1) * stride + size - h, 0);
  const padW = Math.max((outW - 1) * stride + size - w, 0);
  if (padH === 0 && padW === 0) return tf.avgPool(x, size, stride, "valid");
  const top = Math.floor(padH / 2);
  const left = Math.floor(padW / 2);
  const padded = tf.pad(x, [[0, 0], [top, padH - top], [left, padW - left], [0, 0]]);
  const scale = new Float32Array(outH * outW);
  const inside = (start: number, n: number) => Math.min(start + size, n) - Math.max(start, 0);
  for (let i = 0; i < outH; i++) {
    for (let j = 0; j < outW; j++) scale[i * outW + j] = (size * size) / (inside(i * stride - top, h) * inside(j * stride - left, w));
  }
  return tf.mul(tf.avgPool(padded as tf.Tensor4D, size, stride, "valid"), tf.tensor4d(scale, [1, outH, outW, 1]));
}

export function maxPool(x: tf.Tensor4D, size: number, stride = 1): tf.Tensor4D {
  return tf.maxPool(x, size, stride, "same");
}

/**
 * DARTS' FactorizedReduce: halves the resolution without losing half the pixels, by two 1x1 stride-2 convolutions,
 * the second on the input shifted by one pixel, concatenated, then BN. `cout` must be even.
 */
export function factorizedReduce(w: WeightStore, name: string, x: tf.Tensor4D, cout: number): tf.Tensor4D {
  const cin = x.shape[3];
  const half = cout / 2;
  const r = tf.relu(x);
  const a = tf.conv2d(r, convKernel(w, `${name}/a`, 1, cin, half) as tf.Tensor4D, 2, "valid");
  const [n, h, wd] = [r.shape[0], r.shape[1], r.shape[2]];
  // Shift by one pixel (x[:, 1:, 1:]), padding at the far side so odd and even sizes both give ceil(h/2).
  const shifted = tf.pad(tf.slice(r, [0, 1, 1, 0], [n, h - 1, wd - 1, cin]), [[0, 0], [0, 1], [0, 1], [0, 0]]);
  const b = tf.conv2d(shifted as tf.Tensor4D, convKernel(w, `${name}/b`, 1, cin, half) as tf.Tensor4D, 2, "valid");
  return batchNorm(tf.concat([a, b], 3) as tf.Tensor4D);
}

/** ReLU -> depthwise k x k (dilated) -> pointwise 1 x 1 -> BN: DARTS' DilConv. */
export function dilConv(w: WeightStore, name: string, x: tf.Tensor4D, k: number, cout: number, stride: number, dilation: number): tf.Tensor4D {
  const cin = x.shape[3];
  const dw = w.get(`${name}/dw`, [k, k, cin, 1], k * k);
  const pw = convKernel(w, `${name}/pw`, 1, cin, cout);
  const d = depthwiseSame(tf.relu(x), dw as tf.Tensor4D, stride, dilation);
  return batchNorm(tf.conv2d(d, pw as tf.Tensor4D, 1, "same"));
}

/**
 * Depthwise convolution with `same` padding. tfjs's cpu kernel refuses a stride and a dilation both above 1 (the
 * dil_conv edges of a DARTS reduction cell); there it is computed as the stride-1 dilated convolution sampled at
 * the strided positions, which is the same function (checked against wasm's kernel). Only forward passes need it:
 * dilated gradients run on wasm alone (src/backend/dilatedConvGradients.ts).
 */
function depthwiseSame(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, dilation: number): tf.Tensor4D {
  if (stride === 1 || dilation === 1 || tf.getBackend() === "wasm") return tf.depthwiseConv2d(x, w, stride, "same", "NHWC", dilation);
  const [n, h, wd, c] = x.shape;
  const eff = (w.shape[0] - 1) * dilation + 1;
  const padBefore = (size: number, s: number) => Math.floor(Math.max((Math.ceil(size / s) - 1) * s + eff - size, 0) / 2);
  const y = tf.depthwiseConv2d(x, w, 1, "same", "NHWC", dilation);
  const top = padBefore(h, 1) - padBefore(h, stride);
  const left = padBefore(wd, 1) - padBefore(wd, stride);
  return tf.stridedSlice(y, [0, top, left, 0], [n, h, wd, c], [1, stride, stride, 1]) as tf.Tensor4D;
}

/** DARTS' SepConv: DilConv (stride s, dilation 1) then DilConv (stride 1) again. */
export function sepConv(w: WeightStore, name: string, x: tf.Tensor4D, k: number, cout: number, stride: number): tf.Tensor4D {
  const cin = x.shape[3];
  return dilConv(w, `${name}/2`, dilConv(w, `${name}/1`, x, k, cin, stride, 1), k, cout, 1, 1);
}

/** Mean softmax cross-entropy of logits against integer labels. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, logits.shape[1]), logits) as tf.Scalar;
}

/** Number of correct argmax predictions, as a scalar tensor. */
export function correctCount(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), "float32"));
}
