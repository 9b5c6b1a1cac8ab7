/**
 * A notebook as one self-contained HTML file: prose (markdown), code, and outputs with interactive figures,
 * opening offline in any browser. plotly.js is inlined once in <head> (every copy carried by outputs is
 * removed), so figures from `nasbook run`, from our kernel under nbconvert, or from several kernel sessions
 * all draw. Nothing is fetched from the network.
 */
import ts from "typescript";
import { FONT_FAMILY } from "../viz/palette.js";
import { plotlyLibraryHtml, scriptSafe } from "../viz/plotlyLibrary.js";
import { joinSource, type Cell, type NotebookDocument, type Output } from "./ipynb.js";

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
// Markdown: the CommonMark subset tutorials use (headings, paragraphs, emphasis, code, lists, quotes, links,
// images, rules, pipe tables). Raw HTML in markdown is escaped rather than trusted.

function safeUrl(url: string): string {
  const u = url.trim();
  return /^(javascript|vbscript|data:text\/html)/i.test(u) ? "#" : u;
}

/** Inline markdown to HTML. */
export function renderInline(text: string): string {
  const codes: string[] = [];
  // Code spans first, so nothing inside them is interpreted.
  let s = text.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (_m, _ticks: string, code: string) => {
    codes.push(`<code>${escapeHtml(code.trim() === "" ? code : code.replace(/^ (.*) $/s, "$1"))}</code>`);
    return `\u0000${codes.length - 1}\u0000`;
  });
  s = escapeHtml(s);
  s = s.replace(/!\[([^\]]*)\]\(([^)\s]+)(?:\s+&quot;([^&]*)&quot;)?\)/g, (_m, alt: string, src: string) => `<img alt="${alt}" src="${safeUrl(src)}">`);
  s = s.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_m, label: string, href: string) => `<a href="${safeUrl(href)}">${label}</a>`);
  s = s.replace(/&lt;(https?:\/\/[^\s&]+)&gt;/g, (_m, href: string) => `<a href="${href}">${href}</a>`);
  s = s.replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, "<strong>$2</strong>");
  s = s.replace(/(^|[^*\w])\*(?=\S)([^*]*?\S)\*(?!\*)/g, "$1<em>$2</em>");
  s = s.replace(/(^|[^_\w])_(?=\S)([^_]*?\S)_(?![_\w])/g, "$1<em>$2</em>");
  s = s.replace(/ {2,}\n/g, "<br>\n");
  return s.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => codes[Number(i)]!);
}

function tableCells(line: string): string[] {
  return line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => c.trim());
}

/** Block markdown to HTML. */
export function renderMarkdown(source: string): string {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const html: string[] = [];
  let i = 0;
  const isBlank = (l: string | undefined) => l === undefined || l.trim() === "";
  const listItem = /^\s{0,3}([-*+]|\d{1,9}[.)])\s+(.*)$/;
  // As in CommonMark, only a bullet or an ordered list starting at 1 interrupts a paragraph ("AAAI\n2019." is prose).
  const startsBlock = (l: string) =>
    /^\s{0,3}(#{1,6}\s|```|~~~|>|(-{3,}|\*{3,}|_{3,})\s*$|[-*+]\s+\S|1[.)]\s+\S)/.test(l);
  while (i < lines.length) {
    const line = lines[i]!;
    if (isBlank(line)) { i++; continue; }
    let m: RegExpExecArray | null;
    if ((m = /^\s{0,3}(```+|~~~+)\s*([\w+-]*)/.exec(line))) {
      const fence = m[1]!;
      const lang = m[2] ?? "";
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trimStart().startsWith(fence)) body.push(lines[i++]!);
      i++;
      html.push(`<pre class="code"><code${lang ? ` class="language-${escapeHtml(lang)}"` : ""}>${highlight(body.join("\n"), lang)}</code></pre>`);
      continue;
    }
    if ((m = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line))) {
      const level = m[1]!.length;
      const text = m[2]!;
      const anchor = text.toLowerCase().replace(/[^\w\s-]/g, "").trim().replace(/\s+/g, "-");
      html.push(`<h${level} id="${escapeHtml(anchor)}">${renderInline(text)}</h${level}>`);
      i++;
      continue;
    }
    if (/^\s{0,3}(-{3,}|\*{3,}|_{3,})\s*$/.test(line)) { html.push("<hr>"); i++; continue; }
    if (/^\s{0,3}>/.test(line)) {
      const body: string[] = [];
      while (i < lines.length && /^\s{0,3}>/.test(lines[i]!)) body.push(lines[i++]!.replace(/^\s{0,3}>\s?/, ""));
      html.push(`<blockquote>${renderMarkdown(body.join("\n"))}</blockquote>`);
      continue;
    }
    const delimiter = lines[i + 1] ?? "";
    if (line.includes("|") && delimiter.includes("|") && delimiter.includes("-") && /^[\s|:-]+$/.test(delimiter)) {
      const head = tableCells(line);
      const align = tableCells(lines[i + 1]!).map((c) => (c.startsWith(":") && c.endsWith(":") ? "center" : c.endsWith(":") ? "right" : ""));
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && !isBlank(lines[i]) && lines[i]!.includes("|")) rows.push(tableCells(lines[i++]!));
      const cell = (tag: string, c: string, k: number) => `<${tag}${align[k] ? ` style="text-align:${align[k]}"` : ""}>${renderInline(c)}</${tag}>`;
      html.push(
        `<table><thead><tr>${head.map((c, k) => cell("th", c, k)).join("")}</tr></thead><tbody>` +
          rows.map((r) => `<tr>${r.map((c, k) => cell("td", c, k)).join("")}</tr>`).join("") +
          `</tbody></table>`,
      );
      continue;
    }
    if ((m = listItem.exec(line))) {
      const ordered = /\d/.test(m[1]!);
      const start = ordered ? parseInt(m[1]!, 10) : 1;
      const items: string[] = [];
      while (i < lines.length) {
        const item = listItem.exec(lines[i]!);
        if (!item || /\d/.test(item[1]!) !== ordered) break;
        const body = [item[2]!];
        i++;
        // Continuation lines (indented, or lazy paragraph lines) belong to the item; nested lists are indented.
        while (i < lines.length && !isBlank(lines[i]) && (/^\s{2,}/.test(lines[i]!) || (!startsBlock(lines[i]!) && !listItem.test(lines[i]!)))) {
          body.push(lines[i++]!.replace(/^\s{2,4}/, ""));
        }
        const nested = body.findIndex((l, k) => k > 0 && listItem.test(l));
        items.push(
          nested > 0
            ? `<li>${renderInline(body.slice(0, nested).join("\n"))}${renderMarkdown(body.slice(nested).join("\n"))}</li>`
            : `<li>${renderInline(body.join("\n"))}</li>`,
        );
        if (isBlank(lines[i]) && listItem.test(lines[i + 1] ?? "")) i++;
      }
      html.push(ordered ? `<ol${start !== 1 ? ` start="${start}"` : ""}>${items.join("")}</ol>` : `<ul>${items.join("")}</ul>`);
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && !isBlank(lines[i]) && !startsBlock(lines[i]!)) para.push(lines[i++]!);
    html.push(`<p>${renderInline(para.join("\n"))}</p>`);
  }
  return html.join("\n");
}

// ---------------------------------------------------------------------------------------------------------
// Code: TypeScript highlighted with TypeScript's own scanner (keywords, strings, numbers, comments).

/** Source code as HTML with token classes (TypeScript/JavaScript; other languages are only escaped). */
export function highlight(code: string, lang = "typescript"): string {
  if (!/^(ts|typescript|js|javascript|tsx|jsx|)$/i.test(lang)) return escapeHtml(code);
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, code);
  let html = "";
  let pos = 0;
  // The scanner does not know when a `}` closes a template substitution; track brace depth per open template.
  const templates: number[] = [];
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.OpenBraceToken && templates.length) templates[templates.length - 1]!++;
    if (kind === ts.SyntaxKind.CloseBraceToken && templates.length) {
      if (templates[templates.length - 1] === 0) {
        kind = scanner.reScanTemplateToken(false);
        if (kind === ts.SyntaxKind.TemplateTail) templates.pop();
      } else templates[templates.length - 1]!--;
    }
    if (kind === ts.SyntaxKind.TemplateHead) templates.push(0);
    const start = scanner.getTokenStart();
    const end = scanner.getTokenEnd();
    if (start > pos) html += escapeHtml(code.slice(pos, start));
    const text = escapeHtml(code.slice(start, end));
    let cls: string | undefined;
    if (kind === ts.SyntaxKind.SingleLineCommentTrivia || kind === ts.SyntaxKind.MultiLineCommentTrivia) cls = "c";
    else if (kind === ts.SyntaxKind.StringLiteral || kind === ts.SyntaxKind.NoSubstitutionTemplateLiteral ||
      kind === ts.SyntaxKind.TemplateHead || kind === ts.SyntaxKind.TemplateMiddle || kind === ts.SyntaxKind.TemplateTail) cls = "s";
    else if (kind === ts.SyntaxKind.NumericLiteral || kind === ts.SyntaxKind.BigIntLiteral) cls = "n";
    else if (kind >= ts.SyntaxKind.FirstKeyword && kind <= ts.SyntaxKind.LastKeyword) cls = "k";
    html += cls ? `<span class="${cls}">${text}</span>` : text;
    pos = end;
  }
  return html + escapeHtml(code.slice(pos));
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
.k { color: #7a2fbf; } .s { color: #1a7f37; } .n { color: #0b5cad; } .c { color: #6a6a78; font-style: italic; }
details.manifest { margin: 28px 0; color: #44444f; font-size: 13px; } details.manifest pre { background: #f7f7fa; padding: 8px; }
`;

/** The notebook as a single HTML document (see the module comment). */
export function notebookToHtml(nb: NotebookDocument, options: HtmlExportOptions = {}): string {
  plotlyOnlyCounter = 0;
  const title = options.title ?? firstHeading(nb) ?? "nasbook notebook";
  const body = nb.cells.map((c, i) => cellHtml(c, i, options.showCode ?? true)).filter((s) => s !== "").join("\n");
  const needsPlotly = containsPlotlyFigure(body);
  const nasbookMeta = nb.metadata["nasbook"] as { manifest?: unknown } | undefined;
  const manifest = nasbookMeta?.manifest
    ? `<details class="manifest"><summary>Run manifest (versions, backend, seed, data sha256, commit)</summary><pre>${escapeHtml(JSON.stringify(nasbookMeta.manifest, null, 2))}</pre></details>`
    : "";
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
</body>
</html>
`;
}
