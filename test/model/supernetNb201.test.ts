import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { nb201Model } from "../../src/model/nb201.js";
import { supernetPolicy } from "../../src/model/supernet.js";
import { deriveNb201, nb201Supernet, type Nb201Supernet } from "../../src/model/supernetNb201.js";
import { avgPool, crossEntropy } from "../../src/model/supernetOps.js";
import { formatNb201, NB201_EDGES, NB201_OPS, parseNb201, type Nb201Arch } from "../../src/space/nb201.js";
import { leakedTensors, useCpu } from "./leak.js";

beforeAll(useCpu);

const SHAPE = [8, 8, 1] as const;
const CLASSES = 3;

/** Supernet weight names in the order nb201Model creates its conv layers for `arch` (C, N as given). */
function convNamesInBuildOrder(arch: Nb201Arch, cellsPerStage: number): string[] {
  const names = ["stem/conv"];
  for (let stage = 0; stage < 3; stage++) {
    if (stage > 0) names.push(`s${stage}/reduce/a/conv`, `s${stage}/reduce/b/conv`, `s${stage}/reduce/shortcut`);
    for (let n = 0; n < cellsPerStage; n++) {
      arch.forEach((op, e) => {
        if (op === "nor_conv_1x1" || op === "nor_conv_3x3") names.push(`s${stage}/c${n}/e${e}/${op}/conv`);
      });
    }
  }
  return names;
}

/** The hand-built equivalent: nb201Model(arch) with the supernet's weights for that path copied in. */
function equivalentModel(net: Nb201Supernet, arch: Nb201Arch): tf.LayersModel {
  const { model } = nb201Model(arch, { inputShape: SHAPE, numClasses: CLASSES, seed: 9, channels: net.channels, cellsPerStage: net.cellsPerStage });
  const convs = model.layers.filter((l) => l.getClassName() === "Conv2D").sort((a, b) => a.id - b.id);
  const names = convNamesInBuildOrder(arch, net.cellsPerStage);
  expect(convs.length).toBe(names.length);
  convs.forEach((layer, i) => layer.setWeights([net.store.named(names[i]!)]));
  const dense = model.layers.find((l) => l.getClassName() === "Dense")!;
  dense.setWeights([net.store.named("head/dense"), net.store.named("head/bias")]);
  return model;
}

// Gradients through avg_pool too: nb201Model's tf.avgPool("same") (nasbook's AvgPoolGrad, which divides by the valid
// count) against the supernet's pad-and-rescale average pool (supernetOps.avgPool).
const ARCHS: [string, "forward" | "forward+backward"][] = [
  ["|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|skip_connect~2|", "forward+backward"],
  ["|nor_conv_1x1~0|+|none~0|nor_conv_3x3~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|", "forward+backward"],
  ["|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|nor_conv_3x3~1|skip_connect~2|", "forward+backward"],
  ["|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|", "forward+backward"],
];

describe("nb201Supernet", () => {
  it.each(ARCHS)("a path computes nb201Model's output for %s (%s)", async (text, check) => {
    const arch = parseNb201(text);
    const leaked = await leakedTensors(() => {
      const net = nb201Supernet({ inputShape: SHAPE, numClasses: CLASSES, seed: 1, channels: 2, cellsPerStage: 2 });
      const model = equivalentModel(net, arch);
      const x = tf.randomNormal([4, ...SHAPE], 0, 1, "float32", 5) as tf.Tensor4D;
      const y = tf.tensor1d([0, 1, 2, 1], "int32");
      // Batch norm in training mode uses batch statistics, as the supernet always does.
      const ours = tf.tidy(() => net.logits(x, { kind: "path", arch }).arraySync());
      const theirs = tf.tidy(() => (model.apply(x, { training: true }) as tf.Tensor).arraySync() as number[][]);
      expect(ours.flat().map((v) => +v.toFixed(4))).toEqual(theirs.flat().map((v) => +v.toFixed(4)));

      if (check === "forward+backward") compareGradients(net, model, arch, x, y);
      model.dispose();
      net.dispose();
      tf.dispose([x, y]);
    });
    expect(leaked).toBe(0);
  });

  function compareGradients(net: Nb201Supernet, model: tf.LayersModel, arch: Nb201Arch, x: tf.Tensor4D, y: tf.Tensor1D): void {
      const names = [...convNamesInBuildOrder(arch, 2), "head/dense"];
      const gOurs = tf.tidy(() => {
        const vars = names.map((n) => net.store.named(n));
        const { grads } = tf.variableGrads(() => crossEntropy(net.logits(x, { kind: "path", arch }), y), vars);
        return vars.map((v) => Array.from(grads[v.name]!.dataSync()));
      });
      const gTheirs = tf.tidy(() => {
        const layers = [...model.layers.filter((l) => l.getClassName() === "Conv2D").sort((a, b) => a.id - b.id), model.layers.find((l) => l.getClassName() === "Dense")!];
        const vars = layers.map((l) => l.trainableWeights[0]!.read() as tf.Variable);
        const { grads } = tf.variableGrads(() => crossEntropy(model.apply(x, { training: true }) as tf.Tensor2D, y), vars);
        return vars.map((v) => Array.from(grads[v.name]!.dataSync()));
      });
      expect(gOurs.length).toBe(gTheirs.length);
      gOurs.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo(gTheirs[i]![j]!, 4)));
  }

  it("a one-hot mixture equals the path, and the alpha gradient matches finite differences", async () => {
    const leaked = await leakedTensors(() => {
      const net = nb201Supernet({ inputShape: SHAPE, numClasses: CLASSES, seed: 2, channels: 2 });
      const arch = parseNb201(ARCHS[0]![0]);
      const x = tf.randomNormal([4, ...SHAPE], 0, 1, "float32", 6) as tf.Tensor4D;
      const y = tf.tensor1d([2, 1, 0, 1], "int32");
      const oneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(arch.map((op) => NB201_OPS.indexOf(op)), "int32"), NB201_OPS.length).toFloat() as tf.Tensor2D);
      const mixed = tf.tidy(() => net.logits(x, { kind: "mixture", weights: [oneHot] }).arraySync());
      const path = tf.tidy(() => net.logits(x, { kind: "path", arch }).arraySync());
      mixed.flat().forEach((v, i) => expect(v).toBeCloseTo(path.flat()[i]!, 5));

      // d loss / d alpha through softmax, against central differences on a few entries.
      const lossAt = (alpha: tf.Tensor2D) => crossEntropy(net.logits(x, { kind: "mixture", weights: [tf.softmax(alpha) as tf.Tensor2D] }), y);
      const alpha = net.alphas[0]!;
      const grad = tf.tidy(() => tf.variableGrads(() => lossAt(alpha as tf.Tensor2D), [alpha]).grads[alpha.name]!.arraySync() as number[][]);
      // Central differences in float32 through batch norm are noisy entry by entry, so compare the whole vector.
      const numeric: number[] = [];
      for (let i = 0; i < 30; i++) {
        const h = 3e-3;
        const f = (d: number) => tf.tidy(() => lossAt(tf.add(alpha, tf.oneHot([i], 30).reshape([6, 5]).mul(d)) as tf.Tensor2D).dataSync()[0]!);
        numeric.push((f(h) - f(-h)) / (2 * h));
      }
      const analytic = grad.flat();
      const dot = analytic.reduce((acc, v, i) => acc + v * numeric[i]!, 0);
      const cos = dot / Math.hypot(...analytic) / Math.hypot(...numeric);
      expect(cos).toBeGreaterThan(0.98);
      tf.dispose([x, y, oneHot]);
      net.dispose();
    });
    expect(leaked).toBe(0);
  });

  it("average pooling ignores the pads like tf.avgPool and has exact gradients", async () => {
    const leaked = await leakedTensors(() => {
      for (const [n, k, stride] of [[5, 3, 1], [6, 3, 2], [7, 2, 2]] as const) {
        const x = tf.randomNormal([1, n, n, 2], 0, 1, "float32", n) as tf.Tensor4D;
        const ours = tf.tidy(() => avgPool(x, k, stride));
        const reference = tf.avgPool(x, k, stride, "same");
        expect(tf.tidy(() => tf.max(tf.abs(tf.sub(ours, reference))).dataSync()[0]!)).toBeLessThan(1e-6);
        const r = tf.randomNormal(ours.shape, 0, 1, "float32", 1);
        const f = (t: tf.Tensor) => tf.sum(tf.mul(avgPool(t as tf.Tensor4D, k, stride), r));
        const g = tf.tidy(() => Array.from(tf.grad(f)(x).dataSync()));
        const xv = x.dataSync();
        g.forEach((gi, i) => {
          const at = (d: number) => tf.tidy(() => {
            const p = xv.slice();
            p[i] += d;
            return f(tf.tensor(p, x.shape)).dataSync()[0]!;
          });
          expect(gi).toBeCloseTo((at(1e-2) - at(-1e-2)) / 2e-2, 3);
        });
        tf.dispose([x, ours, reference, r]);
      }
    });
    expect(leaked).toBe(0);
  });

  it("derives the argmax op of every edge, none included", () => {
    const alpha = NB201_EDGES.map((_, e) => NB201_OPS.map((_, k) => (k === (e + 1) % 5 ? 1 : 0)));
    expect(deriveNb201(alpha)).toEqual(["skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3", "none", "skip_connect"]);
    expect(() => deriveNb201([[1, 2]])).toThrow(/6 edges/);
  });

  it("lists its alphas per edge as a policy of softmax probabilities, for the supernet figure", () => {
    const net = nb201Supernet({ inputShape: SHAPE, numClasses: CLASSES, seed: 3, channels: 2, alphaInitStd: 0 });
    const policy = supernetPolicy(net);
    expect(policy.map((t) => t.decision)).toEqual(["1<-0", "2<-0", "2<-1", "3<-0", "3<-1", "3<-2"]);
    for (const t of policy) {
      expect(t.choices).toEqual([...NB201_OPS]);
      t.probs.forEach((w) => expect(w).toBeCloseTo(0.2, 6));
    }
    expect(net.format(net.derive())).toBe(formatNb201(net.derive()));
    net.dispose();
  });

  it("rejects impossible sizes and malformed mixtures with clear errors", () => {
    expect(() => nb201Supernet({ inputShape: SHAPE, numClasses: CLASSES, seed: 0, channels: 0 })).toThrow(/channels >= 1/);
    const net = nb201Supernet({ inputShape: SHAPE, numClasses: CLASSES, seed: 0, channels: 2 });
    expect(() => tf.tidy(() => net.logits(tf.zeros([1, ...SHAPE]), { kind: "mixture", weights: [tf.zeros([6, 4]) as tf.Tensor2D] }))).toThrow(/\[6, 5\]/);
    net.dispose();
  });
});
