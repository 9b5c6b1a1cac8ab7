/**
 * Cell outputs drawn in the page: the Jupyter outputs a cell has now (as the runner saves them, savedOutputs.ts)
 * become the same markup as the static HTML export (htmlExport.ts), except that controls are live input elements
 * (controlView.ts) and scripts in HTML outputs (a plotly figure's loader) run.
 */
import type { Output } from "../notebook/ipynb.js";
import { widgetViewMime } from "../notebook/widgets.js";
import { isControlGroup, type Control, type ControlGroup } from "../ui/controls.js";
import { controlElement, groupElement } from "./controlView.js";
import { element, page, type PageElement } from "./dom.js";

function text(value: unknown): string {
  if (Array.isArray(value)) return value.join("");
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

/** HTML set with innerHTML does not run its scripts: each is replaced by a fresh copy, which does. */
function runScripts(root: PageElement): void {
  const scripts = Array.from(root.querySelectorAll("script"));
  for (const old of scripts) {
    const fresh = page.document.createElement("script");
    for (const name of ["type", "data-nasbook-plotly"]) {
      const v = old.getAttribute(name);
      if (v !== null) fresh.setAttribute(name, v);
    }
    fresh.textContent = old.textContent;
    old.replaceWith(fresh);
  }
}

const stripAnsi = (s: string): string => s.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");

/** The control or group of controls a widget view's model id stands for, if it is one of the page's. */
export type ShownControlOf = (modelId: string) => Control<unknown> | ControlGroup | undefined;

/** The body of one display or result bundle. */
function bundleElement(data: Record<string, unknown>, controlOf: ShownControlOf): PageElement {
  const view = data[widgetViewMime] as { model_id?: string } | undefined;
  const shown = view?.model_id ? controlOf(view.model_id) : undefined;
  if (shown) return isControlGroup(shown) ? groupElement(shown) : controlElement(shown);
  const body = element("div");
  if (data["text/html"] !== undefined) {
    body.innerHTML = text(data["text/html"]);
    runScripts(body);
  } else if (data["image/svg+xml"] !== undefined) {
    body.innerHTML = text(data["image/svg+xml"]);
  } else if (["image/png", "image/jpeg", "image/gif"].some((t) => data[t] !== undefined)) {
    const type = ["image/png", "image/jpeg", "image/gif"].find((t) => data[t] !== undefined)!;
    const img = element("img");
    img.setAttribute("alt", "output");
    img.setAttribute("src", `data:${type};base64,${text(data[type]).replace(/\s/g, "")}`);
    body.append(img);
  } else if (data["text/plain"] !== undefined) {
    body.append(element("pre", undefined, stripAnsi(text(data["text/plain"]))));
  }
  return body;
}

function outputElement(o: Output, count: string, controlOf: ShownControlOf): PageElement {
  const row = element("div", `output ${o.output_type}`);
  row.append(element("div", "prompt", o.output_type === "execute_result" ? `Out[${count}]:` : ""));
  const body = element("div", "body");
  if (o.output_type === "stream") body.append(element("pre", `stream ${o.name}`, stripAnsi(text(o.text))));
  else if (o.output_type === "error") body.append(element("pre", "error", stripAnsi(o.traceback.length ? o.traceback.join("\n") : `${o.ename}: ${o.evalue}`)));
  else body.append(bundleElement(o.data, controlOf));
  row.append(body);
  return row;
}

/** Replaces what `section` (a code cell's section) shows below its code with `outputs`. */
export function showOutputs(section: PageElement, outputs: readonly Output[], count: number, controlOf: ShownControlOf): void {
  let area = section.querySelector(":scope > .outputs");
  if (!area) {
    area = element("div", "outputs");
    section.append(area);
  }
  area.replaceChildren(...outputs.map((o) => outputElement(o, String(count), controlOf)));
}
