// The compile side: a cell is checked against the declarations of the cells it reads, so its program does not
// grow with the notebook; unchanged cells are not re-checked; dependents are re-checked exactly when what they
// read changed; the library's types are `nas.X`; `import()` works in cells.
import { describe, expect, it } from "vitest";
import { CellCompiler } from "../../src/notebook/cellCompiler.js";
import type { CheckedCell } from "../../src/notebook/checker.js";

const codes = (c: { errors: readonly { code: number }[] }) => c.errors.map((e) => e.code);

/** The compiler, with the results of re-checked cells (as the notebook reads them). */
class Compiler {
  readonly inner = new CellCompiler();
  compile(id: string, code: string): CheckedCell {
    return this.inner.compile(id, code).cell!;
  }
  update(id: string, code: string): { cell: CheckedCell; rechecked: CheckedCell[] } {
    const out = this.inner.compile(id, code);
    return { cell: out.cell!, rechecked: out.rechecked.map((r) => this.inner.cell(r)!) };
  }
  remove(id: string): { rechecked: CheckedCell[] } {
    return { rechecked: this.inner.remove([id]).rechecked.map((r) => this.inner.cell(r)!) };
  }
  programSize(): number {
    return this.inner.checker.programSize();
  }
}

describe("cell compiler", () => {
  const c = new Compiler();

  it("a new cell's program holds the cells it reads, not the whole notebook", () => {
    c.compile("base", "const base = 1");
    c.compile("first", "const first = base + 1");
    const small = c.programSize();
    for (let i = 0; i < 40; i++) c.compile(`many${i}`, `const many${i} = base + ${i}`);
    c.compile("last", "const last = base + 2");
    expect(c.programSize()).toBe(small);
  });

  it("re-compiling unchanged code with unchanged inputs reuses the result (no parse, no check)", () => {
    const a = c.compile("first", "const first = base + 1");
    const b = c.compile("first", "const first = base + 1");
    expect(b).toBe(a);
  });

  it("a new value of the same type re-checks no dependent; a new type re-checks exactly its readers", () => {
    c.compile("t", "const t = 5");
    c.compile("u", "const u: number = t");
    c.compile("unrelated", "const unrelated = 0");
    expect(c.update("t", "const t = 6").rechecked).toEqual([]);
    const changed = c.update("t", `const t = "six"`).rechecked;
    expect(changed.map((x) => x.id)).toEqual(["u"]);
    expect(codes(changed[0]!)).toEqual([2322]);
    const healed = c.update("t", "const t = 7").rechecked;
    expect(healed.map((x) => [x.id, x.errors.length])).toEqual([["u", 0]]);
  });

  it("a reader of a missing name is re-checked when a cell defines it, and again when that cell is removed", () => {
    expect(codes(c.compile("reader", "laterName * 2"))).toEqual([2304]);
    const defined = c.update("definer", "const laterName = 21").rechecked;
    expect(defined.map((x) => [x.id, x.errors.length, x.references])).toEqual([["reader", 0, ["laterName"]]]);
    const removed = c.remove("definer").rechecked;
    expect(removed.map((x) => [x.id, codes(x)])).toEqual([["reader", [2304]]]);
  });

  it("changes flow on through declarations: a type change two cells up reaches the last reader", () => {
    c.compile("x1", "const x1 = 1");
    c.compile("x2", "const x2 = x1 + 1");
    c.compile("x3", "const x3: number = x2");
    // x2 is re-checked (its type becomes string) but runs unchanged; x3 now fails to type-check.
    const changed = c.update("x1", `const x1 = "a"`).rechecked;
    expect(changed.map((x) => x.id)).toEqual(["x3"]);
    expect(codes(changed[0]!)).toEqual([2322]);
    expect(codes(c.inner.cell("x2")!)).toEqual([]);
  });

  it("the library's types are reachable as nas.X, and nas is not an input from another cell", () => {
    const ok = c.compile("arch", `const arch: nas.ChainArch = { ops: [] } as unknown as nas.ChainArch;\nconst rng: nas.Rng = new nas.Rng(1)`);
    expect(ok.errors).toEqual([]);
    expect(ok.references).toEqual([]);
    expect(ok.analysis.usesLibrary).toBe(true);
    const bad = c.compile("badArch", `const r: nas.Rng = 3`);
    expect(codes(bad)).toEqual([2322]);
  });

  it("dynamic import() type-checks and calls the cell's import function", () => {
    const dyn = c.compile("dyn", `const d3p = await import("d3-path");\nd3p.path().toString().length`);
    expect(dyn.errors).toEqual([]);
    expect(dyn.body).toContain(`__nasbook_import("d3-path")`);
    expect(dyn.body).not.toMatch(/\bimport\(/);
  });
});
