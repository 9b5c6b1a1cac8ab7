import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { syntheticSplits } from "../../src/data/synthetic.js";
import { logAbsDet, symmetricEigenvalues } from "../../src/estimate/linalg.js";
import { proxyEvaluator } from "../../src/estimate/proxyEvaluator.js";
import { computeProxies, fisher, gradNorm, grasp, jacobCov, naswot, PROXY_NAMES, snip, synflow } from "../../src/estimate/proxies.js";
import { nb201Model } from "../../src/model/nb201.js";
import { parseNb201 } from "../../src/space/nb201.js";
import { leakedTensors, useCpu } from "../model/leak.js";

beforeAll(useCpu);

// The tiny network: x (2 inputs) -> h = relu(x W1) -> z = h W2 (logits), biases zero.
const W1 = [[1, -2], [0.5, 1]]; // [in][out]
const W2 = [[1, 0], [-1, 2]];
const W1_ = W1;
const W2_ = W2;
const X = [[1, 1], [-1, 2]];
const Y = [0, 1];

function tinyModel(): tf.LayersModel {
  const input = tf.input({ shape: [1, 1, 2] });
  const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const d1 = tf.layers.dense({ units: 2, activation: "relu" });
  const d2 = tf.layers.dense({ units: 2 });
  const model = tf.model({ inputs: input, outputs: d2.apply(d1.apply(flat)) as tf.SymbolicTensor });
  d1.setWeights([tf.tensor2d(W1), tf.zeros([2])]);
  d2.setWeights([tf.tensor2d(W2), tf.zeros([2])]);
  return model;
}

const batch = () => ({ x: tf.tensor4d(X.flat(), [2, 1, 1, 2]), y: tf.tensor1d(Y, "int32") });

/** Manual forward and backward pass of the tiny network for the mean cross-entropy (weights default W1, W2). */
function handGradients(W1: number[][] = W1_, W2: number[][] = W2_) {
  const gW1 = [[0, 0], [0, 0]];
  const gW2 = [[0, 0], [0, 0]];
  // Per example: fisher's g = activation * dL/dactivation for each layer's output unit.
  const fisherH: number[][] = [];
  const fisherZ: number[][] = [];
  X.forEach((x, s) => {
    const pre = [0, 1].map((j) => x[0]! * W1[0]![j]! + x[1]! * W1[1]![j]!);
    const h = pre.map((v) => Math.max(v, 0));
    const z = [0, 1].map((j) => h[0]! * W2[0]![j]! + h[1]! * W2[1]![j]!);
    const e = z.map(Math.exp);
    const p = e.map((v) => v / (e[0]! + e[1]!));
    const dz = p.map((v, j) => (v - (j === Y[s] ? 1 : 0)) / X.length);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) gW2[i]![j]! += h[i]! * dz[j]!;
    const dh = [0, 1].map((i) => dz[0]! * W2[i]![0]! + dz[1]! * W2[i]![1]!);
    const dpre = dh.map((v, j) => (pre[j]! > 0 ? v : 0));
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) gW1[i]![j]! += x[i]! * dpre[j]!;
    fisherH.push(h.map((v, j) => v * dh[j]!));
    fisherZ.push(z.map((v, j) => v * dz[j]!));
  });
  return { gW1, gW2, fisherH, fisherZ };
}

/** Hessian-gradient product of the hand gradient by central differences in float64 (the loss is smooth here). */
function handHessianGradient() {
  const { gW1, gW2 } = handGradients();
  const eps = 1e-6;
  const at = (t: number) => handGradients(W1.map((r, i) => r.map((v, j) => v + t * gW1[i]![j]!)), W2.map((r, i) => r.map((v, j) => v + t * gW2[i]![j]!)));
  const plus = at(eps);
  const minus = at(-eps);
  const diff = (a: number[][], b: number[][]) => a.map((r, i) => r.map((v, j) => (v - b[i]![j]!) / (2 * eps)));
  return { hW1: diff(plus.gW1, minus.gW1), hW2: diff(plus.gW2, minus.gW2) };
}

/** Scores the tiny network with `proxy`, checking that the proxy leaves no tensor behind. */
async function onTinyModelLeakFree(proxy: (m: tf.LayersModel, b: ReturnType<typeof batch>) => Promise<number>): Promise<number> {
  const m = tinyModel();
  const b = batch();
  let got = NaN;
  const leaked = await leakedTensors(async () => {
    got = await proxy(m, b);
  });
  expect(leaked).toBe(0);
  m.dispose();
  tf.dispose(b);
  return got;
}

const frob = (m: number[][]) => Math.sqrt(m.flat().reduce((s, v) => s + v * v, 0));
const snipOf = (g: number[][], w: number[][]) => g.flat().reduce((s, v, i) => s + Math.abs(v * w.flat()[i]!), 0);

describe("zero-cost proxies on a hand-computed network", () => {
  it("grad_norm = ||dL/dW1|| + ||dL/dW2||", async () => {
    const { gW1, gW2 } = handGradients();
    const m = tinyModel();
    const b = batch();
    expect(await gradNorm(m, b)).toBeCloseTo(frob(gW1) + frob(gW2), 5);
    m.dispose();
    tf.dispose(b);
  });

  it("snip = sum |dL/dw * w|", async () => {
    const { gW1, gW2 } = handGradients();
    const m = tinyModel();
    const b = batch();
    expect(await snip(m, b)).toBeCloseTo(snipOf(gW1, W1) + snipOf(gW2, W2), 5);
    m.dispose();
    tf.dispose(b);
  });

  it("grasp = -sum(w * Hg), Hg checked against central differences of the hand gradient", async () => {
    const { hW1, hW2 } = handHessianGradient();
    const dot = (h: number[][], w: number[][]) => h.flat().reduce((s, v, i) => s + v * w.flat()[i]!, 0);
    const want = -(dot(hW1, W1) + dot(hW2, W2));
    expect(Math.abs(want)).toBeGreaterThan(1e-3); // a non-trivial value, so the check below can fail
    const got = await onTinyModelLeakFree(grasp);
    expect(got).toBeCloseTo(want, 4);
  });

  it("fisher = sum over layers and channels of fan-in * 0.5 * mean over examples of (a * dL/da)^2", async () => {
    const { fisherH, fisherZ } = handGradients();
    const layer = (g: number[][]) => [0, 1].reduce((s, k) => s + 0.5 * g.reduce((t, row) => t + row[k]! ** 2, 0) / g.length, 0);
    const want = 2 * layer(fisherH) + 2 * layer(fisherZ); // both layers have fan-in 2
    expect(want).toBeGreaterThan(1e-4);
    const got = await onTinyModelLeakFree(fisher);
    expect(got / want).toBeCloseTo(1, 5);
  });

  it("synflow = 21: R = 10.5 for the all-ones input through |W|, and each of the two layers contributes R", async () => {
    // |W1| = [[1,2],[.5,1]]: h = [1.5, 3]; |W2| = [[1,0],[1,2]]: z = [4.5, 6], R = 10.5.
    // dR/dW2 * |W2| = 1.5*1 + 3*1 + 3*2 = 10.5; dR/dh = [1, 3], dR/dW1 * |W1| = 1*1 + 3*2 + 1*.5 + 3*1 = 10.5.
    const m = tinyModel();
    const b = batch();
    expect(await synflow(m, b)).toBeCloseTo(21, 5);
    m.dispose();
    tf.dispose(b);
  });

  it("synflow survives float32 overflow: x -> 1e20 x -> 1e20 x gives R = 1e40 and a score of 2R", async () => {
    const input = tf.input({ shape: [1, 1, 1] });
    const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    const d1 = tf.layers.dense({ units: 1, useBias: false });
    const d2 = tf.layers.dense({ units: 1, useBias: false });
    const m = tf.model({ inputs: input, outputs: d2.apply(d1.apply(flat)) as tf.SymbolicTensor });
    d1.setWeights([tf.tensor2d([[1e20]])]);
    d2.setWeights([tf.tensor2d([[-1e20]])]);
    const b = { x: tf.zeros([1, 1, 1, 1]), y: tf.zeros([1], "int32") };
    const s = await synflow(m, b);
    expect(s / 2e40).toBeCloseTo(1, 5);
    expect(m.getWeights()[1]!.dataSync()[0]).toBe(Math.fround(-1e20)); // sign restored
    m.dispose();
    tf.dispose(b);
  });

  it("jacob_cov of J = [[1, .5], [-2, 1]]: correlation -1, eigenvalues 0 and 2", async () => {
    // d(sum z)/dh = row sums of W2 = [1, 1], masked by the ReLU codes [1,0] and [0,1]: dx = W1[:,0], W1[:,1].
    const k = 1e-5;
    const want = -(Math.log(0 + k) + 1 / (0 + k) + Math.log(2 + k) + 1 / (2 + k));
    const m = tinyModel();
    const b = batch();
    const got = await jacobCov(m, b);
    expect(Math.abs(got - want) / Math.abs(want)).toBeLessThan(1e-3);
    m.dispose();
    tf.dispose(b);
  });

  it("naswot = log det [[2, 0], [0, 2]] = log 4: codes [1,0] and [0,1] agree on no unit", async () => {
    const m = tinyModel();
    const b = batch();
    expect(await naswot(m, b)).toBeCloseTo(Math.log(4), 6);
    m.dispose();
    tf.dispose(b);
  });

  it("params = 12 and flops = 8 multiply-accumulates", async () => {
    const m = tinyModel();
    const b = batch();
    const p = await computeProxies(m, b, ["params", "flops"]);
    expect(p).toEqual({ params: 12, flops: 8 });
    m.dispose();
    tf.dispose(b);
  });
});

describe("fisher on a convolution", () => {
  it("sums a * dL/da over positions per example and channel (checked against tf.grad on the activation itself)", async () => {
    const input = tf.input({ shape: [4, 4, 2] });
    const conv = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: "same", useBias: false, kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) });
    const gap = tf.layers.globalAveragePooling2d({});
    const dense = tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) });
    const m = tf.model({ inputs: input, outputs: dense.apply(gap.apply(conv.apply(input))) as tf.SymbolicTensor });
    const b = { x: tf.randomNormal([3, 4, 4, 2], 0, 1, "float32", 3), y: tf.tensor1d([0, 1, 1], "int32") };
    const want = tf.tidy(() => {
      const a = conv.apply(b.x) as tf.Tensor4D;
      const onehot = tf.oneHot(b.y as tf.Tensor1D, 2);
      const lossOfA = (act: tf.Tensor) => tf.losses.softmaxCrossEntropy(onehot, dense.apply(gap.apply(act)) as tf.Tensor);
      const gConv = tf.sum(tf.mul(a, tf.grad(lossOfA)(a)), [1, 2]); // [n, channels]
      const z = dense.apply(gap.apply(a)) as tf.Tensor;
      const gDense = tf.mul(z, tf.grad((zz: tf.Tensor) => tf.losses.softmaxCrossEntropy(onehot, zz))(z));
      const saliency = (g: tf.Tensor) => tf.sum(tf.mul(0.5, tf.mean(tf.square(g), 0)));
      return tf.add(tf.mul(saliency(gConv), 3 * 3 * 2), tf.mul(saliency(gDense), 3)).dataSync()[0]!;
    });
    expect(want).toBeGreaterThan(1e-6);
    let got = NaN;
    const leaked = await leakedTensors(async () => {
      got = await fisher(m, b);
    });
    expect(leaked).toBe(0);
    expect(got / want).toBeCloseTo(1, 4);
    m.dispose();
    tf.dispose(b);
  });
});

describe("proxies on a real NB201 network", () => {
  it("are finite, leave weights and batch-norm statistics unchanged, and leak no tensors", async () => {
    const built = nb201Model(parseNb201("|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|nor_conv_3x3~1|skip_connect~2|"), {
      inputShape: [8, 8, 1],
      numClasses: 3,
      seed: 1,
      channels: 2,
    });
    const b = { x: tf.randomNormal([4, 8, 8, 1], 0, 1, "float32", 1), y: tf.tensor1d([0, 1, 2, 0], "int32") };
    const before = built.model.getWeights().map((w) => Array.from(w.dataSync()));
    let scores: Record<string, number> = {};
    const leaked = await leakedTensors(async () => {
      scores = await computeProxies(built.model, b);
    });
    expect(leaked).toBe(0);
    expect(Object.keys(scores)).toEqual([...PROXY_NAMES]);
    for (const [name, v] of Object.entries(scores)) expect(Number.isFinite(v), name).toBe(true);
    const after = built.model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(after).toEqual(before);
    built.model.dispose();
    tf.dispose(b);
  });
});

describe("linear algebra", () => {
  it("eigenvalues and log-determinants match hand values", () => {
    expect(symmetricEigenvalues([2, 1, 1, 2], 2).map((v) => +v.toFixed(10))).toEqual([1, 3]);
    expect(symmetricEigenvalues([4, 0, 0, 0, 1, 0, 0, 0, 9], 3)).toEqual([1, 4, 9]);
    expect(logAbsDet([0, 2, 3, 0], 2)).toBeCloseTo(Math.log(6), 12);
    expect(logAbsDet([1, 2, 2, 4], 2)).toBe(-Infinity);
  });
});

describe("proxyEvaluator", () => {
  it("scores untrained networks on a seeded minibatch, deterministically and leak-free", async () => {
    const data = syntheticSplits({ size: 8, numClasses: 3, sizes: { train: 16, val: 4, test: 4 } });
    const ev = proxyEvaluator({
      proxy: "naswot",
      backend: "current",
      data,
      batchSize: 8,
      build: (a: string, o) => nb201Model(parseNb201(a), { ...o, channels: 2 }),
    });
    const arch = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|nor_conv_3x3~1|skip_connect~2|";
    let r1!: Awaited<ReturnType<typeof ev.evaluate>>;
    const leaked = await leakedTensors(async () => {
      r1 = await ev.evaluate(arch, { seed: 3 });
    });
    expect(leaked).toBe(0);
    const r2 = await ev.evaluate(arch, { seed: 3 });
    expect(r1.status).toBe("ok");
    expect(r1.metrics.score).toBe(r2.metrics.score);
    expect(Number.isFinite(r1.metrics.score)).toBe(true);
    expect(r1.metrics.params).toBeGreaterThan(0);
    const bad = await ev.evaluate("|nope~0|", { seed: 3 });
    expect(bad.status).toBe("failed");
  });
});
