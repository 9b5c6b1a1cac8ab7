// The incrementally maintained cell graph agrees with buildGraph (the reference) after every change, and reports
// exactly the cells whose problems changed, whatever the sequence of edits: seeded random edit sequences plus
// the cases where incremental bookkeeping goes wrong (a cycle splitting, a duplicate healing, a deletion).
import { describe, expect, it } from "vitest";
import { buildGraph, type CellDefinition, type CellGraph } from "../../src/notebook/graph.js";
import { LiveGraph } from "../../src/notebook/liveGraph.js";

const cell = (id: string, defines: string[], references: string[] = []): CellDefinition => ({ id, defines, references });

/** A graph as plain data: definers in order, edges as sorted lists, problems in their order. */
function snapshot(g: CellGraph): unknown {
  const sorted = (m: ReadonlyMap<string, ReadonlySet<string>>) =>
    Object.fromEntries([...m].map(([k, v]) => [k, [...v].sort()]).sort(([a], [b]) => String(a).localeCompare(String(b))));
  return {
    cells: [...g.cells.keys()].sort(),
    definers: Object.fromEntries([...g.definers].sort(([a], [b]) => a.localeCompare(b))),
    upstream: sorted(g.upstream),
    downstream: sorted(g.downstream),
    problems: Object.fromEntries([...g.problems].sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** Applies edits to a LiveGraph and to a list rebuilt with buildGraph, checking agreement and the reported changes. */
class Checked {
  readonly live = new LiveGraph();
  private readonly list: CellDefinition[] = [];

  apply(edit: CellDefinition | { remove: string }): void {
    const before = buildGraph(this.list);
    let change;
    let self: string;
    if ("remove" in edit) {
      self = edit.remove;
      const i = this.list.findIndex((c) => c.id === edit.remove);
      if (i >= 0) this.list.splice(i, 1);
      change = this.live.remove(edit.remove);
    } else {
      self = edit.id;
      const i = this.list.findIndex((c) => c.id === edit.id);
      if (i >= 0) this.list[i] = edit;
      else this.list.push(edit);
      change = this.live.set(edit);
    }
    const after = buildGraph(this.list);
    expect(snapshot(this.live)).toEqual(snapshot(after));
    const problemsChanged = new Set<string>();
    for (const id of new Set([...before.cells.keys(), ...after.cells.keys()])) {
      if (id === self) continue;
      if (JSON.stringify(before.problems.get(id) ?? []) !== JSON.stringify(after.problems.get(id) ?? [])) problemsChanged.add(id);
    }
    expect([...change.cells].sort()).toEqual([...problemsChanged].sort());
  }
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("LiveGraph", () => {
  it("agrees with buildGraph across seeded random edit sequences (cycles, duplicates, undefined names, deletions)", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = rng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
      const names = ["a", "b", "c", "d", "e", "f", "g"];
      const ids = ["c1", "c2", "c3", "c4", "c5", "c6"];
      const g = new Checked();
      for (let step = 0; step < 60; step++) {
        if (random() < 0.15) {
          g.apply({ remove: pick(ids) });
          continue;
        }
        const defines = names.filter(() => random() < 0.2);
        const references = names.filter(() => random() < 0.25);
        g.apply(cell(pick(ids), defines, references));
      }
    }
  });

  it("a cycle that loses one edge splits into the cycle that remains", () => {
    const g = new Checked();
    g.apply(cell("a", ["x"], ["y", "w"]));
    g.apply(cell("b", ["y"], ["x"]));
    g.apply(cell("c", ["w"], ["x"]));
    expect(g.live.problems.get("c")?.[0]).toMatchObject({ kind: "cycle", cells: ["a", "b", "c"] });
    g.apply(cell("a", ["x"], ["y"]));
    expect(g.live.problems.get("a")).toEqual([{ kind: "cycle", cells: ["a", "b"] }]);
    expect(g.live.problems.has("c")).toBe(false);
  });

  it("deleting one of two definers heals the duplicate on the other and keeps readers' edges", () => {
    const g = new Checked();
    g.apply(cell("a", ["x"]));
    g.apply(cell("b", ["x"]));
    g.apply(cell("r", ["y"], ["x"]));
    g.apply({ remove: "a" });
    expect(g.live.problems.size).toBe(0);
    expect([...g.live.upstream.get("r")!]).toEqual(["b"]);
    g.apply({ remove: "b" });
    expect(g.live.problems.get("r")).toEqual([{ kind: "undefined", names: ["x"] }]);
  });

  it("a cell that keeps its names and references changes nothing else", () => {
    const g = new LiveGraph();
    g.set(cell("a", ["x"]));
    g.set(cell("b", ["y"], ["x"]));
    expect(g.set(cell("a", ["x"]))).toEqual({ cells: new Set(), names: new Set() });
  });
});
