/**
 * Controls (src/ui) as Jupyter widgets (the widget message protocol 2.1, models of `@jupyter-widgets/controls`
 * 2.0 and `@jupyter-widgets/base` 2.0, as ipywidgets 8 writes them): each control gets a model id, a layout and a
 * style model, and is shown as `application/vnd.jupyter.widget-view+json` (with its one-line text and a static
 * drawing for clients without widgets). The kernel sends the models over comms (kernel/widgets.ts); `nasbook run`
 * saves them in the notebook's metadata (`application/vnd.jupyter.widget-state+json`), so a saved notebook shows its
 * controls where they were.
 */
import { isControlGroup, type Control, type ControlGroup } from "../ui/controls.js";
import type { MimeBundle } from "./mime.js";

/** The widget state MIME type in a notebook's metadata, and its version. */
export const widgetStateMime = "application/vnd.jupyter.widget-state+json";
/** The widget view MIME type of an output. */
export const widgetViewMime = "application/vnd.jupyter.widget-view+json";
/** The widget message protocol version this kernel speaks (comm_open metadata). */
export const widgetProtocolVersion = "2.1.0";

/** One model as a notebook's widget state stores it. */
export interface ModelState {
  readonly model_name: string;
  readonly model_module: string;
  readonly model_module_version: string;
  readonly state: Record<string, unknown>;
}

/** The models of one control: its layout, style and own model. */
export interface ControlModels {
  readonly id: string;
  readonly layout: { id: string; state: Record<string, unknown> };
  readonly style: { id: string; state: Record<string, unknown> };
  readonly state: Record<string, unknown>;
}

/** The models of a group of controls (one cell showing several): a VBox and its layout. */
export interface BoxModels {
  readonly id: string;
  readonly layout: { id: string; state: Record<string, unknown> };
  readonly state: Record<string, unknown>;
}

function boxState(children: readonly string[], layout: string): Record<string, unknown> {
  return {
    _dom_classes: [], _model_module: "@jupyter-widgets/controls", _model_module_version: "2.0.0", _model_name: "VBoxModel",
    _view_count: null, _view_module: "@jupyter-widgets/controls", _view_module_version: "2.0.0", _view_name: "VBoxView",
    box_style: "", children: children.map((id) => `IPY_MODEL_${id}`), layout: `IPY_MODEL_${layout}`, tabbable: null, tooltip: null,
  };
}

function layoutState(): Record<string, unknown> {
  return {
    _model_module: "@jupyter-widgets/base", _model_module_version: "2.0.0", _model_name: "LayoutModel",
    _view_module: "@jupyter-widgets/base", _view_module_version: "2.0.0", _view_name: "LayoutView", _view_count: null,
  };
}

function styleState(model: string): Record<string, unknown> {
  return {
    _model_module: "@jupyter-widgets/controls", _model_module_version: "2.0.0", _model_name: model,
    _view_module: "@jupyter-widgets/base", _view_module_version: "2.0.0", _view_name: "StyleView", _view_count: null,
    description_width: "",
  };
}

/** The widgets of a notebook's controls: model ids, states, views (see the file comment). */
export class WidgetBook {
  private readonly models = new Map<Control<unknown>, ControlModels>();
  private readonly boxes = new Map<ControlGroup, BoxModels>();
  private next = 0;

  /** `idOf(n)`: the n-th model id (the kernel: random per session; `nasbook run`: derived, so runs are identical). */
  constructor(private readonly idOf: (n: number) => string) {}

  /** The models of `control`, made on first use. */
  modelsOf(control: Control<unknown>): { models: ControlModels; created: boolean } {
    const known = this.models.get(control);
    if (known) return { models: { ...known, state: this.stateOf(control, known) }, created: false };
    const spec = control.widget();
    const layout = { id: this.idOf(this.next++), state: layoutState() };
    const style = { id: this.idOf(this.next++), state: styleState(spec.styleModel) };
    const id = this.idOf(this.next++);
    const models: ControlModels = { id, layout, style, state: {} };
    this.models.set(control, models);
    return { models: { ...models, state: this.stateOf(control, models) }, created: true };
  }

  /** The models of `group` (a VBox of its controls' models, which are made first), made on first use. */
  boxOf(group: ControlGroup): { models: BoxModels; created: boolean } {
    const known = this.boxes.get(group);
    if (known) return { models: known, created: false };
    const children = group.controls.map((c) => this.modelsOf(c).models.id);
    const layout = { id: this.idOf(this.next++), state: layoutState() };
    const id = this.idOf(this.next++);
    const models: BoxModels = { id, layout, state: boxState(children, layout.id) };
    this.boxes.set(group, models);
    return { models, created: true };
  }

  /** The state of the model `modelId` (any kind), if it is one of ours. */
  modelState(modelId: string): Record<string, unknown> | undefined {
    for (const [id, state] of this.allModels()) if (id === modelId) return state;
    return undefined;
  }

  /** The control whose model is `modelId`, if any. */
  controlOf(modelId: string): Control<unknown> | undefined {
    for (const [c, m] of this.models) if (m.id === modelId) return c;
    return undefined;
  }

  /** The group whose box model is `modelId`, if any (a live page draws the group's controls). */
  groupOf(modelId: string): ControlGroup | undefined {
    for (const [g, b] of this.boxes) if (b.id === modelId) return g;
    return undefined;
  }

  /** Forgets `control` or `group` (its cell made a new one); returns the model ids it had. */
  forget(shown: Control<unknown> | ControlGroup): string[] {
    if (isControlGroup(shown)) {
      const box = this.boxes.get(shown);
      this.boxes.delete(shown);
      return [...(box ? [box.id, box.layout.id] : []), ...shown.controls.flatMap((c) => this.forget(c))];
    }
    const m = this.models.get(shown);
    if (!m) return [];
    this.models.delete(shown);
    return [m.id, m.style.id, m.layout.id];
  }

  /** Every control known, with its models. */
  *entries(): Iterable<[Control<unknown>, ControlModels]> {
    for (const [c, m] of this.models) yield [c, { ...m, state: this.stateOf(c, m) }];
  }

  /** The output that shows `control` (or a group): its widget view, its one line, and its static drawing. */
  bundle(shown: Control<unknown> | ControlGroup): MimeBundle {
    const id = isControlGroup(shown) ? this.boxOf(shown).models.id : this.modelsOf(shown).models.id;
    return {
      [widgetViewMime]: { model_id: id, version_major: 2, version_minor: 1 },
      ...shown.toMimeBundle(),
    };
  }

  /** Every model (layouts and styles first, then controls, then boxes: each after what it refers to), by id. */
  *allModels(): Iterable<[string, Record<string, unknown>]> {
    for (const [, m] of this.entries()) {
      yield [m.layout.id, m.layout.state];
      yield [m.style.id, m.style.state];
      yield [m.id, m.state];
    }
    for (const b of this.boxes.values()) {
      yield [b.layout.id, b.layout.state];
      yield [b.id, b.state];
    }
  }

  /** The notebook metadata of every control's models (`metadata.widgets`). */
  metadata(): Record<string, unknown> {
    const state: Record<string, ModelState> = {};
    const add = (id: string, s: Record<string, unknown>): void => {
      state[id] = { model_name: String(s["_model_name"]), model_module: String(s["_model_module"]), model_module_version: String(s["_model_module_version"]), state: s };
    };
    for (const [id, s] of this.allModels()) add(id, s);
    return { [widgetStateMime]: { version_major: 2, version_minor: 0, state } };
  }

  private stateOf(control: Control<unknown>, m: ControlModels): Record<string, unknown> {
    return { ...control.widget().state, layout: `IPY_MODEL_${m.layout.id}`, style: `IPY_MODEL_${m.style.id}` };
  }
}
