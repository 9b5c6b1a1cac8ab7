import { beforeAll, describe, expect, it } from "vitest";
import { syntheticSplits } from "../../src/data/synthetic.js";
import { AbortError } from "../../src/errors.js";
import { rungEpochs, successiveHalving } from "../../src/estimate/halving.js";
import { hyperband, hyperbandBrackets } from "../../src/estimate/hyperband.js";
import { trainEvaluator, type TrainTrialResult } from "../../src/estimate/train.js";
import { hashString } from "../../src/rng.js";
import type { EvaluateOptions, Evaluator, TrialResult } from "../../src/estimate/types.js";
import type { ResumableEvaluator } from "../../src/estimate/resumable.js";
import { chainModel } from "../../src/model/chain.js";
import { chainSpace, type ChainArch } from "../../src/space/chain.js";
import { nb201Space } from "../../src/space/nb201.js";
import * as tf from "@tensorflow/tfjs";
import { createTrainer, type TrainConfig } from "../../src/estimate/fit.js";
import { leakedTensors, useCpu } from "../model/leak.js";

beforeAll(useCpu);

/** Architecture q (a number) learns like q * (1 - 0.5^epochs); q < 0 fails. Records every call. */
function curveEvaluator(calls: { arch: number; epochs: number }[]): Evaluator<number> {
  return {
    name: "curve",
    objective: "val_acc",
    async evaluate(arch: number, opts: EvaluateOptions): Promise<TrialResult> {
      const epochs = opts.budget!.epochs!;
      calls.push({ arch, epochs });
      if (arch < 0) return { status: "failed", error: "boom", metrics: {}, cost: { seconds: 0 } };
      return { status: "ok", metrics: { val_acc: arch * (1 - 0.5 ** epochs) }, cost: { seconds: epochs / 10, epochs } };
    },
  };
}

describe("successive halving", () => {
  it.each([
    [1, 9, 3, [1, 3, 9]],
    [1, 10, 3, [1, 3, 9, 10]],
    [2, 8, 2, [2, 4, 8]],
    [5, 5, 3, [5]],
  ])("rungs from %i to %i epochs with eta %i are %j", (lo, hi, eta, want) => {
    expect(rungEpochs(lo, hi, eta)).toEqual(want);
  });

  it("keeps the best 1/eta per rung (9 -> 3 -> 1), multiplying epochs by eta, and finds the best", async () => {
    const calls: { arch: number; epochs: number }[] = [];
    const archs = [5, 1, 9, 3, 7, 2, 8, 4, 6];
    const r = await successiveHalving(archs, { evaluator: curveEvaluator(calls), minEpochs: 1, maxEpochs: 9, eta: 3, seed: 0 });
    expect(calls.filter((c) => c.epochs === 1).map((c) => c.arch)).toEqual(archs);
    expect(calls.filter((c) => c.epochs === 3).map((c) => c.arch)).toEqual([9, 8, 7]);
    expect(calls.filter((c) => c.epochs === 9).map((c) => c.arch)).toEqual([9]);
    expect(r.best!.arch).toBe(9);
    expect(r.totalEpochs).toBe(9 * 1 + 3 * 3 + 9);
    expect(r.seconds).toBeCloseTo(2.7, 10);
  });

  it("drops failed candidates and goes on", async () => {
    const calls: { arch: number; epochs: number }[] = [];
    const r = await successiveHalving([-1, 2, -3, 1], { evaluator: curveEvaluator(calls), minEpochs: 1, maxEpochs: 4, eta: 2, seed: 0 });
    expect(r.trials.filter((t) => t.result.status === "failed").length).toBe(2);
    expect(r.best!.arch).toBe(2);
    expect(r.best!.epochs).toBe(4);
  });

  it("stops with AbortError when aborted", async () => {
    const ctl = new AbortController();
    ctl.abort();
    await expect(successiveHalving([1, 2], { evaluator: curveEvaluator([]), minEpochs: 1, maxEpochs: 2, seed: 0, signal: ctl.signal })).rejects.toBeInstanceOf(AbortError);
  });

  it("runs on the real train evaluator, training survivors longer", async () => {
    const data = syntheticSplits({ size: 8, numClasses: 3, sizes: { train: 32, val: 16, test: 16 }, seed: 5 });
    const space = chainSpace({ filters: [2, 3], kernels: [3], units: [4], maxConv: 1, maxDense: 1 });
    const ev = trainEvaluator({ backend: "current", data, build: (a: ChainArch, o) => chainModel(a, o, space), train: { batchSize: 16 } });
    const archs: ChainArch[] = [{ conv: [{ filters: 2, kernel: 3 }], dense: [{ units: 4 }] }, { conv: [{ filters: 3, kernel: 3 }], dense: [{ units: 4 }] }];
    const r = await successiveHalving(archs, { evaluator: ev, minEpochs: 1, maxEpochs: 2, eta: 2, seed: 1 });
    expect(r.trials.map((t) => [t.epochs, t.result.status, t.result.metrics.epochs])).toEqual([
      [1, "ok", 1],
      [1, "ok", 1],
      [2, "ok", 2],
    ]);
  });
});

describe("a promoted candidate continues its run (Li et al. 2018)", () => {
  const data = syntheticSplits({ size: 8, numClasses: 3, sizes: { train: 32, val: 16, test: 16 }, seed: 5 });
  const space = chainSpace({ filters: [2, 3], kernels: [3], units: [4], maxConv: 1, maxDense: 1 });
  const archA: ChainArch = { conv: [{ filters: 2, kernel: 3 }], dense: [{ units: 4 }] };
  const archB: ChainArch = { conv: [{ filters: 3, kernel: 3 }], dense: [{ units: 4 }] };
  const build = (a: ChainArch, o: Parameters<typeof chainModel>[1]) => chainModel(a, o, space);

  it.each<[string, Partial<TrainConfig>]>([
    ["Adam, cosine", { optimizer: "adam", learningRate: 0.01, schedule: { kind: "cosine" } }],
    ["SGD with momentum, step", { optimizer: "sgd", learningRate: 0.05, momentum: 0.9, schedule: { kind: "step", every: 1, gamma: 0.5 } }],
  ])("%s: weights after 1 epoch then 2 more equal one uninterrupted 3-epoch run, elementwise, leak-free", async (_name, opt) => {
    const cfg: TrainConfig = { epochs: 3, batchSize: 8, optimizer: "adam", ...opt };
    const weightsAfter = async (stops: number[]): Promise<Float32Array[]> => {
      const built = build(archA, { inputShape: data.train.shape, numClasses: 3, seed: 11 });
      const trainer = createTrainer(built.model, data.train, data.val, cfg, { seed: 11 });
      try {
        for (const e of stops) await trainer.trainTo(e);
        return built.model.getWeights().map((w) => w.dataSync() as Float32Array);
      } finally {
        trainer.dispose();
        built.model.dispose();
      }
    };
    let resumed: Float32Array[] = [];
    let straight: Float32Array[] = [];
    let restarted: Float32Array[] = [];
    const leaked = await leakedTensors(async () => {
      resumed = await weightsAfter([1, 3]);
      straight = await weightsAfter([3]);
      // Control: a fresh optimizer for the last 2 epochs (what losing the optimizer state would give) differs.
      restarted = await (async () => {
        const built = build(archA, { inputShape: data.train.shape, numClasses: 3, seed: 11 });
        const first = createTrainer(built.model, data.train, data.val, cfg, { seed: 11 });
        await first.trainTo(1);
        first.dispose();
        const second = createTrainer(built.model, data.train, data.val, { ...cfg, epochs: 2 }, { seed: 11 });
        await second.trainTo(2);
        second.dispose();
        const w = built.model.getWeights().map((t) => t.dataSync() as Float32Array);
        built.model.dispose();
        return w;
      })();
    });
    expect(leaked).toBe(0);
    expect(resumed.length).toBe(straight.length);
    resumed.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(straight[i]!)));
    expect(restarted.some((w, i) => w.some((v, j) => v !== straight[i]![j]))).toBe(true);
  });

  it("successive halving continues survivors: rung results are prefixes of the full run, each epoch counted once, runs freed", async () => {
    const ev = trainEvaluator({ backend: "current", data, build, train: { batchSize: 16, optimizer: "adam", learningRate: 0.01 } });
    let r!: Awaited<ReturnType<typeof successiveHalving<ChainArch>>>;
    const leaked = await leakedTensors(async () => {
      r = await successiveHalving([archA, archB], { evaluator: ev, minEpochs: 1, maxEpochs: 3, eta: 3, seed: 1, key: (a) => JSON.stringify(a) });
    });
    expect(leaked).toBe(0);
    expect(r.rungs).toEqual([1, 3]);
    const winner = r.trials.find((t) => t.rung === 1)!;
    const seed = hashString(`1/${JSON.stringify(winner.arch)}`);
    // The same architecture trained 3 epochs in one go (cosine over 3 epochs): the reference run.
    const full = (await ev.evaluate(winner.arch, { seed, budget: { epochs: 3 } })) as TrainTrialResult;
    const rung0 = r.trials.find((t) => t.rung === 0 && t.arch === winner.arch)!.result as TrainTrialResult;
    expect(rung0.curves.map((c) => c.valLoss)).toEqual(full.curves.slice(0, 1).map((c) => c.valLoss));
    expect((winner.result as TrainTrialResult).curves.map((c) => c.valLoss)).toEqual(full.curves.map((c) => c.valLoss));
    expect(winner.result.metrics.test_acc).toBe(full.metrics.test_acc);
    expect(winner.result.cost.epochs).toBe(2);
    expect(r.totalEpochs).toBe(1 + 1 + 2);
  });
});

type RunLog<A> = { arch: A; maxEpochs: number; calls: number[]; disposed: boolean }[];

/** A resumable evaluator where `score(a) * (1 - 0.5^epochs)` is the accuracy: records every run's calls and disposal. */
function resumableCurve<A>(log: RunLog<A>, score: (a: A) => number): ResumableEvaluator<A> {
  return {
    name: "resumable-curve",
    objective: "val_acc",
    async evaluate() {
      throw new Error("halving must continue runs, not call evaluate");
    },
    startRun(arch, o) {
      const entry = { arch, maxEpochs: o.maxEpochs, calls: [] as number[], disposed: false };
      log.push(entry);
      let done = 0;
      return {
        async continueTo(epochs) {
          if (entry.disposed) throw new Error("continued a disposed run");
          entry.calls.push(epochs);
          const added = epochs - done;
          done = epochs;
          return { status: "ok", metrics: { val_acc: score(arch) * (1 - 0.5 ** epochs) }, cost: { seconds: 0, epochs: added } };
        },
        dispose() {
          entry.disposed = true;
        },
      };
    },
  };
}

describe("successive halving and Hyperband with a resumable evaluator", () => {
  it("extend each survivor's one run to the next rung, free eliminated runs, and count each epoch once", async () => {
    const log: RunLog<number> = [];
    const archs = [5, 1, 9, 3, 7, 2, 8, 4, 6];
    const r = await successiveHalving(archs, { evaluator: resumableCurve(log, (a) => a), minEpochs: 1, maxEpochs: 9, eta: 3, seed: 0 });
    expect(log.map((e) => e.arch)).toEqual(archs);
    expect(log.every((e) => e.maxEpochs === 9 && e.disposed)).toBe(true);
    expect(Object.fromEntries(log.map((e) => [e.arch, e.calls]))).toEqual({ 1: [1], 2: [1], 3: [1], 4: [1], 5: [1], 6: [1], 7: [1, 3], 8: [1, 3], 9: [1, 3, 9] });
    // 9 x 1 epoch, then 3 survivors x 2 more, then the winner 6 more: 9 + 6 + 6 (retraining would cost 9 + 9 + 9).
    expect(r.totalEpochs).toBe(21);
    expect(r.best!.arch).toBe(9);
  });

  it("Hyperband's brackets each continue their own runs over the full budget", async () => {
    const log: RunLog<readonly string[]> = [];
    const score = (a: readonly string[]) => a.filter((op) => op === "nor_conv_3x3").length + 1;
    const r = await hyperband({ space: nb201Space(), evaluator: resumableCurve(log, score) as never, maxEpochs: 9, eta: 3, seed: 4 });
    expect(log.length).toBe(9 + 5 + 3);
    expect(log.every((e) => e.maxEpochs === 9 && e.disposed)).toBe(true);
    expect(r.totalEpochs).toBe(log.reduce((s, e) => s + e.calls.at(-1)!, 0));
  });
});

describe("hyperband", () => {
  it("uses the paper's brackets: R=9, eta=3 gives 9@1, 5@3, 3@9; R=81 gives 81, 34, 15, 8, 5 candidates", () => {
    expect(hyperbandBrackets(9, 1, 3)).toEqual([
      { s: 2, candidates: 9, minEpochs: 1 },
      { s: 1, candidates: 5, minEpochs: 3 },
      { s: 0, candidates: 3, minEpochs: 9 },
    ]);
    expect(hyperbandBrackets(81, 1, 3).map((b) => b.candidates)).toEqual([81, 34, 15, 8, 5]);
  });

  it("samples seeded candidates per bracket and returns the best full-budget trial", async () => {
    const space = nb201Space();
    const score = (a: readonly string[]) => a.filter((op) => op === "nor_conv_3x3").length + 1;
    const calls: { epochs: number }[] = [];
    const ev: Evaluator<readonly string[]> = {
      name: "ops",
      objective: "val_acc",
      async evaluate(a, o) {
        calls.push({ epochs: o.budget!.epochs! });
        return { status: "ok", metrics: { val_acc: score(a) * (1 - 0.5 ** o.budget!.epochs!) }, cost: { seconds: 0, epochs: o.budget!.epochs! } };
      },
    };
    const run = () => hyperband({ space, evaluator: ev as never, maxEpochs: 9, eta: 3, seed: 4 });
    const r = await run();
    expect(r.brackets.map((b) => b.result.trials.filter((t) => t.rung === 0).length)).toEqual([9, 5, 3]);
    expect(r.best!.epochs).toBe(9);
    const allFinal = r.brackets.flatMap((b) => b.result.trials.filter((t) => t.epochs === 9));
    expect(r.best!.fitness).toBe(Math.max(...allFinal.map((t) => t.fitness)));
    const again = await run();
    expect(again.best!.arch).toEqual(r.best!.arch);
    expect(r.totalEpochs).toBe(calls.reduce((s, c) => s + c.epochs, 0) / 2);
  });
});
