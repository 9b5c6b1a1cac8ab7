import { beforeAll, describe, expect, it } from "vitest";
import { syntheticSplits } from "../../src/data/synthetic.js";
import type { DataSplits } from "../../src/data/types.js";
import { AbortError } from "../../src/errors.js";
import { learningRateAt } from "../../src/estimate/fit.js";
import { trainEvaluator } from "../../src/estimate/train.js";
import { chainModel } from "../../src/model/chain.js";
import { nodeGraphModel } from "../../src/model/nodeGraph.js";
import { search } from "../../src/search.js";
import { chainSpace, type ChainArch } from "../../src/space/chain.js";
import { randomSearch } from "../../src/strategy/random.js";
import { leakedTensors, useCpu } from "../model/leak.js";

beforeAll(useCpu);

// Tiny on purpose: tfjs 'cpu' trains convnets at a few samples per second.
const data: DataSplits = syntheticSplits({ size: 8, numClasses: 3, sizes: { train: 48, val: 16, test: 16 }, seed: 5 });
const tiny = chainSpace({ filters: [2, 3], kernels: [3], units: [4, 5], maxConv: 1, maxDense: 1 });
const arch: ChainArch = { conv: [{ filters: 2, kernel: 3 }], dense: [{ units: 4 }] };
const build = (a: ChainArch, o: Parameters<typeof chainModel>[1]) => chainModel(a, o, tiny);

describe("trainEvaluator", () => {
  it("trains for real and reports accuracies, params, FLOPs, seconds and per-epoch curves, leak-free", async () => {
    const ev = trainEvaluator({ backend: "current", data, build, train: { epochs: 2, batchSize: 16 } });
    let r!: Awaited<ReturnType<typeof ev.evaluate>>;
    const leaked = await leakedTensors(async () => {
      r = await ev.evaluate(arch, { seed: 1 });
    });
    expect(leaked).toBe(0);
    expect(r.status).toBe("ok");
    // conv 3x3x1x2 + 2 bias; dense (4*4*2)->4 + 4; classifier 4->3 + 3
    expect(r.metrics.params).toBe(18 + 2 + 32 * 4 + 4 + 4 * 3 + 3);
    expect(r.metrics.flops).toBe(8 * 8 * 9 * 2 + 32 * 4 + 4 * 3);
    expect(r.curves.map((c) => c.epoch)).toEqual([1, 2]);
    // Accuracies (%) on 16 validation and 16 test examples: multiples of 100/16 in [0, 100].
    for (const k of ["val_acc", "test_acc"]) {
      const correct = (r.metrics[k]! * 16) / 100;
      expect(correct, k).toBeCloseTo(Math.round(correct), 9);
      expect(Math.round(correct), k).toBeGreaterThanOrEqual(0);
      expect(Math.round(correct), k).toBeLessThanOrEqual(16);
    }
    expect(r.metrics.val_acc).toBe(Math.max(...r.curves.map((c) => c.valAcc)));
    expect(r.cost.seconds).toBeGreaterThan(0);
    expect(r.backend).toBe("cpu");
  });

  it("gives identical results for the same seed and different ones for another seed", async () => {
    const ev = trainEvaluator({ backend: "current", data, build, train: { epochs: 1, batchSize: 16 } });
    const a = await ev.evaluate(arch, { seed: 7 });
    const b = await ev.evaluate(arch, { seed: 7 });
    const c = await ev.evaluate(arch, { seed: 8 });
    expect(b.curves.map((x) => x.trainLoss)).toEqual(a.curves.map((x) => x.trainLoss));
    expect(c.curves[0]!.trainLoss).not.toBe(a.curves[0]!.trainLoss);
  });

  it("stops early after `patience` epochs without a min-delta improvement and keeps the best epoch", async () => {
    const ev = trainEvaluator({ backend: "current", data, build, train: { epochs: 6, batchSize: 16, earlyStopping: { patience: 2, minDelta: 1000 } } });
    const r = await ev.evaluate(arch, { seed: 1 });
    expect(r.metrics.epochs).toBe(3);
    expect(r.metrics.stopped_early).toBe(1);
    expect(r.metrics.best_epoch).toBe(1);
    expect(r.metrics.val_acc).toBe(r.curves[0]!.valAcc);
  });

  it("budget.epochs overrides the configured epochs (what successive halving uses)", async () => {
    const ev = trainEvaluator({ backend: "current", data, build, train: { epochs: 5, batchSize: 16 } });
    const r = await ev.evaluate(arch, { seed: 1, budget: { epochs: 1 } });
    expect(r.metrics.epochs).toBe(1);
  });

  it("records a diverging (NaN) loss as a failed trial", async () => {
    const nan: DataSplits = { ...data, train: { ...data.train, images: data.train.images.map((v, i) => (i === 0 ? NaN : v)) } };
    const ev = trainEvaluator({ backend: "current", data: nan, build, normalize: false, train: { epochs: 1, batchSize: 16 } });
    const leaked = await leakedTensors(async () => {
      const r = await ev.evaluate(arch, { seed: 1 });
      expect(r.status).toBe("failed");
      expect(r.error).toMatch(/NonFiniteLossError: training diverged: loss is NaN/);
    });
    expect(leaked).toBe(0);
  });

  it("records a model whose weights cannot be allocated (out of memory) as failed", async () => {
    const huge = (_a: number, o: Parameters<typeof nodeGraphModel>[1]) =>
      nodeGraphModel(
        {
          space: "huge",
          opsOn: "nodes",
          combine: "sum",
          nodes: [{ id: "in", role: "input" }, { id: "d", role: "hidden", op: "dense", attrs: { units: 2 ** 30 } }, { id: "out", role: "output", op: "classifier" }],
          edges: [{ from: "in", to: "d" }, { from: "d", to: "out" }],
        },
        o,
      );
    const ev = trainEvaluator({ backend: "current", data, build: huge, train: { epochs: 1, batchSize: 16 } });
    const r = await ev.evaluate(0, { seed: 1 });
    expect(r.status).toBe("failed");
    expect(r.error).toMatch(/RangeError|allocation|memory/i);
  });

  it("records an invalid architecture as failed, and maxParams refusals too", async () => {
    const ev = trainEvaluator({ backend: "current", data, build, train: { epochs: 1, batchSize: 16 }, maxParams: 100 });
    const bad = await ev.evaluate({ conv: [{ filters: 7, kernel: 3 }], dense: [{ units: 4 }] }, { seed: 1 });
    expect(bad.status).toBe("failed");
    expect(bad.error).toMatch(/InvalidArchError: .*filters/);
    const big = await ev.evaluate(arch, { seed: 1 });
    expect(big.error).toMatch(/ModelTooLargeError: model has 167 parameters, above .* maxParams 100/);
  });

  it("stops within one step when aborted, throws AbortError and frees everything", async () => {
    const ev = trainEvaluator({ backend: "current", data, build, train: { epochs: 50, batchSize: 4 } });
    const ctl = new AbortController();
    let steps = 0;
    const leaked = await leakedTensors(async () => {
      const p = ev.evaluate(arch, { seed: 1, signal: ctl.signal });
      setTimeout(() => ctl.abort("user"), 50);
      await expect(p).rejects.toBeInstanceOf(AbortError);
      steps = 1;
    });
    expect(steps).toBe(1);
    expect(leaked).toBe(0);
  });

  it("lets a search go on past failing trials", async () => {
    const ev = trainEvaluator({ backend: "current", data, build, train: { epochs: 1, batchSize: 16 }, maxParams: 190 });
    const r = await search({ space: tiny, strategy: randomSearch(), evaluator: ev, budget: { queries: 4 }, seed: 2 }).result();
    expect(r.history.length).toBe(4);
    const statuses = r.history.map((t) => t.result.status);
    expect(statuses).toContain("failed");
    expect(statuses).toContain("ok");
  });
});

describe("learning-rate schedules", () => {
  it.each([
    [{ kind: "constant" } as const, [0, 5, 9.9], [0.1, 0.1, 0.1]],
    [{ kind: "cosine" } as const, [0, 5, 10], [0.1, 0.05, 0]],
    [{ kind: "step", every: 3, gamma: 0.5 } as const, [0, 2.9, 3, 6], [0.1, 0.1, 0.05, 0.025]],
  ])("%o", (schedule, ts, want) => {
    ts.forEach((t, i) => expect(learningRateAt(0.1, schedule, t, 10)).toBeCloseTo(want[i]!, 10));
  });
});

