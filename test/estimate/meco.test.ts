import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { symmetricEigenvalues } from "../../src/estimate/linalg.js";
import { meco, minCorrelationEigenvalue } from "../../src/estimate/meco.js";
import { nb201Model } from "../../src/model/nb201.js";
import { pearson } from "../../src/predict/rank.js";
import { parseNb201 } from "../../src/space/nb201.js";
import { leakedTensors, useCpu } from "../model/leak.js";

beforeAll(useCpu);

/** Brute force: the correlation matrix entry by entry with rank.ts's pearson (0 for a constant channel). */
function bruteMinEig(map: number[][]): number {
  const channels = map[0]!.length;
  const col = (c: number) => map.map((row) => row[c]!);
  const constant = (c: number) => col(c).every((v) => v === col(c)[0]);
  const corr: number[] = [];
  for (let a = 0; a < channels; a++) for (let b = 0; b < channels; b++) corr.push(constant(a) || constant(b) ? 0 : pearson(col(a), col(b)));
  return symmetricEigenvalues(corr, channels)[0]!;
}

describe("MeCo", () => {
  it("is the smallest eigenvalue of the channels' correlation matrix, by hand", () => {
    // Uncorrelated channels: the identity, eigenvalues 1, 1.
    expect(minCorrelationEigenvalue([1, 1, -1, 1, 1, -1, -1, -1], 4, 2)).toBeCloseTo(1, 12);
    // Perfectly (anti)correlated: [[1, -1], [-1, 1]], eigenvalues 0 and 2.
    expect(minCorrelationEigenvalue([1, -2, 2, -4, 3, -6], 3, 2)).toBeCloseTo(0, 12);
    // A constant channel's row and column are 0 (the reference sets NaN to 0): eigenvalues 0 and 1.
    expect(minCorrelationEigenvalue([5, 1, 5, 2, 5, 4], 3, 2)).toBeCloseTo(0, 12);
    // Correlation r = 0.5 between two channels: eigenvalues 0.5 and 1.5.
    const x = [1, 2, 3, 4, 5, 6];
    const y = [2, 1, 4, 3, 6, 5].map((v, i) => v + (i % 3)); // any series; compare with the brute force below
    const r = pearson(x, y);
    expect(minCorrelationEigenvalue(x.flatMap((v, i) => [v, y[i]!]), 6, 2)).toBeCloseTo(1 - Math.abs(r), 12);
  });

  it("equals the brute-force value on random feature maps with constant channels", () => {
    let s = 1;
    const rand = () => ((s = (s * 48271) % 2147483647) / 2147483647) * 2 - 1;
    for (const [positions, channels] of [[9, 3], [16, 5], [25, 8]] as const) {
      const map = Array.from({ length: positions }, () => Array.from({ length: channels }, (_, c) => (c === 1 ? 0.25 : rand())));
      expect(minCorrelationEigenvalue(map.flat(), positions, channels)).toBeCloseTo(bruteMinEig(map), 10);
    }
  });

  it("sums the smallest eigenvalues over the model's feature maps for the first image, and leaves the model unchanged", async () => {
    const leaked = await leakedTensors(async () => {
      const input = tf.input({ shape: [3, 3, 1] });
      const conv = tf.layers.conv2d({ filters: 2, kernelSize: 1, useBias: false });
      const relu = tf.layers.reLU();
      const out = tf.layers.dense({ units: 2 }).apply(tf.layers.flatten().apply(relu.apply(conv.apply(input)))) as tf.SymbolicTensor;
      const model = tf.model({ inputs: input, outputs: out });
      const w = tf.tensor4d([1, -1], [1, 1, 1, 2]);
      conv.setWeights([w]);
      w.dispose();
      // First image 1..9 (the second must be ignored): the conv's channels are v and -v (correlation -1: smallest
      // eigenvalue 0); after the ReLU, channel 0 is v and channel 1 is 0 (constant: smallest eigenvalue 0 too).
      const img = [1, 2, 3, 4, 5, 6, 7, 8, 9];
      const x = tf.tensor4d([...img, ...img.map((v) => -v)], [2, 3, 3, 1]);
      expect(await meco(model, x)).toBeCloseTo(0, 10);
      // With signs mixed in the image the ReLU's two channels (positive and negative parts) correlate partly.
      const mixed = [1, -2, 3, -4, 5, -6, 7, -8, 9];
      const y = tf.tensor4d(mixed, [1, 3, 3, 1]);
      const pos = mixed.map((v) => Math.max(v, 0));
      const neg = mixed.map((v) => Math.max(-v, 0));
      const expected = 0 /* conv: v, -v */ + bruteMinEig(pos.map((p, i) => [p, neg[i]!]));
      expect(await meco(model, y)).toBeCloseTo(expected, 10);
      tf.dispose([x, y]);
      model.dispose();
    });
    expect(leaked).toBe(0);
  });

  it("puts back the batch-norm statistics it moves on an NB201 network, and frees its tensors", async () => {
    const leaked = await leakedTensors(async () => {
      const b = nb201Model(parseNb201("|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|"), { channels: 2, inputShape: [8, 8, 3], numClasses: 3, seed: 1 });
      const before = b.model.getWeights().map((w) => Array.from(w.dataSync()));
      const x = tf.randomNormal([2, 8, 8, 3], 0, 1, "float32", 2);
      const score = await meco(b.model, x);
      expect(Number.isFinite(score)).toBe(true);
      expect(b.model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
      x.dispose();
      b.model.dispose();
    });
    expect(leaked).toBe(0);
  });
});
