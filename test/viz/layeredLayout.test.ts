import { describe, expect, it } from "vitest";
import { backEdges, layeredLayout } from "../../src/viz/layeredLayout.js";
import { Rng } from "../../src/rng.js";

describe("layeredLayout", () => {
  it("puts the NB201 cell's nodes 0..3 in layers 0..3 (longest path)", () => {
    const edges = [["0", "1"], ["0", "2"], ["1", "2"], ["0", "3"], ["1", "3"], ["2", "3"]].map(([from, to]) => ({ from: from!, to: to! }));
    const l = layeredLayout(["0", "1", "2", "3"], edges);
    expect(["0", "1", "2", "3"].map((n) => l.layer.get(n))).toEqual([0, 1, 2, 3]);
    expect(l.reversed.size).toBe(0);
  });

  it("puts both DARTS cell inputs in layer 0 and the concat output last", () => {
    const nodes = ["c_{k-2}", "c_{k-1}", "0", "1", "2", "3", "out"];
    const edges: { from: string; to: string }[] = [];
    for (let j = 0; j < 4; j++) for (const f of ["c_{k-2}", "c_{k-1}", ...Array.from({ length: j }, (_, i) => String(i))]) edges.push({ from: f, to: String(j) });
    for (let j = 0; j < 4; j++) edges.push({ from: String(j), to: "out" });
    const l = layeredLayout(nodes, edges);
    expect(l.layers[0]).toEqual(["c_{k-2}", "c_{k-1}"]);
    expect(l.layer.get("out")).toBe(5);
  });

  it("breaks every cycle and sends every kept edge to a higher layer (random graphs)", () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 50; trial++) {
      const n = 2 + rng.int(9);
      const nodes = Array.from({ length: n }, (_, i) => `n${i}`);
      const edges = Array.from({ length: rng.int(2 * n) }, () => ({ from: rng.choice(nodes), to: rng.choice(nodes) }));
      const l = layeredLayout(nodes, edges);
      edges.forEach((e, i) => {
        if (l.reversed.has(i)) return;
        expect(l.layer.get(e.to)!).toBeGreaterThan(l.layer.get(e.from)!);
      });
      expect(l.layers.flat().sort()).toEqual([...nodes].sort());
    }
  });

  it("reverses exactly one edge of a simple cycle", () => {
    const edges = [{ from: "a", to: "b" }, { from: "b", to: "c" }, { from: "c", to: "a" }];
    expect([...backEdges(["a", "b", "c"], edges)]).toEqual([2]);
  });

  it("rejects an edge to an unknown node, naming it", () => {
    expect(() => layeredLayout(["a"], [{ from: "a", to: "zz" }])).toThrow(/zz/);
  });

  it("is deterministic", () => {
    const edges = [{ from: "a", to: "c" }, { from: "b", to: "c" }, { from: "a", to: "d" }];
    expect(layeredLayout(["a", "b", "c", "d"], edges)).toEqual(layeredLayout(["a", "b", "c", "d"], edges));
  });
});
