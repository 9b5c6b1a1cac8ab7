import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trainEvaluator } from "../../src/estimate/train.js";
import { exportGraph, UnsupportedLayerError, type Prim } from "../../src/export/exportGraph.js";
import { ExportCheckError, exportModel } from "../../src/export/exportModel.js";
import { toOnnx } from "../../src/export/onnx.js";
import { runOnnx } from "../../src/export/onnxCheck.js";
import { pythonForTorch } from "../../src/export/pytorchCheck.js";
import { modelBuilder } from "../../src/model/build.js";
import { Rng } from "../../src/rng.js";
import { search } from "../../src/search.js";
import { chainSpace } from "../../src/space/chain.js";
import { dartsSpace } from "../../src/space/darts.js";
import { hierarchicalSpace } from "../../src/space/hierarchical.js";
import { nb201Space } from "../../src/space/nb201.js";
import { pnasSpace } from "../../src/space/pnas.js";
import type { SearchSpace } from "../../src/space/types.js";
import { zophLeSpace } from "../../src/space/zophLe.js";
import { randomSearch } from "../../src/strategy/random.js";
import { leakedTensors, useCpu } from "../model/leak.js";

beforeAll(useCpu);
const dir = mkdtempSync(join(tmpdir(), "nasbook-export-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hasTorch = (() => {
  try {
    execFileSync(pythonForTorch(), ["-c", "import torch"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
// Under CI the PyTorch check must run (.ci/run installs python3-torch); elsewhere it skips without torch.
const formats = hasTorch || process.env.CI === "true" ? (["tfjs", "onnx", "pytorch"] as const) : (["tfjs", "onnx"] as const);
if (!hasTorch && process.env.CI !== "true") console.log("export tests: no Python with torch (apt-get install python3-torch); the PyTorch check is skipped");

/** Non-trivial batch-norm statistics, so a mistake in how BN is exported cannot hide behind mean 0 / variance 1. */
function randomiseBatchNorm(model: tf.LayersModel, seed: number): void {
  const rng = new Rng(seed);
  for (const l of model.layers) {
    if (l.getClassName() !== "BatchNormalization") continue;
    l.setWeights(l.getWeights().map((w, i) => tf.tensor(Float32Array.from({ length: w.size }, () => (i === 3 ? 0.5 + rng.float() * 1.5 : rng.normal(0, 0.3))), w.shape)));
  }
}

const SPACES: [string, SearchSpace<unknown>][] = [
  ["nb201", nb201Space() as SearchSpace<unknown>],
  ["chain", chainSpace({ filters: [4, 8], units: [8] }) as SearchSpace<unknown>],
  ["darts", dartsSpace() as SearchSpace<unknown>],
  ["pnas", pnasSpace() as SearchSpace<unknown>],
  ["zophLe", zophLeSpace({ layers: 3, filters: [2, 3] }) as SearchSpace<unknown>],
  ["hierarchical", hierarchicalSpace() as SearchSpace<unknown>],
];

describe("exporting a model of every space", () => {
  it.each(SPACES)("%s: tfjs files, ONNX (onnxruntime) and PyTorch reproduce the tfjs outputs within 1e-4", async (name, space) => {
    const build = modelBuilder(space, { channels: 3, layers: 3, cellsPerStage: 1 });
    for (const s of [0, 1]) {
      // An odd input size gives asymmetric "same" pads and odd-sized strided maps.
      const b = build(space.sample(new Rng(`export/${name}/${s}`)), { inputShape: [11, 11, 2], numClasses: 5, seed: s });
      randomiseBatchNorm(b.model, s);
      const leaked = await leakedTensors(async () => {
        const r = await exportModel(b, { format: formats, dir: join(dir, `${name}-${s}`), tolerance: 1e-4 });
        expect(r.checks.map((c) => c.format)).toEqual([...formats]);
        for (const c of r.checks) expect(c.maxAbsDiff).toBeLessThanOrEqual(1e-4);
      });
      expect(leaked).toBe(0);
      b.model.dispose();
    }
  });

  it("writes tfjs files that load without nasbook's custom layer", async () => {
    const b = modelBuilder(nb201Space())(nb201Space().parse("|none~0|+|none~0|nor_conv_1x1~1|+|none~0|none~1|skip_connect~2|"), { inputShape: [8, 8, 3], numClasses: 3, seed: 0 });
    const r = await exportModel(b, { format: "tfjs", dir: join(dir, "portable") });
    const json = readFileSync(r.files[0]!, "utf8");
    expect(json).not.toContain('"class_name":"NasbookZero"');
    expect(json).toContain('"class_name":"Rescaling"');
    b.model.dispose();
  });

  it("a broken export fails the check: swapped pads are caught by onnxruntime", async () => {
    const space = nb201Space();
    const b = modelBuilder(space, { channels: 3 })(space.parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"), { inputShape: [11, 11, 2], numClasses: 5, seed: 0 });
    const g = exportGraph(b.model);
    const x = Float32Array.from({ length: 2 * 11 * 11 * 2 }, (_, i) => Math.sin(i));
    const ref = tf.tidy(() => (b.model.predict(tf.tensor(x, [2, 11, 11, 2])) as tf.Tensor).dataSync());
    const diff = async (prims: Prim[]) => {
      const y = (await runOnnx(toOnnx({ ...g, prims }), x, [2, 11, 11, 2])).data;
      return Math.max(...Array.from(ref, (v, i) => Math.abs(v - y[i]!)));
    };
    expect(await diff(g.prims)).toBeLessThan(1e-5);
    // The reduction block's stride-2 3x3 conv on 11 pixels pads (0 before, 1 after) — put it before instead.
    const swapped = g.prims.map((p) => (p.op === "conv" && p.stride[0] === 2 ? { ...p, pads: [p.pads[2], p.pads[3], p.pads[0], p.pads[1]] as typeof p.pads } : p));
    expect(await diff(swapped)).toBeGreaterThan(1e-3);
    b.model.dispose();
  });

  it("names the layer and its class when a layer has no mapping", () => {
    const input = tf.input({ shape: [4, 4, 1] });
    const y = tf.layers.dense({ units: 3, activation: "softmax" }).apply(tf.layers.flatten().apply(input)) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: y });
    expect(() => exportGraph(m)).toThrow(UnsupportedLayerError);
    expect(() => exportGraph(m)).toThrow(/has activation "softmax"; only relu and linear map/);
    const input2 = tf.input({ shape: [4, 4, 1] });
    const y2 = tf.layers.flatten().apply(tf.layers.upSampling2d({ size: [2, 2] }).apply(input2)) as tf.SymbolicTensor;
    const m2 = tf.model({ inputs: input2, outputs: tf.layers.dense({ units: 2 }).apply(y2) as tf.SymbolicTensor });
    expect(() => exportGraph(m2)).toThrow(/\(UpSampling2D\) has no ONNX\/PyTorch mapping \(supported layers: InputLayer, Conv2D/);
    m.dispose();
    m2.dispose();
  });
});

describe("exporting a found trial", () => {
  const images = Float32Array.from({ length: 40 * 8 * 8 }, (_, i) => Math.sin(i * 0.37) + ((i * 7919) % 13) / 13);
  const labels = Int32Array.from({ length: 40 }, (_, i) => i % 3);
  const ds = { images, labels, shape: [8, 8, 1] as const, numClasses: 3 };
  const data = { name: "tiny", train: ds, val: ds, test: ds, note: "" };
  const space = chainSpace({ filters: [2, 4], units: [4], maxConv: 1, maxDense: 1 });

  it("retrains the best trial from its seed to the same validation accuracy and exports its best epoch's weights", async () => {
    const evaluator = trainEvaluator({ build: modelBuilder(space), data, train: { epochs: 3, batchSize: 8 }, backend: "current" });
    const r = await search({ space, strategy: randomSearch(), evaluator, budget: { queries: 3 }, seed: 4, store: false }).result();
    const leaked = await leakedTensors(async () => {
      const report = await exportModel(r.best!, { evaluator, format: "onnx", dir: join(dir, "trial") });
      expect(report.trained!.reproduced).toBe(true);
      expect(report.trained!.metrics.val_acc).toBe(r.best!.result.metrics.val_acc);
      expect(report.trained!.metrics.test_acc).toBe(r.best!.result.metrics.test_acc);
      expect(report.checks[0]!.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    });
    expect(leaked).toBe(0);
    const tampered = { ...r.best!, result: { ...r.best!.result, metrics: { ...r.best!.result.metrics, val_acc: -1 } } };
    await expect(exportModel(tampered, { evaluator, format: "onnx", dir: join(dir, "trial2") })).rejects.toThrow(ExportCheckError);
  });

  it("asks for the train evaluator when given an architecture alone", async () => {
    await expect(exportModel(space.sample(new Rng(1)), { format: "onnx", dir })).rejects.toThrow(/needs evaluator: the train evaluator/);
  });
});
