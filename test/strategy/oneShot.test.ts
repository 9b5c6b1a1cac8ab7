import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/backend/index.js";
import { nb201Supernet } from "../../src/model/supernetNb201.js";
import { supernetAccuracy } from "../../src/model/supernetTraining.js";
import { nb201Space, parseNb201 } from "../../src/space/nb201.js";
import { Rng } from "../../src/rng.js";
import { search } from "../../src/search.js";
import { oneShotSearch, proposalStrategy } from "../../src/strategy/oneShot.js";
import { teacherTask } from "./teacherTask.js";

beforeAll(async () => {
  await initBackend({ backend: "wasm", quiet: true });
});

const SHAPE = [8, 8, 1] as const;
const TEACHER = parseNb201("|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|");

describe("oneShotSearch (SPOS)", () => {
  it("trains every op's weights by uniform single paths, then proposes the best sub-networks by shared-weight accuracy", async () => {
    const before = tf.memory().numTensors;
    const net = nb201Supernet({ inputShape: SHAPE, numClasses: 4, seed: 1, channels: 2 });
    const data = teacherTask(net, TEACHER, SHAPE, { train: 128, val: 128 }, 0);
    const initial = new Map(net.store.names().map((n) => [n, Array.from(net.store.named(n).dataSync())]));
    const space = nb201Space();
    const search = oneShotSearch({ supernet: net, space, data, steps: 40, batchSize: 32, weights: { learningRate: 0.01 }, evolution: { population: 8, evaluations: 24 }, evalExamples: 128, recordEvery: 10, seed: 0 });
    const tensorsAt: number[] = [];
    const result = await search.run({ onSnapshot: (s) => s.phase === "train" && tensorsAt.push(tf.memory().numTensors) });
    // Tensors in use do not grow across training steps.
    expect(new Set(tensorsAt.slice(1)).size).toBe(1);

    // Uniform sampling over 6 edges reached every conv op of every cell in 40 steps.
    const convs = net.store.names().filter((n) => n.includes("nor_conv"));
    expect(convs).toHaveLength(2 * 6 * 3);
    for (const n of convs) expect(Array.from(net.store.named(n).dataSync())).not.toEqual(initial.get(n));

    const snap = search.snapshot();
    expect(snap.phase).toBe("done");
    const population = snap.population!;
    expect(population).toHaveLength(24);
    const best = Math.max(...population.map((m) => m.fitness));
    expect(result.proposals[0]!.supernetAcc).toBe(best);
    expect(result.derived).toEqual(result.proposals[0]!.arch);
    // Distinct, best first, and each estimate is the sub-network's accuracy with the shared weights.
    const keys = result.proposals.map((p) => space.key(p.arch));
    expect(new Set(keys).size).toBe(keys.length);
    const accs = result.proposals.map((p) => p.supernetAcc!);
    expect(accs).toEqual([...accs].sort((a, b) => b - a));
    expect(supernetAccuracy(net, data.val, () => ({ kind: "path", arch: result.derived }), { limit: 128 })).toBe(best);
    search.dispose();
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("asks for a space that can mutate and for a positive budget", () => {
    const net = nb201Supernet({ inputShape: SHAPE, numClasses: 4, seed: 1, channels: 2 });
    const data = teacherTask(net, TEACHER, SHAPE, { train: 8, val: 8 }, 0);
    const { mutate: _m, ...immutable } = nb201Space();
    expect(() => oneShotSearch({ supernet: net, space: immutable as never, data, steps: 1, seed: 0 })).toThrow(/needs the space to provide mutate/);
    expect(() => oneShotSearch({ supernet: net, space: nb201Space(), data, steps: 0, seed: 0 })).toThrow(/steps must be a positive integer/);
    expect(() => oneShotSearch({ supernet: net, space: nb201Space(), data, steps: 1, evolution: { population: 10, evaluations: 5 }, seed: 0 })).toThrow(/evaluations >= population/);
    net.dispose();
  });
});

describe("proposalStrategy", () => {
  it("sends a weight-sharing search's proposals through an evaluator in order, then the search ends", async () => {
    const space = nb201Space();
    const archs = [TEACHER, space.mutate(TEACHER, new Rng(1))];
    const result = { derived: archs[0]!, proposals: archs.map((arch, i) => ({ arch, supernetAcc: 90 - i })), seconds: 1, steps: 1, snapshots: [] };
    const evaluated: string[] = [];
    const run = await search({
      space,
      strategy: proposalStrategy(result),
      evaluator: { name: "fake", objective: "val_acc", evaluate: async (a) => (evaluated.push(space.format(a)), { status: "ok", metrics: { val_acc: 50 }, cost: { seconds: 0 } }) },
      budget: { queries: 10 },
      seed: 0,
    }).result();
    expect(evaluated).toEqual(archs.map((a) => space.format(a)));
    expect(run.stopped).toBe("exhausted");
    expect(run.snapshot.population!.map((m) => m.metrics.supernet_acc)).toEqual([90, 89]);
  });
});
