// The semantics of cells as one table of cases (after marimo's dataflow test cases). Each case is a sequence of
// executions and deletions, as a user makes them in JupyterLab; its expectation is what every cell shows at the end.
// The same table runs through the notebook (cases.test.ts), the kernel with and without cell ids and `nasbook run`
// (test/kernel/cases.test.ts): the interactive modes replay the steps; the linear modes (no cell ids, nasbook run)
// run the final notebook (each cell's last code, in the order the cells were first executed, deleted cells left out)
// from top to bottom. Reactivity promises that both end in the same state, so one expectation serves all modes.

export type Step = { readonly cell: string; readonly code: string } | { readonly delete: string };

export interface SemanticCase {
  readonly name: string;
  readonly steps: readonly Step[];
  /** What each cell shows at the end: all its outputs' text joined by newlines ("" for nothing). */
  readonly expect: Readonly<Record<string, string | RegExp>>;
  /** False when the final state depends on the order of executions, so a linear run ends elsewhere. */
  readonly linear?: false;
}

const run = (cell: string, code: string): Step => ({ cell, code });
const del = (cell: string): Step => ({ delete: cell });

export const semanticCases: readonly SemanticCase[] = [
  { name: "a reader shows the value it reads", steps: [run("A", "const a = 1"), run("B", "a + 1")], expect: { A: "", B: "2" } },
  {
    name: "editing a cell re-runs its readers with the new value",
    steps: [run("A", "const a = 1"), run("B", "a * 10"), run("A", "const a = 2")],
    expect: { A: "", B: "20" },
  },
  {
    name: "destructuring defines every bound name",
    steps: [run("A", "const { p, q: [r, s] } = { p: 1, q: [2, 3] }"), run("B", "p + r + s")],
    expect: { A: "", B: "6" },
  },
  {
    name: "array destructuring with a rest element",
    steps: [run("A", "const [h, ...rest] = [1, 2, 3]"), run("B", "rest.length + h")],
    expect: { A: "", B: "3" },
  },
  {
    name: "a parameter shadowing another cell's name is no read: deleting that cell leaves the reader alone",
    steps: [run("A", "const x = 1"), run("B", "[1, 2].map((x) => x * 10).join()"), del("A")],
    expect: { B: "10,20" },
  },
  {
    name: "a block-scoped name shadowing another cell's name is no read",
    steps: [run("A", "const y = 1"), run("B", "let out = 0;\n{ const y = 5; out = y * 2; }\nout"), run("A", "const y = 100")],
    expect: { A: "", B: "10" },
  },
  { name: "a function declaration is read by name", steps: [run("A", "function sq(n: number) { return n * n; }"), run("B", "sq(7)")], expect: { A: "", B: "49" } },
  {
    name: "`class extends` reads the base class: editing it re-runs the subclass",
    steps: [
      run("A", "class Base { v() { return 1; } }"),
      run("B", "class Derived extends Base { w() { return this.v() + 1; } }\nnew Derived().w()"),
      run("A", "class Base { v() { return 10; } }"),
    ],
    expect: { A: "", B: "11" },
  },
  {
    name: "`implements` is a type use only: the interface's deletion is a type error, not an undefined name",
    steps: [
      run("A", "interface Shape { area(): number }"),
      run("B", "class Square implements Shape { area() { return 4; } }\nnew Square().area()"),
      del("A"),
    ],
    expect: { B: /^CellCompileError: line 1:\d+ TS2304: Cannot find name 'Shape'/ },
  },
  {
    name: "`import type` names are types for the other cells",
    steps: [
      run("A", 'import type { ParsedPath } from "node:path";'),
      run("B", 'const pp: ParsedPath = { root: "", dir: "d", base: "b", ext: "", name: "b" };\npp.dir'),
    ],
    expect: { A: "", B: "d" },
  },
  { name: "an enum is a value", steps: [run("A", "enum Color { Red, Green }"), run("B", "Color.Green")], expect: { A: "", B: "1" } },
  { name: "a const enum is inlined", steps: [run("A", "const enum Dir { Up = 3 }"), run("B", "Dir.Up + 1")], expect: { A: "", B: "4" } },
  {
    name: "a namespace with values is a value",
    steps: [run("A", "namespace Geo { export const tau = 6.28; }"), run("B", "Geo.tau")],
    expect: { A: "", B: "6.28" },
  },
  {
    name: "a namespace of types only is a type",
    steps: [run("A", "namespace Shapes { export interface Circle { r: number } }"), run("B", "const c: Shapes.Circle = { r: 2 };\nc.r")],
    expect: { A: "", B: "2" },
  },
  { name: "`export default` shows its value", steps: [run("A", "export default 6 * 7")], expect: { A: "42" } },
  { name: "`export const` defines the name", steps: [run("A", "export const ex = 5"), run("B", "ex * 2")], expect: { A: "", B: "10" } },
  {
    name: "a cell of types only defines them for the others",
    steps: [run("A", "type Pair = [number, number];\ninterface Named { name: string }"), run("B", 'const pr: Pair = [1, 2];\nconst nm: Named = { name: "n" };\npr[0] + pr[1] + nm.name')],
    expect: { A: "", B: "3n" },
  },
  {
    name: "the same import in three cells is shared",
    steps: [
      run("A", 'import { basename } from "node:path";\nbasename("/x/a.txt")'),
      run("B", 'import { basename } from "node:path";\nbasename("/y/b.txt")'),
      run("C", 'import { basename } from "node:path";\nconst z = basename("/z/c.txt");\nz'),
      run("D", 'basename("/w/d") + z'),
    ],
    expect: { A: "a.txt", B: "b.txt", C: "c.txt", D: "dc.txt" },
  },
  {
    name: "the same aliased import in two cells is shared",
    steps: [run("A", 'import { join as j } from "node:path";\nj("a", "b")'), run("B", 'import { join as j } from "node:path";\nj("c", "d")')],
    expect: { A: "a/b", B: "c/d" },
  },
  {
    name: "one name imported from two modules is a duplicate on the later cell",
    steps: [run("A", 'import { join } from "node:path";'), run("B", 'import { join } from "node:path/posix";')],
    expect: { A: "", B: /^DuplicateDefinitionError: "join" is already defined by the cell `import { join } from "node:path";`/ },
  },
  {
    name: "a second definition fails on the later cell; the first keeps serving its readers",
    steps: [run("A", "const dupe = 1"), run("B", "const dupe = 2"), run("R", "dupe * 10")],
    expect: { A: "", B: /^DuplicateDefinitionError: "dupe" is already defined by the cell `const dupe = 1`; a name is defined by one cell\. Rename it in this cell/, R: "10" },
  },
  {
    name: "deleting the first definer hands the name to the second",
    steps: [run("A", "const dupe = 1"), run("B", "const dupe = 2; dupe"), run("R", "dupe * 10"), del("A")],
    expect: { B: /^(DuplicateDefinitionError: .*\n)?2$/, R: "20" },
    linear: false,
  },
  {
    name: "a second interface of one name is a duplicate, not silently ignored",
    steps: [run("A", "interface Cfg { a: number }"), run("B", "interface Cfg { b: number }")],
    expect: { A: "", B: /^DuplicateDefinitionError: "Cfg" is already defined by the cell `interface Cfg \{ a: number \}`/ },
  },
  {
    name: "deleting a cell: its readers say the name is gone",
    steps: [run("A", "const gone = 3"), run("B", "gone + 1"), del("A")],
    expect: { B: /^CellCompileError: line 1:1 TS2304: Cannot find name 'gone'/ },
  },
  {
    name: "a cycle is an error on the cells in it",
    steps: [run("A", "const cy1 = cy2 + 1; cy1"), run("B", "const cy2 = cy1 + 1")],
    expect: { A: /^CircularDefinitionError: the cells `const cy1 = cy2 \+ 1; cy1`, `const cy2 = cy1 \+ 1` form a cycle/, B: /^CircularDefinitionError: the cells `const cy1/ },
  },
  {
    name: "a cycle broken by an edit heals",
    steps: [run("A", "const cy1 = cy2 + 1; cy1"), run("B", "const cy2 = cy1 + 1"), run("B", "const cy2 = 1")],
    expect: { A: "2", B: "" },
  },
  {
    name: "throw, then fix: the reader recovers",
    steps: [run("A", 'const t1: number = (() => { throw new Error("boom"); })()'), run("R", "t1 + 1"), run("A", "const t1 = 1")],
    expect: { A: "", R: "2" },
  },
  {
    name: "an upstream throw shows on the reader as the input that failed",
    steps: [run("A", 'const t2: number = (() => { throw new Error("boom"); })()'), run("R", "t2 * 2")],
    expect: { A: /^Error: boom$/, R: /^UpstreamCellError: input `t2` from the cell `const t2: number = \(\(\) => \{ throw new E…` failed: Error: boom$/ },
  },
  {
    name: "an upstream throw two cells up names where it came from",
    steps: [run("X", 'const x3: number = (() => { throw new Error("deep"); })()'), run("Y", "const y3 = x3 + 1"), run("Z", "y3 * 2")],
    expect: { X: /^Error: deep$/, Y: /^UpstreamCellError: input `x3` from the cell `const x3: number = .*` failed: Error: deep$/, Z: /^UpstreamCellError: input `y3` from the cell `const y3 = x3 \+ 1` failed because the cell `const x3: number = .*` failed: Error: deep$/ },
  },
  {
    name: "undefined, then defined by a later cell",
    steps: [run("R", "later * 2"), run("D", "const later = 21")],
    expect: { R: "42", D: "" },
  },
  {
    name: "a type change upstream breaks a reader's type check",
    steps: [run("A", "const tc = 5"), run("U", "const u: number = tc; u"), run("A", 'const tc = "five"')],
    expect: { A: "", U: /^CellCompileError: line 1:7 TS2322: Type 'string' is not assignable to type 'number'/ },
  },
  {
    name: "... and heals when the type comes back",
    steps: [run("A", "const tc = 5"), run("U", "const u: number = tc; u"), run("A", 'const tc = "five"'), run("A", "const tc = 6")],
    expect: { A: "", U: "6" },
  },
  {
    name: "assigning another cell's `let` says what the rule is and what to do",
    steps: [run("A", "let counter = 0"), run("B", "counter = counter + 1")],
    expect: { A: "", B: /Cannot assign to 'counter': it is defined by the cell `let counter = 0`, and a cell cannot change another cell's variables.*const state = \{ counter: \.\.\. \}/ },
  },
  {
    name: "state in an object is shared and mutable",
    steps: [run("A", "const state = { n: 0 }"), run("B", "state.n += 1;\nstate.n")],
    expect: { A: "", B: "1" },
  },
  { name: "an awaited value", steps: [run("A", "const v = await Promise.resolve(7)"), run("B", "v * 6")], expect: { A: "", B: "42" } },
  { name: "a promise is seen resolved by readers", steps: [run("A", "const pv = Promise.resolve(3)"), run("B", "pv + 1")], expect: { A: "", B: "4" } },
  {
    name: "a generator streams to its readers",
    steps: [run("A", "function* gen() { yield 1; yield 2; yield 3; }\nconst g3 = gen();\ng3"), run("B", "g3 * 10")],
    expect: { A: "3", B: "30" },
  },
  {
    name: "an async generator in a declaration streams and shows its values",
    steps: [run("A", "async function* ag() { for (const i of [1, 2]) yield i; }\nconst s2 = ag()"), run("B", "s2 + 100")],
    expect: { A: "2", B: "102" },
  },
  { name: "a declaration of plain data shows nothing", steps: [run("A", "const quiet = { a: 1 }")], expect: { A: "" } },
  { name: "printed text, then the value", steps: [run("A", 'console.log("hello");\n1')], expect: { A: "hello\n\n1" } },
  {
    name: "a re-run replaces what the reader printed",
    steps: [run("A", "const base = 1"), run("B", 'console.log("b", base);\nbase'), run("A", "const base = 2")],
    expect: { A: "", B: "b 2\n2" },
  },
  {
    name: "a re-run replaces what the reader displayed",
    steps: [run("A", "const k = 1"), run("B", 'display("k is " + k);\nk * 2'), run("A", "const k = 3")],
    expect: { A: "", B: "k is 3\n6" },
  },
  { name: "function hoisting inside a cell", steps: [run("A", "const r9 = f9();\nfunction f9() { return 9; }\nr9")], expect: { A: "9" } },
  {
    name: "`for await` and top-level `let` in a cell",
    steps: [run("A", "let sum = 0;\nfor await (const i of (async function* () { yield 1; yield 2; })()) sum += i;\nsum")],
    expect: { A: "3" },
  },
  { name: "`var` is a name like any other", steps: [run("A", "var vv = 4"), run("B", "vv + 1")], expect: { A: "", B: "5" } },
  {
    name: "`// @redefine`: the later cell takes the name over and readers follow",
    steps: [run("A", "const rs = 1"), run("R", "rs * 100"), run("E", "// @redefine rs\nconst rs = 2")],
    expect: { A: "", R: "200", E: "" },
  },
  {
    name: "`// @redefine`, then the first definer run again: the cell executed last wins",
    steps: [run("A", "const rs = 1"), run("R", "rs * 100"), run("E", "// @redefine rs\nconst rs = 2"), run("A", "const rs = 3")],
    expect: { A: "", R: "300", E: "" },
    linear: false,
  },
  {
    name: "`// @redefine`, then its cell deleted: the first definer is back",
    steps: [run("A", "const rs = 1"), run("R", "rs * 100"), run("E", "// @redefine rs\nconst rs = 2"), del("E")],
    expect: { A: "", R: "100" },
  },
  {
    name: "class fields, static and private",
    steps: [run("A", "class Cnt { static n = 2; #p = 3; get p() { return this.#p; } }\nCnt.n + new Cnt().p")],
    expect: { A: "5" },
  },
  { name: "a string shows as its text", steps: [run("A", '"multi\\nline"')], expect: { A: "multi\nline" } },
  {
    name: "a name declared twice in one cell is a type error",
    steps: [run("A", "const dd = 1;\nconst dd = 2;")],
    expect: { A: /^CellCompileError: line 1:7 TS2451: Cannot redeclare block-scoped variable 'dd'/ },
  },
];

/** The final notebook of a case: each cell's last code, in the order cells were first executed, deleted ones left out. */
export function finalNotebook(c: SemanticCase): Array<{ id: string; code: string }> {
  const order: string[] = [];
  const code = new Map<string, string>();
  for (const s of c.steps) {
    if ("delete" in s) {
      code.delete(s.delete);
      order.splice(order.indexOf(s.delete), 1);
      continue;
    }
    if (!code.has(s.cell)) order.push(s.cell);
    code.set(s.cell, s.code);
  }
  return order.map((id) => ({ id, code: code.get(id)! }));
}

/** Checks what every cell shows against a case's expectation; returns the differences (empty: all good). */
export function differences(c: SemanticCase, shown: (cellId: string) => string): string[] {
  const out: string[] = [];
  for (const [id, want] of Object.entries(c.expect)) {
    const got = shown(id);
    const ok = typeof want === "string" ? got === want : want.test(got);
    if (!ok) out.push(`cell ${id}: expected ${String(want)}, got ${JSON.stringify(got)}`);
  }
  return out;
}
