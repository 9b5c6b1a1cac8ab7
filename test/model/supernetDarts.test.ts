import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/backend/index.js";
import { tfjsNodeAvailable } from "../backend/crossBackend.js";
import { supernetPolicy } from "../../src/model/supernet.js";
import { dartsSupernet, deriveDartsCell } from "../../src/model/supernetDarts.js";
import { crossEntropy } from "../../src/model/supernetOps.js";
import { DARTS_OPS, type DartsArch, type DartsOp } from "../../src/space/darts.js";

// wasm: tfjs's cpu backend has no gradients for the dilated convolutions of dil_conv ops.
beforeAll(async () => {
  await initBackend({ backend: "wasm", quiet: true });
});

const SHAPE = [8, 8, 1] as const;

/** Mixture weights that select exactly the genotype: one-hot on its ops, zero rows for edges it drops. */
function selecting(arch: DartsArch, slots: readonly (readonly [number, number])[], ops: readonly DartsOp[]): tf.Tensor2D[] {
  return (["normal", "reduce"] as const).map((cell) => {
    const w = Array.from({ length: slots.length }, () => new Array<number>(ops.length).fill(0));
    arch[cell].forEach((e, k) => {
      const to = Math.floor(k / 2) + 2;
      const slot = slots.findIndex(([j, i]) => j === e.from && i === to);
      w[slot]![ops.indexOf(e.op)] = 1;
    });
    return tf.tensor2d(w);
  });
}

const GENOTYPE: DartsArch = {
  normal: [
    { op: "sep_conv_3x3", from: 0 }, { op: "skip_connect", from: 1 },
    { op: "dil_conv_3x3", from: 2 }, { op: "max_pool_3x3", from: 0 },
  ],
  reduce: [
    { op: "avg_pool_3x3", from: 1 }, { op: "skip_connect", from: 0 },
    { op: "sep_conv_5x5", from: 2 }, { op: "dil_conv_5x5", from: 1 },
  ],
};

describe("dartsSupernet", () => {
  it("a genotype's path equals the mixture that selects it, forward and backward, with no tensors left behind", () => {
    const before = tf.memory().numTensors;
    const net = dartsSupernet({ inputShape: SHAPE, numClasses: 3, seed: 1, channels: 2, layers: 3, nodes: 2 });
    const x = tf.randomNormal([4, ...SHAPE], 0, 1, "float32", 2) as tf.Tensor4D;
    const y = tf.tensor1d([0, 1, 2, 0], "int32");
    const weights = selecting(GENOTYPE, net.slots, DARTS_OPS);
    const vars = net.store.variables();
    const run = (mode: Parameters<typeof net.logits>[1]) =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => crossEntropy(net.logits(x, mode), y), vars);
        return { loss: value.dataSync()[0]!, grads: vars.map((v) => (grads[v.name] ? Array.from(grads[v.name]!.dataSync()) : undefined)) };
      });
    const path = run({ kind: "path", arch: GENOTYPE });
    const mixed = run({ kind: "mixture", weights });
    expect(mixed.loss).toBeCloseTo(path.loss, 5);
    let compared = 0;
    path.grads.forEach((g, i) => {
      if (g === undefined) return; // weights of ops off the path
      const m = mixed.grads[i]!;
      g.forEach((v, j) => expect(m[j]!).toBeCloseTo(v, 4));
      compared++;
    });
    expect(compared).toBeGreaterThan(10);
    tf.dispose([x, y, ...weights]);
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("doubles the channels at reduction cells and gives alphas gradients through every op", () => {
    const net = dartsSupernet({ inputShape: SHAPE, numClasses: 3, seed: 1, channels: 2, layers: 3, nodes: 2 });
    tf.tidy(() => {
      const x = tf.randomNormal([2, ...SHAPE], 0, 1, "float32", 3) as tf.Tensor4D;
      const y = tf.tensor1d([0, 2], "int32");
      const { grads } = tf.variableGrads(() => crossEntropy(net.logits(x, { kind: "mixture", weights: net.alphas.map((a) => tf.softmax(a) as tf.Tensor2D) }), y), [...net.alphas]);
      for (const a of net.alphas) {
        const g = grads[a.name]!.arraySync() as number[][];
        expect(g).toHaveLength(5); // 2 + 3 edges for 2 nodes
        // Every op column except `none` (which contributes nothing) moves the loss.
        for (let k = 1; k < DARTS_OPS.length; k++) expect(g.some((row) => Math.abs(row[k]!) > 0)).toBe(true);
      }
    });
    // layers=3: cells 1 and 2 reduce (C: 2 -> 4 -> 8), and a cell outputs its 2 nodes concatenated: 16 features.
    expect(net.store.named("head/dense").shape).toEqual([2 * 8, 3]);
    const features = tf.tidy(() => net.logits(tf.zeros([2, ...SHAPE]), { kind: "path", arch: net.derive() }).shape);
    expect(features).toEqual([2, 3]);
    expect(supernetPolicy(net).map((e) => e.decision)).toEqual(["normal:2<-0", "normal:2<-1", "normal:3<-0", "normal:3<-1", "normal:3<-2", "reduce:2<-0", "reduce:2<-1", "reduce:3<-0", "reduce:3<-1", "reduce:3<-2"]);
    net.dispose();
  });

  it("derives DARTS genotypes: per edge the strongest op but none, per node the two strongest edges", () => {
    const ops = DARTS_OPS;
    const row = (strong: DartsOp, p: number, noneP = 0) => ops.map((o) => (o === strong ? p : o === "none" ? noneP : (1 - p - noneP) / (ops.length - 2)));
    // Node 2 <- {0, 1}; node 3 <- {0, 1, 2}; node 4 <- {0..3}. `none` is the largest weight on 3<-1 but never chosen.
    const weights = [
      row("sep_conv_3x3", 0.5), row("skip_connect", 0.3),
      row("max_pool_3x3", 0.2), row("dil_conv_5x5", 0.25, 0.7), row("sep_conv_5x5", 0.6),
      row("avg_pool_3x3", 0.9), row("sep_conv_3x3", 0.3), row("skip_connect", 0.25), row("dil_conv_3x3", 0.4),
    ];
    expect(deriveDartsCell(weights, ops, 3)).toEqual([
      { op: "sep_conv_3x3", from: 0 }, { op: "skip_connect", from: 1 },
      { op: "sep_conv_5x5", from: 2 }, { op: "dil_conv_5x5", from: 1 },
      { op: "avg_pool_3x3", from: 0 }, { op: "dil_conv_3x3", from: 3 },
    ]);
    const net = dartsSupernet({ inputShape: SHAPE, numClasses: 3, seed: 1, channels: 2, layers: 1, nodes: 2, ops: ["none", "skip_connect", "sep_conv_3x3"] });
    const derived = net.derive();
    net.genotypes.validate(derived);
    for (const e of [...derived.normal, ...derived.reduce]) expect(["skip_connect", "sep_conv_3x3"]).toContain(e.op);
    net.dispose();
  });

  it("computes the same forward pass on cpu, whose kernel lacks strided dilated depthwise convolutions, as on wasm", async () => {
    const net = dartsSupernet({ inputShape: SHAPE, numClasses: 3, seed: 1, channels: 2, layers: 3, nodes: 2 });
    const x = tf.randomNormal([2, ...SHAPE], 0, 1, "float32", 4) as tf.Tensor4D;
    const logits = () => tf.tidy(() => net.logits(x, { kind: "path", arch: GENOTYPE }).arraySync().flat());
    const onWasm = logits();
    try {
      await tf.setBackend("cpu");
      const onCpu = logits();
      onCpu.forEach((v, i) => expect(v).toBeCloseTo(onWasm[i]!, 4));
      if (await tfjsNodeAvailable()) {
        await tf.setBackend("tensorflow");
        const native = logits();
        native.forEach((v, i) => expect(v, `tfjs-node logit ${i}`).toBeCloseTo(onWasm[i]!, 4));
      }
    } finally {
      await tf.setBackend("wasm");
    }
    x.dispose();
    net.dispose();
  });

  it("rejects odd channel counts and unknown ops, naming the constraint", () => {
    expect(() => dartsSupernet({ inputShape: SHAPE, numClasses: 3, seed: 0, channels: 3 })).toThrow(/even number of channels/);
    expect(() => dartsSupernet({ inputShape: SHAPE, numClasses: 3, seed: 0, channels: 2, ops: ["conv_7x7" as DartsOp] })).toThrow(/not a DARTS op/);
    expect(() => dartsSupernet({ inputShape: SHAPE, numClasses: 3, seed: 0, channels: 2, ops: ["none"] })).toThrow(/at least one op other than none/);
  });
});
