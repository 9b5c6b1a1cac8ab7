/**
 * Zero-cost proxies: scores of an untrained network from one minibatch, used to rank architectures without
 * training (Abdelfattah et al., "Zero-Cost Proxies for Lightweight NAS", ICLR 2021; Mellor et al. 2021).
 * Each is a function of a tfjs model (mapping images to logits) and a batch. Gradient-based proxies run the
 * network in training mode (batch-statistics batch norm, as the reference implementations do) and put back
 * every weight and batch-norm statistic they touch, so the model is unchanged afterwards.
 */
import * as tf from "@tensorflow/tfjs";
import { countFlops, countParams } from "../model/count.js";
import { logAbsDet, symmetricEigenvalues } from "./linalg.js";

export interface ProxyBatch {
  /** Images [n, h, w, c]. */
  x: tf.Tensor;
  /** Integer labels [n]. */
  y: tf.Tensor;
}

export type ProxyName = "synflow" | "snip" | "grad_norm" | "jacob_cov" | "naswot" | "params" | "flops";
export const PROXY_NAMES: readonly ProxyName[] = ["synflow", "snip", "grad_norm", "jacob_cov", "naswot", "params", "flops"];

/** The layers whose weights the pruning-based proxies score: convolutions and dense layers (their kernels). */
function scoredKernels(model: tf.LayersModel): tf.Variable[] {
  const out: tf.Variable[] = [];
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (!["Conv2D", "Dense", "DepthwiseConv2D", "SeparableConv2D"].includes(cls)) continue;
    for (const w of layer.trainableWeights) if (/kernel/.test(w.name)) out.push(w.read() as tf.Variable);
  }
  return out;
}

/** Runs `fn`, then restores every weight of the model (trainable or not) to its value before. */
async function preservingWeights<T>(model: tf.LayersModel, fn: () => Promise<T> | T): Promise<T> {
  const saved = model.weights.map((w) => (w.read() as tf.Tensor).clone());
  try {
    return await fn();
  } finally {
    model.weights.forEach((w, i) => w.write(saved[i]!));
    tf.dispose(saved);
  }
}

function crossEntropy(model: tf.LayersModel, b: ProxyBatch): tf.Scalar {
  const logits = model.apply(b.x, { training: true }) as tf.Tensor2D;
  return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.cast(b.y, "int32") as tf.Tensor1D, logits.shape[1]), logits) as tf.Scalar;
}

/** Gradients of the cross-entropy on `b` w.r.t. the scored kernels, with those kernels. */
function kernelGrads(model: tf.LayersModel, b: ProxyBatch): { vars: tf.Variable[]; grads: tf.Tensor[] } {
  const vars = scoredKernels(model);
  const { value, grads } = tf.variableGrads(() => crossEntropy(model, b), vars);
  value.dispose();
  return { vars, grads: vars.map((v) => grads[v.name]!) };
}

async function scalar(t: tf.Tensor): Promise<number> {
  const v = (await t.data())[0]!;
  t.dispose();
  return v;
}

/** grad_norm: sum over conv/dense kernels of the L2 norm of the loss gradient (Abdelfattah et al. 2021). */
export async function gradNorm(model: tf.LayersModel, b: ProxyBatch): Promise<number> {
  return preservingWeights(model, () => {
    const { grads } = kernelGrads(model, b);
    const s = tf.tidy(() => tf.addN(grads.map((g) => tf.norm(g))));
    tf.dispose(grads);
    return scalar(s);
  });
}

/** SNIP: sum over kernel weights of |dL/dw * w| (Lee et al., "SNIP", ICLR 2019). */
export async function snip(model: tf.LayersModel, b: ProxyBatch): Promise<number> {
  return preservingWeights(model, () => {
    const { vars, grads } = kernelGrads(model, b);
    const s = tf.tidy(() => tf.addN(grads.map((g, i) => tf.sum(tf.abs(tf.mul(g, vars[i]!))))));
    tf.dispose(grads);
    return scalar(s);
  });
}

/**
 * SynFlow: with every weight replaced by its absolute value and an all-ones input, R = sum of the outputs;
 * the score is the sum over kernel weights of dR/dw * w (Tanaka et al., NeurIPS 2020). Data-independent:
 * only the batch's image shape is used. Batch norm runs in inference mode (as the reference drops it).
 * Deep networks overflow float32 (the reference uses float64): then the input is scaled by 1e-10 .. 1e-30
 * and the score divided back in float64 (Infinity if it still overflows), which is exact for a network that is positively homogeneous in its
 * input, as an untrained one is (zero biases, BN shifts and moving means).
 */
export async function synflow(model: tf.LayersModel, b: ProxyBatch): Promise<number> {
  return preservingWeights(model, async () => {
    for (const w of model.weights) {
      const abs = tf.abs(w.read() as tf.Tensor);
      w.write(abs);
      abs.dispose();
    }
    const vars = scoredKernels(model);
    let score = NaN;
    for (let exponent = 0; exponent <= 30; exponent += 10) {
      const input = tf.fill([1, ...b.x.shape.slice(1)], 10 ** -exponent);
      const { value, grads } = tf.variableGrads(() => tf.sum(model.apply(input, { training: false }) as tf.Tensor) as tf.Scalar, vars);
      const s = tf.tidy(() => tf.addN(vars.map((v) => tf.sum(tf.mul(grads[v.name]!, v)))));
      tf.dispose([value, input, ...Object.values(grads)]);
      score = (await scalar(s)) * 10 ** exponent;
      if (Number.isFinite(score)) break;
    }
    return score;
  });
}

/**
 * jacob_cov: with J the per-example gradients of the summed logits w.r.t. the input, C = corrcoef(J) and
 * eigenvalues v of C, the score is -sum(log(v + k) + 1/(v + k)), k = 1e-5 (Mellor et al., "Neural Architecture
 * Search without Training", arXiv v1, 2020). Higher means less correlated input gradients.
 */
export async function jacobCov(model: tf.LayersModel, b: ProxyBatch): Promise<number> {
  return preservingWeights(model, async () => {
    const jac = tf.grad((x: tf.Tensor) => tf.sum(model.apply(x, { training: true }) as tf.Tensor))(b.x);
    const n = b.x.shape[0]!;
    const flat = jac.reshape([n, -1]);
    const data = await flat.data();
    tf.dispose([jac, flat]);
    return jacobCovScore(data, n);
  });
}

/** The jacob_cov score of an n x d Jacobian (row-major). */
export function jacobCovScore(jac: ArrayLike<number>, n: number): number {
  const d = jac.length / n;
  const centred = new Float64Array(jac.length);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let mean = 0;
    for (let j = 0; j < d; j++) mean += jac[i * d + j]!;
    mean /= d;
    let ss = 0;
    for (let j = 0; j < d; j++) {
      const v = jac[i * d + j]! - mean;
      centred[i * d + j] = v;
      ss += v * v;
    }
    norms[i] = Math.sqrt(ss);
  }
  const corr = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += centred[i * d + k]! * centred[j * d + k]!;
      const c = dot / (norms[i]! * norms[j]!);
      corr[i * n + j] = c;
      corr[j * n + i] = c;
    }
  }
  const k = 1e-5;
  return -symmetricEigenvalues(corr, n).reduce((s, v) => s + Math.log(v + k) + 1 / (v + k), 0);
}

/** Layers whose output is a ReLU activation (a ReLU layer, or a conv/dense layer with a fused ReLU). */
function reluLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.filter((l) => {
    if (l.getClassName() === "ReLU") return true;
    const act = (l.getConfig() as { activation?: unknown }).activation;
    return act === "relu";
  });
}

/**
 * NASWOT: the binary codes c of every ReLU unit for each example give K[i][j] = number of units where examples
 * i and j agree (N_A minus the Hamming distance); the score is log|det K| (Mellor et al., "Neural Architecture
 * Search without Training", ICML 2021). A network without ReLUs scores -Infinity.
 */
export async function naswot(model: tf.LayersModel, b: ProxyBatch): Promise<number> {
  const relus = reluLayers(model);
  const n = b.x.shape[0]!;
  if (relus.length === 0) return -Infinity;
  // A view of the same layers whose outputs are the ReLU activations (shares the weights: never dispose it).
  const probe = tf.model({ inputs: model.inputs, outputs: relus.map((l) => l.output as tf.SymbolicTensor) });
  return preservingWeights(model, async () => {
    const k = tf.tidy(() => {
      const acts = probe.apply(b.x, { training: true }) as tf.Tensor | tf.Tensor[];
      const list = Array.isArray(acts) ? acts : [acts];
      const codes = tf.concat(list.map((a) => tf.cast(tf.greater(a.reshape([n, -1]), 0), "float32")), 1);
      const inv = tf.sub(1, codes);
      return tf.add(tf.matMul(codes, codes, false, true), tf.matMul(inv, inv, false, true));
    });
    const data = await k.data();
    k.dispose();
    return logAbsDet(data, n);
  });
}

/** Every proxy of one model and batch, by name. */
export const PROXIES: Record<ProxyName, (model: tf.LayersModel, b: ProxyBatch) => Promise<number>> = {
  synflow,
  snip,
  grad_norm: gradNorm,
  jacob_cov: jacobCov,
  naswot,
  params: async (m) => countParams(m),
  flops: async (m) => countFlops(m),
};

/** Computes the named proxies (default: all) of a model on one batch. */
export async function computeProxies(model: tf.LayersModel, b: ProxyBatch, names: readonly ProxyName[] = PROXY_NAMES): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of names) out[name] = await PROXIES[name](model, b);
  return out;
}
