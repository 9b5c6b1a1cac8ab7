import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/backend/index.js";
import { dartsSupernet } from "../../src/model/supernetDarts.js";
import { nb201Supernet } from "../../src/model/supernetNb201.js";
import { formatNb201, parseNb201 } from "../../src/space/nb201.js";
import type { Supernet } from "../../src/model/supernet.js";
import { WeightStore } from "../../src/model/supernetOps.js";
import { dartsSearch, unrolledAlphaGradient } from "../../src/strategy/darts.js";
import { teacherTask } from "./teacherTask.js";

// The wasm backend with nasbook's training kernels: the same results as 'cpu' (tested in test/backend), 10x faster.
beforeAll(async () => {
  await initBackend({ backend: "wasm", quiet: true });
});

const SHAPE = [8, 8, 1] as const;
// avg_pool has no weights and computes a function no other op can imitate, so on this task it is clearly best.
const TEACHER = parseNb201("|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|");

describe("dartsSearch on NB201", () => {
  it.each([
    [1, 30, 6],
    [2, 20, 5],
  ] as const)("order %i: alpha steps move the derived architecture to the clearly best op (%i steps, >= %i of 6 edges)", async (order, steps, atLeast) => {
    const before = tf.memory().numTensors;
    const net = nb201Supernet({ inputShape: SHAPE, numClasses: 4, seed: 1, channels: 2 });
    const data = teacherTask(net, TEACHER, SHAPE, { train: 128, val: 128 }, 0);
    const initial = net.derive();
    expect(initial.filter((op) => op === "avg_pool_3x3").length).toBeLessThan(atLeast);
    const search = dartsSearch({ supernet: net, data, order, steps, batchSize: 32, alphaLearningRate: 0.05, weights: { learningRate: 0.01 }, recordEvery: 3, format: formatNb201, seed: 0 });
    const seen: number[] = [];
    let afterFirstRecord = 0;
    const result = await search.run({
      onSnapshot: (s) => {
        seen.push(s.step);
        // Tensors in use must not grow from one recorded step to the next (no leak across steps).
        const now = tf.memory().numTensors;
        if (seen.length === 2) afterFirstRecord = now;
        if (seen.length > 2) expect(now).toBe(afterFirstRecord);
      },
    });
    expect(result.derived.filter((op) => op === "avg_pool_3x3").length).toBeGreaterThanOrEqual(atLeast);
    expect(result.steps).toBe(steps);
    expect(seen[0]).toBe(0);
    expect(seen[seen.length - 1]).toBe(steps);

    const snap = search.snapshot();
    expect(snap.alphas).toHaveLength(6);
    expect(snap.derived).toBe(formatNb201(result.derived));
    const history = snap.alphaHistory as { step: number; weights: number[][][] }[];
    expect(history.map((h) => h.step)).toEqual(seen);
    // The alpha of avg_pool on edge 1<-0 grows over the run.
    const pool = history.map((h) => h.weights[0]![0]![4]!);
    expect(pool[pool.length - 1]!).toBeGreaterThan(pool[0]! + 0.05);
    search.dispose();
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("the second-order alpha gradient is the gradient of the unrolled validation loss (smooth reference model)", () => {
    // A smooth two-level model (no ReLU kinks, no batch norm) where f(alpha) = L_val(w - xi grad_w L_train(w, alpha),
    // alpha) can be differentiated numerically to high accuracy.
    const before = tf.memory().numTensors;
    const store = new WeightStore(3);
    const w = store.get("w", [3, 4], 3);
    const alpha = tf.tidy(() => tf.variable(tf.tensor2d([[0.3, -0.2, 0.1, 0.5]]), true));
    const net = { alphas: [alpha], store } as unknown as Supernet<unknown>;
    const batch = (seed: number) => ({ x: tf.randomNormal([8, 1, 1, 3], 0, 1, "float32", seed) as tf.Tensor4D, y: tf.randomNormal([8], 0, 1, "float32", seed + 1) as tf.Tensor1D });
    const lossAt = (a: tf.Tensor, b: { x: tf.Tensor4D; y: tf.Tensor1D }) =>
      tf.mean(tf.square(tf.sub(tf.squeeze(tf.matMul(tf.tanh(tf.matMul(b.x.reshape([8, 3]), w)), tf.softmax(a), false, true)), b.y))) as tf.Scalar;
    const trainB = batch(1);
    const valB = batch(2);
    const xi = 0.5;
    const { grads, valLoss } = unrolledAlphaGradient(net, (b) => lossAt(alpha, b), trainB, valB, xi);
    const second = Array.from(grads[0]!.dataSync());
    const first = tf.tidy(() => Array.from(tf.grad((a: tf.Tensor) => lossAt(a, valB))(alpha).dataSync()));
    const unrolled = (a: tf.Tensor): number =>
      tf.tidy(() => {
        const gw = tf.grad((wv: tf.Tensor) => {
          const b = trainB;
          return tf.mean(tf.square(tf.sub(tf.squeeze(tf.matMul(tf.tanh(tf.matMul(b.x.reshape([8, 3]), wv)), tf.softmax(a), false, true)), b.y))) as tf.Scalar;
        })(w);
        const w2 = tf.sub(w, tf.mul(gw, xi));
        const b = valB;
        return tf.mean(tf.square(tf.sub(tf.squeeze(tf.matMul(tf.tanh(tf.matMul(b.x.reshape([8, 3]), w2)), tf.softmax(a), false, true)), b.y))).dataSync()[0]!;
      });
    expect(valLoss).toBeGreaterThan(0);
    const numeric = [0, 1, 2, 3].map((k) => {
      const h = 1e-2;
      return tf.tidy(() => {
        const e = tf.oneHot([k], 4).reshape([1, 4]).mul(h);
        return (unrolled(tf.add(alpha, e)) - unrolled(tf.sub(alpha, e))) / (2 * h);
      });
    });
    const err = (g: number[]) => Math.max(...g.map((v, k) => Math.abs(v - numeric[k]!)));
    expect(err(second)).toBeLessThan(2e-3);
    // The correction term matters here: first order is clearly further from the unrolled gradient.
    expect(err(first)).toBeGreaterThan(10 * err(second));
    tf.dispose([...grads, alpha, trainB.x, trainB.y, valB.x, valB.y]);
    store.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("searches DARTS cells and derives a genotype with the two strongest incoming edges per node", async () => {
    const before = tf.memory().numTensors;
    const net = dartsSupernet({ inputShape: SHAPE, numClasses: 3, seed: 1, channels: 2, layers: 3, nodes: 2, ops: ["none", "skip_connect", "sep_conv_3x3", "avg_pool_3x3"] });
    const teacher = net.genotypes.parse("normal=[(avg_pool_3x3,0),(avg_pool_3x3,1),(avg_pool_3x3,0),(avg_pool_3x3,2)] reduce=[(avg_pool_3x3,0),(avg_pool_3x3,1),(avg_pool_3x3,1),(avg_pool_3x3,2)]");
    const data = teacherTask(net, teacher, SHAPE, { train: 64, val: 64 }, 0);
    const pools = (a: typeof teacher) => [...a.normal, ...a.reduce].filter((e) => e.op === "avg_pool_3x3").length;
    expect(pools(net.derive())).toBeLessThan(6);
    const search = dartsSearch({ supernet: net, data, order: 1, steps: 15, batchSize: 32, alphaLearningRate: 0.05, format: (a) => net.genotypes.format(a), recordEvery: 5, seed: 0 });
    const result = await search.run();
    net.genotypes.validate(result.derived);
    expect(pools(result.derived)).toBeGreaterThanOrEqual(6);
    const snap = search.snapshot();
    expect(snap.alphas!.map((a) => a.edge)).toEqual(["normal:2<-0", "normal:2<-1", "normal:3<-0", "normal:3<-1", "normal:3<-2", "reduce:2<-0", "reduce:2<-1", "reduce:3<-0", "reduce:3<-1", "reduce:3<-2"]);
    expect(snap.derived).toBe(net.genotypes.format(result.derived));
    search.dispose();
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("DARTS- adds a decaying auxiliary skip to every edge and still derives a valid architecture", async () => {
    const net = nb201Supernet({ inputShape: SHAPE, numClasses: 4, seed: 1, channels: 2 });
    const data = teacherTask(net, TEACHER, SHAPE, { train: 64, val: 64 }, 0);
    const search = dartsSearch({ supernet: net, data, order: 1, steps: 4, batchSize: 32, remedy: { kind: "darts-minus", beta0: 1 }, recordEvery: 2, format: formatNb201, seed: 0 });
    const betas: unknown[] = [];
    await search.run({ onSnapshot: (s) => betas.push(s.auxSkipBeta) });
    expect(betas).toEqual([1, 0.5, 0]);
    search.dispose();
    net.dispose();
  });

  it("stops at the next step when aborted and reports it", async () => {
    const net = nb201Supernet({ inputShape: SHAPE, numClasses: 4, seed: 1, channels: 2 });
    const data = teacherTask(net, TEACHER, SHAPE, { train: 64, val: 64 }, 0);
    const search = dartsSearch({ supernet: net, data, order: 1, steps: 50, batchSize: 32, format: formatNb201, seed: 0 });
    const abort = new AbortController();
    const result = await search.run({ signal: abort.signal, onSnapshot: (s) => s.step >= 2 && abort.abort() });
    expect(result.stoppedEarly).toBe("aborted");
    expect(result.steps).toBeLessThan(5);
    search.dispose();
    net.dispose();
  });

  it("rejects an unknown order and an empty budget", () => {
    const net = nb201Supernet({ inputShape: SHAPE, numClasses: 4, seed: 1, channels: 2 });
    const data = teacherTask(net, TEACHER, SHAPE, { train: 8, val: 8 }, 0);
    expect(() => dartsSearch({ supernet: net, data, order: 3 as 1, steps: 1, format: formatNb201, seed: 0 })).toThrow(/order must be 1/);
    expect(() => dartsSearch({ supernet: net, data, order: 1, steps: 0, format: formatNb201, seed: 0 })).toThrow(/steps must be a positive integer/);
    net.dispose();
  });
});
