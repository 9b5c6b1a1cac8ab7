import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { Rng } from "../../src/rng.js";
import { LstmSurrogate } from "../../src/predict/lstmSurrogate.js";
import { spearman } from "../../src/predict/rank.js";
import { tfjsSurrogateGradients } from "./lstmSurrogateReference.js";

/** Score of a token string: order matters (a token counts double after token 0). */
function score(s: number[]): number {
  let v = 0;
  let seenZero = false;
  for (const t of s) {
    v += seenZero ? 2 * t : t;
    if (t === 0) seenZero = true;
  }
  return v;
}

describe("LstmSurrogate", () => {
  const rng = new Rng(3);
  const seqs = Array.from({ length: 80 }, () => Array.from({ length: 1 + rng.int(3) }, () => rng.int(4)));
  const y = seqs.map(score);

  it("learns an order-dependent function of variable-length token strings, without leaking tensors", () => {
    const before = tf.memory().numTensors;
    const m = new LstmSurrogate(4, { hidden: 8, embedding: 8, epochs: 60, learningRate: 0.05 });
    m.fit(seqs.slice(0, 60), y.slice(0, 60), new Rng(1));
    const pred = m.predict(seqs.slice(60));
    expect(spearman(pred, y.slice(60))).toBeGreaterThan(0.7);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it.each(["l1", "l2"] as const)("its hand-written gradients (%s loss) equal tfjs 'cpu' autodiff of the same loss", async (loss) => {
    const m = new LstmSurrogate(4, { hidden: 6, embedding: 5, weightDecay: 1e-3, loss });
    m.init(new Rng(4));
    const batch = seqs.slice(0, 12);
    const z = y.slice(0, 12).map((v) => (v - 6) / 4);
    const mine = m.lossAndGradients(batch, z);
    const ref = await tfjsSurrogateGradients(m.weights!, 4, batch, z, { hidden: 6, weightDecay: 1e-3, loss });
    expect(mine.loss).toBeCloseTo(ref.loss, 5);
    m.weights!.names.forEach((name, k) => {
      const scale = Math.max(...Array.from(ref.grads[k]!, Math.abs));
      expect(scale, `${name} has a gradient`).toBeGreaterThan(0);
      const err = Math.max(...Array.from(mine.grads[k]!, (g, i) => Math.abs(g - ref.grads[k]![i]!))) / scale;
      expect(err, name).toBeLessThanOrEqual(1e-4);
    });
  });

  it("fits and predicts in plain JS: no tensor is created", () => {
    const before = tf.engine().state.numTensors; // counts every tensor ever made, disposed or not
    const m = new LstmSurrogate(4, { hidden: 4, epochs: 2 });
    m.fit(seqs.slice(0, 20), y.slice(0, 20), new Rng(2));
    m.predict(seqs.slice(20, 30));
    expect(tf.engine().state.numTensors).toBe(before);
  });

  it("is deterministic for a seed", () => {
    const a = new LstmSurrogate(4, { hidden: 8, epochs: 5 });
    const b = new LstmSurrogate(4, { hidden: 8, epochs: 5 });
    a.fit(seqs, y, new Rng(9));
    b.fit(seqs, y, new Rng(9));
    expect(Array.from(a.predict(seqs.slice(0, 10)))).toEqual(Array.from(b.predict(seqs.slice(0, 10))));
  });

  it("rejects a loss other than l1 or l2", () => {
    expect(() => new LstmSurrogate(3, { loss: "huber" as "l1" })).toThrow(/loss must be "l1" or "l2"/);
  });

  it("rejects tokens outside the vocabulary and empty strings", () => {
    const m = new LstmSurrogate(3, { epochs: 1 });
    expect(() => m.fit([[0, 5]], [1], new Rng(1))).toThrow(/token 5 is outside 0..2/);
    expect(() => m.fit([[]], [1], new Rng(1))).toThrow(/empty token sequence/);
    expect(() => m.predict([[0]])).toThrow(/predict before fit/);
  });
});
