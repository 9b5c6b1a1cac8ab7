/** Small deterministic inputs for every figure, generated from a seed (no data files needed). */
import { Rng } from "../../src/rng.js";
import type { ArchGraph } from "../../src/space/types.js";
import type { StrategySnapshot } from "../../src/strategy/types.js";
import type { PolicyRow } from "../../src/space/types.js";
import type { CurveRun } from "../../src/viz/searchCurves.js";
import type { TrainingEpoch } from "../../src/viz/trainingCurves.js";
import type { NotebookGraphInput } from "../../src/viz/notebookGraph.js";

export const NB201_OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"];
/** NAS-Bench-201 edge order: 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2. */
export const NB201_EDGES = ["1<-0", "2<-0", "2<-1", "3<-0", "3<-1", "3<-2"];
export const DARTS_OPS = ["none", "max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"];

/** An NB201 architecture graph, shaped like the NB201 space's `toGraph`. */
export function nb201Graph(ops: readonly string[]): ArchGraph {
  return {
    space: "nb201",
    opsOn: "edges",
    combine: "sum",
    nodes: [0, 1, 2, 3].map((i) => ({ id: String(i), role: i === 0 ? "input" : i === 3 ? "output" : "hidden" })),
    edges: NB201_EDGES.map((e, i) => ({ from: e.split("<-")[1]!, to: e.split("<-")[0]!, op: ops[i]! })),
  };
}

/** softmax(logits): the probabilities a supernet snapshot's policy rows carry. */
export function softmaxProbs(logits: readonly number[]): number[] {
  const m = Math.max(...logits);
  const e = logits.map((x) => Math.exp(x - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

/** An NB201 supernet's policy (softmax of alpha logits drifting towards `target` ops), one row per edge. */
export function nb201Policy(seed: number, target = ["nor_conv_3x3", "nor_conv_3x3", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "skip_connect"]): PolicyRow[] {
  const rng = new Rng(seed);
  return NB201_EDGES.map((edge, e) => ({
    decision: edge,
    choices: [...NB201_OPS],
    probs: softmaxProbs(NB201_OPS.map((op) => rng.normal() * 0.5 + (op === target[e] ? 1.8 : 0))),
  }));
}

/** A DARTS supernet's policy for a normal and a reduction cell (inputs c_{k-2}, c_{k-1}; intermediate nodes 0..3). */
export function dartsPolicy(seed: number): PolicyRow[] {
  const rng = new Rng(seed);
  const out: PolicyRow[] = [];
  for (const cell of ["normal", "reduce"]) {
    for (let j = 0; j < 4; j++) {
      const inputs = ["c_{k-2}", "c_{k-1}", ...Array.from({ length: j }, (_, i) => String(i))];
      for (const from of inputs) {
        const favourite = rng.int(DARTS_OPS.length);
        out.push({ decision: `${cell}:${j}<-${from}`, choices: [...DARTS_OPS], probs: softmaxProbs(DARTS_OPS.map((_, k) => rng.normal() * 0.6 + (k === favourite ? 1.5 : 0))) });
      }
    }
  }
  return out;
}

/** A chain network with ops on nodes (Zoph & Le style) and two skip connections (multi-branch). */
export function multiBranchGraph(): ArchGraph {
  const layers = ["conv3x3-36", "conv5x5-48", "conv3x3-36", "maxpool", "conv7x7-48", "conv1x1-64"];
  const nodes: ArchGraph["nodes"] = [
    { id: "in", role: "input", op: "input" },
    ...layers.map((op, i) => ({ id: `l${i}`, role: "hidden" as const, op })),
    { id: "out", role: "output", op: "softmax" },
  ];
  const edges: ArchGraph["edges"] = [];
  for (let i = 0; i + 1 < nodes.length; i++) edges.push({ from: nodes[i]!.id, to: nodes[i + 1]!.id });
  edges.push({ from: "l0", to: "l3" }, { from: "in", to: "l2" }, { from: "l1", to: "l4" });
  return { space: "chain", opsOn: "nodes", combine: "concat", nodes, edges };
}

/** A controller's policy sharpening over `n` snapshots. */
export function policySnapshots(seed: number, n = 8): StrategySnapshot[] {
  const rng = new Rng(seed);
  const target = NB201_EDGES.map(() => rng.int(NB201_OPS.length));
  const logits = NB201_EDGES.map(() => NB201_OPS.map(() => 0));
  const out: StrategySnapshot[] = [];
  for (let s = 0; s < n; s++) {
    out.push({
      strategy: "reinforce",
      step: s * 25,
      policy: NB201_EDGES.map((edge, e) => {
        const l = logits[e]!;
        const m = Math.max(...l);
        const ex = l.map((x) => Math.exp(x - m));
        const z = ex.reduce((a, b) => a + b, 0);
        return { decision: `edge ${edge}`, choices: [...NB201_OPS], probs: ex.map((x) => x / z) };
      }),
    });
    for (let e = 0; e < logits.length; e++) for (let k = 0; k < NB201_OPS.length; k++) logits[e]![k]! += (k === target[e] ? 0.45 : 0) + rng.normal() * 0.15;
  }
  return out;
}

/** An evolution population: NB201-like arch strings, params (M), accuracy and trial. */
export function population(seed: number, n = 60): NonNullable<StrategySnapshot["population"]> {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const ops = NB201_EDGES.map(() => rng.choice(NB201_OPS));
    const convs = ops.filter((o) => o.startsWith("nor_conv")).length;
    const params = 0.07 + 0.2 * convs + rng.float() * 0.2;
    const accuracy = 70 + 22 * (1 - Math.exp(-params * 1.3)) + rng.normal() * 1.5;
    const arch = `|${ops[0]}~0|+|${ops[1]}~0|${ops[2]}~1|+|${ops[3]}~0|${ops[4]}~1|${ops[5]}~2|`;
    return { arch, fitness: accuracy, trial: 100 + i, metrics: { accuracy, params, generation: Math.floor(i / 10) } };
  });
}

/** Best-so-far histories for three strategies over three seeds. */
export function searchRuns(seed: number, queries = 100): CurveRun[] {
  const rng = new Rng(seed);
  const runs: CurveRun[] = [];
  for (const [strategy, skill] of [["random", 0.02], ["evolution", 0.05], ["local search", 0.035]] as const) {
    for (let s = 0; s < 3; s++) {
      let best = -Infinity;
      let seconds = 0;
      const points = [];
      for (let q = 1; q <= queries; q++) {
        const acc = 94.3 - 12 * Math.exp(-skill * q * rng.float() * 2) - Math.abs(rng.normal()) * 2.5;
        best = Math.max(best, acc);
        seconds += 0.05 + rng.float() * 0.1;
        points.push({ queries: q, seconds, best });
      }
      runs.push({ strategy, seed: s, points });
    }
  }
  return runs;
}

/** A training run with validation every epoch; accuracies in percent, as the trainer records them (src/estimate/fit.ts). */
export function trainingEpochs(seed: number, epochs = 20): TrainingEpoch[] {
  const rng = new Rng(seed);
  return Array.from({ length: epochs }, (_, e) => ({
    epoch: e + 1,
    trainLoss: 2.3 * Math.exp(-0.18 * e) + 0.15 + rng.float() * 0.04,
    valLoss: 2.3 * Math.exp(-0.15 * e) + 0.32 + rng.float() * 0.06,
    trainAcc: 100 * (0.98 - 0.88 * Math.exp(-0.2 * e) - rng.float() * 0.01),
    valAcc: 100 * (0.93 - 0.83 * Math.exp(-0.18 * e) - rng.float() * 0.02),
  }));
}

/** A small notebook: data -> space -> strategy -> search -> plots, with one running and one failing cell. */
export function notebook(): NotebookGraphInput {
  return {
    cells: [
      { id: "c1", label: "load NB201 table", state: "fresh", lastRunMs: 812, defines: ["table"] },
      { id: "c2", label: "search space", state: "fresh", lastRunMs: 3.2, defines: ["space"] },
      { id: "c3", label: "evaluator", state: "fresh", lastRunMs: 14, defines: ["evaluator"] },
      { id: "c4", label: "strategy = evolution", state: "fresh", lastRunMs: 1.1, defines: ["strategy", "populationSize"] },
      { id: "c5", label: "run search", state: "running", lastRunMs: 12_400, defines: ["history"] },
      { id: "c6", label: "population plot", state: "stale", defines: [] },
      { id: "c7", label: "search curves", state: "error", lastRunMs: 2, defines: ["curves"] },
    ],
    edges: [
      { from: "c1", to: "c3" },
      { from: "c2", to: "c3" },
      { from: "c2", to: "c4" },
      { from: "c3", to: "c5" },
      { from: "c4", to: "c5" },
      { from: "c5", to: "c6" },
      { from: "c5", to: "c7" },
    ],
  };
}
