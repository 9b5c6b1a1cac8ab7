// An interrupt stops the type-check of the executed cell (the first `nas` check parses and checks the library's
// types, which takes seconds): the check throws CheckInterrupted, the cell keeps its previous version for the
// other cells, and the next execution checks it again. A notebook reports the interrupted execution as an error
// and keeps every value.
import { afterEach, describe, expect, it } from "vitest";
import { CellCompiler } from "../../src/notebook/cellCompiler.js";
import { CheckInterrupted } from "../../src/notebook/checker.js";
import { clearInterruptFlag, interruptRequested, raiseInterruptFlag } from "../../kernel/interruptFlag.js";
import { Notebook } from "../../src/notebook/notebook.js";

afterEach(() => clearInterruptFlag());

describe("interrupting a type-check", () => {
  it("stops the check of a library cell; the cell keeps its previous version; the next check runs", () => {
    const c = new CellCompiler({ interruptRequested });
    c.compile("a", "const a = 1");
    c.compile("reader", "const r: number = a");
    raiseInterruptFlag();
    expect(() => c.compile("a", "const a = nas.chainSpace({ maxConv: 1, filters: [8], kernels: [3], units: [16] })")).toThrow(CheckInterrupted);
    clearInterruptFlag();
    // Other cells still see the version that was checked: `a` is a number, and the reader was not re-checked.
    expect(c.compile("reader2", "const r2: number = a").cell!.errors).toEqual([]);
    // Sent again, the library cell is checked to the end and its new type reaches the reader.
    const again = c.compile("a", "const a = nas.chainSpace({ maxConv: 1, filters: [8], kernels: [3], units: [16] })");
    expect(again.cell!.errors).toEqual([]);
    expect(again.rechecked.map((r) => [r, c.cell(r)!.errors.map((e) => e.code)])).toEqual([["reader", [2322]], ["reader2", [2322]]]);
  }, 120_000);

  it("a notebook reports the interrupted execution as an error, ran nothing, and keeps its values", async () => {
    const nb = new Notebook({ warmUp: false, interruptRequested });
    try {
      expect((await nb.execute("const kept = 41", { cellId: "k" })).status).toBe("ok");
      raiseInterruptFlag();
      const out = await nb.execute("globalThis.__ranAfterInterrupt = true; kept + 1", { cellId: "x" });
      clearInterruptFlag();
      expect(out.status).toBe("error");
      expect(out.error!.evalue).toMatch(/interrupted/);
      expect((globalThis as Record<string, unknown>)["__ranAfterInterrupt"]).toBeUndefined();
      expect(nb.cellIds()).toEqual(["k"]);
      const again = await nb.execute("kept + 1", { cellId: "x" });
      expect(again.status).toBe("ok");
    } finally {
      nb.dispose();
    }
  });
});
