/**
 * A strict CSV reader for benchmark tables (RFC 4180: comma-separated, optional double-quoted fields with ""
 * escapes, LF or CRLF line ends). Every row must have as many fields as the header; errors name the file and
 * the 1-based line, so a truncated or hand-edited table fails where it is wrong instead of yielding NaNs.
 */
import { DataFileError } from "../errors.js";

export interface CsvRow {
  /** 1-based line of the file where the row starts. */
  line: number;
  fields: string[];
}

/** A parsed table: header, rows, and typed accessors whose errors name file, line and column. */
export class CsvTable {
  readonly source: string;
  readonly header: string[];
  readonly rows: CsvRow[];
  private readonly index: Map<string, number>;

  constructor(source: string, header: string[], rows: CsvRow[]) {
    this.source = source;
    this.header = header;
    this.rows = rows;
    this.index = new Map(header.map((h, i) => [h, i]));
  }

  has(column: string): boolean {
    return this.index.has(column);
  }

  /** Throws unless every column is present; `hint` says how to get a correct file. */
  requireColumns(columns: readonly string[], hint = ""): void {
    const missing = columns.filter((c) => !this.index.has(c));
    if (missing.length > 0) {
      throw new DataFileError(`${this.source} lacks column(s) ${missing.join(", ")}; expected columns: ${columns.join(", ")}.${hint ? ` ${hint}` : ""}`);
    }
  }

  private at(column: string): number {
    const i = this.index.get(column);
    if (i === undefined) throw new DataFileError(`${this.source} has no "${column}" column (columns: ${this.header.join(", ")})`);
    return i;
  }

  /** The raw text of a field. */
  text(row: CsvRow, column: string): string {
    return row.fields[this.at(column)]!;
  }

  /**
   * A finite number; an empty, non-numeric or infinite field is an error naming file, line and column. With
   * `allowInfinite`, inf / -inf / Infinity / -Infinity (as numpy and JS print them) are accepted.
   */
  number(row: CsvRow, column: string, opts: { allowInfinite?: boolean } = {}): number {
    const raw = this.text(row, column);
    const t = raw.trim().toLowerCase();
    if (opts.allowInfinite && (t === "inf" || t === "+inf" || t === "infinity" || t === "+infinity")) return Infinity;
    if (opts.allowInfinite && (t === "-inf" || t === "-infinity")) return -Infinity;
    const v = Number(raw);
    if (t === "" || !Number.isFinite(v)) {
      throw new DataFileError(`${this.source} line ${row.line}: column ${column} is "${raw}", expected a ${opts.allowInfinite ? "number or ±inf" : "finite number"}`);
    }
    return v;
  }

  /** Like number(), but an empty field is `undefined` (a value the table does not have). */
  optionalNumber(row: CsvRow, column: string, opts: { allowInfinite?: boolean } = {}): number | undefined {
    return this.text(row, column).trim() === "" ? undefined : this.number(row, column, opts);
  }

  /** One of `allowed`; anything else is an error listing them. */
  oneOf<T extends string>(row: CsvRow, column: string, allowed: readonly T[]): T {
    const raw = this.text(row, column);
    if (!(allowed as readonly string[]).includes(raw)) {
      throw new DataFileError(`${this.source} line ${row.line}: unknown ${column} "${raw}" (expected one of: ${allowed.join(", ")})`);
    }
    return raw as T;
  }
}

/** Splits CSV text into records of fields, each with the line it starts on. Blank lines are skipped. */
function records(text: string, source: string): CsvRow[] {
  const out: CsvRow[] = [];
  let fields: string[] = [];
  let field = "";
  let line = 1;
  let start = 1;
  let quoted = false;
  let wasQuoted = false;
  let afterQuote = false;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === "" && !wasQuoted)) out.push({ line: start, fields });
    fields = [];
    field = "";
    wasQuoted = false;
    afterQuote = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
          afterQuote = true;
        }
      } else {
        if (c === "\n") line++;
        field += c;
      }
      continue;
    }
    if (c === '"') {
      if (field !== "") throw new DataFileError(`${source} line ${line}: a quote inside an unquoted field; quote the whole field`);
      quoted = true;
      wasQuoted = true;
    } else if (c === ",") {
      fields.push(field);
      field = "";
      afterQuote = false;
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      endRecord();
      line++;
      start = line;
    } else {
      if (afterQuote) throw new DataFileError(`${source} line ${line}: text after a closing quote`);
      field += c;
    }
  }
  if (quoted) throw new DataFileError(`${source} line ${start}: a quoted field is not closed before the end of the file`);
  if (field !== "" || fields.length > 0 || wasQuoted) endRecord();
  return out;
}

/** Parses CSV text with a header line; every row must have the header's number of fields. */
export function parseCsv(text: string, source: string): CsvTable {
  const all = records(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, source);
  if (all.length === 0) throw new DataFileError(`${source} is empty: expected a header line and rows`);
  const header = all[0]!.fields.map((h) => h.trim());
  const rows = all.slice(1);
  for (const r of rows) {
    if (r.fields.length !== header.length) {
      throw new DataFileError(`${source} line ${r.line} has ${r.fields.length} fields, the header has ${header.length}; the file is malformed`);
    }
  }
  return new CsvTable(source, header, rows);
}
