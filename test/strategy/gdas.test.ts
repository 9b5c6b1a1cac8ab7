import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/backend/index.js";
import { softmaxRow } from "../../src/model/supernet.js";
import { nb201Supernet } from "../../src/model/supernetNb201.js";
import { Rng } from "../../src/rng.js";
import { formatNb201, NB201_OPS, parseNb201 } from "../../src/space/nb201.js";
import { gdasSearch, gdasTemperature, gumbelHard, gumbelNoise } from "../../src/strategy/gdas.js";
import { leakedTensors } from "../model/leak.js";
import { teacherTask } from "./teacherTask.js";

beforeAll(async () => {
  await initBackend({ backend: "wasm", quiet: true });
});

const SHAPE = [8, 8, 1] as const;
const TEACHER = parseNb201("|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|");
const ALPHA = [0.5, -0.3, 1.2, 0, -1];

/** Pearson's chi-square statistic of observed counts against expected probabilities. */
const chiSquare = (counts: number[], probs: number[], n: number) => counts.reduce((s, c, k) => s + (c - n * probs[k]!) ** 2 / (n * probs[k]!), 0);
// 99.9% quantile of chi-square with 4 degrees of freedom (5 ops).
const CHI2_4_999 = 18.467;

describe("GDAS' Gumbel-softmax sampling (Dong & Yang 2019)", () => {
  it.each([0.1, 1, 10])("at temperature %f, the sampled ops follow softmax(alpha) (chi-square, 4 dof, p > 0.001)", (tau) => {
    const rng = new Rng(`chi/${tau}`);
    const n = 3000;
    const counts = [0, 0, 0, 0, 0];
    const alpha = tf.tensor2d([ALPHA]);
    for (let i = 0; i < n; i++) {
      tf.tidy(() => {
        const { weights, index } = gumbelHard(alpha, tau, gumbelNoise(rng, 1, 5));
        counts[index[0]!]!++;
        // The forward value is exactly the one-hot of the sampled op.
        expect(Array.from(weights.dataSync())).toEqual([0, 1, 2, 3, 4].map((k) => (k === index[0] ? 1 : 0)));
      });
    }
    alpha.dispose();
    expect(chiSquare(counts, softmaxRow(ALPHA), n)).toBeLessThan(CHI2_4_999);
    // The check has power: the same counts are far from uniform sampling.
    expect(chiSquare(counts, [0.2, 0.2, 0.2, 0.2, 0.2], n)).toBeGreaterThan(CHI2_4_999);
  });

  it("the straight-through gradient is the gradient of the relaxed softmax((log softmax(alpha) + g) / tau), checked by finite differences", () => {
    const g = gumbelNoise(new Rng("st"), 2, 5);
    const c = [[0.3, -1.2, 0.7, 2.0, -0.4], [1.1, 0.2, -0.8, 0.5, 0.9]];
    const tau = 0.7;
    const alpha0 = [ALPHA, [0.1, 0.4, -0.6, 0.2, 0.0]];
    const ct = tf.tensor2d(c);
    const analytic = tf.tidy(() => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(gumbelHard(a as tf.Tensor2D, tau, g).weights, ct)))(tf.tensor2d(alpha0)).arraySync() as number[][]);
    // Finite differences of the relaxed objective, in float64 on plain numbers.
    const relaxed = (a: number[][]) =>
      a.reduce((s, row, r) => {
        const logp = softmaxRow(row).map(Math.log);
        const probs = softmaxRow(logp.map((v, k) => (v + g[r]![k]!) / tau));
        return s + probs.reduce((t, p, k) => t + p * c[r]![k]!, 0);
      }, 0);
    const h = 1e-5;
    alpha0.forEach((row, r) =>
      row.forEach((_, k) => {
        const plus = alpha0.map((x) => x.slice());
        const minus = alpha0.map((x) => x.slice());
        plus[r]![k]! += h;
        minus[r]![k]! -= h;
        expect(analytic[r]![k]!).toBeCloseTo((relaxed(plus) - relaxed(minus)) / (2 * h), 4);
      }),
    );
    expect(analytic.flat().some((v) => Math.abs(v) > 1e-3)).toBe(true);
    ct.dispose();
  });

  it("anneals the temperature linearly from 10 to 0.1", () => {
    [10, 10 - (9.9 * 50) / 99, 0.1].forEach((want, i) => expect(gdasTemperature([0, 50, 99][i]!, 100)).toBeCloseTo(want, 12));
  });
});

describe("the NB201 supernet in hard mode", () => {
  it("computes the sampled path's output, and the selected ops' weight gradients equal the full mixture's", () => {
    const net = nb201Supernet({ inputShape: SHAPE, numClasses: 3, seed: 2, channels: 2 });
    const index = [3, 0, 4, 2, 1, 3];
    const arch = index.map((k) => NB201_OPS[k]!);
    const x = tf.randomNormal([4, ...SHAPE], 0, 1, "float32", 3) as tf.Tensor4D;
    const y = tf.tensor1d([0, 1, 2, 1], "int32");
    const oneHot = tf.oneHot(index, 5).toFloat() as tf.Tensor2D;
    const lossIn = (kind: "hard" | "mixture") => (w: tf.Tensor) => {
      const mode = kind === "hard" ? { kind, weights: [w as tf.Tensor2D], index: [index] } : { kind, weights: [w as tf.Tensor2D] };
      return tf.losses.softmaxCrossEntropy(tf.oneHot(y, 3), net.logits(x, mode)) as tf.Scalar;
    };
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(net.logits(x, { kind: "hard", weights: [oneHot], index: [index] }), net.logits(x, { kind: "path", arch })))).dataSync()[0]!);
    expect(diff).toBeLessThan(1e-5);
    const gHard = tf.tidy(() => tf.grad(lossIn("hard"))(oneHot).arraySync() as number[][]);
    const gMix = tf.tidy(() => tf.grad(lossIn("mixture"))(oneHot).arraySync() as number[][]);
    index.forEach((k, e) => expect(gHard[e]![k]!).toBeCloseTo(gMix[e]![k]!, 4));
    expect(() => net.logits(x, { kind: "hard", weights: [oneHot], index: [[0, 1, 2]] })).toThrow(/one op index in 0..4 per edge/);
    tf.dispose([x, y, oneHot]);
    net.dispose();
  });
});

describe("gdasSearch on NB201", () => {
  it("moves the derived architecture to the clearly best op, records tau from 10 to 0.1, leak-free", async ({ signal }) => {
    let derived: string[] = [];
    let taus: number[] = [];
    let initial = 0;
    const leaked = await leakedTensors(async () => {
      const net = nb201Supernet({ inputShape: SHAPE, numClasses: 4, seed: 1, channels: 2 });
      const data = teacherTask(net, TEACHER, SHAPE, { train: 64, val: 64 }, 0);
      initial = net.derive().filter((op) => op === "avg_pool_3x3").length;
      // One sampled path per step makes GDAS noisier than DARTS: it needs more (but cheaper) iterations here.
      const search = gdasSearch({ supernet: net, data, steps: 96, batchSize: 32, alphaLearningRate: 0.05, weights: { learningRate: 0.01 }, recordEvery: 24, format: formatNb201, seed: 0 });
      const result = await search.run({ signal, onSnapshot: (s) => taus.push(s.tau as number) });
      derived = [...result.derived];
      search.dispose();
      net.dispose();
    });
    expect(leaked).toBe(0);
    expect(taus[0]).toBe(10);
    expect(taus[taus.length - 1]).toBeCloseTo(0.1, 10);
    expect(initial).toBeLessThan(4);
    expect(derived.filter((op) => op === "avg_pool_3x3").length).toBeGreaterThanOrEqual(5);
  });

  it("rejects an empty budget and a bad temperature range", () => {
    const net = nb201Supernet({ inputShape: SHAPE, numClasses: 4, seed: 1, channels: 2 });
    const data = teacherTask(net, TEACHER, SHAPE, { train: 8, val: 8 }, 0);
    expect(() => gdasSearch({ supernet: net, data, steps: 0, format: formatNb201, seed: 0 })).toThrow(/steps must be a positive integer/);
    expect(() => gdasSearch({ supernet: net, data, steps: 5, tauMax: 0.1, tauMin: 1, format: formatNb201, seed: 0 })).toThrow(/tauMax >= tauMin > 0/);
    net.dispose();
  });
});
