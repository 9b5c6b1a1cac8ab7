// The reactive notebook without Jupyter: exact re-run sets and order, errors on the cells involved,
// cancellation latency through the cell's signal, streaming, types flowing between cells.
import { afterAll, describe, expect, it } from "vitest";
import { Notebook, type DisplayEvent } from "../../src/notebook/notebook.js";

const displays: DisplayEvent[] = [];
const nb = new Notebook({ onDisplay: (e) => displays.push(e) });
afterAll(() => nb.dispose());
const last = (id: string) => displays.filter((d) => d.cellId === id).at(-1)?.bundle?.["text/plain"];

describe("reactive notebook", () => {
  it("re-running a cell re-runs exactly its dependents, in topological order", async () => {
    await nb.execute("const a = 1", { cellId: "A" });
    await nb.execute("const b = a + 1", { cellId: "B" });
    await nb.execute("const c = a * 10", { cellId: "C" });
    await nb.execute("const d = b + c", { cellId: "D" });
    await nb.execute("const e = 100", { cellId: "E" });
    const out = await nb.execute("const a = 2", { cellId: "A" });
    expect(out.status).toBe("ok");
    expect(out.reran.slice().sort()).toEqual(["B", "C", "D"]);
    expect(out.reran.at(-1)).toBe("D");
    expect(last("D")).toBe("23");
    expect(last("E")).toBe("100");
  });

  it("types flow between cells: misuse of another cell's value is a type error and the cell does not run", async () => {
    const out = await nb.execute("const s: string = a", { cellId: "T" });
    expect(out.status).toBe("error");
    expect(out.error!.evalue).toMatch(/TS2322/);
  });

  it("a duplicate definition errors on both cells; deleting one restores the other", async () => {
    const dup = await nb.execute("const e = 5", { cellId: "E2" });
    expect(dup.error?.ename).toBe("DuplicateDefinitionError");
    expect(String(last("E"))).toMatch(/defined by more than one cell/);
    await nb.delete(["E2"]);
    expect(last("E")).toBe("100");
  });

  it("deleting a cell shows an undefined-name error on its readers; the rest stays alive", async () => {
    await nb.execute("const f = e + 1", { cellId: "F" });
    await nb.delete(["E"]);
    // F is re-checked at once: its own type error names the missing name.
    expect(String(last("F"))).toMatch(/TS2304: Cannot find name 'e'/);
    const ok = await nb.execute("d + 1", { cellId: "G" });
    expect(ok.status).toBe("ok");
    expect(last("G")).toBe("24");
  });

  it("a cycle is an error on the cells in it", async () => {
    await nb.execute("const p = 1", { cellId: "P" });
    await nb.execute("const q = p + 1", { cellId: "Q" });
    const out = await nb.execute("const p = q + 1", { cellId: "P" });
    expect(out.error?.ename).toBe("CircularDefinitionError");
    expect(String(last("Q"))).toMatch(/cycle/);
    await nb.execute("const p = 1", { cellId: "P" });
    expect(last("Q")).toBe("2");
  });

  it("changing an upstream cell stops a running loop within one step through its signal", async () => {
    const step = 50;
    // The library's types load with the first cell that mentions `nas`: not inside the timed part below.
    await nb.execute("typeof nas.throwIfAborted", { cellId: "W" });
    await nb.execute("const limit = 1e9", { cellId: "L" });
    const stopped: number[] = [], aborted: number[] = [], lateYields: number[] = [];
    Object.assign(globalThis, { __stopped: stopped, __aborted: aborted, __lateYields: lateYields });
    const run = nb.execute(
      `const progress = (async function* () {\n  const aborted = signal.aborted;\n  signal.addEventListener("abort", () => (globalThis as any).__aborted.push(performance.now()));\n  try {\n    for (let i = 0; i < limit; i++) {\n      nas.throwIfAborted(signal);\n      await new Promise((r) => setTimeout(r, ${step}));\n      if (signal.aborted) (globalThis as any).__lateYields.push(i);\n      yield i;\n    }\n  } finally { (globalThis as any).__stopped.push(performance.now()); }\n})()`,
      { cellId: "S", until: new Promise((r) => setTimeout(r, 3000)) },
    );
    const shownS = () => displays.filter((d) => d.cellId === "S").map((d) => d.bundle?.["text/plain"]);
    const first = await run;
    expect(first.settled).toBe(false); // still streaming when preempted
    // Every value the loop yielded so far was displayed, in order, from the first: 0, 1, ..., k with k >= 1.
    const streamed = shownS();
    expect(streamed.length).toBeGreaterThanOrEqual(2);
    expect(streamed).toEqual(streamed.map((_, i) => String(i)));
    await new Promise((r) => setTimeout(r, 2 * step));
    await nb.execute("const limit = 3", { cellId: "L" });
    expect(stopped.length).toBeGreaterThanOrEqual(1);
    // The old loop sees the abort within the step it is in: at most that step's value comes out after the signal,
    // and its finally runs at most one step (plus timer slack on a loaded machine) after the signal fired.
    expect(aborted.length).toBeGreaterThanOrEqual(1);
    expect(lateYields.length).toBeLessThanOrEqual(1);
    expect(stopped[0]! - aborted[0]!).toBeLessThan(step + 250);
    // The re-run with the new limit streamed 0, 1, 2 and finished.
    expect(last("S")).toBe("2");
    expect(shownS().slice(-3)).toEqual(["0", "1", "2"]);
    await nb.delete(["S"]);
  });

  it("interrupt aborts running cells", async () => {
    const run = nb.execute("await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))", { cellId: "I" });
    // Interrupt once the cell runs (compiling it takes a moment on a loaded machine).
    for (let i = 0; i < 100 && !nb.isRunning("I"); i++) await new Promise((r) => setTimeout(r, 50));
    nb.interrupt();
    const out = await run;
    expect(out.error?.ename).toBe("InterruptedError");
  });

  it("values with a MIME bundle render richly, others as text", async () => {
    await nb.execute("({ [Symbol.for('nasbook.mime')]: () => ({ 'text/html': '<b>x</b>' }) })", { cellId: "M" });
    const bundle = displays.filter((d) => d.cellId === "M").at(-1)!.bundle!;
    expect(bundle["text/html"]).toBe("<b>x</b>");
    expect(typeof bundle["text/plain"]).toBe("string");
  });

  it("imports work: ESM packages and the library as 'nasbook'", async () => {
    const out = await nb.execute("import { schemeDark2 } from 'd3-scale-chromatic';\nimport { Rng } from 'nasbook';\nschemeDark2.length - 5 + new Rng(1).int(1)", { cellId: "IM" });
    expect(out.status).toBe("ok");
    expect(last("IM")).toBe("3");
  });

  it("dynamic import() in a cell loads the module; the library's types are nas.X", async () => {
    const dyn = await nb.execute(`const d3m = await import("d3-path");\nconst seeded: nas.Rng = new nas.Rng(1);\nconst dynPath = d3m.path();\ndynPath.moveTo(0, 0);\ndynPath.lineTo(4, 0);\ndynPath.toString().length`, { cellId: "DI" });
    expect(dyn.status).toBe("ok");
    expect(last("DI")).toBe("8"); // "M0,0L4,0"
  });
});
