/**
 * The kernel's side of the Jupyter widget protocol 2.1 for nasbook's controls (src/ui): it opens a comm on
 * `jupyter.widget` for each control's layout, style and own model when its cell shows it, applies the `update`s a
 * frontend sends when the user moves the control (the control's readers then re-run), echoes them (`echo_update`, so
 * other views of the same model follow), answers `request_state` and the `jupyter.widget.control` comm's
 * `request_states` (how JupyterLab restores widgets after a reload), forwards a button's clicks (`custom` events),
 * and closes the comms of a control its cell replaced. JupyterLab 4, Notebook 7 and VS Code draw the widgets with the
 * ipywidgets front end they already have.
 */
import { randomBytes } from "node:crypto";
import { ButtonControl, isControl, isControlGroup, type Control, type ControlGroup } from "../src/ui/controls.js";
import type { MimeBundle } from "../src/notebook/mime.js";
import { WidgetBook, widgetProtocolVersion } from "../src/notebook/widgets.js";
import type { Comm, CommRegistry, CommTarget } from "./comms.js";

type Publish = (msgType: string, content: Record<string, unknown>, metadata?: Record<string, unknown>) => Promise<void>;

/** The widgets of a kernel's controls (see the file comment). */
export class KernelWidgets {
  /** Model ids: random, as ipywidgets makes them (a frontend keeps models by id for the whole session). */
  readonly book = new WidgetBook(() => randomBytes(16).toString("hex"));
  /** What each cell shows now (a control or a group): its models close when the cell shows something new. */
  private readonly byCell = new Map<string, Control<unknown> | ControlGroup>();
  private readonly unsubscribe = new Map<Control<unknown>, () => void>();
  /** The control whose update from the frontend is being applied (not sent back as an update of our own). */
  private applying: Control<unknown> | undefined;

  constructor(
    private readonly comms: CommRegistry,
    /** Publishes under the request being handled. */
    private readonly publish: Publish,
    /** Waits until what a control's move re-ran has settled (the comm message is answered then). */
    private readonly settled: () => Promise<unknown>,
    private readonly log: (s: string) => void,
  ) {
    comms.register("jupyter.widget", this.modelTarget());
    comms.register("jupyter.widget.control", this.controlTarget());
  }

  /** The output of a value a cell shows, when it is a control or a group of them: its widget (opened on first show). */
  render(value: unknown, cellId: string): MimeBundle | undefined {
    if (isControlGroup(value)) {
      if (this.byCell.get(cellId) !== value) {
        this.replaceCellControls(cellId, value);
        for (const c of value.controls) this.open(c);
        const { models, created } = this.book.boxOf(value);
        if (created) for (const [id, state] of [[models.layout.id, models.layout.state], [models.id, models.state]] as const) this.openComm(id, state);
      }
      return this.book.bundle(value);
    }
    if (!isControl(value)) return undefined;
    if (this.byCell.get(cellId) !== value) {
      this.replaceCellControls(cellId, value);
      this.open(value);
    }
    return this.book.bundle(value);
  }

  /** Opens the comms of `control`'s models unless open, and starts sending the frontend its changes. */
  private open(control: Control<unknown>): void {
    const { models, created } = this.book.modelsOf(control);
    if (!created) return;
    // In order, before the output that shows the widget (messages go out in the order they are published): the
    // layout and style first, then the model that refers to them.
    for (const [id, state] of [[models.layout.id, models.layout.state], [models.style.id, models.style.state], [models.id, models.state]] as const) {
      this.openComm(id, state);
    }
    // A change made in the kernel (not from this model's frontend) is sent to the frontend.
    this.unsubscribe.set(control, control.subscribe(() => {
      if (this.applying === control) return;
      void this.comms.get(models.id)?.send({ method: "update", state: control.widgetValue(), buffer_paths: [] });
    }));
  }

  private openComm(id: string, state: Record<string, unknown>): void {
    this.comms.openFromKernel(id, "jupyter.widget", { state, buffer_paths: [] }, this.publish, { version: widgetProtocolVersion })
      .catch((e: unknown) => this.log(`widget comm_open failed: ${String(e)}`));
  }

  /** A cell shows something new: the comms of what it showed before close. */
  private replaceCellControls(cellId: string, shown: Control<unknown> | ControlGroup): void {
    const previous = this.byCell.get(cellId);
    this.byCell.set(cellId, shown);
    if (!previous) return;
    for (const old of isControlGroup(previous) ? previous.controls : [previous]) {
      this.unsubscribe.get(old)?.();
      this.unsubscribe.delete(old);
    }
    for (const id of this.book.forget(previous)) void this.comms.closeFromKernel(id, this.publish);
  }

  private modelTarget(): CommTarget {
    return {
      // Only the kernel opens models: a frontend's comm_open on this target is a model we do not have.
      message: async (comm: Comm, data: Record<string, unknown>) => {
        const method = data["method"];
        if (method === "request_state") {
          // Any of our models (a control's, its layout's or style's, a group's box).
          const state = this.book.modelState(comm.id);
          if (state) await comm.send({ method: "update", state, buffer_paths: [] });
          return;
        }
        const control = this.book.controlOf(comm.id);
        if (!control) return;
        if (method === "custom" && control instanceof ButtonControl && (data["content"] as { event?: unknown } | undefined)?.event === "click") {
          control.click();
          await this.settled();
          return;
        }
        if (method !== "update") return;
        const state = (data["state"] ?? {}) as Record<string, unknown>;
        this.applying = control as Control<unknown>;
        try {
          if (!control.fromWidget(state)) return;
        } catch (e) {
          // A value the control cannot take: the frontend is set back to the control's value, and told why.
          this.log(`widget update refused: ${(e as Error).message}`);
          await comm.send({ method: "update", state: control.widgetValue(), buffer_paths: [] });
          return;
        } finally {
          this.applying = undefined;
        }
        // Other views of the model (another window, the same notebook twice) follow the value.
        await comm.send({ method: "echo_update", state, buffer_paths: [] });
        await this.settled();
      },
    };
  }

  private controlTarget(): CommTarget {
    return {
      message: async (comm: Comm, data: Record<string, unknown>) => {
        if (data["method"] !== "request_states") return;
        const states: Record<string, unknown> = {};
        for (const [id, state] of this.book.allModels()) {
          states[id] = { model_name: state["_model_name"], model_module: state["_model_module"], model_module_version: state["_model_module_version"], state };
        }
        await comm.send({ method: "update_states", states, buffer_paths: {} });
      },
    };
  }

  /** Stops following every control. */
  dispose(): void {
    for (const u of this.unsubscribe.values()) u();
    this.unsubscribe.clear();
  }
}
