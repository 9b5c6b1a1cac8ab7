// The spreadsheet promise, errors included (after marimo's test_dataflow_cases): a table of cases, each run with
// its cells executed in every order on a fresh notebook. Whatever the order, every cell ends in the same state,
// and after the case's edits (a fix, a new definition, a deletion) every dependent that failed has recovered.
import { describe, expect, it } from "vitest";
import { TestNotebook } from "./harness.js";

type Step = { readonly cell: string; readonly code: string } | { readonly delete: string };

interface DataflowCase {
  readonly name: string;
  /** Cells executed first, in every order. */
  readonly cells: Readonly<Record<string, string>>;
  /** What each cell shows once they have all run: its value, or its error (ename: evalue) matched by a pattern. */
  readonly expected: Readonly<Record<string, string | RegExp>>;
  /** Edits made afterwards, and what each cell shows then. */
  readonly then?: readonly Step[];
  readonly expectedAfter?: Readonly<Record<string, string | RegExp>>;
}

const throwing = `const q: number = (() => { throw new Error("boom"); })()`;

const cases: readonly DataflowCase[] = [
  {
    name: "throw → fix: the dependent names the failing input, then recovers",
    cells: { Q: throwing, D: "q * 10" },
    expected: { Q: /^Error: boom$/, D: /^UpstreamCellError: input `q` from the cell `const q: number = .*` failed: Error: boom$/ },
    then: [{ cell: "Q", code: "const q = 3; q" }],
    expectedAfter: { Q: "3", D: "30" },
  },
  {
    name: "throw two cells up: the error says which input carried it and where it came from",
    cells: { X: `const x: number = (() => { throw new Error("deep"); })()`, Y: "const y = x + 1; y", Z: "y * 2" },
    expected: {
      X: /^Error: deep$/,
      Y: /^UpstreamCellError: input `x` from the cell `const x: number = .*` failed: Error: deep$/,
      Z: /^UpstreamCellError: input `y` from the cell `const y = x \+ 1; y` failed because the cell `const x: number = .*` failed: Error: deep$/,
    },
    then: [{ cell: "X", code: "const x = 1; x" }],
    expectedAfter: { X: "1", Y: "2", Z: "4" },
  },
  {
    name: "upstream type error: the dependent's error has no line/column of the upstream",
    cells: { S: `const s: number = "text"`, R: "s + 1" },
    expected: {
      S: /^CellCompileError: line 1:7 TS2322/,
      R: /^UpstreamCellError: input `s` from the cell `const s: number = "text"` failed: TS2322: Type 'string' is not assignable to type 'number'\.$/,
    },
    then: [{ cell: "S", code: "const s = 41; s" }],
    expectedAfter: { S: "41", R: "42" },
  },
  {
    name: "undefined → defined: the TS2304 of the reader is re-checked when the name appears",
    cells: { D: "notDefinedAnywhere + 1", N: "const notDefinedAnywhere = 41; notDefinedAnywhere" },
    expected: { D: "42", N: "41" },
    then: [{ delete: "N" }, { cell: "N2", code: "const notDefinedAnywhere = 1; notDefinedAnywhere" }],
    expectedAfter: { D: "2", N2: "1" },
  },
  {
    name: "undefined, then defined later",
    cells: { D: "missingName * 2" },
    expected: { D: /^CellCompileError: line 1:1 TS2304: Cannot find name 'missingName'/ },
    then: [{ cell: "M", code: "const missingName = 21; missingName" }],
    expectedAfter: { D: "42", M: "21" },
  },
  {
    name: "cycle → broken",
    cells: { P: "const p = q + 1; p", Q: "const q = p + 1; q" },
    expected: { P: /^CircularDefinitionError: the cells `const [pq] = [pq] \+ 1; [pq]`, `const [pq] = [pq] \+ 1; [pq]` form a cycle/, Q: /^CircularDefinitionError/ },
    then: [{ cell: "Q", code: "const q = 1; q" }],
    expectedAfter: { P: "2", Q: "1" },
  },
  {
    name: "a type change upstream breaks, then heals, a dependent's type-check",
    cells: { T: "const t = 5; t", U: "const u: number = t; u" },
    expected: { T: "5", U: "5" },
    then: [{ cell: "T", code: `const t = "five"; t` }],
    expectedAfter: { T: "five", U: /^CellCompileError: line 1:7 TS2322: Type 'string' is not assignable to type 'number'/ },
  },
  {
    name: "... and heals again",
    cells: { T: `const t = "five"; t`, U: "const u: number = t; u" },
    expected: { T: "five", U: /TS2322/ },
    then: [{ cell: "T", code: "const t = 6; t" }],
    expectedAfter: { T: "6", U: "6" },
  },
];

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

function check(state: Map<string, string>, expected: Readonly<Record<string, string | RegExp>>, label: string): void {
  for (const [id, want] of Object.entries(expected)) {
    const got = state.get(id);
    if (typeof want === "string") expect(got, `${label}: cell ${id}`).toBe(want);
    else expect(got, `${label}: cell ${id}`).toMatch(want);
  }
}

async function run(c: DataflowCase, order: readonly string[]): Promise<{ before: Map<string, string>; after: Map<string, string> }> {
  const t = new TestNotebook({ warmUp: false });
  const shown = (ids: Iterable<string>): Map<string, string> => new Map([...ids].map((id) => [id, t.last(id) ?? ""]));
  try {
    for (const id of order) await t.execute(c.cells[id]!, id);
    const before = shown(Object.keys(c.cells));
    const ids = new Set(Object.keys(c.cells));
    for (const step of c.then ?? []) {
      if ("delete" in step) {
        await t.delete([step.delete]);
        ids.delete(step.delete);
      } else {
        await t.execute(step.code, step.cell);
        ids.add(step.cell);
      }
    }
    return { before, after: shown(ids) };
  } finally {
    t.dispose();
  }
}

describe("dataflow: the graph converges to the same state whatever the order cells ran in", () => {
  for (const c of cases) {
    it(c.name, async () => {
      const orders = permutations(Object.keys(c.cells));
      const results: Array<{ before: Map<string, string>; after: Map<string, string> }> = [];
      for (const order of orders) {
        const r = await run(c, order);
        check(r.before, c.expected, `order ${order.join(",")}`);
        if (c.expectedAfter) check(r.after, c.expectedAfter, `order ${order.join(",")}, after edits`);
        results.push(r);
      }
      // Same final state in every order, not only on the cells the table names.
      const key = (m: Map<string, string>): string => JSON.stringify([...m].sort());
      for (const r of results) expect(key(r.after)).toBe(key(results[0]!.after));
      // A dependent's error never carries the upstream's position as its own.
      for (const r of results) {
        for (const [id, text] of r.before) if (text.startsWith("UpstreamCellError")) expect(text, id).not.toMatch(/line \d+:\d+/);
      }
    }, 120_000);
  }
});
