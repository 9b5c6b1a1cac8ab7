import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { swap } from "../../src/estimate/swap.js";
import { leakedTensors, useCpu } from "../model/leak.js";

beforeAll(useCpu);

/** input [1, 1, units] -> ReLU -> dense: the ReLU's units see the input's values directly. */
function reluModel(units: number, twoLayers = false): tf.LayersModel {
  const input = tf.input({ shape: [1, 1, units] });
  let h = tf.layers.reLU().apply(input) as tf.SymbolicTensor;
  if (twoLayers) h = tf.layers.reLU().apply(tf.layers.add().apply([h, input]) as tf.SymbolicTensor) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2 }).apply(tf.layers.flatten().apply(h)) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** Brute force: each unit's pattern as a string of n bits, over every ReLU output given as [n][units] arrays. */
function bruteSwap(layers: number[][][]): number {
  const patterns = new Set<string>();
  for (const acts of layers) for (let u = 0; u < acts[0]!.length; u++) patterns.add(acts.map((row) => (row[u]! > 0 ? "1" : "0")).join(""));
  return patterns.size;
}

describe("SWAP", () => {
  it("counts distinct sample-wise activation patterns, by hand", async () => {
    const leaked = await leakedTensors(async () => {
      const model = reluModel(3);
      // Units over 3 examples: (1, 0, 1), (1, 0, 1) again, (0, 1, 1): two distinct patterns.
      const x = tf.tensor4d([1, 3, -1, -1, -2, 4, 2, 5, 6], [3, 1, 1, 3]);
      expect(await swap(model, x)).toBe(2);
      // Every unit off for every example: one pattern (all zeros).
      const off = tf.tensor4d([-1, -1, -1, -2, -2, -2], [2, 1, 1, 3]);
      expect(await swap(model, off)).toBe(1);
      tf.dispose([x, off]);
      model.dispose();
    });
    expect(leaked).toBe(0);
  });

  it("equals the brute-force count across layers and over 16 examples (patterns packed in chunks)", async () => {
    const leaked = await leakedTensors(async () => {
      for (const n of [5, 16, 17, 33, 48]) {
        const units = 40;
        const model = reluModel(units, true);
        let s = n;
        // Few distinct values per unit so that patterns repeat across units.
        const vals = Array.from({ length: n }, () => Array.from({ length: units }, () => ((s = (s * 48271) % 2147483647) % 3) - 1 + (s % 7 === 0 ? 0.5 : 0)));
        const x = tf.tensor4d(vals.flat(), [n, 1, 1, units]);
        const first = vals.map((row) => row.map((v) => Math.max(v, 0)));
        const second = first.map((row, i) => row.map((v, u) => Math.max(v + vals[i]![u]!, 0)));
        expect(await swap(model, x), `n=${n}`).toBe(bruteSwap([first, second]));
        x.dispose();
        model.dispose();
      }
    });
    expect(leaked).toBe(0);
  });

  it("tells apart patterns that differ only in which chunk of 16 examples they fall in", async () => {
    const model = reluModel(2);
    // 17 examples: unit 0 fires only on example 0, unit 1 only on example 16 (bit 0 of the first and second chunk).
    const vals = Array.from({ length: 17 }, (_, i) => [i === 0 ? 1 : -1, i === 16 ? 1 : -1]);
    const x = tf.tensor4d(vals.flat(), [17, 1, 1, 2]);
    expect(await swap(model, x)).toBe(2);
    x.dispose();
    model.dispose();
  });

  it("refuses a batch too large to pack, naming the limit", async () => {
    const model = reluModel(2);
    const x = tf.zeros([49, 1, 1, 2]);
    await expect(swap(model, x)).rejects.toThrow(/1\.\.48 examples/);
    x.dispose();
    model.dispose();
  });
});
