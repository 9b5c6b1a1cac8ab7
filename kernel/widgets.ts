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
import { ButtonControl, isControl, type Control } from "../src/ui/controls.js";
import type { MimeBundle } from "../src/notebook/mime.js";
import { WidgetBook, widgetProtocolVersion } from "../src/notebook/widgets.js";
import type { Comm, CommRegistry, CommTarget } from "./comms.js";

type Publish = (msgType: string, content: Record<string, unknown>, metadata?: Record<string, unknown>) => Promise<void>;

/** The widgets of a kernel's controls (see the file comment). */
export class KernelWidgets {
  /** Model ids: random, as ipywidgets makes them (a frontend keeps models by id for the whole session). */
  readonly book = new WidgetBook(() => randomBytes(16).toString("hex"));
  private readonly byCell = new Map<string, Set<Control<unknown>>>();
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

  /** The output of a value a cell shows, when it is a control: its widget (opened on first show); else undefined. */
  render(value: unknown, cellId: string): MimeBundle | undefined {
    if (!isControl(value)) return undefined;
    const { models, created } = this.book.modelsOf(value);
    if (created) {
      this.replaceCellControls(cellId, value);
      const meta = { version: widgetProtocolVersion };
      const open = (id: string, state: Record<string, unknown>) => this.comms.openFromKernel(id, "jupyter.widget", { state, buffer_paths: [] }, this.publish, meta);
      // In order, before the output that shows the widget (messages go out in the order they are published): the
      // layout and style first, then the model that refers to them.
      for (const [id, state] of [[models.layout.id, models.layout.state], [models.style.id, models.style.state], [models.id, models.state]] as const) {
        open(id, state).catch((e: unknown) => this.log(`widget comm_open failed: ${String(e)}`));
      }
      // A change made in the kernel (not from this model's frontend) is sent to the frontend.
      this.unsubscribe.set(value, value.subscribe(() => {
        if (this.applying === value) return;
        void this.comms.get(models.id)?.send({ method: "update", state: value.widgetValue(), buffer_paths: [] });
      }));
    }
    return this.book.bundle(value);
  }

  /** A cell made a new control: the comms of the one it showed before close. */
  private replaceCellControls(cellId: string, control: Control<unknown>): void {
    const previous = this.byCell.get(cellId);
    if (previous) {
      for (const old of previous) {
        this.unsubscribe.get(old)?.();
        this.unsubscribe.delete(old);
        for (const id of this.book.forget(old)) void this.comms.closeFromKernel(id, this.publish);
      }
    }
    this.byCell.set(cellId, new Set([control]));
  }

  private modelTarget(): CommTarget {
    return {
      // Only the kernel opens models: a frontend's comm_open on this target is a model we do not have.
      message: async (comm: Comm, data: Record<string, unknown>) => {
        const control = this.book.controlOf(comm.id);
        if (!control) return;
        const method = data["method"];
        if (method === "request_state") {
          const { models } = this.book.modelsOf(control);
          await comm.send({ method: "update", state: models.state, buffer_paths: [] });
          return;
        }
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
        for (const [, m] of this.book.entries()) {
          for (const [id, state] of [[m.layout.id, m.layout.state], [m.style.id, m.style.state], [m.id, m.state]] as const) {
            states[id] = { model_name: state["_model_name"], model_module: state["_model_module"], model_module_version: state["_model_module_version"], state };
          }
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
