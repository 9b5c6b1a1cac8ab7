// The spreadsheet promise, errors included (after marimo's test_dataflow_cases): a table of cases, each run with
// its cells executed in every order on a fresh notebook. Whatever the order, every cell ends in the same state,
// and after the case's edits (a fix, a new definition, a deletion) every dependent that failed has recovered.
import { describe, expect, it } from "vitest";
import { Notebook, type DisplayEvent } from "../../src/notebook/notebook.js";

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
    expected: { Q: /^Error: boom$/, D: /^UpstreamCellError: input `q` from cell \[Q\] failed: Error: boom$/ },
    then: [{ cell: "Q", code: "const q = 3" }],
    expectedAfter: { Q: "3", D: "30" },
  },
  {
    name: "throw two cells up: the error says which input carried it and where it came from",
    cells: { X: `const x: number = (() => { throw new Error("deep"); })()`, Y: "const y = x + 1", Z: "y * 2" },
    expected: {
      X: /^Error: deep$/,
      Y: /^UpstreamCellError: input `x` from cell \[X\] failed: Error: deep$/,
      Z: /^UpstreamCellError: input `y` from cell \[Y\] failed because cell \[X\] failed: Error: deep$/,
    },
    then: [{ cell: "X", code: "const x = 1" }],
    expectedAfter: { X: "1", Y: "2", Z: "4" },
  },
  {
    name: "upstream type error: the dependent's error has no line/column of the upstream",
    cells: { S: `const s: number = "text"`, R: "s + 1" },
    expected: {
      S: /^CellCompileError: line 1:7 TS2322/,
      R: /^UpstreamCellError: input `s` from cell \[S\] failed: TS2322: Type 'string' is not assignable to type 'number'\.$/,
    },
    then: [{ cell: "S", code: "const s = 41" }],
    expectedAfter: { S: "41", R: "42" },
  },
  {
    name: "undefined → defined: the TS2304 of the reader is re-checked when the name appears",
    cells: { D: "notDefinedAnywhere + 1", N: "const notDefinedAnywhere = 41" },
    expected: { D: "42", N: "41" },
    then: [{ delete: "N" }, { cell: "N2", code: "const notDefinedAnywhere = 1" }],
    expectedAfter: { D: "2", N2: "1" },
  },
  {
    name: "undefined, then defined later",
    cells: { D: "missingName * 2" },
    expected: { D: /^CellCompileError: line 1:1 TS2304: Cannot find name 'missingName'/ },
    then: [{ cell: "M", code: "const missingName = 21" }],
    expectedAfter: { D: "42", M: "21" },
  },
  {
    name: "cycle → broken",
    cells: { P: "const p = q + 1", Q: "const q = p + 1" },
    expected: { P: /^CircularDefinitionError: cells \[[PQ]\], \[[PQ]\] form a cycle/, Q: /^CircularDefinitionError/ },
    then: [{ cell: "Q", code: "const q = 1" }],
    expectedAfter: { P: "2", Q: "1" },
  },
  {
    name: "duplicate definition → one deleted",
    cells: { A1: "const e = 1", A2: "const e = 2", R: "e * 100" },
    expected: { A1: /^DuplicateDefinitionError/, A2: /^DuplicateDefinitionError/, R: /defined by more than one cell/ },
    then: [{ delete: "A2" }],
    expectedAfter: { A1: "1", R: "100" },
  },
  {
    name: "a type change upstream breaks, then heals, a dependent's type-check",
    cells: { T: "const t = 5", U: "const u: number = t" },
    expected: { T: "5", U: "5" },
    then: [{ cell: "T", code: `const t = "five"` }],
    expectedAfter: { T: "'five'", U: /^CellCompileError: line 1:7 TS2322: Type 'string' is not assignable to type 'number'/ },
  },
  {
    name: "... and heals again",
    cells: { T: `const t = "five"`, U: "const u: number = t" },
    expected: { T: "'five'", U: /TS2322/ },
    then: [{ cell: "T", code: "const t = 6" }],
    expectedAfter: { T: "6", U: "6" },
  },
];

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

/** What each cell shows now: the text of its last display, or `ename: evalue` of its last error. */
function shown(events: readonly DisplayEvent[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of events) {
    if (e.error) out.set(e.cellId, `${e.error.ename}: ${e.error.evalue}`);
    else out.set(e.cellId, String(e.bundle?.["text/plain"] ?? ""));
  }
  return out;
}

function check(state: Map<string, string>, expected: Readonly<Record<string, string | RegExp>>, label: string): void {
  for (const [id, want] of Object.entries(expected)) {
    const got = state.get(id);
    if (typeof want === "string") expect(got, `${label}: cell ${id}`).toBe(want);
    else expect(got, `${label}: cell ${id}`).toMatch(want);
  }
}

async function run(c: DataflowCase, order: readonly string[]): Promise<{ before: Map<string, string>; after: Map<string, string> }> {
  const events: DisplayEvent[] = [];
  const nb = new Notebook({ onDisplay: (e) => events.push(e) });
  try {
    for (const id of order) await nb.execute(c.cells[id]!, { cellId: id });
    const before = shown(events);
    for (const step of c.then ?? []) {
      if ("delete" in step) await nb.delete([step.delete]);
      else await nb.execute(step.code, { cellId: step.cell });
    }
    const after = shown(events);
    for (const step of c.then ?? []) if ("delete" in step) after.delete(step.delete);
    return { before, after };
  } finally {
    nb.dispose();
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
