// Controls (nas.ui) headless: `nasbook run` shows each control as its widget (state saved in the notebook's metadata,
// so a client draws it where it was), readers see its value, and `--set name=value` starts it elsewhere, the same as
// moving it. The kernel's side of the widget protocol is in test/kernel/widgets.test.ts.
import { describe, expect, it } from "vitest";
import { codeCell, notebookOf, type CodeCell, type NotebookDocument } from "../../src/notebook/ipynb.js";
import { runNotebook, SetParameterError } from "../../src/notebook/runner.js";
import { outputText, TestNotebook } from "./harness.js";

const nb = (): NotebookDocument => notebookOf([
  codeCell("budget", 'const budget = nas.ui.range([10, 300], { value: 100, step: 10, label: "queries" })'),
  codeCell("strategy", 'const strategy = nas.ui.select(["random", "evolution"], { value: "evolution", label: "strategy" })'),
  codeCell("plan", "`${strategy} with ${budget * 2} half-queries`"),
]);
const shown = (doc: NotebookDocument, id: string): string => (doc.cells.find((c) => c.id === id) as CodeCell).outputs.map(outputText).join("\n");

describe("controls headless", () => {
  it("nasbook run shows each control as its widget, saves the widget state, and readers see the values", async () => {
    const r = await runNotebook(nb());
    expect(r.failures).toEqual([]);
    expect(shown(r.notebook, "plan")).toBe("evolution with 200 half-queries");
    const out = (r.notebook.cells.find((c) => c.id === "budget") as CodeCell).outputs[0]!;
    expect(out.output_type).toBe("execute_result");
    const data = (out as { data: Record<string, unknown> }).data;
    const view = data["application/vnd.jupyter.widget-view+json"] as { model_id: string };
    expect(data["text/plain"]).toBe("queries: 100");
    expect(String(data["text/html"])).toContain('type="range"');
    const state = (r.notebook.metadata["widgets"] as Record<string, { state: Record<string, { model_name: string; state: Record<string, unknown> }> }>)["application/vnd.jupyter.widget-state+json"]!.state;
    expect(state[view.model_id]).toMatchObject({ model_name: "IntSliderModel", state: { value: 100, min: 10, max: 300 } });
    expect(Object.values(state).map((m) => m.model_name).sort()).toEqual(["DescriptionStyleModel", "DropdownModel", "IntSliderModel", "LayoutModel", "LayoutModel", "SliderStyleModel"]);
    // Two runs save the same notebook (model ids derive from the controls' order).
    const again = await runNotebook(nb());
    expect(JSON.stringify(again.notebook.metadata["widgets"])).toBe(JSON.stringify(r.notebook.metadata["widgets"]));
  });

  it("--set starts a control at another value, as moving it would, and the manifest records it", async () => {
    const r = await runNotebook(nb(), { set: { budget: "50", strategy: "random" } });
    expect(shown(r.notebook, "plan")).toBe("random with 100 half-queries");
    expect(shown(r.notebook, "budget")).toBe("queries: 50");
    expect(r.manifest.set).toEqual({ budget: "50", strategy: "random" });
  });

  it("--set names what is wrong: an unknown name, a value the control cannot take, a variable that is no control", async () => {
    await expect(runNotebook(nb(), { set: { nope: "1" } })).rejects.toThrow(SetParameterError);
    await expect(runNotebook(nb(), { set: { nope: "1" } })).rejects.toThrow(/no cell of this notebook declares "nope"/);
    const bad = await runNotebook(nb(), { set: { budget: "5000" }, continueOnError: true });
    expect(bad.failures[0]?.error.evalue).toMatch(/queries: 5000 is outside \[10, 300\]/);
    const plain = notebookOf([codeCell("n", "const n = 3")]);
    await expect(runNotebook(plain, { set: { n: "4" } })).rejects.toThrow(/no control of this notebook is named "n"/);
  });

  it("a cell defining several controls shows them all (a VBox saved with them); --set moves any of them", async () => {
    const doc = notebookOf([
      codeCell("panel", 'const width = nas.ui.range([8, 64], { value: 16, step: 8, label: "width" });\nconst depth = nas.ui.range([1, 4], { value: 2, label: "depth" });'),
      codeCell("use", "`${depth} layers of ${width}`"),
    ]);
    const r = await runNotebook(doc, { set: { depth: "3" } });
    expect(shown(r.notebook, "panel")).toBe("width: 16\ndepth: 3");
    expect(shown(r.notebook, "use")).toBe("3 layers of 16");
    const view = ((r.notebook.cells[0] as CodeCell).outputs[0] as { data: Record<string, { model_id: string }> }).data["application/vnd.jupyter.widget-view+json"]!;
    const state = (r.notebook.metadata["widgets"] as Record<string, { state: Record<string, { model_name: string; state: Record<string, unknown> }> }>)["application/vnd.jupyter.widget-state+json"]!.state;
    expect(state[view.model_id]?.model_name).toBe("VBoxModel");
    const children = (state[view.model_id]!.state["children"] as string[]).map((c) => state[c.replace("IPY_MODEL_", "")]?.state["description"]);
    expect(children).toEqual(["width", "depth"]);
  });

  it("readers are typed with the control's value type", async () => {
    const t = new TestNotebook({ warmUp: false });
    try {
      await t.execute('const k = nas.ui.range([0, 10], { value: 3 })', "k");
      expect((await t.execute("const asNumber: number = k; asNumber", "ok")).status).toBe("ok");
      const wrong = await t.execute("const asString: string = k", "wrong");
      expect(wrong.error?.evalue).toMatch(/TS2322: Type 'number' is not assignable to type 'string'/);
      await t.execute('const pick = nas.ui.select([8, 16, 32])', "pick");
      expect((await t.execute("const width: number = pick * 2; width", "w")).status).toBe("ok");
    } finally {
      t.dispose();
    }
  });
});
