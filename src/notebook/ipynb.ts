/**
 * Jupyter notebooks on disk (nbformat 4.5): reading with clear errors, output records, and writing the way
 * nbformat does (sorted keys, one-space indent, multi-line strings as lists of lines), so a notebook written by
 * nasbook diffs cleanly against one written by Jupyter and is byte-identical when nothing changed.
 */
import { readFileSync } from "node:fs";
import { NasbookError } from "../errors.js";
import type { CellErrorReport } from "./cellErrors.js";
import type { MimeBundle } from "./mime.js";

/** A string as nbformat stores it: one string, or a list of lines (each but the last ending in "\n"). */
export type MultilineString = string | string[];

export interface StreamOutput {
  output_type: "stream";
  name: "stdout" | "stderr";
  text: MultilineString;
}
export interface DisplayDataOutput {
  output_type: "display_data";
  data: MimeBundle;
  metadata: Record<string, unknown>;
}
export interface ExecuteResultOutput {
  output_type: "execute_result";
  execution_count: number | null;
  data: MimeBundle;
  metadata: Record<string, unknown>;
}
export interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

export interface CodeCell {
  cell_type: "code";
  id: string;
  source: MultilineString;
  metadata: Record<string, unknown>;
  execution_count: number | null;
  outputs: Output[];
}
export interface TextCell {
  cell_type: "markdown" | "raw";
  id: string;
  source: MultilineString;
  metadata: Record<string, unknown>;
  attachments?: Record<string, unknown>;
}
export type Cell = CodeCell | TextCell;

export interface NotebookDocument {
  nbformat: 4;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: Cell[];
}

/** A file that is not a notebook nasbook can run. */
export class NotebookFormatError extends NasbookError {}

/** The kernelspec a nasbook notebook names, so Jupyter opens it with our kernel. */
export const nasbookKernelspec = { name: "nasbook", display_name: "TypeScript (nasbook)", language: "typescript" } as const;

/** The text of a multi-line string field. */
export function joinSource(s: MultilineString | undefined): string {
  if (s === undefined) return "";
  return Array.isArray(s) ? s.join("") : s;
}

/** nbformat's `split_lines` (Python's `splitlines(True)`): "a\nb" -> ["a\n", "b"], "" -> []. */
export function splitLines(s: string): string[] {
  if (s === "") return [];
  const lines = s.split("\n");
  const out = lines.map((l, i) => (i < lines.length - 1 ? `${l}\n` : l));
  if (out.length > 1 && out[out.length - 1] === "") out.pop();
  return out;
}

const CELL_ID = /^[a-zA-Z0-9-_]{1,64}$/;

/** Parses notebook JSON, checking what nasbook relies on; `source` names the file in errors. */
export function parseIpynb(text: string, source = "notebook"): NotebookDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new NotebookFormatError(`${source} is not JSON (${(err as Error).message}); is it really an .ipynb file?`);
  }
  if (raw === null || typeof raw !== "object" || !Array.isArray((raw as { cells?: unknown }).cells)) {
    throw new NotebookFormatError(`${source} has no "cells" list: it is not a Jupyter notebook (nbformat 4)`);
  }
  const doc = raw as { nbformat?: unknown; nbformat_minor?: unknown; metadata?: unknown; cells: unknown[] };
  if (doc.nbformat !== 4) {
    throw new NotebookFormatError(
      `${source} is nbformat ${String(doc.nbformat)}; nasbook reads nbformat 4 (convert it with \`jupyter nbconvert --to notebook\`)`,
    );
  }
  const seen = new Set<string>();
  const cells = doc.cells.map((c, i): Cell => {
    if (c === null || typeof c !== "object") throw new NotebookFormatError(`${source}: cell ${i + 1} is not an object`);
    const cell = c as Record<string, unknown>;
    const type = cell["cell_type"];
    if (type !== "code" && type !== "markdown" && type !== "raw") {
      throw new NotebookFormatError(`${source}: cell ${i + 1} has cell_type ${JSON.stringify(type)}; expected code, markdown or raw`);
    }
    // Cells without an id (nbformat < 4.5) get a deterministic one: saved notebooks must not change between runs.
    let id = typeof cell["id"] === "string" && CELL_ID.test(cell["id"]) && !seen.has(cell["id"]) ? cell["id"] : `cell-${i + 1}`;
    while (seen.has(id)) id = `${id}-${i + 1}`;
    seen.add(id);
    const metadata = (cell["metadata"] && typeof cell["metadata"] === "object" ? cell["metadata"] : {}) as Record<string, unknown>;
    const src = cell["source"];
    const isText = typeof src === "string" || (Array.isArray(src) && src.every((l) => typeof l === "string")) || src === undefined;
    if (!isText) {
      throw new NotebookFormatError(
        `${source}: cell ${i + 1} (id ${id}) has a source of type ${Array.isArray(src) ? "array of non-strings" : src === null ? "null" : typeof src}; ` +
          `nbformat wants a string or a list of strings (fix the cell's "source" in the file)`,
      );
    }
    const sourceText = src === undefined ? "" : joinSource(src as MultilineString);
    if (type === "code") {
      const outputs = Array.isArray(cell["outputs"]) ? (cell["outputs"] as Output[]) : [];
      const count = typeof cell["execution_count"] === "number" ? cell["execution_count"] : null;
      return { cell_type: "code", id, source: sourceText, metadata, execution_count: count, outputs };
    }
    const text: TextCell = { cell_type: type, id, source: sourceText, metadata };
    if (cell["attachments"] && typeof cell["attachments"] === "object") text.attachments = cell["attachments"] as Record<string, unknown>;
    return text;
  });
  const metadata = (doc.metadata && typeof doc.metadata === "object" ? doc.metadata : {}) as Record<string, unknown>;
  const minor = typeof doc.nbformat_minor === "number" ? doc.nbformat_minor : 5;
  return { nbformat: 4, nbformat_minor: Math.max(minor, 5), metadata, cells };
}

/** Reads an .ipynb file. */
export function readIpynb(path: string): NotebookDocument {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new NotebookFormatError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; check the path`);
  }
  return parseIpynb(text, path);
}

/** A new notebook from cells, with the nasbook kernelspec. */
export function notebookOf(cells: Cell[], metadata: Record<string, unknown> = {}): NotebookDocument {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { ...nasbookKernelspec },
      language_info: { name: "typescript", file_extension: ".ts", mimetype: "text/typescript" },
      ...metadata,
    },
    cells,
  };
}

/** A markdown cell. */
export function markdownCell(id: string, source: string): TextCell {
  return { cell_type: "markdown", id, source, metadata: {} };
}

/** A code cell without outputs. */
export function codeCell(id: string, source: string, metadata: Record<string, unknown> = {}): CodeCell {
  return { cell_type: "code", id, source, metadata, execution_count: null, outputs: [] };
}

/** Output records, as a kernel would send them (without `transient`, which nbformat does not store). */
export const outputs = {
  stream: (name: "stdout" | "stderr", text: string): StreamOutput => ({ output_type: "stream", name, text }),
  // Bundles are taken as `object` so that typed bundles (viz's MimeBundle interface) fit without a cast.
  display: (data: object): DisplayDataOutput => ({ output_type: "display_data", data: { ...data }, metadata: {} }),
  result: (count: number | null, data: object): ExecuteResultOutput => ({ output_type: "execute_result", execution_count: count, data: { ...data }, metadata: {} }),
  error: (e: CellErrorReport): ErrorOutput => ({ output_type: "error", ename: e.ename, evalue: e.evalue, traceback: [...e.traceback] }),
};

/** nbformat stores these fields as lists of lines. */
function splitMultiline(output: Output): Output {
  if (output.output_type === "stream") return { ...output, text: splitLines(joinSource(output.text)) };
  if (output.output_type === "display_data" || output.output_type === "execute_result") {
    const data: MimeBundle = {};
    for (const [type, value] of Object.entries(output.data)) {
      // JSON MIME types hold data; text types (and SVG) hold text.
      const isText = typeof value === "string" && !/json$/.test(type);
      data[type] = isText ? splitLines(value) : value;
    }
    return { ...output, data };
  }
  return output;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
  return out;
}

/** The notebook as nbformat writes it: sorted keys, indent 1, lines split, trailing newline. */
export function serializeIpynb(nb: NotebookDocument): string {
  const cells = nb.cells.map((c) => {
    const source = splitLines(joinSource(c.source));
    if (c.cell_type === "code") return { ...c, source, outputs: c.outputs.map(splitMultiline) };
    return { ...c, source };
  });
  return JSON.stringify(sortKeys({ ...nb, cells }), null, 1) + "\n";
}

/** Whether a code cell has nothing to run (nbclient skips such cells too). */
export function isBlank(cell: Cell): boolean {
  return joinSource(cell.source).trim() === "";
}

/** The cell's tags (`metadata.tags`), as Jupyter's tag editor and papermill use them. */
export function cellTags(cell: Cell): string[] {
  const tags = cell.metadata["tags"];
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === "string") : [];
}
