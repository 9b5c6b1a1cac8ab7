/**
 * Test helpers: run the same computation on tfjs 'cpu' (the reference), on 'wasm' with nasbook's training kernels
 * and, where its binding is built (scripts/tfjs-node-from-wheel.sh), on tfjs-node ('tensorflow'); compare values
 * and gradients.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../src/rng.js";

/** A backend the cross-backend tests run on. */
export type TestBackend = "cpu" | "wasm" | "tensorflow";

let tfjsNode: Promise<boolean> | undefined;

/**
 * Registers tfjs-node's "tensorflow" backend in this process when its binding loads, keeping the current backend.
 * False when it is not installed; with NASBOOK_REQUIRE_TFJS_NODE=1 (set by CI) that is an error instead, so CI
 * cannot skip the tfjs-node comparisons silently.
 */
export function tfjsNodeAvailable(): Promise<boolean> {
  tfjsNode ??= (async () => {
    const current = tf.getBackend();
    try {
      const specifier = "@tensorflow/tfjs-node";
      await import(specifier);
    } catch (err) {
      if (process.env.NASBOOK_REQUIRE_TFJS_NODE === "1") {
        throw new Error(`NASBOOK_REQUIRE_TFJS_NODE=1 but @tensorflow/tfjs-node does not load (${String(err)}); run scripts/tfjs-node-from-wheel.sh`);
      }
      return false;
    }
    if (current !== undefined && tf.getBackend() !== current) await tf.setBackend(current);
    return tf.findBackend("tensorflow") !== null;
  })();
  return tfjsNode;
}

/** The backends compared with 'cpu': wasm, and tfjs-node when it loads. */
export async function comparedBackends(): Promise<("wasm" | "tensorflow")[]> {
  return (await tfjsNodeAvailable()) ? ["wasm", "tensorflow"] : ["wasm"];
}

/** A tensor as plain data, so each backend builds its own copy. */
export interface TensorData {
  shape: number[];
  data: Float32Array;
}

/** Random normal tensor data; `sign` forces every value negative or positive. */
export function randomTensor(rng: Rng, shape: number[], sign?: "negative" | "positive"): TensorData {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const v = rng.normal();
    data[i] = sign === "negative" ? -Math.abs(v) - 0.01 : sign === "positive" ? Math.abs(v) + 0.01 : v;
  }
  return { shape, data };
}

/** Fixed pseudo-random weights for an output shape, identical on every backend. */
function outputWeights(shape: number[]): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const w = new Float32Array(size);
  for (let i = 0; i < size; i++) w[i] = Math.sin(i * 1.618 + 0.5) + 0.25;
  return tf.tensor(w, shape);
}

/** Result of running a function and its gradient on one backend. */
export interface Run {
  value: Float32Array;
  grads: Float32Array[];
}

/**
 * Runs f on `backend`, returning f's value and the gradients of sum(f(xs) * w) (w fixed, so every element
 * of the output matters) with respect to each input. Throws if any tensor leaks.
 */
export async function runOn(backend: TestBackend, f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: TensorData[]): Promise<Run> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const xs = inputs.map((i) => tf.tensor(i.data, i.shape));
  const y = tf.tidy(() => f(...xs));
  const value = y.dataSync().slice() as Float32Array;
  const w = outputWeights(y.shape);
  const grads = tf.grads((...args: tf.Tensor[]) => tf.sum(tf.mul(f(...args), w)))(xs);
  const gradData = grads.map((g) => g.dataSync().slice() as Float32Array);
  tf.dispose([...xs, y, w, ...grads]);
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`${backend}: ${after - before} tensors leaked`);
  return { value, grads: gradData };
}

/** max |a - b| / max |b|: error relative to the reference's scale (b is the reference). */
export function relativeError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    if (!(d <= diff)) diff = d; // also catches NaN
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Largest relative error over the value and every gradient of two runs (the second is the reference). */
export function worstError(wasm: Run, cpu: Run): number {
  let worst = relativeError(wasm.value, cpu.value);
  cpu.grads.forEach((g, i) => {
    worst = Math.max(worst, relativeError(wasm.grads[i] ?? new Float32Array(), g));
  });
  return worst;
}

/**
 * Spreads a [KH, KW, ...] filter to its dilated size by inserting zeros, with differentiable ops, so a
 * dilated convolution can be checked against an undilated one on 'cpu' (which cannot differentiate
 * dilated convolutions).
 */
export function dilateFilter(f: tf.Tensor4D, rate: number): tf.Tensor4D {
  if (rate === 1) return f;
  const [kh, kw, a, b] = f.shape;
  const spread = (k: number) => {
    const e = (k - 1) * rate + 1;
    const s = new Float32Array(e * k);
    for (let i = 0; i < k; i++) s[i * rate * k + i] = 1;
    return tf.tensor2d(s, [e, k]);
  };
  const eh = (kh - 1) * rate + 1;
  const ew = (kw - 1) * rate + 1;
  const rows = tf.matMul(spread(kh), tf.reshape(f, [kh, kw * a * b])); // [eh, kw*a*b]
  const swapped = tf.reshape(tf.transpose(tf.reshape(rows, [eh, kw, a * b]), [1, 0, 2]), [kw, eh * a * b]);
  const cols = tf.matMul(spread(kw), swapped); // [ew, eh*a*b]
  return tf.transpose(tf.reshape(cols, [ew, eh, a, b]), [1, 0, 2, 3]) as tf.Tensor4D;
}
