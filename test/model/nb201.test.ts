import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { NB201_PAPER, nb201Model, nb201Network, nb201Params } from "../../src/model/nb201.js";
import { nb201TrainableLayers } from "../../src/model/nb201Params.js";
import { Rng } from "../../src/rng.js";
import { nb201Space, parseNb201 } from "../../src/space/nb201.js";
import { leakedTensors, useCpu } from "./leak.js";

beforeAll(useCpu);

// (index, arch, params_M_cifar10) rows of nb201_all.csv (NAS-Bench-201, C=16, N=5, 10 classes).
const TABLE: [number, string, number][] = [
  [0, "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|", 0.129306],
  [1462, "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|", 1.531546],
  [1651, "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", 0.073306],
  [2598, "|nor_conv_1x1~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|nor_conv_1x1~0|nor_conv_1x1~1|none~2|", 0.157306],
  [5175, "|none~0|+|none~0|nor_conv_3x3~1|+|none~0|skip_connect~1|none~2|", 0.316346],
  [5198, "|nor_conv_3x3~0|+|none~0|nor_conv_1x1~1|+|avg_pool_3x3~0|nor_conv_1x1~1|skip_connect~2|", 0.372346],
  [10398, "|nor_conv_1x1~0|+|skip_connect~0|skip_connect~1|+|none~0|avg_pool_3x3~1|avg_pool_3x3~2|", 0.101306],
  [12998, "|nor_conv_3x3~0|+|skip_connect~0|none~1|+|nor_conv_3x3~0|skip_connect~1|avg_pool_3x3~2|", 0.559386],
  [15624, "|nor_conv_1x1~0|+|none~0|nor_conv_1x1~1|+|none~0|nor_conv_1x1~1|nor_conv_1x1~2|", 0.185306],
];

describe("nb201Model", () => {
  it.each(TABLE)("index %i has NAS-Bench-201's parameter count at C=16, N=5", async (_i, arch, paramsM) => {
    const leaked = await leakedTensors(() => {
      const b = nb201Model(parseNb201(arch), { ...NB201_PAPER, inputShape: [32, 32, 3], numClasses: 10, seed: 0, zeroInit: true });
      expect(b.params).toBe(Math.round(paramsM * 1e6));
      b.model.dispose();
    });
    expect(leaked).toBe(0);
  });

  it.each(TABLE)("nb201Params of index %i equals NAS-Bench-201's count without building the network", (_i, arch, paramsM) => {
    expect(nb201Params(parseNb201(arch), { ...NB201_PAPER, numClasses: 10 })).toBe(Math.round(paramsM * 1e6));
  });

  it("nb201Params equals the built model's trainable weights for random cells at other sizes", async () => {
    const space = nb201Space();
    const rng = new Rng(3);
    const leaked = await leakedTensors(() => {
      for (let k = 0; k < 12; k++) {
        const a = space.sample(rng);
        const opts = { channels: 2 + 2 * (k % 3), cellsPerStage: 1 + (k % 2), numClasses: 3 + k, inputShape: [8, 8, 1 + (k % 3)] as [number, number, number], seed: 0, zeroInit: true };
        const b = nb201Model(a, opts);
        expect(nb201Params(a, { ...opts, inputChannels: opts.inputShape[2]! })).toBe(b.params);
        b.model.dispose();
      }
    });
    expect(leaked).toBe(0);
  });

  it("nb201TrainableLayers counts exactly the weight layers whose gradient is not zero", async () => {
    // Brute force: the gradient of the summed logits w.r.t. every conv/dense kernel of a seeded network; a layer on
    // a dead path (input always zero, or output never used) gets an all-zero gradient.
    const space = nb201Space();
    const rng = new Rng(5);
    const cells = [
      parseNb201("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"),
      parseNb201("|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|none~1|none~2|"), // both convs dead
      parseNb201("|none~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|none~0|none~1|nor_conv_3x3~2|"), // 2<-1 reads a zero node
      ...Array.from({ length: 9 }, () => space.sample(rng)),
    ];
    const leaked = await leakedTensors(() => {
      for (const [k, a] of cells.entries()) {
        const N = 1 + (k % 2);
        const b = nb201Model(a, { channels: 2, cellsPerStage: N, inputShape: [8, 8, 1], numClasses: 3, seed: k });
        const kernels = b.model.layers.filter((l) => ["Conv2D", "Dense"].includes(l.getClassName())).map((l) => l.trainableWeights[0]!.read() as tf.Variable);
        const x = tf.randomNormal([2, 8, 8, 1], 0, 1, "float32", k);
        const { value, grads } = tf.variableGrads(() => tf.sum(b.model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, kernels);
        const live = kernels.filter((v) => tf.tidy(() => tf.max(tf.abs(grads[v.name]!)).dataSync()[0]!) > 0).length;
        expect(nb201TrainableLayers(a, { cellsPerStage: N }), `${a.join(",")} N=${N}`).toBe(live);
        tf.dispose([x, value, ...Object.values(grads)]);
        b.model.dispose();
      }
    });
    expect(leaked).toBe(0);
  });

  it("nb201Network lists the stem and every cell and reduction block output, in order", () => {
    const { built, blocks } = nb201Network(parseNb201(TABLE[1]![1]), { channels: 4, cellsPerStage: 2, inputShape: [8, 8, 3], numClasses: 3, seed: 0, zeroInit: true });
    // stem, 2 cells, reduction, 2 cells, reduction, 2 cells
    expect(blocks.map((b) => b.shape.slice(1))).toEqual([[8, 8, 4], [8, 8, 4], [8, 8, 4], [4, 4, 8], [4, 4, 8], [4, 4, 8], [2, 2, 16], [2, 2, 16], [2, 2, 16]]);
    built.model.dispose();
  });

  it("counts the all-3x3 network's multiply-accumulates by hand", () => {
    // Per stage s (C_s = 16*2^s, side 32/2^s): 5 cells x 6 convs of 9*C^2*side^2; stem 27*16*32^2; reductions
    // 9*Ci*Co*side_out^2 + 9*Co^2*side_out^2 + Ci*Co*side_out^2; classifier 64*10.
    const side = [32, 16, 8];
    const C = [16, 32, 64];
    let macs = 27 * 16 * 32 * 32 + 64 * 10;
    for (let s = 0; s < 3; s++) macs += 5 * 6 * 9 * C[s]! ** 2 * side[s]! ** 2;
    for (let s = 1; s < 3; s++) macs += (9 * C[s - 1]! * C[s]! + 9 * C[s]! ** 2 + C[s - 1]! * C[s]!) * side[s]! ** 2;
    const b = nb201Model(parseNb201(TABLE[1]![1]), { ...NB201_PAPER, inputShape: [32, 32, 3], numClasses: 10, seed: 0, zeroInit: true });
    expect(b.flops).toBe(macs);
    b.model.dispose();
  });

  it("maps a batch of images to logits, identically for the same seed, and frees every tensor", async () => {
    const space = nb201Space();
    const leaked = await leakedTensors(() => {
      const arch = space.parse("|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|skip_connect~2|");
      const x = tf.randomNormal([2, 8, 8, 1], 0, 1, "float32", 3);
      const outs = [1, 1, 2].map((seed) => {
        const b = nb201Model(arch, { inputShape: [8, 8, 1], numClasses: 4, seed, channels: 2 });
        const y = b.model.predict(x) as tf.Tensor;
        expect(y.shape).toEqual([2, 4]);
        const v = y.arraySync();
        y.dispose();
        b.model.dispose();
        return v;
      });
      expect(outs[0]).toEqual(outs[1]);
      expect(outs[0]).not.toEqual(outs[2]);
      x.dispose();
    });
    expect(leaked).toBe(0);
  });

  it("rejects bad network sizes and invalid archs with clear errors", () => {
    const arch = parseNb201(TABLE[0]![1]);
    expect(() => nb201Model(arch, { inputShape: [8, 8, 1], numClasses: 2, seed: 0, channels: 0 })).toThrow(/channels >= 1/);
    expect(() => nb201Model(["conv"] as never, { inputShape: [8, 8, 1], numClasses: 2, seed: 0 })).toThrow(/array of 6 ops/);
  });
});
