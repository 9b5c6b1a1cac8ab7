/**
 * A control (src/ui) drawn as a live input element bound to it: moving the element sets the control (its readers
 * re-run, exactly as a Jupyter widget update does in the kernel), and the element follows the control when its value
 * changes elsewhere. A value the control refuses shows its ControlError next to the element.
 */
import {
  BooleanControl, ButtonControl, ChoiceControl, NumberControl, RangeControl, TextControl, type Control, type ControlGroup,
} from "../ui/controls.js";
import { element, type PageElement, type PageInput, type PageSelect } from "./dom.js";

function labelled(control: Control<unknown>, root: PageElement): void {
  if (control.label) root.append(element("label", "nasbook-control-label", `${control.label} `));
}

/** Sets `control` from the element, showing a refused value's error in `problem`. */
function setter<T>(control: Control<T>, problem: PageElement) {
  return (value: T): void => {
    try {
      control.set(value);
      problem.textContent = "";
    } catch (e) {
      problem.textContent = e instanceof Error ? e.message : String(e);
    }
  };
}

/** The live element of `control` (see the file comment). */
export function controlElement(control: Control<unknown>): PageElement {
  const root = element("div", "nasbook-control nasbook-live-control");
  root.setAttribute("data-kind", control.kind);
  const problem = element("span", "nasbook-control-problem");
  labelled(control, root);
  let follow: () => void = () => undefined;
  if (control instanceof RangeControl) {
    const input = element<PageInput>("input");
    input.type = "range";
    input.min = String(control.min);
    input.max = String(control.max);
    input.step = control.step === undefined ? "any" : String(control.step);
    input.value = String(control.value);
    const shown = element("output", undefined, String(control.value));
    const set = setter(control, problem);
    input.addEventListener("input", () => {
      shown.textContent = input.value;
      set(Number(input.value));
    });
    follow = () => {
      input.value = String(control.value);
      shown.textContent = String(control.value);
    };
    root.append(input, " ", shown);
  } else if (control instanceof ChoiceControl) {
    const c = control as ChoiceControl<unknown>;
    const set = setter(c, problem);
    if (c.kind === "select") {
      const select = element<PageSelect>("select");
      c.labels.forEach((l) => select.append(element("option", undefined, l)));
      select.selectedIndex = c.options.findIndex((o) => Object.is(o, c.value));
      select.addEventListener("input", () => set(c.options[select.selectedIndex]));
      follow = () => void (select.selectedIndex = c.options.findIndex((o) => Object.is(o, c.value)));
      root.append(select);
    } else {
      const name = `nasbook-radio-${Math.random().toString(36).slice(2)}`;
      const inputs = c.labels.map((l, i) => {
        const input = element<PageInput>("input");
        input.type = "radio";
        input.name = name;
        input.checked = Object.is(c.options[i], c.value);
        input.addEventListener("input", () => set(c.options[i]));
        const label = element("label");
        label.append(input, ` ${l}`);
        root.append(label, " ");
        return input;
      });
      follow = () => inputs.forEach((input, i) => void (input.checked = Object.is(c.options[i], c.value)));
    }
  } else if (control instanceof BooleanControl) {
    const input = element<PageInput>("input");
    input.type = "checkbox";
    input.checked = control.value;
    const set = setter(control, problem);
    input.addEventListener("input", () => set(input.checked));
    follow = () => void (input.checked = control.value);
    root.append(input);
  } else if (control instanceof NumberControl || control instanceof TextControl) {
    const input = element<PageInput>("input");
    input.type = control instanceof NumberControl ? "number" : "text";
    if (control instanceof NumberControl) {
      if (control.min !== undefined) input.min = String(control.min);
      if (control.max !== undefined) input.max = String(control.max);
      if (control.step !== undefined) input.step = String(control.step);
    }
    input.value = String(control.value);
    const set = setter(control as Control<unknown>, problem);
    // Typed values apply when the field is committed (Enter, leaving it), not at every keystroke.
    input.addEventListener("change", () => set(control instanceof NumberControl ? Number(input.value) : input.value));
    follow = () => void (input.value = String(control.value));
    root.append(input);
  } else if (control instanceof ButtonControl) {
    const button = element("button", undefined, control.label ?? "button");
    button.addEventListener("click", () => control.click());
    root.replaceChildren(button);
  } else {
    root.append(element("span", undefined, control.toString()));
  }
  root.append(" ", problem);
  control.subscribe(() => follow());
  return root;
}

/** A cell that defines several controls: each one's live element, one under the other (as the kernel's VBox). */
export function groupElement(group: ControlGroup): PageElement {
  const root = element("div", "nasbook-controls nasbook-live-controls");
  root.append(...group.controls.map(controlElement));
  return root;
}
