/**
 * A tiny SVG string builder. Figures are built as strings (no DOM), so they render the same in Node, in a kernel
 * and in any browser, and the same input always gives byte-identical output.
 */

/** Escapes text for use in XML/HTML text content and double-quoted attributes. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&#39;"));
}

export type AttrValue = string | number | boolean | undefined | null;

/** Rounds coordinates so output is short and stable across platforms' float printing. */
export function num(x: number, digits = 2): string {
  if (!Number.isFinite(x)) throw new RangeError(`SVG coordinate must be finite, got ${x}`);
  const f = 10 ** digits;
  const r = Math.round(x * f) / f;
  return Object.is(r, -0) ? "0" : String(r);
}

/** One element: `el("circle", { r: 3 })`, `el("g", {}, [child, ...])`. Attributes that are undefined/null/false are dropped. */
export function el(tag: string, attrs: Record<string, AttrValue> = {}, children: readonly string[] | string = []): string {
  let out = `<${tag}`;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    const s = v === true ? k : typeof v === "number" ? num(v, 3) : v;
    out += ` ${k}="${escapeXml(s)}"`;
  }
  const body = typeof children === "string" ? children : children.join("");
  return body === "" ? `${out}/>` : `${out}>${body}</${tag}>`;
}

/** A text element whose content is escaped. */
export function text(content: string, attrs: Record<string, AttrValue> = {}): string {
  return el("text", attrs, escapeXml(content));
}

/** Estimated width of a label in px (no DOM to measure with); good enough to size boxes around short labels. */
export function textWidth(s: string, fontSize: number): number {
  let w = 0;
  for (const ch of s) w += /[il.,:;|!'1]/.test(ch) ? 0.3 : /[mwMW@]/.test(ch) ? 0.85 : /[A-Z0-9_]/.test(ch) ? 0.64 : 0.55;
  return w * fontSize;
}

/** Shortens a label to at most `max` characters with an ellipsis. */
export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(1, max - 1))}…`;
}
