// Controls as Jupyter widgets through the real protocol (ZeroMQ, signed messages): the kernel opens the standard
// `@jupyter-widgets/controls` models (protocol 2.1), a frontend's `update` re-runs exactly the control's readers with
// the new value, the kernel echoes it, and answers request_state and the control comm's request_states. The model
// states are the ones ipywidgets 8 writes (checked against the Python package when it is installed).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KernelClient, nasbookKernelArgv } from "../../kernel/client.js";
import { encode, type JupyterMessage } from "../../kernel/wire.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
let client: KernelClient;
beforeAll(async () => {
  client = await KernelClient.launch(nasbookKernelArgv(root));
}, 120_000);
afterAll(async () => client?.close());

const opens = (ms: JupyterMessage[]) => ms.filter((m) => m.header.msg_type === "comm_open");
const textOf = (m: JupyterMessage | undefined) => String(((m?.content["data"] ?? {}) as Record<string, unknown>)["text/plain"]);

/** Sends a comm message (it has no reply) and waits for its idle; returns its iopub messages. */
async function commMsg(commId: string, data: Record<string, unknown>): Promise<JupyterMessage[]> {
  const frames = encode(client.signer, client.session, "comm_msg", { comm_id: commId, data }, {});
  const msgId = (JSON.parse(frames[2]!.toString()) as { msg_id: string }).msg_id;
  await client.sendRaw(frames);
  return client.untilIdle(msgId);
}

describe("controls as Jupyter widgets", () => {
  let modelId = "";
  it("a control cell opens its layout, style and model comms (protocol 2.1) and shows the widget view", async () => {
    const { reply, iopub } = await client.execute('const budget = nas.ui.range([10, 300], { value: 100, step: 10, label: "queries" })', { cellId: "budget" });
    expect(reply.content["status"]).toBe("ok");
    const comms = opens(iopub);
    expect(comms.map((m) => m.content["target_name"])).toEqual(["jupyter.widget", "jupyter.widget", "jupyter.widget"]);
    expect(comms.every((m) => m.metadata["version"] === "2.1.0")).toBe(true);
    const states = comms.map((m) => (m.content["data"] as { state: Record<string, unknown> }).state);
    expect(states.map((s) => s["_model_name"])).toEqual(["LayoutModel", "SliderStyleModel", "IntSliderModel"]);
    const slider = states[2]!;
    expect(slider).toMatchObject({ _model_module: "@jupyter-widgets/controls", _model_module_version: "2.0.0", _view_name: "IntSliderView", min: 10, max: 300, step: 10, value: 100, description: "queries" });
    expect(slider["layout"]).toBe(`IPY_MODEL_${comms[0]!.content["comm_id"]}`);
    expect(slider["style"]).toBe(`IPY_MODEL_${comms[1]!.content["comm_id"]}`);
    modelId = String(comms[2]!.content["comm_id"]);
    const shown = iopub.find((m) => m.header.msg_type === "execute_result")!;
    expect((shown.content["data"] as Record<string, unknown>)["application/vnd.jupyter.widget-view+json"]).toEqual({ model_id: modelId, version_major: 2, version_minor: 1 });
    expect(textOf(shown)).toBe("queries: 100");
  }, 120_000);

  it("readers see a number (typed as one), not a widget", async () => {
    const { reply, iopub } = await client.execute("const doubled: number = budget * 2;\ndoubled", { cellId: "reader" });
    expect(reply.content["status"], JSON.stringify(reply.content)).toBe("ok");
    expect(textOf(iopub.find((m) => m.header.msg_type === "display_data"))).toBe("200");
    await client.execute("(globalThis as any).__otherRuns = ((globalThis as any).__otherRuns ?? 0) + 1;\n'independent'", { cellId: "other" });
  }, 60_000);

  it("an update from the frontend re-runs exactly the control's readers with the new value, echoed back", async () => {
    const runsBefore = (await client.execute("String((globalThis as any).__otherRuns)", { cellId: "count" })).iopub;
    expect(textOf(runsBefore.find((m) => m.header.msg_type === "execute_result"))).toBe("1");
    const out = await commMsg(modelId, { method: "update", state: { value: 250 }, buffer_paths: [] });
    const echo = out.find((m) => m.header.msg_type === "comm_msg");
    expect(echo?.content).toMatchObject({ comm_id: modelId, data: { method: "echo_update", state: { value: 250 } } });
    const updates = out.filter((m) => m.header.msg_type === "update_display_data");
    expect(updates.map(textOf)).toEqual(["500"]); // the reader, and nothing else
    const after = (await client.execute("String((globalThis as any).__otherRuns)", { cellId: "count" })).iopub;
    expect(textOf(after.find((m) => m.header.msg_type === "execute_result"))).toBe("1");
  }, 60_000);

  it("a value the control cannot take is refused and the frontend is set back", async () => {
    const out = await commMsg(modelId, { method: "update", state: { value: 9999 }, buffer_paths: [] });
    const back = out.find((m) => m.header.msg_type === "comm_msg");
    expect(back?.content).toMatchObject({ data: { method: "update", state: { value: 250 } } });
    expect(out.filter((m) => m.header.msg_type === "update_display_data")).toEqual([]);
  }, 60_000);

  it("answers request_state, and request_states on the jupyter.widget.control comm (how JupyterLab restores widgets)", async () => {
    const state = await commMsg(modelId, { method: "request_state" });
    expect(state.find((m) => m.header.msg_type === "comm_msg")?.content).toMatchObject({ data: { method: "update", state: { _model_name: "IntSliderModel", value: 250 } } });
    const open = encode(client.signer, client.session, "comm_open", { comm_id: "control-comm", target_name: "jupyter.widget.control", data: {} }, {});
    await client.sendRaw(open);
    await client.untilIdle((JSON.parse(open[2]!.toString()) as { msg_id: string }).msg_id);
    const states = await commMsg("control-comm", { method: "request_states" });
    const reply = states.find((m) => m.header.msg_type === "comm_msg")!.content["data"] as { method: string; states: Record<string, { model_name: string; state: Record<string, unknown> }> };
    expect(reply.method).toBe("update_states");
    expect(reply.states[modelId]).toMatchObject({ model_name: "IntSliderModel", model_module: "@jupyter-widgets/controls", model_module_version: "2.0.0", state: { value: 250 } });
  }, 60_000);

  it("a button's click re-runs its readers; select and checkbox readers see the option and the boolean", async () => {
    const b = await client.execute('const go = nas.ui.button("go")', { cellId: "go" });
    const buttonId = String(opens(b.iopub).at(-1)!.content["comm_id"]);
    await client.execute("`clicked ${go} times`", { cellId: "clicks" });
    const out = await commMsg(buttonId, { method: "custom", content: { event: "click" } });
    expect(out.filter((m) => m.header.msg_type === "update_display_data").map(textOf)).toEqual(["clicked 1 times"]);
    const s = await client.execute('const strategy = nas.ui.select(["random", "evolution"], { value: "evolution", label: "strategy" })', { cellId: "strategy" });
    const selectId = String(opens(s.iopub).at(-1)!.content["comm_id"]);
    expect((opens(s.iopub).at(-1)!.content["data"] as { state: Record<string, unknown> }).state).toMatchObject({ _model_name: "DropdownModel", _options_labels: ["random", "evolution"], index: 1 });
    await client.execute("strategy.toUpperCase()", { cellId: "upper" });
    const moved = await commMsg(selectId, { method: "update", state: { index: 0 }, buffer_paths: [] });
    expect(moved.filter((m) => m.header.msg_type === "update_display_data").map(textOf)).toEqual(["RANDOM"]);
  }, 60_000);

  it("a cell that makes a new control closes the comms of the one it showed before", async () => {
    const again = await client.execute('const budget = nas.ui.range([10, 300], { value: 50, step: 10, label: "queries" })', { cellId: "budget" });
    const closed = again.iopub.filter((m) => m.header.msg_type === "comm_close").map((m) => m.content["comm_id"]);
    expect(closed).toContain(modelId);
  }, 60_000);

  it("a cell defining several controls shows them all in a VBox; each moves only its own readers", async () => {
    const { reply, iopub } = await client.execute('const width = nas.ui.range([8, 64], { value: 16, step: 8, label: "width" });\nconst depth = nas.ui.range([1, 4], { value: 2, label: "depth" });', { cellId: "panel" });
    expect(reply.content["status"], JSON.stringify(reply.content)).toBe("ok");
    const comms = opens(iopub);
    const states = comms.map((m) => (m.content["data"] as { state: Record<string, unknown> }).state);
    expect(states.map((s) => s["_model_name"])).toEqual(["LayoutModel", "SliderStyleModel", "IntSliderModel", "LayoutModel", "SliderStyleModel", "IntSliderModel", "LayoutModel", "VBoxModel"]);
    const [widthId, depthId, boxLayoutId, boxId] = [2, 5, 6, 7].map((i) => String(comms[i]!.content["comm_id"]));
    expect(states[7]).toMatchObject({ _view_name: "VBoxView", children: [`IPY_MODEL_${widthId}`, `IPY_MODEL_${depthId}`], layout: `IPY_MODEL_${boxLayoutId}` });
    const shown = iopub.find((m) => m.header.msg_type === "execute_result")!;
    expect((shown.content["data"] as Record<string, unknown>)["application/vnd.jupyter.widget-view+json"]).toMatchObject({ model_id: boxId });
    expect(textOf(shown)).toBe("width: 16\ndepth: 2");
    await client.execute("`width ${width}`", { cellId: "w" });
    await client.execute("`depth ${depth}`", { cellId: "d" });
    const moved = await commMsg(depthId!, { method: "update", state: { value: 3 }, buffer_paths: [] });
    expect(moved.filter((m) => m.header.msg_type === "update_display_data").map(textOf)).toEqual(["depth 3"]);
    const state = await commMsg(boxId!, { method: "request_state" });
    expect(state.find((m) => m.header.msg_type === "comm_msg")?.content).toMatchObject({ data: { method: "update", state: { _model_name: "VBoxModel" } } });
    // Re-running the cell replaces the whole group: the box and both controls close.
    const again = await client.execute('const width = nas.ui.range([8, 64], { value: 32, step: 8, label: "width" });\nconst depth = nas.ui.range([1, 4], { value: 2, label: "depth" });', { cellId: "panel" });
    const closed = again.iopub.filter((m) => m.header.msg_type === "comm_close").map((m) => m.content["comm_id"]);
    expect(closed).toEqual(expect.arrayContaining([boxId, widthId, depthId]));
  }, 60_000);
});

// The model states ipywidgets 8 writes, from the Python package itself (when installed): ours carry the same keys.
const python = process.env["NASBOOK_JUPYTER_PYTHON"] ?? "/work/venv-jl/bin/python";
const hasIpywidgets = existsSync(python) && spawnSync(python, ["-c", "import ipywidgets"], { stdio: "ignore" }).status === 0;
describe("widget states match ipywidgets 8", () => {
  it.skipIf(!hasIpywidgets)("every control's model state has the keys ipywidgets gives the same model", async () => {
    const { range, select, radio, checkbox, toggle, number, text, button } = await import("../../src/ui/index.js");
    const ours = [range([0, 10], { value: 3 }), range([0, 1], { value: 0.5, step: 0.1 }), select(["a", "b"]), radio(["a", "b"]), checkbox(), toggle(), number({ value: 3 }), number({ value: 0.5, step: 0.1 }), text(), button("b")];
    const py = spawnSync(python, ["-c", [
      "import ipywidgets as w, json",
      "ws = [w.IntSlider(), w.FloatSlider(), w.Dropdown(options=['a']), w.RadioButtons(options=['a']), w.Checkbox(), w.ToggleButton(), w.IntText(), w.FloatText(), w.Text(), w.Button()]",
      "print(json.dumps([{'model': x._model_name, 'keys': sorted(x.get_state().keys()), 'style': x.style._model_name} for x in ws]))",
    ].join("\n")], { encoding: "utf8" });
    const theirs = JSON.parse(py.stdout) as { model: string; keys: string[]; style: string }[];
    for (const [i, c] of ours.entries()) {
      const spec = c.widget();
      expect(spec.model).toBe(theirs[i]!.model);
      expect(spec.styleModel).toBe(theirs[i]!.style);
      const keys = [...Object.keys(spec.state), "layout", "style"].sort();
      expect(keys, spec.model).toEqual(theirs[i]!.keys);
    }
  }, 60_000);
});
