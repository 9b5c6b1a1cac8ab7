// The cell graph as a table of cases (marimo style): definitions, edges, problems and re-run sets.
import { describe, expect, it } from "vitest";
import { buildGraph, dependentsOf, topologicalOrder, type CellDefinition } from "../../src/notebook/graph.js";

import type { ImportBinding } from "../../src/notebook/analysis.js";

const cell = (id: string, defines: string[], references: string[] = [], extra: Partial<CellDefinition> = {}): CellDefinition => ({ id, defines, references, ...extra });
const imports = (...bindings: ImportBinding[]): Map<string, ImportBinding> => new Map(bindings.map((b) => [b.local, b]));
const named = (local: string, module = "m", imported = local): ImportBinding => ({ local, module, imported, typeOnly: false });

interface Case {
  name: string;
  cells: CellDefinition[];
  problems: Record<string, string[]>;
  order: string[];
  rerun?: [string, string[]];
}

const cases: Case[] = [
  { name: "a chain re-runs downstream in order", cells: [cell("a", ["x"]), cell("b", ["y"], ["x"]), cell("c", ["z"], ["y"]), cell("d", ["w"])],
    problems: {}, order: ["a", "b", "c", "d"], rerun: ["a", ["b", "c"]] },
  { name: "a diamond re-runs the join once, after both branches", cells: [cell("d", ["out"], ["l", "r"]), cell("r", ["r"], ["x"]), cell("l", ["l"], ["x"]), cell("x", ["x"])],
    problems: {}, order: ["x", "r", "l", "d"], rerun: ["x", ["r", "l", "d"]] },
  { name: "notebook order does not matter, dependencies do", cells: [cell("use", ["b"], ["a"]), cell("def", ["a"])],
    problems: {}, order: ["def", "use"], rerun: ["def", ["use"]] },
  { name: "a name defined by two cells is an error on the later one; the first keeps its readers", cells: [cell("a", ["x"]), cell("b", ["x"]), cell("c", ["y"], ["x"])],
    problems: { b: ["duplicate"] }, order: ["a", "b", "c"], rerun: ["a", ["c"]] },
  { name: "identical imports in three cells are one shared definition", cells: [
    cell("a", ["s"], [], { imports: imports(named("s")) }), cell("b", ["s"], [], { imports: imports(named("s")) }),
    cell("c", ["s"], [], { imports: imports(named("s")) }), cell("r", ["t"], ["s"])],
  problems: {}, order: ["a", "b", "c", "r"], rerun: ["a", ["r"]] },
  { name: "imports of one name from two modules conflict", cells: [cell("a", ["s"], [], { imports: imports(named("s", "m1")) }), cell("b", ["s"], [], { imports: imports(named("s", "m2")) })],
    problems: { b: ["duplicate"] }, order: ["a", "b"] },
  { name: "an import and a declaration of one name conflict", cells: [cell("a", ["s"], [], { imports: imports(named("s")) }), cell("b", ["s"])],
    problems: { b: ["duplicate"] }, order: ["a", "b"] },
  { name: "a type and a value of one name in two cells conflict (a name is defined by one cell)", cells: [cell("a", ["Cfg"]), cell("b", ["Cfg"])],
    problems: { b: ["duplicate"] }, order: ["a", "b"] },
  { name: "`// @redefine x`: the cell executed last owns x", cells: [cell("a", ["x"], [], { ran: 1 }), cell("e", ["x"], [], { redefines: ["x"], ran: 2 }), cell("r", ["y"], ["x"], { ran: 3 })],
    problems: {}, order: ["a", "e", "r"], rerun: ["e", ["r"]] },
  { name: "`// @redefine x`, then the first definer re-executed: it owns x again", cells: [cell("a", ["x"], [], { ran: 4 }), cell("e", ["x"], [], { redefines: ["x"], ran: 2 }), cell("r", ["y"], ["x"], { ran: 3 })],
    problems: {}, order: ["a", "e", "r"], rerun: ["a", ["r"]] },
  { name: "a cycle is an error on every cell in it, not on others", cells: [cell("a", ["x"], ["y"]), cell("b", ["y"], ["x"]), cell("c", ["z"])],
    problems: { a: ["cycle"], b: ["cycle"] }, order: ["c"] },
  { name: "a three-cell cycle with a dependent outside", cells: [cell("a", ["x"], ["z"]), cell("b", ["y"], ["x"]), cell("c", ["z"], ["y"]), cell("d", ["w"], ["z"])],
    problems: { a: ["cycle"], b: ["cycle"], c: ["cycle"] }, order: ["d"] },
  { name: "a reference no cell defines (e.g. its cell was deleted)", cells: [cell("b", ["y"], ["x"])],
    problems: { b: ["undefined"] }, order: ["b"] },
  { name: "a cell reading its own name has no self-edge", cells: [cell("a", ["x"], ["x"])], problems: {}, order: ["a"], rerun: ["a", []] },
  { name: "independent cells do not re-run", cells: [cell("a", ["x"]), cell("b", ["y"]), cell("c", ["z"], ["y"])],
    problems: {}, order: ["a", "b", "c"], rerun: ["a", []] },
];

describe("cell graph", () => {
  it.each(cases)("$name", ({ cells, problems, order, rerun }) => {
    const g = buildGraph(cells);
    const got = Object.fromEntries([...g.problems].map(([id, ps]) => [id, ps.map((p) => p.kind)]));
    expect(got).toEqual(problems);
    expect(topologicalOrder(g)).toEqual(order);
    if (rerun) expect(dependentsOf(g, rerun[0])).toEqual(rerun[1]);
  });

  it("deleting a cell turns its readers' references into undefined-name problems", () => {
    const before = buildGraph([cell("a", ["x"]), cell("b", ["y"], ["x"])]);
    expect(before.problems.size).toBe(0);
    const after = buildGraph([cell("b", ["y"], ["x"])]);
    expect(after.problems.get("b")).toEqual([{ kind: "undefined", names: ["x"] }]);
  });

  it("handles a 5,000-cell chain without deep recursion", () => {
    const cells = Array.from({ length: 5000 }, (_, i) => cell(`c${i}`, [`v${i}`], i ? [`v${i - 1}`] : []));
    const g = buildGraph(cells);
    expect(dependentsOf(g, "c0")).toHaveLength(4999);
  });

  it("rejects two cells with the same id", () => {
    expect(() => buildGraph([cell("a", []), cell("a", [])])).toThrow(/appears twice/);
  });
});
