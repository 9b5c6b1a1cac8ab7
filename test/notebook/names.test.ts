// The name index (maintained one change at a time) agrees with buildGraph (the reference) after every change, and
// reports every cell whose problems changed, whatever the sequence of edits: seeded random edit sequences (shared
// imports and `@redefine` included) plus the cases where incremental bookkeeping goes wrong (a cycle splitting, a
// duplicate healing, a deletion, a redefinition taken back).
import { describe, expect, it } from "vitest";
import type { ImportBinding } from "../../src/notebook/analysis.js";
import { buildGraph, type CellDefinition, type CellGraph } from "../../src/notebook/graph.js";
import { NameIndex } from "../../src/notebook/names.js";

interface Edit {
  id: string;
  defines: string[];
  references: string[];
  imports?: Map<string, ImportBinding>;
  redefines?: string[];
}
const cell = (id: string, defines: string[], references: string[] = [], extra: Partial<Edit> = {}): Edit => ({ id, defines, references, ...extra });

/** A graph as plain data: definers in order, edges as sorted lists, problems in their order. */
function snapshot(g: CellGraph): unknown {
  const sorted = (m: ReadonlyMap<string, ReadonlySet<string>>) =>
    Object.fromEntries([...m].map(([k, v]) => [k, [...v].sort()]).sort(([a], [b]) => String(a).localeCompare(String(b))));
  return {
    cells: [...g.cells.keys()].sort(),
    definers: Object.fromEntries([...g.definers].sort(([a], [b]) => a.localeCompare(b))),
    owners: Object.fromEntries([...g.owners].sort(([a], [b]) => a.localeCompare(b))),
    upstream: sorted(g.upstream),
    downstream: sorted(g.downstream),
    problems: Object.fromEntries([...g.problems].sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** Applies edits to a NameIndex and to the reference (buildGraph over the index's cells), checking agreement. */
class Checked {
  readonly live = new NameIndex();

  apply(edit: Edit | { remove: string }): void {
    const before = buildGraph([...this.live.cells.values()]);
    let self: string;
    const changed = new Set<string>();
    if ("remove" in edit) {
      self = edit.remove;
      for (const c of this.live.remove(edit.remove).cells) changed.add(c);
    } else {
      self = edit.id;
      for (const c of this.live.declare(edit).cells) changed.add(c);
      for (const c of this.live.setReferences(edit.id, edit.references).cells) changed.add(c);
    }
    const after = buildGraph([...this.live.cells.values()]);
    expect(snapshot(this.live)).toEqual(snapshot(after));
    const problemsChanged = new Set<string>();
    for (const id of new Set([...before.cells.keys(), ...after.cells.keys()])) {
      if (id === self) continue;
      if (JSON.stringify(before.problems.get(id) ?? []) !== JSON.stringify(after.problems.get(id) ?? [])) problemsChanged.add(id);
    }
    // Every cell whose problems changed is reported (cells whose inputs moved to another owner are reported too).
    for (const id of problemsChanged) expect(changed, `cell ${id}`).toContain(id);
  }
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("NameIndex", () => {
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
        // Some names come from imports (two modules, so identical and conflicting imports both occur), some redefined.
        const imports = new Map<string, ImportBinding>();
        for (const n of defines) if (random() < 0.3) imports.set(n, { local: n, module: random() < 0.7 ? "m" : "other", imported: n, typeOnly: false });
        const redefines = defines.filter(() => random() < 0.2);
        g.apply(cell(pick(ids), defines, references, { imports, redefines }));
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

  it("deleting the first of two definers hands the name to the second and moves its readers' edges", () => {
    const g = new Checked();
    g.apply(cell("a", ["x"]));
    g.apply(cell("b", ["x"]));
    g.apply(cell("r", ["y"], ["x"]));
    expect(g.live.problems.get("b")).toEqual([{ kind: "duplicate", name: "x", cells: ["a", "b"] }]);
    expect([...g.live.upstream.get("r")!]).toEqual(["a"]);
    g.apply({ remove: "a" });
    expect(g.live.problems.size).toBe(0);
    expect([...g.live.upstream.get("r")!]).toEqual(["b"]);
    g.apply({ remove: "b" });
    expect(g.live.problems.get("r")).toEqual([{ kind: "undefined", names: ["x"] }]);
  });

  it("a redefinition takes a name over; re-executing the first definer takes it back; readers follow", () => {
    const g = new Checked();
    g.apply(cell("a", ["x"]));
    g.apply(cell("r", ["y"], ["x"]));
    g.apply(cell("e", ["x"], [], { redefines: ["x"] }));
    expect(g.live.owner("x")).toBe("e");
    expect([...g.live.upstream.get("r")!]).toEqual(["e"]);
    g.apply(cell("a", ["x"]));
    expect(g.live.owner("x")).toBe("a");
    g.apply({ remove: "a" });
    expect(g.live.owner("x")).toBe("e");
  });

  it("a cell that keeps its names and references changes nothing else", () => {
    const g = new NameIndex();
    g.declare(cell("a", ["x"]));
    g.declare(cell("b", ["y"], ["x"]));
    g.setReferences("b", ["x"]);
    expect(g.declare(cell("a", ["x"]))).toEqual({ cells: new Set(), names: new Set() });
  });
});
