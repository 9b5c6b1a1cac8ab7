import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { Rng } from "../../src/rng.js";
import { LstmController } from "../../src/strategy/controller.js";
import type { Decision } from "../../src/space/types.js";
import { tfjsReferenceGradients } from "./controllerReference.js";

const decisions: Decision[] = [
  { kind: "categorical", name: "a", choices: ["x", "y", "z"] },
  { kind: "categorical", name: "b", choices: ["p", "q"] },
  { kind: "anchor", name: "l2<-0", layer: 2, from: 0 },
  { kind: "anchor", name: "l2<-1", layer: 2, from: 1 },
  { kind: "categorical", name: "c", choices: ["u", "v"] },
];

/** Every choice vector of `decisions`, for brute-force sums. */
function allChoices(): number[][] {
  let out: number[][] = [[]];
  for (const d of decisions) {
    const n = d.kind === "categorical" ? d.choices.length : 2;
    out = out.flatMap((c) => Array.from({ length: n }, (_, k) => [...c, k]));
  }
  return out;
}

describe("LstmController", () => {
  // First in this file: the banner prints once per process, when a tfjs backend first initialises.
  it("never initialises a tfjs backend (whose Node banner would land in saved notebooks)", async () => {
    const warn = console.warn;
    const log = console.log;
    const printed: string[] = [];
    console.warn = console.log = (...m: unknown[]) => void printed.push(m.join(" "));
    try {
      const { search } = await import("../../src/search.js");
      const { reinforce } = await import("../../src/strategy/reinforce.js");
      const { bitSpace, onesEvaluator } = await import("../fixtures/bitSpace.js");
      await search({ space: bitSpace(6), strategy: reinforce({ batch: 4 }), evaluator: onesEvaluator([1, 0, 1, 0, 1, 0]), budget: { queries: 12 }, seed: 1 }).result();
    } finally {
      console.warn = warn;
      console.log = log;
    }
    expect(printed.filter((m) => m.includes("TensorFlow.js"))).toEqual([]);
  });

  it("defines a probability distribution: exp(log p) sums to 1 over every choice vector, anchors included", () => {
    const c = new LstmController(decisions, new Rng(1), { initScale: 0.5 });
    const lp = c.logProb(allChoices());
    expect(lp.reduce((s, v) => s + Math.exp(v), 0)).toBeCloseTo(1, 5);
  });

  it("samples with the probabilities it reports (empirical frequencies match exp(log p))", () => {
    const c = new LstmController(decisions, new Rng(2), { initScale: 0.8 });
    const all = allChoices();
    const p = Array.from(c.logProb(all), Math.exp);
    const counts = new Map<string, number>();
    const n = 1500;
    for (const s of c.sample(new Rng(3), n)) counts.set(s.join(), (counts.get(s.join()) ?? 0) + 1);
    const tv = all.reduce((acc, ch, i) => acc + Math.abs((counts.get(ch.join()) ?? 0) / n - p[i]!), 0) / 2;
    expect(tv).toBeLessThan(0.08);
  });

  it("moves probability toward a choice vector with positive advantage, and away with negative", () => {
    const target = [2, 1, 1, 0, 1];
    const up = new LstmController(decisions, new Rng(4));
    const down = new LstmController(decisions, new Rng(4));
    const before = up.logProb([target])[0]!;
    for (let i = 0; i < 5; i++) {
      up.reinforce([target], [1], { learningRate: 0.05, entropyWeight: 0 });
      down.reinforce([target], [-1], { learningRate: 0.05, entropyWeight: 0 });
    }
    expect(up.logProb([target])[0]!).toBeGreaterThan(before + 0.5);
    expect(down.logProb([target])[0]!).toBeLessThan(before - 0.5);
  });

  it("computes loss gradients equal to central finite differences, entropy term included", () => {
    const c = new LstmController(decisions, new Rng(5), { initScale: 0.3 });
    const batch = [[0, 1, 1, 0, 1], [2, 0, 0, 1, 0]];
    const adv = [0.7, -0.4];
    const { grads } = c.gradients(batch, adv, 0.1);
    for (const [name, i] of [["head0_w", 0], ["lstm_kernel", 5], ["anchor_v", 2], ["embed1", 3], ["start", 1]] as const) {
      const k = c.params.at(name);
      const w = c.params.values[k]!;
      const eps = 5e-3;
      const w0 = w[i]!;
      w[i] = w0 + eps;
      const plus = c.gradients(batch, adv, 0.1).loss;
      w[i] = w0 - eps;
      const minus = c.gradients(batch, adv, 0.1).loss;
      w[i] = w0;
      expect(grads[k]![i]!).toBeCloseTo((plus - minus) / (2 * eps), 3);
    }
  });

  it.each([
    { name: "plain", opts: {} },
    { name: "logit clip 2.5 and temperature 1.5 (ENAS)", opts: { logitClip: 2.5, temperature: 1.5 } },
  ])("hand-written gradients equal tfjs 'cpu' autodiff of the same loss, every parameter (max rel. error <= 1e-4): $name", async ({ opts }) => {
    const c = new LstmController(decisions, new Rng(7), { initScale: 0.6, hidden: 8, ...opts });
    const batch = [[0, 1, 1, 0, 1], [2, 0, 0, 1, 0], [1, 1, 1, 1, 1], [2, 1, 0, 0, 0]];
    const adv = [0.7, -0.4, 1.3, -1.1];
    const mine = c.gradients(batch, adv, 0.1);
    const ref = await tfjsReferenceGradients(c, batch, adv, 0.1, opts);
    expect(mine.loss).toBeCloseTo(ref.loss, 5);
    c.params.names.forEach((name, k) => {
      const a = mine.grads[k]!;
      const b = ref.grads[k]!;
      const scale = Math.max(...b.map(Math.abs));
      expect(scale, `${name} has a gradient`).toBeGreaterThan(0);
      // Relative to the tensor's largest entry: entries near 0 carry float32 rounding of tfjs's sums.
      const err = Math.max(...a.map((v, i) => Math.abs(v - b[i]!))) / scale;
      expect(err, name).toBeLessThanOrEqual(1e-4);
    });
  });

  it("reports the greedy policy per decision, anchors as no/yes, and holds no tensors between calls", () => {
    const before = tf.memory().numTensors;
    const c = new LstmController(decisions, new Rng(6));
    c.sample(new Rng(1), 4);
    c.reinforce([[0, 0, 0, 0, 0]], [1], { learningRate: 0.01, entropyWeight: 0.01 });
    const { choices, policy } = c.greedy();
    expect(policy.map((p) => p.decision)).toEqual(["a", "b", "l2<-0", "l2<-1", "c"]);
    expect(policy[2]!.choices).toEqual(["no", "yes"]);
    for (const p of policy) expect(p.probs.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    expect(choices.every((ch, i) => ch === policy[i]!.probs.indexOf(Math.max(...policy[i]!.probs)))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects anchors that look forward and spaces with no decisions", () => {
    expect(() => new LstmController([{ kind: "anchor", name: "bad", layer: 1, from: 1 }], new Rng(1))).toThrow(/must look back/);
    expect(() => new LstmController([], new Rng(1))).toThrow(/no decisions/);
  });
});
