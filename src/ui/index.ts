/**
 * `nas.ui`: controls for notebook cells (see controls.ts). A cell `const budget = nas.ui.range([10, 300], { value:
 * 100, step: 10, label: "queries" })` shows a slider; cells reading `budget` see a number and re-run when it moves.
 */
import {
  BooleanControl, ButtonControl, ChoiceControl, ControlError, NumberControl, RangeControl, TextControl,
  type RangeOptions, type SelectOptions,
} from "./controls.js";

export { Control, ControlError, isControl } from "./controls.js";
export type { BooleanControl, ButtonControl, ChoiceControl, NumberControl, RangeControl, RangeOptions, SelectOptions, TextControl } from "./controls.js";

/** A slider over `[min, max]`; `value` defaults to `min`, `step` to none (any value) or 1 for whole numbers. */
export function range(extent: readonly [number, number], options: RangeOptions = {}): RangeControl {
  if (!Array.isArray(extent) || extent.length !== 2 || !extent.every((x) => typeof x === "number" && Number.isFinite(x))) {
    throw new ControlError(`range takes [min, max] with finite numbers, got ${JSON.stringify(extent)}; e.g. nas.ui.range([10, 300], { value: 100 })`);
  }
  const [min, max] = extent;
  if (!(min < max)) throw new ControlError(`range: min must be below max, got [${min}, ${max}]`);
  if (options.step !== undefined && !(Number.isFinite(options.step) && options.step > 0)) {
    throw new ControlError(`range: step must be a positive number, got ${JSON.stringify(options.step)}`);
  }
  const step = options.step ?? (Number.isInteger(min) && Number.isInteger(max) && (options.value === undefined || Number.isInteger(options.value)) ? 1 : undefined);
  const c = new RangeControl(min, max, step, min, options.label);
  c.set(options.value ?? min);
  return c;
}

function choice<T>(kind: "select" | "radio", options: readonly T[] | ReadonlyMap<string, T>, opts: SelectOptions<T>): ChoiceControl<T> {
  // A Map names its values (Observable Inputs' way): readers see the value, the control shows the key.
  if (options instanceof Map) {
    const entries = [...(options as ReadonlyMap<string, T>)];
    const values = entries.map(([, v]) => v);
    if (new Set(values).size !== values.length) throw new ControlError(`${kind}: two names of the Map hold the same value; give each name its own value`);
    if (opts.format) throw new ControlError(`${kind}: a Map's keys already say how its values are shown; drop format, or pass a list of options with format`);
    return choice(kind, values, { ...opts, format: (v: T) => entries[values.indexOf(v)]![0] });
  }
  if (!Array.isArray(options) || options.length === 0) {
    throw new ControlError(`${kind} takes a non-empty list of options (or a Map from names to values), got ${JSON.stringify(options)}; e.g. nas.ui.${kind}(["random", "evolution"])`);
  }
  const list = options as readonly T[];
  const format = opts.format ?? ((o: T) => String(o));
  const labels = list.map(format);
  if (new Set(labels).size !== labels.length) throw new ControlError(`${kind}: two options show as the same text (${labels.join(", ")}); give format a way to tell them apart`);
  const c = new ChoiceControl<T>(kind, list, list[0]!, opts.label, format);
  if (opts.value !== undefined) c.set(opts.value);
  return c;
}

/**
 * A dropdown of `options`; readers see the chosen option (strings, numbers, or any objects with `format`). A Map
 * shows its keys and gives readers the value: `nas.ui.select(new Map([["random", nas.randomSearch()], ...]))`.
 */
export function select<T>(options: readonly T[] | ReadonlyMap<string, T>, opts: SelectOptions<T> = {}): ChoiceControl<T> {
  return choice("select", options, opts);
}

/** Radio buttons over `options` (a list, or a Map from names to values); readers see the chosen option. */
export function radio<T>(options: readonly T[] | ReadonlyMap<string, T>, opts: SelectOptions<T> = {}): ChoiceControl<T> {
  return choice("radio", options, opts);
}

/** A checkbox; readers see true or false. */
export function checkbox(opts: { value?: boolean; label?: string } = {}): BooleanControl {
  const c = new BooleanControl("checkbox", false, opts.label);
  if (opts.value !== undefined) c.set(opts.value);
  return c;
}

/** A toggle button; readers see true or false. */
export function toggle(opts: { value?: boolean; label?: string } = {}): BooleanControl {
  const c = new BooleanControl("toggle", false, opts.label);
  if (opts.value !== undefined) c.set(opts.value);
  return c;
}

/** A number typed in a box, optionally bounded. */
export function number(opts: { value?: number; min?: number; max?: number; step?: number; label?: string } = {}): NumberControl {
  const value = opts.value ?? opts.min ?? 0;
  const c = new NumberControl(value, opts.min, opts.max, opts.step, opts.label);
  c.set(value);
  return c;
}

/** A line of text. */
export function text(opts: { value?: string; placeholder?: string; label?: string } = {}): TextControl {
  return new TextControl(opts.value ?? "", opts.placeholder, opts.label);
}

/** A button; readers see how many times it was clicked (so they re-run at each click). */
export function button(label?: string): ButtonControl {
  return new ButtonControl(label);
}
