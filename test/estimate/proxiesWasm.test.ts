// GRASP and Fisher on nasbook's wasm backend equal their values on tfjs 'cpu' (the reference). On wasm the
// batch-norm gradient is a fused kernel that cannot be differentiated; GRASP swaps in a differentiable one.
// This file runs in its own worker, so it can switch the backend.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/backend/index.js";
import { fisher, grasp, snip } from "../../src/estimate/proxies.js";
import { nb201Model } from "../../src/model/nb201.js";
import { parseNb201 } from "../../src/space/nb201.js";
import { leakedTensors } from "../model/leak.js";
import { tfjsNodeAvailable, type TestBackend } from "../backend/crossBackend.js";

beforeAll(async () => {
  await initBackend({ backend: "wasm", quiet: true });
});

const ARCH = "|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|nor_conv_3x3~1|skip_connect~2|";

async function scoresOn(backend: TestBackend, arch = ARCH): Promise<number[]> {
  await tf.setBackend(backend);
  const built = nb201Model(parseNb201(arch), { inputShape: [8, 8, 3], numClasses: 3, seed: 4, channels: 4 });
  const x = tf.tensor4d(Float32Array.from({ length: 6 * 8 * 8 * 3 }, (_, i) => Math.sin(i * 0.37)), [6, 8, 8, 3]);
  const y = tf.tensor1d([0, 1, 2, 0, 1, 2], "int32");
  const out: number[] = [];
  const leaked = await leakedTensors(async () => {
    for (const proxy of [grasp, fisher, snip]) out.push(await proxy(built.model, { x, y }));
  });
  expect(leaked).toBe(0);
  built.model.dispose();
  tf.dispose([x, y]);
  return out;
}

describe("second-order proxies on wasm", () => {
  it("grasp, fisher (and snip, as a control) match tfjs 'cpu' on an NB201 network with batch norm", async () => {
    const cpu = await scoresOn("cpu");
    const wasm = await scoresOn("wasm");
    expect(tf.getBackend()).toBe("wasm");
    cpu.forEach((v, i) => {
      expect(Math.abs(v)).toBeGreaterThan(1e-6);
      expect(Math.abs(wasm[i]! - v) / Math.abs(v)).toBeLessThan(1e-3);
    });
  });
});

describe("second-order proxies on tfjs-node", () => {
  // Through avg_pool_3x3 too: nasbook's cpu AvgPoolGrad divides by the valid count, as TensorFlow's does.
  it("grasp, fisher and snip match tfjs 'cpu' on an NB201 network with batch norm", async (ctx) => {
    if (!(await tfjsNodeAvailable())) ctx.skip();
    const cpu = await scoresOn("cpu");
    try {
      const native = await scoresOn("tensorflow");
      cpu.forEach((v, i) => {
        expect(Math.abs(v)).toBeGreaterThan(1e-6);
        expect(Math.abs(native[i]! - v) / Math.abs(v)).toBeLessThan(1e-3);
      });
    } finally {
      await tf.setBackend("wasm");
    }
  });
});
