// The table of semantic cases (semanticCases.ts) through the notebook, interactively (every step, as JupyterLab
// sends them), and through `nasbook run`'s runner (the final notebook, top to bottom). The kernel's modes run the
// same table in test/kernel/cases.test.ts.
import { describe, expect, it } from "vitest";
import { codeCell, notebookOf, type Output } from "../../src/notebook/ipynb.js";
import { runNotebook } from "../../src/notebook/runner.js";
import { outputText, TestNotebook } from "./harness.js";
import { differences, finalNotebook, semanticCases } from "./semanticCases.js";

const shownBy = (outputs: readonly Output[]): string => outputs.map(outputText).join("\n");

describe("semantic cases: the notebook, step by step", () => {
  it.each(semanticCases.map((c) => [c.name, c] as const))("%s", async (_, c) => {
    const t = new TestNotebook({ warmUp: false });
    try {
      for (const s of c.steps) {
        if ("delete" in s) await t.delete([s.delete]);
        else await t.execute(s.code, s.cell);
      }
      expect(differences(c, (id) => shownBy(t.outputs(id)))).toEqual([]);
    } finally {
      t.dispose();
    }
  });
});

describe("semantic cases: nasbook run of the final notebook", () => {
  it.each(semanticCases.filter((c) => c.linear !== false).map((c) => [c.name, c] as const))("%s", async (_, c) => {
    const doc = notebookOf(finalNotebook(c).map(({ id, code }) => codeCell(id, code)));
    const r = await runNotebook(doc, { continueOnError: true });
    const outputs = new Map(r.notebook.cells.map((cell) => [cell.id, cell.cell_type === "code" ? cell.outputs : []]));
    expect(differences(c, (id) => shownBy(outputs.get(id) ?? []))).toEqual([]);
  });
});

it("the table has the cases the issue names, and enough of them", () => {
  expect(semanticCases.length).toBeGreaterThanOrEqual(40);
  const names = semanticCases.map((c) => c.name).join("\n");
  for (const topic of ["destructuring", "shadowing", "extends", "implements", "import type", "enum", "namespace", "export default", "types only", "same import in three", "second definition", "deleting", "cycle", "throw", "undefined", "type change"]) {
    expect(names, topic).toContain(topic);
  }
});
