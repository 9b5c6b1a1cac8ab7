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
import { withDifferentiableBatchNorm } from "./secondOrderGradients.js";

export interface ProxyBatch {
  /** Images [n, h, w, c]. */
  x: tf.Tensor;
  /** Integer labels [n]. */
  y: tf.Tensor;
}

export type ProxyName = "synflow" | "snip" | "grad_norm" | "grasp" | "fisher" | "jacob_cov" | "naswot" | "params" | "flops";
export const PROXY_NAMES: readonly ProxyName[] = ["synflow", "snip", "grad_norm", "grasp", "fisher", "jacob_cov", "naswot", "params", "flops"];

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

/**
 * Mean cross-entropy written with ops whose gradients are themselves differentiable (tfjs's
 * softmaxCrossEntropy has a custom gradient that a second differentiation cannot see through).
 */
function twiceDifferentiableCrossEntropy(logits: tf.Tensor2D, y: tf.Tensor): tf.Scalar {
  const onehot = tf.oneHot(tf.cast(y, "int32") as tf.Tensor1D, logits.shape[1]);
  const logProbs = tf.sub(logits, tf.logSumExp(logits, 1, true));
  return tf.neg(tf.mean(tf.sum(tf.mul(onehot, logProbs), 1))) as tf.Scalar;
}

/**
 * GRASP: with g the loss gradient w.r.t. the conv/dense kernels and H the Hessian, the score is
 * sum(-w * Hg) over those kernels (Wang et al., "Picking Winning Tickets Before Training by Preserving
 * Gradient Flow", ICLR 2020), summed as in Abdelfattah et al. 2021 (temperature 1, one batch, both passes in
 * training mode). Hg is exact: the gradient of g . grad L, with g held fixed (double backpropagation).
 */
export async function grasp(model: tf.LayersModel, b: ProxyBatch): Promise<number> {
  return preservingWeights(model, () => {
    const vars = scoredKernels(model);
    const loss = () => twiceDifferentiableCrossEntropy(model.apply(b.x, { training: true }) as tf.Tensor2D, b.y);
    const s = withDifferentiableBatchNorm(() => {
      const first = tf.variableGrads(loss, vars);
      first.value.dispose();
      const hg = tf.variableGrads(() => {
        const inner = tf.variableGrads(loss, vars);
        return tf.addN(vars.map((v) => tf.sum(tf.mul(first.grads[v.name]!, inner.grads[v.name]!)))) as tf.Scalar;
      }, vars);
      const score = tf.tidy(() => tf.neg(tf.addN(vars.map((v) => tf.sum(tf.mul(v, hg.grads[v.name]!))))));
      tf.dispose([hg.value, ...Object.values(hg.grads), ...Object.values(first.grads)]);
      return score;
    });
    return scalar(s);
  });
}

/** Layers Fisher scores: convolutions and dense layers, as in the reference implementation. */
const FISHER_LAYERS = ["Conv2D", "Dense"];

/**
 * Runs the model layer by layer on `x`, multiplying the output of each conv/dense layer by a gate of ones
 * shaped [n, 1, 1, channels] (or [n, channels]): the gradient of the loss w.r.t. a gate is
 * sum over positions of activation * dL/dactivation, per example and channel.
 */
function gatedLogits(model: tf.LayersModel, x: tf.Tensor, gates: Map<string, tf.Tensor>): tf.Tensor2D {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) throw new RangeError("fisher needs a model with one input and one output");
  const values = new Map<number, tf.Tensor>([[model.inputs[0]!.id, x]]);
  for (const layer of model.layers) {
    if (layer.getClassName() === "InputLayer") continue;
    if (layer.inboundNodes.length !== 1) throw new RangeError(`fisher: layer ${layer.name} is used ${layer.inboundNodes.length} times; shared layers are not supported`);
    const node = layer.inboundNodes[0]!;
    const ins = node.inputTensors.map((t) => values.get(t.id)!);
    let out = layer.apply(ins.length === 1 ? ins[0]! : ins, { training: true }) as tf.Tensor;
    const gate = gates.get(layer.name);
    if (gate) out = tf.mul(out, gate);
    values.set(node.outputTensors[0]!.id, out);
  }
  return values.get(model.outputs[0]!.id)! as tf.Tensor2D;
}

/**
 * Fisher: for each conv/dense layer and output channel k, with g_nk = sum over positions of a * dL/da (a the
 * layer's output), the channel's saliency is 0.5 * mean over examples of g_nk^2; the score sums it, counted once
 * per weight of the channel (fan-in), over channels and layers (Turner et al., "BlockSwap", ICLR 2020; Theis
 * et al. 2018; as summed in Abdelfattah et al. 2021). Training-mode batch norm. A fused ReLU is allowed: since
 * relu(z) = z relu'(z), a * dL/da is the same before and after it.
 */
export async function fisher(model: tf.LayersModel, b: ProxyBatch): Promise<number> {
  const layers = model.layers.filter((l) => FISHER_LAYERS.includes(l.getClassName()));
  for (const l of layers) {
    const act = (l.getConfig() as { activation?: unknown }).activation;
    if (act !== undefined && act !== "linear" && act !== "relu") {
      throw new RangeError(`fisher: layer ${l.name} has a fused ${String(act)} activation; use a separate activation layer (only linear and relu can be fused)`);
    }
  }
  const n = b.x.shape[0]!;
  return preservingWeights(model, () => {
    const s = tf.tidy(() => {
      const gates = new Map<string, tf.Tensor>();
      for (const l of layers) {
        const shape = l.outputShape as number[];
        const channels = shape[shape.length - 1]!;
        gates.set(l.name, tf.ones(shape.length === 4 ? [n, 1, 1, channels] : [n, channels]));
      }
      const names = [...gates.keys()];
      const grads = tf.grads((...g: tf.Tensor[]) => {
        const byName = new Map(names.map((name, i) => [name, g[i]!]));
        const logits = gatedLogits(model, b.x, byName);
        return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.cast(b.y, "int32") as tf.Tensor1D, logits.shape[1]), logits);
      })(names.map((name) => gates.get(name)!));
      return tf.addN(layers.map((l, i) => {
        const kernel = l.getWeights()[0]!;
        const fanIn = kernel.size / kernel.shape[kernel.shape.length - 1]!;
        const gnk = grads[i]!.reshape([n, -1]);
        return tf.mul(tf.sum(tf.abs(tf.mul(0.5, tf.mean(tf.square(gnk), 0)))), fanIn);
      }));
    });
    return scalar(s);
  });
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
  grasp,
  fisher,
  jacob_cov: jacobCov,
  naswot,
  params: async (m) => countParams(m),
  flops: async (m) => countFlops(m),
};

/** Computes the named proxies (default: all) of a model on one batch: one score per name asked for. */
export async function computeProxies<N extends ProxyName = ProxyName>(model: tf.LayersModel, b: ProxyBatch, names?: readonly N[]): Promise<Record<N, number>> {
  const out: Partial<Record<N, number>> = {};
  for (const name of names ?? (PROXY_NAMES as readonly N[])) out[name] = await PROXIES[name](model, b);
  return out as Record<N, number>; // every name of `names` was set above
}
