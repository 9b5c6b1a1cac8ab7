import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/backend/index.js";
import { dartsSupernet } from "../../src/model/supernetDarts.js";
import { nb201Supernet } from "../../src/model/supernetNb201.js";
import { formatNb201, parseNb201, type Nb201Arch } from "../../src/space/nb201.js";
import type { Supernet } from "../../src/model/supernet.js";
import { WeightStore } from "../../src/model/supernetOps.js";
import { WeightTrainer } from "../../src/model/supernetTraining.js";
import { dartsSearch, unrolledAlphaGradient } from "../../src/strategy/darts.js";
import type { DataSplits } from "../../src/data/types.js";
import { leakedTensors } from "../model/leak.js";
import { teacherTask } from "./teacherTask.js";

// The wasm backend with nasbook's training kernels: the same results as 'cpu' (tested in test/backend), 10x faster.
beforeAll(async () => {
  await initBackend({ backend: "wasm", quiet: true });
});

const SHAPE = [8, 8, 1] as const;
// avg_pool has no weights and computes a function no other op can imitate, so on this task it is clearly best.
const TEACHER = parseNb201("|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|");

describe("dartsSearch on NB201", () => {
  it.for([
    [1, 12, 5],
    [2, 12, 5],
  ] as const)("order %i: alpha steps move the derived architecture to the clearly best op (%i steps, >= %i of 6 edges)", async ([order, steps, atLeast], { signal }) => {
    const leaked = await leakedTensors(async () => {
      const net = nb201Supernet({ inputShape: SHAPE, numClasses: 4, seed: 1, channels: 2 });
      // Small on purpose (a few seconds for order 2 under load): 64 examples, 12 iterations.
      const data = teacherTask(net, TEACHER, SHAPE, { train: 64, val: 64 }, 0);
      const initial = net.derive();
      expect(initial.filter((op) => op === "avg_pool_3x3").length).toBeLessThan(atLeast);
      const search = dartsSearch({ supernet: net, data, order, steps, batchSize: 32, alphaLearningRate: 0.1, weights: { learningRate: 0.01 }, recordEvery: 3, format: formatNb201, seed: 0 });
      const seen: number[] = [];
      let afterFirstRecord = 0;
      const result = await search.run({
        signal,
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
      expect(snap.policy).toHaveLength(6);
      expect(snap.derived).toBe(formatNb201(result.derived));
      const history = snap.alphaHistory as { step: number; weights: number[][][] }[];
      expect(history.map((h) => h.step)).toEqual(seen);
      // The alpha of avg_pool on edge 1<-0 grows over the run.
      const pool = history.map((h) => h.weights[0]![0]![4]!);
      expect(pool[pool.length - 1]!).toBeGreaterThan(pool[0]! + 0.05);
      search.dispose();
      net.dispose();
    });
    expect(leaked).toBe(0);
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

  it.for([1, 2] as const)("order %i: the alpha step and the weight step of an iteration use the same training batch, and no batch is skipped", async (order, { signal }) => {
    const net = nb201Supernet({ inputShape: SHAPE, numClasses: 4, seed: 1, channels: 2 });
    const task = teacherTask(net, TEACHER, SHAPE, { train: 16, val: 16 }, 0);
    // Tag every example in its first pixel (train: +id, val: -id), so a recording supernet sees which examples each pass used.
    const per = SHAPE[0] * SHAPE[1] * SHAPE[2];
    const tag = (ds: DataSplits["train"], sign: number) => {
      const images = ds.images.slice();
      for (let i = 0; i < ds.labels.length; i++) images[i * per] = sign * (i + 1) * 1e-2;
      return { ...ds, images };
    };
    const data: DataSplits = { ...task, train: tag(task.train, 1), val: tag(task.val, -1) };
    const calls: { split: "train" | "val"; ids: string }[] = [];
    const recording: Supernet<Nb201Arch> = Object.create(net, {
      logits: {
        value: (x: tf.Tensor4D, mode: Parameters<typeof net.logits>[1]) => {
          if (mode.kind === "mixture") {
            const ids = Array.from(x.slice([0, 0, 0, 0], [-1, 1, 1, 1]).dataSync(), (v) => Math.round(v * 100));
            calls.push({ split: ids[0]! > 0 ? "train" : "val", ids: ids.slice().sort((a, b) => a - b).join(",") });
          }
          return net.logits(x, mode);
        },
      },
    });
    const steps = 4;
    const search = dartsSearch({ supernet: recording, data, order, steps, batchSize: 8, format: formatNb201, seed: 0 });
    await search.run({ signal });
    search.dispose();
    net.dispose();
    // Per iteration: order 1 = [val (alpha), train (weights)]; order 2 = [train (virtual step), val at w', train at w+, train at w-, train (weights)].
    const perIteration = order === 1 ? ["val", "train"] : ["train", "val", "train", "train", "train"];
    expect(calls.map((c) => c.split)).toEqual(Array.from({ length: steps }, () => perIteration).flat());
    const iterations = Array.from({ length: steps }, (_, i) => calls.slice(i * perIteration.length, (i + 1) * perIteration.length));
    for (const it of iterations) expect(new Set(it.filter((c) => c.split === "train").map((c) => c.ids)).size).toBe(1);
    // 16 examples in batches of 8: each pair of iterations is one pass over the training set, every example once.
    const weightBatches = iterations.map((it) => it[it.length - 1]!.ids.split(",").map(Number));
    for (const pass of [0, 1]) expect([...weightBatches[2 * pass]!, ...weightBatches[2 * pass + 1]!].sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    // One validation batch per iteration, also cycling through the validation set.
    const valBatches = iterations.map((it) => it.find((c) => c.split === "val")!.ids.split(",").map(Number));
    expect([...valBatches[0]!, ...valBatches[1]!].sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => -(16 - i)));
  });

  it("the virtual step follows the weight optimiser: w' = w - xi (momentum v + dw + wd w), as DARTS' architect.py", () => {
    const before = tf.memory().numTensors;
    const store = new WeightStore(5);
    const w = store.get("w", [3, 4], 3);
    const alpha = tf.tidy(() => tf.variable(tf.tensor2d([[0.3, -0.2, 0.1, 0.5]]), true));
    // A smooth classifier: logits = 4 * tanh(x W) * softmax(alpha).
    const logitsAt = (wv: tf.Tensor, a: tf.Tensor, x: tf.Tensor4D) => tf.mul(tf.mul(tf.tanh(tf.matMul(x.reshape([x.shape[0], 3]), wv)), tf.softmax(a)), 4) as tf.Tensor2D;
    const net = { alphas: [alpha], store, logits: (x: tf.Tensor4D) => logitsAt(w, alpha, x) } as unknown as Supernet<unknown>;
    const batch = (seed: number) => ({ x: tf.randomNormal([8, 1, 1, 3], 0, 1, "float32", seed) as tf.Tensor4D, y: tf.tensor1d([0, 1, 2, 3, 3, 2, 1, 0].map((v) => (v + seed) % 4), "int32") });
    const ce = (wv: tf.Tensor, a: tf.Tensor, b: { x: tf.Tensor4D; y: tf.Tensor1D }) => tf.losses.softmaxCrossEntropy(tf.oneHot(b.y, 4), logitsAt(wv, a, b.x)) as tf.Scalar;
    const [mu, wd, lr] = [0.9, 0.05, 0.5];
    const trainer = new WeightTrainer(net, { learningRate: lr, minLearningRate: lr, momentum: mu, weightDecay: wd, clipNorm: 1e9, totalSteps: 10 });
    // One real step by hand: v1 = dw0 + wd w0, w1 = w0 - lr v1 (momentum buffer starts at 0, as PyTorch's).
    const b0 = batch(7);
    const w0 = w.clone();
    const v1 = tf.tidy(() => tf.add(tf.grad((wv: tf.Tensor) => ce(wv, alpha, b0))(w0), tf.mul(w0, wd)));
    trainer.train({ ...b0, size: 8 }, () => ({ kind: "mixture", weights: [] }));
    const w1 = tf.tidy(() => tf.sub(w0, tf.mul(v1, lr)));
    expect(Math.max(...Array.from(tf.tidy(() => tf.abs(tf.sub(w, w1)).dataSync())))).toBeLessThan(1e-6);
    const trainB = batch(1);
    const valB = batch(2);
    const xi = 0.4;
    // stepDirection against the hand-computed direction mu v1 + dw + wd w1.
    const dw = tf.tidy(() => tf.grad((wv: tf.Tensor) => ce(wv, alpha, trainB))(w));
    const byHand = tf.tidy(() => tf.add(tf.add(tf.mul(v1, mu), dw), tf.mul(w, wd)));
    const direction = tf.tidy(() => trainer.stepDirection(w, dw));
    expect(Math.max(...Array.from(tf.tidy(() => tf.abs(tf.sub(direction, byHand)).dataSync())))).toBeLessThan(1e-6);
    // The unrolled gradient against finite differences of f(alpha) = L_val(w - xi (mu v1 + dw(alpha) + wd w), alpha).
    const loss = (b: { x: tf.Tensor4D; y: tf.Tensor1D }) => ce(w, alpha, b);
    const withMomentum = unrolledAlphaGradient(net, loss, trainB, valB, xi, (v, g) => trainer.stepDirection(v, g));
    const plain = unrolledAlphaGradient(net, loss, trainB, valB, xi);
    const unrolled = (a: tf.Tensor): number =>
      tf.tidy(() => {
        const g = tf.grad((wv: tf.Tensor) => ce(wv, a, trainB))(w);
        const w2 = tf.sub(w, tf.mul(tf.add(tf.add(tf.mul(v1, mu), g), tf.mul(w, wd)), xi));
        return ce(w2, a, valB).dataSync()[0]!;
      });
    const numeric = [0, 1, 2, 3].map((k) =>
      tf.tidy(() => {
        const e = tf.oneHot([k], 4).reshape([1, 4]).mul(1e-2);
        return (unrolled(tf.add(alpha, e)) - unrolled(tf.sub(alpha, e))) / 2e-2;
      }),
    );
    const err = (g: tf.Tensor) => Math.max(...Array.from(g.dataSync()).map((v, k) => Math.abs(v - numeric[k]!)));
    expect(err(withMomentum.grads[0]!)).toBeLessThan(2e-3);
    // Without the optimiser's momentum and decay the virtual step lands elsewhere: clearly further from the reference.
    expect(err(plain.grads[0]!)).toBeGreaterThan(5 * err(withMomentum.grads[0]!));
    tf.dispose([...withMomentum.grads, ...plain.grads, w0, v1, w1, dw, byHand, direction, alpha, b0.x, b0.y, trainB.x, trainB.y, valB.x, valB.y]);
    trainer.dispose();
    store.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("searches DARTS cells and derives a genotype with the two strongest incoming edges per node", async ({ signal }) => {
    const leaked = await leakedTensors(async () => {
      const net = dartsSupernet({ inputShape: SHAPE, numClasses: 3, seed: 1, channels: 2, layers: 3, nodes: 2, ops: ["none", "skip_connect", "sep_conv_3x3", "avg_pool_3x3"] });
      const teacher = net.genotypes.parse("normal=[(avg_pool_3x3,0),(avg_pool_3x3,1),(avg_pool_3x3,0),(avg_pool_3x3,2)] reduce=[(avg_pool_3x3,0),(avg_pool_3x3,1),(avg_pool_3x3,1),(avg_pool_3x3,2)]");
      const data = teacherTask(net, teacher, SHAPE, { train: 64, val: 64 }, 0);
      const pools = (a: typeof teacher) => [...a.normal, ...a.reduce].filter((e) => e.op === "avg_pool_3x3").length;
      expect(pools(net.derive())).toBeLessThan(6);
      // No `format`: the supernet formats its own genotypes.
      const search = dartsSearch({ supernet: net, data, order: 1, steps: 15, batchSize: 32, alphaLearningRate: 0.05, recordEvery: 5, seed: 0 });
      const result = await search.run({ signal });
      net.genotypes.validate(result.derived);
      expect(pools(result.derived)).toBeGreaterThanOrEqual(6);
      const snap = search.snapshot();
      expect((snap.policy ?? []).map((a) => a.decision)).toEqual(["normal:2<-0", "normal:2<-1", "normal:3<-0", "normal:3<-1", "normal:3<-2", "reduce:2<-0", "reduce:2<-1", "reduce:3<-0", "reduce:3<-1", "reduce:3<-2"]);
      expect(snap.derived).toBe(net.genotypes.format(result.derived));
      search.dispose();
      net.dispose();
    });
    expect(leaked).toBe(0);
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
    expect(result.steps).toBe(2); // the iteration whose snapshot aborted is the last (was: < 5)
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
