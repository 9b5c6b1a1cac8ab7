import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/backend/index.js";
import { syntheticSplits } from "../../src/data/synthetic.js";
import { nb201Model } from "../../src/model/nb201.js";
import { nb201Supernet } from "../../src/model/supernetNb201.js";
import { supernetAccuracy } from "../../src/model/supernetTraining.js";
import { trainEvaluator } from "../../src/estimate/train.js";
import type { Evaluator, TrialResult } from "../../src/estimate/types.js";
import { distinctArchs, weightSharingReport } from "../../src/estimate/weightSharing.js";
import { Rng } from "../../src/rng.js";
import { formatNb201, nb201Space, type Nb201Arch } from "../../src/space/nb201.js";
import { bruteForceTauB } from "../predict/bruteForceTau.js";

beforeAll(async () => {
  await initBackend({ backend: "wasm", quiet: true });
});

const data = syntheticSplits({ size: 8, numClasses: 3, sizes: { train: 64, val: 48, test: 16 }, seed: 1 });
const space = nb201Space();

/** A stand-alone "evaluator" whose accuracy is a fixed function of the supernet's: a perfect (or inverted) ranker. */
function echoEvaluator(f: (supernetAcc: number) => number, acc: (a: Nb201Arch) => number, failOn?: string): Evaluator<Nb201Arch> {
  return {
    name: "echo",
    objective: "val_acc",
    async evaluate(a): Promise<TrialResult> {
      if (formatNb201(a) === failOn) return { status: "failed", metrics: {}, cost: { seconds: 0 }, error: "Error: boom" };
      return { status: "ok", metrics: { val_acc: f(acc(a)) }, cost: { seconds: 0 } };
    },
  };
}

describe("weightSharingReport", () => {
  it("gives tau 1 for a stand-alone ranking equal to the supernet's, -1 for the reverse, and leaves failed trials out", async () => {
    const before = tf.memory().numTensors;
    const net = nb201Supernet({ inputShape: data.train.shape, numClasses: 3, seed: 2, channels: 2 });
    const archs = distinctArchs(space, 8, new Rng(1));
    const acc = (a: Nb201Arch) => supernetAccuracy(net, data.val, () => ({ kind: "path", arch: a }));
    const common = { supernet: net, archs, data, format: formatNb201, minArchs: 8, seed: 0 };
    const same = await weightSharingReport({ ...common, standalone: echoEvaluator((v) => 2 * v + 1, acc) });
    expect(same.kendallTau).toBeCloseTo(1, 10);
    expect(same.spearman).toBeCloseTo(1, 10);
    expect(same.rows.map((r) => r.arch)).toEqual(archs.map(formatNb201));
    const reversed = await weightSharingReport({ ...common, standalone: echoEvaluator((v) => -v, acc) });
    expect(reversed.kendallTau).toBeCloseTo(-1, 10);
    const failing = await weightSharingReport({ ...common, standalone: echoEvaluator((v) => v, acc, formatNb201(archs[3]!)) });
    expect(failing.failed).toBe(1);
    expect(failing.rows[3]!.error).toMatch(/boom/);
    expect(failing.kendallTau).toBeCloseTo(1, 10);
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("trains each architecture stand-alone with the train evaluator on the same data and reports counts and seconds", async () => {
    const net = nb201Supernet({ inputShape: data.train.shape, numClasses: 3, seed: 2, channels: 2 });
    const archs = distinctArchs(space, 3, new Rng(2));
    const standalone = trainEvaluator<Nb201Arch>({ data, normalize: false, build: (a, o) => nb201Model(a, { ...o, channels: 2 }), train: { epochs: 1, batchSize: 32 } });
    const report = await weightSharingReport({ supernet: net, archs, data, standalone, format: formatNb201, minArchs: 3, seed: 0 });
    expect(report.archs).toBe(3);
    expect(report.failed).toBe(0);
    expect(report.evalExamples).toBe(48);
    for (const r of report.rows) {
      expect(r.standaloneAcc).toBeGreaterThanOrEqual(0);
      expect(r.standaloneAcc).toBeLessThanOrEqual(100);
      // Accuracies on 48 validation examples are multiples of 100/48.
      expect((r.standaloneAcc * 48) / 100).toBeCloseTo(Math.round((r.standaloneAcc * 48) / 100), 6);
      expect((r.supernetAcc * 48) / 100).toBeCloseTo(Math.round((r.supernetAcc * 48) / 100), 6);
      expect(r.standaloneSeconds).toBeGreaterThan(0);
    }
    expect(report.standaloneSeconds).toBeGreaterThan(0);
    // Each row's supernet accuracy is the supernet's on that path, and tau is the rows' tau-b, counted pair by pair.
    report.rows.forEach((r, i) => expect(r.supernetAcc).toBe(supernetAccuracy(net, data.val, () => ({ kind: "path", arch: archs[i]! }))));
    expect(report.kendallTau).toBeCloseTo(bruteForceTauB(report.rows.map((r) => r.supernetAcc), report.rows.map((r) => r.standaloneAcc)), 12);
    net.dispose();
  });

  it("refuses fewer architectures than a rank correlation needs, naming the fix", async () => {
    const net = nb201Supernet({ inputShape: data.train.shape, numClasses: 3, seed: 2, channels: 2 });
    const archs = distinctArchs(space, 5, new Rng(3));
    await expect(weightSharingReport({ supernet: net, archs, data, standalone: echoEvaluator((v) => v, () => 0), format: formatNb201, seed: 0 })).rejects.toThrow(/at least 30.*minArchs/);
    net.dispose();
  });

  it("draws architectures with distinct canonical keys", () => {
    const archs = distinctArchs(space, 40, new Rng(4));
    expect(new Set(archs.map((a) => space.key(a))).size).toBe(40);
  });
});
