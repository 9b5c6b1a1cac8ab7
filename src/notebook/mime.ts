/**
 * How cell values become Jupyter MIME bundles.
 *
 * The protocol (for figure makers and users): a value renders richly when it has a method
 * `[Symbol.for("nasbook.mime")]()` or `toMimeBundle()` returning an object keyed by MIME type, e.g.
 * `{ "text/html": "<svg…>", "text/plain": "population plot, 40 points" }`. Values of `text/*` keys are
 * strings; other keys (`application/json`, `application/vnd.plotly.v1+json`) hold JSON-serialisable data.
 * A bundle without `text/plain` gets one from `util.inspect`, because every Jupyter client can show it.
 * Everything else renders as `text/plain` through `util.inspect`.
 */
import { inspect } from "node:util";
import { mimeSymbol } from "../mimeSymbol.js";

/** A Jupyter MIME bundle: MIME type -> content (string for text types, JSON data otherwise). */
export type MimeBundle = Record<string, unknown>;

/** The symbol a value implements to render itself richly: `value[mimeSymbol]() -> MimeBundle` (defined in src/mimeSymbol.ts). */
export { mimeSymbol };

/** A value that renders itself as a MIME bundle. */
export interface MimeRenderable {
  [mimeSymbol]?(): MimeBundle;
  toMimeBundle?(): MimeBundle;
}

/** Wraps ready-made MIME data so a cell can return it, e.g. `mimeOutput({ "text/html": "<b>hi</b>" })`. */
export function mimeOutput(bundle: MimeBundle): MimeRenderable {
  const copy = { ...bundle };
  return { [mimeSymbol]: () => copy, toMimeBundle: () => copy };
}

/** Plain-text rendering used for `text/plain`; bounded so that a huge array does not flood the client. */
export function plainText(value: unknown): string {
  // A string shows as its text (a multi-line summary reads as lines, not as a JavaScript literal).
  if (typeof value === "string") return value;
  // What inspect gives for these, without its option handling (a chain of numeric cells renders a hundred per edit).
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (typeof value === "boolean" || value === null) return String(value);
  return inspect(value, { depth: 4, maxArrayLength: 50, maxStringLength: 2000, breakLength: 100 });
}

function bundleMethod(value: unknown): (() => unknown) | undefined {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return undefined;
  const v = value as Record<string | symbol, unknown>;
  const m = v[mimeSymbol] ?? v["toMimeBundle"];
  return typeof m === "function" ? (m as () => unknown).bind(value) : undefined;
}

/**
 * The MIME bundle for a cell value, or undefined when there is nothing to show (`undefined` values, like
 * Python's `None`). A renderer that throws or returns a non-object yields a text bundle naming the problem.
 */
export function toMimeBundle(value: unknown): MimeBundle | undefined {
  if (value === undefined) return undefined;
  const method = bundleMethod(value);
  if (!method) return { "text/plain": plainText(value) };
  let raw: unknown;
  try {
    raw = method();
  } catch (err) {
    return errorBundle(err, "the value's MIME renderer threw");
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return {
      "text/plain": `MIME renderer returned ${plainText(raw)}; it must return an object such as {"text/html": "...", "text/plain": "..."}`,
    };
  }
  const bundle: MimeBundle = {};
  for (const [type, content] of Object.entries(raw as Record<string, unknown>)) {
    if (content === undefined) continue;
    bundle[type] = type.startsWith("text/") && typeof content !== "string" ? String(content) : content;
  }
  if (typeof bundle["text/plain"] !== "string") bundle["text/plain"] = plainText(value);
  return bundle;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

/** `name: message` of an error, for one-line summaries. */
export function errorSummary(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** A MIME bundle that shows an error in place of a cell's value (used when a re-run triggered elsewhere fails). */
export function errorBundle(err: unknown, context?: string): MimeBundle {
  const text = (context ? `${context}: ` : "") + errorSummary(err);
  return {
    "text/plain": text,
    "text/html": `<pre style="color:#b00020;white-space:pre-wrap;margin:0">${escapeHtml(text)}</pre>`,
  };
}
