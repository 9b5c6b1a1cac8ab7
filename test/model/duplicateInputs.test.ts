import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { nb201Model, nb201Params } from "../../src/model/nb201.js";
import { nb201Space } from "../../src/space/nb201.js";
import { leakedTensors, useCpu } from "./leak.js";

beforeAll(useCpu);

describe("a merge layer fed the same tensor twice", () => {
  // Skip edges 0->1, 0->2 and 1->2 make node 2 = x + x: the same symbolic tensor twice into one Add layer, which
  // tfjs-layers cannot run (it frees the tensor after its first use) unless one of them goes through an identity.
  it("runs (predict and apply), computes 2x, and keeps the parameter count", async () => {
    const arch = nb201Space().parse("|skip_connect~0|+|skip_connect~0|skip_connect~1|+|nor_conv_1x1~0|none~1|nor_conv_1x1~2|");
    const b = nb201Model(arch, { inputShape: [8, 8, 3], numClasses: 4, seed: 0, channels: 4, cellsPerStage: 1 });
    expect(b.params).toBe(nb201Params(arch, { channels: 4, cellsPerStage: 1, numClasses: 4 }));
    const leaked = await leakedTensors(() => {
      const x = tf.randomNormal([2, 8, 8, 3]);
      const y = b.model.predict(x) as tf.Tensor;
      const z = b.model.apply(x, { training: false }) as tf.Tensor;
      expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
      expect(Array.from(z.dataSync())).toEqual(Array.from(y.dataSync()));
      tf.dispose([x, y, z]);
    });
    expect(leaked).toBe(0);
    const add = b.model.layers.find((l) => l.getClassName() === "Add" && (l.input as tf.SymbolicTensor[]).some((t) => t.sourceLayer.getClassName() === "Activation"))!;
    const [a, c] = add.input as tf.SymbolicTensor[];
    expect(c!.sourceLayer.getClassName()).toBe("Activation");
    expect((c!.sourceLayer.input as tf.SymbolicTensor).name).toBe(a!.name);
    b.model.dispose();
  });
});
