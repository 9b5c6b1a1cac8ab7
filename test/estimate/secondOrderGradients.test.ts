import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { registerSecondOrderGradients } from "../../src/estimate/secondOrderGradients.js";
import { nb201Model } from "../../src/model/nb201.js";
import { parseNb201 } from "../../src/space/nb201.js";
import { useCpu } from "../model/leak.js";

beforeAll(async () => {
  await useCpu();
  registerSecondOrderGradients();
});

describe("second-order gradients (Hessian-vector products, as GRASP needs)", () => {
  it("double backpropagation through conv, stride-2 conv, avg-pool, batch norm and log-softmax equals central differences", () => {
    // Every kernel the NB201 network uses: without the registered gradients this throws (Conv2DBackpropFilter)
    // or silently drops the curvature of exp (the relative error was about 1 before the Exp fix).
    const built = nb201Model(parseNb201("|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|nor_conv_3x3~1|skip_connect~2|"), {
      inputShape: [8, 8, 3], numClasses: 3, seed: 1, channels: 4,
    });
    const m = built.model;
    const vars = m.layers
      .filter((l) => ["Conv2D", "Dense"].includes(l.getClassName()))
      .map((l) => l.trainableWeights.find((w) => /kernel/.test(w.name))!.read() as tf.Variable);
    const x = tf.randomNormal([4, 8, 8, 3], 0, 1, "float32", 1);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0], "int32"), 3);
    const loss = () => {
      const z = m.apply(x, { training: true }) as tf.Tensor2D;
      return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.sub(z, tf.logSumExp(z, 1, true))), 1))) as tf.Scalar;
    };
    const g = tf.variableGrads(loss, vars).grads;
    const hg = tf.variableGrads(() => {
      const inner = tf.variableGrads(loss, vars).grads;
      return tf.addN(vars.map((v) => tf.sum(tf.mul(g[v.name]!, inner[v.name]!)))) as tf.Scalar;
    }, vars).grads;
    const gNorm = Math.sqrt(vars.reduce((s, v) => s + tf.sum(tf.square(g[v.name]!)).dataSync()[0]!, 0));
    // Small steps: a ReLU network's gradient has kinks, which larger central differences straddle.
    const eps = 1e-4 / gNorm;
    const orig = vars.map((v) => v.clone());
    const gradAt = (t: number) => {
      vars.forEach((v, i) => v.assign(tf.add(orig[i]!, tf.mul(g[v.name]!, t))));
      return tf.variableGrads(loss, vars).grads;
    };
    const plus = gradAt(eps);
    const minus = gradAt(-eps);
    vars.forEach((v, i) => v.assign(orig[i]!));
    let worst = 0;
    for (const v of vars) {
      const fd = tf.div(tf.sub(plus[v.name]!, minus[v.name]!), 2 * eps);
      const err = tf.max(tf.abs(tf.sub(fd, hg[v.name]!))).dataSync()[0]!;
      const scale = tf.max(tf.abs(fd)).dataSync()[0]!;
      worst = Math.max(worst, err / scale);
    }
    expect(worst).toBeLessThan(5e-3);
    m.dispose();
  });
});
