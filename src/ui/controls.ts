/**
 * Controls in cells, in the spirit of Observable Inputs: `const budget = nas.ui.range([10, 300], { value: 100,
 * step: 10, label: "queries" })` shows a slider as the cell's output, and every cell that reads `budget` sees a
 * number (its type says so). Moving the slider gives `budget` a new value: the cells reading it re-run in place, a
 * search in flight among them is cancelled as when a cell is edited, and the notebook's trial store makes an earlier
 * value instant again.
 *
 * A control is plain state plus listeners; how it is drawn is the client's business: the Jupyter kernel opens a
 * widget of the standard `@jupyter-widgets/controls` models for it (kernel/widgets.ts), `nasbook run` and the HTML
 * export draw it at its value, a live page draws an input element. Nothing here depends on Node or a DOM.
 */
import { NasbookError } from "../errors.js";

/** A control's option or value is not valid. */
export class ControlError extends NasbookError {}

/** What the widget of a control is: its model (`@jupyter-widgets/controls` 2.0) and its state. */
export interface WidgetSpec {
  readonly model: string;
  readonly view: string;
  /** The style model its `style` refers to. */
  readonly styleModel: string;
  readonly state: Readonly<Record<string, unknown>>;
}

const brand = Symbol.for("nasbook.control");

/**
 * A value a user sets with a control. Cells that read a control's variable see its value (`T`), not the control:
 * `__nasbookControlValue` tells the notebook's type checker so (it exists only in types).
 */
export abstract class Control<T> {
  declare readonly __nasbookControlValue: T;
  private current: T;
  /** Listeners see the value through `this` (a Set of `(value: T) => void` would make Control<number> no Control<unknown>). */
  private readonly listeners = new Set<() => void>();

  protected constructor(value: T, readonly label: string | undefined) {
    this.current = value;
    Object.defineProperty(this, brand, { value: true });
  }

  /** The control's kind, for messages ("range", "select", ...). */
  abstract readonly kind: string;

  /** The current value. */
  get value(): T {
    return this.current;
  }

  /** Sets the value (checked: a value the control cannot take is a ControlError); listeners hear of a change. */
  set(value: T): void {
    const v = this.check(value);
    if (Object.is(v, this.current)) return;
    this.current = v;
    for (const l of [...this.listeners]) l();
  }

  /** Calls `listener` with every new value; returns the function that stops it. */
  subscribe(listener: (value: T) => void): () => void {
    const heard = (): void => listener(this.current);
    this.listeners.add(heard);
    return () => void this.listeners.delete(heard);
  }

  /** Sets the value from text (`nasbook run --set name=value`), with an error naming what the control accepts. */
  abstract setFromText(text: string): void;

  /** Checks (and normalises) a value; throws a ControlError naming what is allowed. */
  protected abstract check(value: T): T;

  /** The widget that shows this control in a Jupyter client. */
  abstract widget(): WidgetSpec;

  /**
   * Applies state a Jupyter client sent (a widget `update`); returns whether it was for this control's value. The
   * widget's `value` is the control's value unless a control says otherwise (fromWidgetValue; `set` checks it).
   */
  fromWidget(state: Readonly<Record<string, unknown>>): boolean {
    if (!("value" in state)) return false;
    this.set(this.fromWidgetValue(state["value"]));
    return true;
  }

  /** The widget state's `value` as this control's value (checked again by `set`). */
  protected fromWidgetValue(value: unknown): T {
    return value as T;
  }

  /** The value as the widget state shows it (what an update of the value sends back). */
  widgetValue(): Record<string, unknown> {
    return { value: this.value };
  }

  /** One line: its label and value (what a client without widgets shows). */
  toString(): string {
    return `${this.label ?? this.kind}: ${formatValue(this.value)}`;
  }

  /** A static drawing of the control at its value (`text/html`), and the one line (`text/plain`). */
  toMimeBundle(): Record<string, string> {
    return { "text/plain": this.toString(), "text/html": `<div class="nasbook-control" data-kind="${this.kind}">${this.html()}</div>` };
  }

  /** The control drawn at its value, disabled (the saved notebook and the HTML export show it so). */
  protected abstract html(): string;
}

const groupBrand = Symbol.for("nasbook.controlGroup");

/**
 * What a cell that defines several controls shows: all of them, one under the other (a cell `const a =
 * nas.ui.range(...); const b = nas.ui.select(...)` shows both). Each control still has its own variable: moving one
 * re-runs its readers only.
 */
export class ControlGroup {
  constructor(readonly controls: readonly Control<unknown>[]) {
    Object.defineProperty(this, groupBrand, { value: true });
  }

  /** One line per control. */
  toString(): string {
    return this.controls.map((c) => c.toString()).join("\n");
  }

  /** The controls' static drawings, stacked, and their lines. */
  toMimeBundle(): Record<string, string> {
    const html = this.controls.map((c) => c.toMimeBundle()["text/html"]).join("");
    return { "text/plain": this.toString(), "text/html": `<div class="nasbook-controls">${html}</div>` };
  }
}

/** True for a group of controls (of any copy of this module). */
export function isControlGroup(value: unknown): value is ControlGroup {
  return value !== null && typeof value === "object" && (value as Record<symbol, unknown>)[groupBrand] === true;
}

/** True for a control (of any copy of this module). */
export function isControl(value: unknown): value is Control<unknown> {
  return value !== null && typeof value === "object" && (value as Record<symbol, unknown>)[brand] === true;
}

function formatValue(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

const labelHtml = (label: string | undefined): string => (label ? `<label>${escapeHtml(label)} </label>` : "");

/** The widget state every control model carries (`@jupyter-widgets/controls` 2.0.0). */
function base(model: string, view: string, label: string | undefined): Record<string, unknown> {
  return {
    _model_module: "@jupyter-widgets/controls", _model_module_version: "2.0.0", _model_name: model,
    _view_module: "@jupyter-widgets/controls", _view_module_version: "2.0.0", _view_name: view, _view_count: null,
    _dom_classes: [], description: label ?? "", description_allow_html: false, disabled: false, tabbable: null, tooltip: null,
  };
}

function finite(name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new ControlError(`${name} must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

export interface RangeOptions {
  value?: number;
  step?: number;
  label?: string;
}

/** A slider over [min, max] (`nas.ui.range([10, 300], { value: 100, step: 10, label: "queries" })`). */
export class RangeControl extends Control<number> {
  readonly kind = "range";
  readonly integer: boolean;
  constructor(readonly min: number, readonly max: number, readonly step: number | undefined, value: number, label: string | undefined) {
    super(value, label);
    this.integer = [min, max, value, step ?? 1].every(Number.isInteger);
  }
  protected check(value: number): number {
    finite(`${this.label ?? "range"}'s value`, value);
    if (value < this.min || value > this.max) throw new ControlError(`${this.label ?? "range"}: ${value} is outside [${this.min}, ${this.max}]`);
    if (this.step !== undefined) {
      const k = Math.round((value - this.min) / this.step);
      return +(this.min + k * this.step).toFixed(12);
    }
    return value;
  }
  setFromText(text: string): void {
    const v = Number(text);
    if (text.trim() === "" || !Number.isFinite(v)) throw new ControlError(`${this.label ?? "range"} takes a number in [${this.min}, ${this.max}], got "${text}"`);
    this.set(v);
  }
  widget(): WidgetSpec {
    const model = this.integer ? "IntSliderModel" : "FloatSliderModel";
    const view = this.integer ? "IntSliderView" : "FloatSliderView";
    return {
      model, view, styleModel: "SliderStyleModel",
      state: {
        ...base(model, view, this.label), behavior: "drag-tap", continuous_update: false, orientation: "horizontal",
        readout: true, readout_format: this.integer ? "d" : ".3g", min: this.min, max: this.max,
        step: this.step ?? (this.integer ? 1 : (this.max - this.min) / 100), value: this.value,
      },
    };
  }
  protected override fromWidgetValue(value: unknown): number {
    return finite("value", value);
  }
  protected html(): string {
    return `${labelHtml(this.label)}<input type="range" min="${this.min}" max="${this.max}"${this.step === undefined ? "" : ` step="${this.step}"`} value="${this.value}" disabled> <output>${this.value}</output>`;
  }
}

export interface SelectOptions<T> {
  value?: T;
  label?: string;
  /** How an option is shown (default: String). */
  format?: (option: T) => string;
}

/** A choice among options: a dropdown (`select`) or radio buttons (`radio`). Readers see the option itself. */
export class ChoiceControl<T> extends Control<T> {
  constructor(readonly kind: "select" | "radio", readonly options: readonly T[], value: T, label: string | undefined, private readonly format: (o: T) => string) {
    super(value, label);
  }
  protected check(value: T): T {
    if (!this.options.some((o) => Object.is(o, value))) {
      throw new ControlError(`${this.label ?? this.kind}: ${formatValue(value)} is not one of its options (${this.options.map((o) => this.format(o)).join(", ")})`);
    }
    return value;
  }
  get labels(): string[] {
    return this.options.map((o) => this.format(o));
  }
  /** Its label and the chosen option as the control shows it. */
  override toString(): string {
    return `${this.label ?? this.kind}: ${this.format(this.value)}`;
  }
  setFromText(text: string): void {
    const i = this.labels.indexOf(text);
    if (i < 0) throw new ControlError(`${this.label ?? this.kind} takes one of ${this.labels.map((l) => JSON.stringify(l)).join(", ")}, got "${text}"`);
    this.set(this.options[i]!);
  }
  private index(): number {
    return this.options.findIndex((o) => Object.is(o, this.value));
  }
  widget(): WidgetSpec {
    const model = this.kind === "select" ? "DropdownModel" : "RadioButtonsModel";
    const view = this.kind === "select" ? "DropdownView" : "RadioButtonsView";
    const extra = this.kind === "radio" ? { orientation: "vertical" } : {};
    return { model, view, styleModel: "DescriptionStyleModel", state: { ...base(model, view, this.label), ...extra, _options_labels: this.labels, index: this.index() } };
  }
  override fromWidget(state: Readonly<Record<string, unknown>>): boolean {
    if (!("index" in state)) return false;
    const i = state["index"];
    if (typeof i !== "number" || !Number.isInteger(i) || i < 0 || i >= this.options.length) throw new ControlError(`${this.label ?? this.kind}: no option at index ${JSON.stringify(i)}`);
    this.set(this.options[i]!);
    return true;
  }
  override widgetValue(): Record<string, unknown> {
    return { index: this.index() };
  }
  protected html(): string {
    if (this.kind === "radio") {
      return labelHtml(this.label) + this.labels.map((l, i) => `<label><input type="radio" disabled${i === this.index() ? " checked" : ""}> ${escapeHtml(l)}</label>`).join(" ");
    }
    return `${labelHtml(this.label)}<select disabled>${this.labels.map((l, i) => `<option${i === this.index() ? " selected" : ""}>${escapeHtml(l)}</option>`).join("")}</select>`;
  }
}

/** A yes/no control: a checkbox or a toggle button. */
export class BooleanControl extends Control<boolean> {
  constructor(readonly kind: "checkbox" | "toggle", value: boolean, label: string | undefined) {
    super(value, label);
  }
  protected check(value: boolean): boolean {
    if (typeof value !== "boolean") throw new ControlError(`${this.label ?? this.kind} takes true or false, got ${JSON.stringify(value)}`);
    return value;
  }
  setFromText(text: string): void {
    if (text !== "true" && text !== "false") throw new ControlError(`${this.label ?? this.kind} takes true or false, got "${text}"`);
    this.set(text === "true");
  }
  widget(): WidgetSpec {
    if (this.kind === "checkbox") {
      return { model: "CheckboxModel", view: "CheckboxView", styleModel: "CheckboxStyleModel", state: { ...base("CheckboxModel", "CheckboxView", this.label), indent: true, value: this.value } };
    }
    return {
      model: "ToggleButtonModel", view: "ToggleButtonView", styleModel: "ToggleButtonStyleModel",
      state: { ...base("ToggleButtonModel", "ToggleButtonView", this.label), button_style: "", icon: "", value: this.value },
    };
  }
  protected html(): string {
    return `<label><input type="checkbox" disabled${this.value ? " checked" : ""}> ${escapeHtml(this.label ?? "")}</label>`;
  }
}

/** A number typed in a box. */
export class NumberControl extends Control<number> {
  readonly kind = "number";
  constructor(value: number, readonly min: number | undefined, readonly max: number | undefined, readonly step: number | undefined, label: string | undefined) {
    super(value, label);
  }
  get integer(): boolean {
    return [this.value, this.step ?? 1].every(Number.isInteger) && (this.step !== undefined || Number.isInteger(this.value));
  }
  protected check(value: number): number {
    finite(`${this.label ?? "number"}'s value`, value);
    if (this.min !== undefined && value < this.min) throw new ControlError(`${this.label ?? "number"}: ${value} is below its minimum ${this.min}`);
    if (this.max !== undefined && value > this.max) throw new ControlError(`${this.label ?? "number"}: ${value} is above its maximum ${this.max}`);
    return value;
  }
  setFromText(text: string): void {
    const v = Number(text);
    if (text.trim() === "" || !Number.isFinite(v)) throw new ControlError(`${this.label ?? "number"} takes a number, got "${text}"`);
    this.set(v);
  }
  widget(): WidgetSpec {
    const model = this.integer ? "IntTextModel" : "FloatTextModel";
    const view = this.integer ? "IntTextView" : "FloatTextView";
    return { model, view, styleModel: "DescriptionStyleModel", state: { ...base(model, view, this.label), continuous_update: false, step: this.step ?? null, value: this.value } };
  }
  protected override fromWidgetValue(value: unknown): number {
    return finite("value", value);
  }
  protected html(): string {
    return `${labelHtml(this.label)}<input type="number" value="${this.value}" disabled>`;
  }
}

/** A line of text. */
export class TextControl extends Control<string> {
  readonly kind = "text";
  constructor(value: string, readonly placeholder: string | undefined, label: string | undefined) {
    super(value, label);
  }
  protected check(value: string): string {
    if (typeof value !== "string") throw new ControlError(`${this.label ?? "text"} takes a string, got ${JSON.stringify(value)}`);
    return value;
  }
  setFromText(text: string): void {
    this.set(text);
  }
  widget(): WidgetSpec {
    return {
      model: "TextModel", view: "TextView", styleModel: "TextStyleModel",
      state: { ...base("TextModel", "TextView", this.label), continuous_update: false, placeholder: this.placeholder ?? "\u200b", value: this.value },
    };
  }
  protected html(): string {
    return `${labelHtml(this.label)}<input type="text" value="${escapeHtml(this.value)}" disabled>`;
  }
}

/** A button; its value counts the clicks, so the cells reading it re-run at every click. */
export class ButtonControl extends Control<number> {
  readonly kind = "button";
  constructor(label: string | undefined) {
    super(0, label);
  }
  protected check(value: number): number {
    if (!Number.isInteger(value) || value < 0) throw new ControlError(`${this.label ?? "button"}'s value counts clicks: a whole number >= 0, got ${JSON.stringify(value)}`);
    return value;
  }
  /** One more click. */
  click(): void {
    this.set(this.value + 1);
  }
  setFromText(text: string): void {
    const v = Number(text);
    this.set(Number.isInteger(v) ? v : Number.NaN);
  }
  widget(): WidgetSpec {
    const { description_allow_html: _html, ...state } = base("ButtonModel", "ButtonView", this.label);
    return { model: "ButtonModel", view: "ButtonView", styleModel: "ButtonStyleModel", state: { ...state, button_style: "", icon: "" } };
  }
  override fromWidget(): boolean {
    return false;
  }
  override widgetValue(): Record<string, unknown> {
    return {};
  }
  override toString(): string {
    return `${this.label ?? "button"} (clicked ${this.value} time${this.value === 1 ? "" : "s"})`;
  }
  protected html(): string {
    return `<button disabled>${escapeHtml(this.label ?? "button")}</button>`;
  }
}
