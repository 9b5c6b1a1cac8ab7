import { describe, expect, it } from "vitest";
import { parseEdgeDecision, rowProbabilities, supernetModel } from "../../src/viz/supernetModel.js";
import { DARTS_OPS, NB201_EDGES, NB201_OPS, dartsPolicy, nb201Graph, nb201Policy, softmaxProbs } from "./fixtures.js";

describe("parseEdgeDecision", () => {
  it.each([
    ["2<-1", { cell: "", from: "1", to: "2" }],
    ["1->2", { cell: "", from: "1", to: "2" }],
    ["normal:3<-c_{k-1}", { cell: "normal", from: "c_{k-1}", to: "3" }],
    ["reduce: c_{k-2} -> 0", { cell: "reduce", from: "c_{k-2}", to: "0" }],
    ["edge 3<-1", { cell: "", from: "1", to: "3" }], // a controller's NB201 decision
  ])("reads %s", (edge, expected) => {
    expect(parseEdgeDecision(edge)).toEqual(expected);
  });

  it("names the expected form when an edge cannot be read", () => {
    expect(() => parseEdgeDecision("edge three")).toThrow(/"to<-from" or "from->to".*viz.policyHeatmap/);
  });
});

describe("rowProbabilities", () => {
  it("keeps probabilities as they are", () => {
    expect(rowProbabilities({ decision: "1<-0", choices: ["a", "b"], probs: [0.25, 0.75] })).toEqual([0.25, 0.75]);
  });

  it("rejects a count that does not match the choices, and numbers that are not probabilities, saying what to pass", () => {
    expect(() => rowProbabilities({ decision: "1<-0", choices: ["a", "b"], probs: [1] })).toThrow(/2 choices but 1 probabilities/);
    expect(() => rowProbabilities({ decision: "1<-0", choices: ["a", "b"], probs: [2, 3] })).toThrow(/not probabilities.*pass softmax\(logits\)/);
    expect(() => rowProbabilities({ decision: "1<-0", choices: ["a", "b"], probs: [0.2, 0.2] })).toThrow(/summing to 1/);
  });
});

describe("supernetModel", () => {
  it("maps an NB201 supernet's policy to one strand per op with its probability, deriving each edge's argmax (none included)", () => {
    const alphas = nb201Policy(1);
    alphas[4]!.probs = softmaxProbs([9, 0, 0, 0, 0]); // "none" wins edge 3<-1: NB201 keeps it
    const m = supernetModel({ policy: alphas });
    expect(m.panels).toHaveLength(1);
    const p = m.panels[0]!;
    expect(p.nodes.map((n) => [n.id, n.role])).toEqual([["0", "input"], ["1", "hidden"], ["2", "hidden"], ["3", "output"]]);
    p.edges.forEach((e, i) => {
      const probs = alphas[i]!.probs;
      expect(e.strands.map((s) => s.op)).toEqual(NB201_OPS);
      e.strands.forEach((s, k) => expect(s.weight).toBeCloseTo(probs[k]!, 12));
      const argmax = probs.indexOf(Math.max(...probs));
      expect(e.derivedOp).toBe(NB201_OPS[argmax]);
      expect(e.strands.filter((s) => s.derived).map((s) => s.op)).toEqual([NB201_OPS[argmax]]);
    });
    expect(p.edges[4]!.derivedOp).toBe("none");
  });

  it("derives DARTS cells by brute force rule: best non-none op per edge, two strongest edges per node", () => {
    const alphas = dartsPolicy(2);
    const m = supernetModel({ policy: alphas }); // two input nodes: a DARTS cell, concatenated by default
    expect(m.panels.map((p) => p.name)).toEqual(["normal", "reduce"]);
    for (const p of m.panels) {
      expect(p.nodes.filter((n) => n.role === "input").map((n) => n.id)).toEqual(["c_{k-2}", "c_{k-1}"]);
      expect(p.nodes.filter((n) => n.role === "output")).toHaveLength(1);
      for (const target of ["0", "1", "2", "3"]) {
        const incoming = alphas
          .filter((a) => parseEdgeDecision(a.decision).cell === p.name && parseEdgeDecision(a.decision).to === target)
          .map((a) => {
            const probs = a.probs;
            let best = -1;
            DARTS_OPS.forEach((op, k) => { if (op !== "none" && (best < 0 || probs[k]! > probs[best]!)) best = k; });
            return { from: parseEdgeDecision(a.decision).from, op: DARTS_OPS[best]!, score: probs[best]! };
          })
          .sort((a, b) => b.score - a.score);
        const expected = incoming.slice(0, 2).map((x) => `${x.from}:${x.op}`).sort();
        const got = p.edges.filter((e) => e.to === target && e.derivedOp !== undefined).map((e) => `${e.from}:${e.derivedOp}`).sort();
        expect(got).toEqual(expected);
      }
      // The concat output takes every intermediate node through a plain (op-less) edge.
      expect(p.edges.filter((e) => e.strands.length === 0).map((e) => e.from)).toEqual(["0", "1", "2", "3"]);
    }
  });

  it("honours an explicit derivation rule", () => {
    const m = supernetModel({ policy: nb201Policy(3) }, { derive: { exclude: ["none", "skip_connect"], keepPerNode: 1 } });
    const p = m.panels[0]!;
    for (const target of ["1", "2", "3"]) expect(p.edges.filter((e) => e.to === target && e.derivedOp !== undefined)).toHaveLength(1);
    expect(p.edges.every((e) => e.derivedOp !== "none" && e.derivedOp !== "skip_connect")).toBe(true);
  });

  it("highlights a given architecture graph on top of the supernet weights", () => {
    const ops = ["nor_conv_3x3", "skip_connect", "none", "avg_pool_3x3", "nor_conv_1x1", "nor_conv_3x3"];
    const m = supernetModel({ graph: nb201Graph(ops), policy: nb201Policy(4) });
    const p = m.panels[0]!;
    expect(p.edges.map((e) => e.derivedOp)).toEqual(ops);
    p.edges.forEach((e, i) => expect(e.strands.filter((s) => s.derived).map((s) => s.op)).toEqual([ops[i]]));
  });

  it("draws a discrete graph as one full-weight strand per edge", () => {
    const m = supernetModel(nb201Graph(["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3", "skip_connect"]));
    expect(m.panels[0]!.edges.map((e) => e.strands)).toEqual(
      ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3", "skip_connect"].map((op) => [{ op, weight: 1, derived: true }]),
    );
    expect(m.panels[0]!.edges.map((e) => `${e.to}<-${e.from}`)).toEqual(NB201_EDGES);
  });

  it("rejects a graph op that the weights do not list, and input with neither graph nor weights", () => {
    const g = nb201Graph(["conv_9x9", "skip_connect", "none", "none", "none", "none"]);
    expect(() => supernetModel({ graph: g, policy: nb201Policy(1) })).toThrow(/conv_9x9.*not among its weighted ops/);
    expect(() => supernetModel({})).toThrow(/needs an ArchGraph, probabilities over each edge's ops/);
  });
});
