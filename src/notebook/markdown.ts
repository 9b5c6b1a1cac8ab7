/**
 * Markdown and code for the HTML export, by maintained libraries: markdown-it (CommonMark + tables), KaTeX for
 * `$…$` and `$$…$$` (through @vscode/markdown-it-katex), highlight.js for TypeScript/JavaScript. KaTeX writes
 * MathML, which browsers draw natively, so the exported page needs no KaTeX stylesheet or fonts and stays one
 * offline file. Raw HTML in markdown is escaped, not trusted.
 */
import katexPluginModule from "@vscode/markdown-it-katex";
import hljs from "highlight.js/lib/core";
import javascript from "highlight.js/lib/languages/javascript";
import typescript from "highlight.js/lib/languages/typescript";
import MarkdownIt from "markdown-it";

hljs.registerLanguage("typescript", typescript);
hljs.registerLanguage("javascript", javascript);

const languageAliases: Record<string, string> = { ts: "typescript", tsx: "typescript", typescript: "typescript", js: "javascript", jsx: "javascript", javascript: "javascript" };

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Code as highlighted HTML (highlight.js classes `hljs-*`); languages other than TS/JS are only escaped. */
export function highlight(code: string, lang = "typescript"): string {
  const language = languageAliases[lang.toLowerCase()];
  return language ? hljs.highlight(code, { language, ignoreIllegals: true }).value : escapeHtml(code);
}

// The plugin is CommonJS with `exports.default`; under Node's ESM loader the default import is that exports object.
type KatexPlugin = (md: InstanceType<typeof MarkdownIt>, options?: Record<string, unknown>) => void;
const katexModule = katexPluginModule as unknown as KatexPlugin | { default: KatexPlugin };
const katexPlugin: KatexPlugin = typeof katexModule === "function" ? katexModule : katexModule.default;

const md = new MarkdownIt({ html: false, linkify: false, typographer: false, highlight: (code, lang) => highlight(code, lang || "") });
md.use(katexPlugin, { output: "mathml", throwOnError: false });

/** Markdown (a notebook's prose) as HTML: CommonMark, tables, fenced code highlighted, `$…$`/`$$…$$` as MathML. */
export function renderMarkdown(source: string): string {
  return md.render(source);
}

/** One line of markdown as inline HTML (no paragraph). */
export function renderInline(text: string): string {
  return md.renderInline(text);
}
