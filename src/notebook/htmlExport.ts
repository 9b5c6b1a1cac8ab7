/**
 * A notebook as one self-contained HTML file: prose (markdown), code, and outputs with interactive figures,
 * opening offline in any browser. plotly.js is inlined once in <head> (every copy carried by outputs is
 * removed), so figures from `nasbook run`, from our kernel under nbconvert, or from several kernel sessions
 * all draw. Nothing is fetched from the network.
 */
import { FONT_FAMILY } from "../viz/palette.js";
import { plotlyLibraryHtml, scriptSafe } from "../viz/plotlyLibrary.js";
import { joinSource, type Cell, type NotebookDocument, type Output } from "./ipynb.js";
import { highlight, renderMarkdown } from "./markdown.js";
import { manifestHtml } from "./manifestHtml.js";

export { highlight, renderInline, renderMarkdown } from "./markdown.js";

const LIBRARY_OPEN = /<script\b[^>]*\bdata-nasbook-plotly="[^"]*"[^>]*>/g;

/** Removes every inlined plotly.js (`<script data-nasbook-plotly=…>`) from an HTML fragment. */
export function stripPlotlyLibrary(html: string): string {
  if (!html.includes("data-nasbook-plotly=")) return html;
  let out = "";
  let from = 0;
  LIBRARY_OPEN.lastIndex = 0;
  for (let m = LIBRARY_OPEN.exec(html); m; m = LIBRARY_OPEN.exec(html)) {
    // scriptSafe() guarantees the library text has no "</script": the first one closes the element.
    const end = html.indexOf("</script>", m.index + m[0].length);
    if (end < 0) break;
    out += html.slice(from, m.index);
    from = end + "</script>".length;
    LIBRARY_OPEN.lastIndex = from;
  }
  return out + html.slice(from);
}

/**
 * A copy of `doc` with no inlined plotly.js in any output, as `nasbook run --out` saves it: ~100 KB instead of
 * ~4.8 MB. Figures keep their plotly JSON and loader; `notebookToHtml` puts the library back, once, for export.
 */
export function withoutPlotlyLibrary(doc: NotebookDocument): NotebookDocument {
  const copy = structuredClone(doc);
  mapHtmlOutputs(copy, stripPlotlyLibrary);
  return copy;
}

/** Replaces the text/html of every display and result output of `doc`, in document order, with `f` of it. */
export function mapHtmlOutputs(doc: NotebookDocument, f: (html: string) => string): void {
  for (const cell of doc.cells) {
    if (cell.cell_type !== "code") continue;
    for (const o of cell.outputs) {
      if (o.output_type !== "display_data" && o.output_type !== "execute_result") continue;
      const html = o.data["text/html"];
      if (html !== undefined) o.data = { ...o.data, "text/html": f(text(html)) };
    }
  }
}

/** Whether an HTML fragment holds a nasbook plotly figure (which needs `window.Plotly`). */
export function containsPlotlyFigure(html: string): boolean {
  return html.includes("data-nasbook-plotly-fig=");
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Removes ANSI colour codes (tracebacks may carry them). */
export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
}

// ---------------------------------------------------------------------------------------------------------
// Outputs

function text(value: unknown): string {
  if (Array.isArray(value)) return value.join("");
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

let plotlyOnlyCounter = 0;

/** Draws a bare plotly JSON output (no text/html, e.g. from a Python kernel) with the page's plotly.js. */
function plotlyJsonHtml(spec: unknown, key: string): string {
  const id = `nasbook-plotly-json-${key}-${plotlyOnlyCounter++}`;
  const fig = JSON.stringify(spec).replace(/</g, "\\u003c");
  const js = `(function(){var f=${fig};var el=document.getElementById(${JSON.stringify(id)});` +
    `window.Plotly.newPlot(el,f.data||[],f.layout||{},f.config||{}).then(function(){el.setAttribute('data-nasbook-ready','1');});})();`;
  return `<div id="${id}" class="nasbook-plotly" data-nasbook-plotly-fig="${id}" style="width:100%;height:420px"></div>` +
    `<script type="text/javascript">${scriptSafe(js)}</script>`;
}

/** The richest representation of a MIME bundle that a static page can show. */
export function bundleHtml(data: Record<string, unknown>, key: string): string {
  if (data["text/html"] !== undefined) return stripPlotlyLibrary(text(data["text/html"]));
  if (data["application/vnd.plotly.v1+json"] !== undefined) return plotlyJsonHtml(data["application/vnd.plotly.v1+json"], key);
  if (data["image/svg+xml"] !== undefined) return text(data["image/svg+xml"]);
  for (const type of ["image/png", "image/jpeg", "image/gif"]) {
    if (data[type] !== undefined) return `<img alt="output" src="data:${type};base64,${text(data[type]).replace(/\s/g, "")}">`;
  }
  if (data["text/markdown"] !== undefined) return `<div class="md">${renderMarkdown(text(data["text/markdown"]))}</div>`;
  if (data["application/json"] !== undefined) return `<pre>${escapeHtml(JSON.stringify(data["application/json"], null, 2))}</pre>`;
  if (data["text/plain"] !== undefined) return `<pre>${escapeHtml(stripAnsi(text(data["text/plain"])))}</pre>`;
  return "";
}

function outputHtml(o: Output, key: string): string {
  switch (o.output_type) {
    case "stream":
      return `<pre class="stream ${o.name}">${escapeHtml(stripAnsi(joinSource(o.text)))}</pre>`;
    case "error":
      return `<pre class="error">${escapeHtml(stripAnsi(o.traceback.length ? o.traceback.join("\n") : `${o.ename}: ${o.evalue}`))}</pre>`;
    case "display_data":
    case "execute_result":
      return bundleHtml(o.data, key);
    default:
      return "";
  }
}

function cellHtml(cell: Cell, index: number, showCode: boolean): string {
  if (cell.cell_type === "markdown") return `<section class="cell md" id="${escapeHtml(cell.id)}">${renderMarkdown(joinSource(cell.source))}</section>`;
  if (cell.cell_type !== "code") return ""; // raw cells are for other exporters
  const count = cell.execution_count === null ? " " : String(cell.execution_count);
  const code = joinSource(cell.source);
  const outs = cell.outputs
    .map((o, k) => {
      const prompt = o.output_type === "execute_result" ? `Out[${count}]:` : "";
      return `<div class="output ${o.output_type}"><div class="prompt">${prompt}</div><div class="body">${outputHtml(o, `${index}-${k}`)}</div></div>`;
    })
    .join("\n");
  const input = showCode && code.trim() !== ""
    ? `<div class="input"><div class="prompt">In [${count}]:</div><pre class="code"><code class="language-typescript">${highlight(code)}</code></pre></div>`
    : "";
  return `<section class="cell code" id="${escapeHtml(cell.id)}">${input}${outs ? `<div class="outputs">${outs}</div>` : ""}</section>`;
}

export interface HtmlExportOptions {
  /** Page title; default: the notebook's first heading, else "nasbook notebook". */
  title?: string;
  /** Show code cells' source (default true). */
  showCode?: boolean;
  /** Inline plotly.js when an output has a plotly figure ("auto", default), or always (a live page draws more). */
  plotly?: "auto" | "always";
  /** HTML put at the end of <body> (a live page's payload and script). */
  bodyEnd?: string;
}

function firstHeading(nb: NotebookDocument): string | undefined {
  for (const c of nb.cells) {
    if (c.cell_type !== "markdown") continue;
    const m = /^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$/m.exec(joinSource(c.source));
    if (m) return m[1]!.replace(/[*_`]/g, "");
  }
  return undefined;
}

const STYLE = `
body { font-family: ${FONT_FAMILY}; margin: 24px auto; max-width: 1100px; padding: 0 20px; color: #1f1f29; background: #fff; line-height: 1.5; }
.cell { margin: 0 0 14px; }
.md h1 { font-size: 28px; margin: 12px 0 8px; } .md h2 { font-size: 21px; margin: 22px 0 6px; } .md h3 { font-size: 17px; }
.md code, li code, p code { background: #f3f3f7; padding: 1px 4px; border-radius: 3px; font-size: 90%; }
.md table { border-collapse: collapse; margin: 8px 0; } .md th, .md td { border: 1px solid #dcdce4; padding: 3px 8px; }
.md blockquote { border-left: 3px solid #c8c8d8; margin: 8px 0; padding: 0 12px; color: #44444f; }
.input, .output { display: flex; gap: 8px; align-items: flex-start; }
.prompt { flex: 0 0 64px; text-align: right; font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; color: #30309a; padding-top: 7px; }
.output .prompt { color: #a03030; }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre.code { flex: 1; background: #f7f7fa; border: 1px solid #e3e3ea; border-radius: 4px; padding: 6px 10px; overflow-x: auto; }
.body { flex: 1; min-width: 0; overflow-x: auto; padding: 4px 0; }
pre.stream.stderr { background: #fff5f5; } pre.error { color: #b00020; background: #fff0f0; padding: 6px 10px; border-radius: 4px; }
.hljs-keyword, .hljs-built_in, .hljs-literal { color: #7a2fbf; } .hljs-string, .hljs-regexp, .hljs-template-tag { color: #1a7f37; }
.hljs-number { color: #0b5cad; } .hljs-comment { color: #6a6a78; font-style: italic; } .hljs-title, .hljs-title.function_ { color: #8a4b00; }
.hljs-type, .hljs-title.class_ { color: #0a6b74; } .hljs-attr, .hljs-property, .hljs-variable.language_ { color: #9a2b5a; }
math[display="block"] { margin: 10px 0; font-size: 1.1em; } .katex-error { color: #b00020; }
section.manifest { margin: 32px 0 16px; border-top: 1px solid #dcdce4; padding-top: 8px; font-size: 13px; color: #33333d; }
section.manifest h2 { font-size: 17px; margin: 6px 0; } section.manifest table { border-collapse: collapse; }
section.manifest th { text-align: left; vertical-align: top; padding: 3px 14px 3px 0; white-space: nowrap; color: #55556a; font-weight: 600; }
section.manifest td { padding: 3px 0; } section.manifest ul { margin: 0; padding-left: 18px; }
section.manifest code { background: #f3f3f7; padding: 0 3px; border-radius: 3px; word-break: break-all; }
section.manifest pre { background: #f7f7fa; padding: 8px; }
`;

/** The notebook as a single HTML document (see the module comment). */
export function notebookToHtml(nb: NotebookDocument, options: HtmlExportOptions = {}): string {
  plotlyOnlyCounter = 0;
  const title = options.title ?? firstHeading(nb) ?? "nasbook notebook";
  const body = nb.cells.map((c, i) => cellHtml(c, i, options.showCode ?? true)).filter((s) => s !== "").join("\n");
  const needsPlotly = options.plotly === "always" || containsPlotlyFigure(body);
  const nasbookMeta = nb.metadata["nasbook"] as { manifest?: unknown } | undefined;
  const manifest = nasbookMeta?.manifest && typeof nasbookMeta.manifest === "object" ? manifestHtml(nasbookMeta.manifest as Record<string, unknown>) : "";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="nasbook">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
${needsPlotly ? plotlyLibraryHtml() : ""}
</head>
<body>
<main class="notebook">
${body}
</main>
${manifest}
${options.bodyEnd ?? ""}</body>
</html>
`;
}
