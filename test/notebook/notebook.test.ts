// The reactive notebook without Jupyter: exact re-run sets and order, errors on the cells involved, cancellation
// through the cell's signal, streaming, types flowing between cells. Each test uses its own notebook.
import { describe, expect, it } from "vitest";
import { until } from "../fixtures/until.js";
import { TestNotebook } from "./harness.js";


async function withNotebook(f: (t: TestNotebook) => Promise<void>): Promise<void> {
  const t = new TestNotebook();
  try {
    await f(t);
  } finally {
    t.dispose();
  }
}

describe("reactive notebook", () => {
  it("re-running a cell re-runs exactly its dependents, in topological order", () =>
    withNotebook(async (t) => {
      await t.execute("const a = 1", "A");
      await t.execute("const b = a + 1", "B");
      await t.execute("const c = a * 10", "C");
      await t.execute("const d = b + c; d", "D");
      await t.execute("const e = 100; e", "E");
      const out = await t.execute("const a = 2", "A");
      expect(out.status).toBe("ok");
      expect(out.reran.slice().sort()).toEqual(["B", "C", "D"]);
      expect(out.reran.at(-1)).toBe("D");
      expect(t.last("D")).toBe("23");
      expect(t.last("E")).toBe("100");
    }));

  it("types flow between cells: misuse of another cell's value is a type error and the cell does not run", () =>
    withNotebook(async (t) => {
      await t.execute("const a = 1", "A");
      const out = await t.execute("const s: string = a", "T");
      expect(out.status).toBe("error");
      expect(out.error!.evalue).toMatch(/TS2322/);
    }));

  it("a second definition fails on the later cell only, naming both; the first keeps serving its readers", () =>
    withNotebook(async (t) => {
      await t.execute("const e = 100", "E");
      await t.execute("e + 1", "R");
      const dup = await t.execute("const e = 5", "E2");
      expect(dup.error?.ename).toBe("DuplicateDefinitionError");
      expect(dup.error?.evalue).toMatch(/"e" is already defined by the cell `const e = 100`; .*Rename it in this cell/);
      expect(t.last("R")).toBe("101");
      // Deleting the first hands the name to the second: readers re-run with its value.
      await t.delete(["E"]);
      expect(t.last("R")).toBe("6");
    }));

  it("deleting a cell shows an undefined-name error on its readers; the rest stays alive", () =>
    withNotebook(async (t) => {
      await t.execute("const e = 1", "E");
      await t.execute("const f = e + 1; f", "F");
      await t.execute("const g = 41", "G");
      await t.delete(["E"]);
      // F is re-checked at once: its own type error names the missing name.
      expect(t.last("F")).toMatch(/TS2304: Cannot find name 'e'/);
      const ok = await t.execute("g + 1", "H");
      expect(ok.status).toBe("ok");
      expect(t.last("H")).toBe("42");
    }));

  it("a cycle is an error on the cells in it, and heals when broken", () =>
    withNotebook(async (t) => {
      await t.execute("const p = 1", "P");
      await t.execute("const q = p + 1; q", "Q");
      const out = await t.execute("const p = q + 1", "P");
      expect(out.error?.ename).toBe("CircularDefinitionError");
      expect(t.last("Q")).toMatch(/cycle/);
      await t.execute("const p = 1", "P");
      expect(t.last("Q")).toBe("2");
    }));

  it("changing an upstream cell stops a running stream within one step through its signal", () =>
    withNotebook(async (t) => {
      await t.execute("typeof nas.throwIfAborted", "W");
      await t.execute("const limit = 1e9", "L");
      const log: string[] = [];
      Object.assign(globalThis, { __log: log });
      const code =
        "const progress = (async function* () {\n  signal.addEventListener(\"abort\", () => (globalThis as any).__log.push(\"abort\"));\n" +
        "  try {\n    for (let i = 0; i < limit; i++) {\n      nas.throwIfAborted(signal);\n      await new Promise((r) => setTimeout(r, 20));\n" +
        "      (globalThis as any).__log.push(signal.aborted ? `late ${i}` : `yield ${i}`);\n      yield i;\n    }\n" +
        "  } finally { (globalThis as any).__log.push(\"stopped\"); }\n})(); progress";
      let shown = 0;
      const run = t.execute(code, "S", { until: until(() => (shown = log.filter((l) => l.startsWith("yield")).length) >= 3, 30_000, "three yields shown") });
      const first = await run;
      expect(first.settled).toBe(false); // still streaming when the wait was cut short
      expect(shown).toBeGreaterThanOrEqual(3);
      await t.execute("const limit = 3", "L");
      // The old loop saw the abort within the step it was in: at most one value came out after the signal.
      const abortAt = log.indexOf("abort");
      expect(abortAt).toBeGreaterThanOrEqual(0);
      const afterAbort = log.slice(abortAt);
      expect(afterAbort.filter((l) => l.startsWith("late")).length).toBeLessThanOrEqual(1);
      expect(afterAbort).toContain("stopped");
      // The re-run with the new limit streamed 0, 1, 2 and finished; the display shows its last value.
      expect(t.last("S")).toBe("2");
    }));

  it("interrupt aborts running cells", () =>
    withNotebook(async (t) => {
      const run = t.execute("await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))", "I");
      await until(() => t.nb.isRunning("I"), 30_000, "cell I to run");
      t.nb.interrupt();
      const out = await run;
      expect(out.error?.ename).toBe("InterruptedError");
    }));

  it("values with a MIME bundle render richly, others as text; a string shows as its text", () =>
    withNotebook(async (t) => {
      await t.execute("({ [Symbol.for('nasbook.mime')]: () => ({ 'text/html': '<b>x</b>' }) })", "M");
      const o = t.outputs("M").at(-1)!;
      expect(o.output_type).toBe("execute_result");
      if (o.output_type === "execute_result") {
        expect(o.data["text/html"]).toBe("<b>x</b>");
        expect(typeof o.data["text/plain"]).toBe("string");
      }
      await t.execute("`two\nlines`", "STR");
      expect(t.last("STR")).toBe("two\nlines");
    }));

  it("a cell ending in `const x = ...` shows x only when it renders itself (a figure, a control, a stream)", () =>
    withNotebook(async (t) => {
      await t.execute("const plain = { a: 1, b: [1, 2, 3] }", "P");
      expect(t.outputs("P")).toEqual([]);
      await t.execute("const fig = { [Symbol.for('nasbook.mime')]: () => ({ 'text/plain': 'a figure' }) }", "F");
      expect(t.last("F")).toBe("a figure");
      await t.execute("const one = 1, two = 2", "TWO");
      expect(t.outputs("TWO")).toEqual([]);
    }));

  it("imports work: ESM packages and the library as 'nasbook'", () =>
    withNotebook(async (t) => {
      const out = await t.execute("import { schemeDark2 } from 'd3-scale-chromatic';\nimport { Rng } from 'nasbook';\nschemeDark2.length - 5 + new Rng(1).int(1)", "IM");
      expect(out.status).toBe("ok");
      expect(t.last("IM")).toBe("3");
    }));

  it("dynamic import() in a cell loads the module; the library's types are nas.X", () =>
    withNotebook(async (t) => {
      const dyn = await t.execute(`const d3m = await import("d3-path");\nconst seeded: nas.Rng = new nas.Rng(1);\nconst dynPath = d3m.path();\ndynPath.moveTo(0, 0);\ndynPath.lineTo(4, 0);\ndynPath.toString().length`, "DI");
      expect(dyn.status).toBe("ok");
      expect(t.last("DI")).toBe("8"); // "M0,0L4,0"
    }));

  it("a runtime error's stack names the cell's own line, not the compiled body's", () =>
    withNotebook(async (t) => {
      const out = await t.execute("interface Unused { x: number }\n\n\nconst y = 1;\nthrow new Error('here')", "LN");
      expect(out.error?.evalue).toBe("here");
      expect(out.error?.traceback.join("\n")).toMatch(/cell\[LN\]:5/);
    }));
});
