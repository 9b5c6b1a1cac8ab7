/** Parsing arch strings: a cursor whose errors point at the offending character and show the expected form. */
import { ArchParseError } from "../errors.js";

/** A cursor over an arch string; its errors quote the text, point at the position and show the expected form. */
export class ParseCursor {
  pos = 0;
  constructor(
    readonly text: string,
    readonly space: string,
    readonly form: string,
  ) {}

  fail(problem: string): never {
    const shown = this.text.length > 80 ? `${this.text.slice(0, 77)}...` : this.text;
    throw new ArchParseError(
      `${this.space}: ${problem} at position ${this.pos} of "${shown}"` +
        `${this.pos < this.text.length ? ` (near "${this.text.slice(this.pos, this.pos + 12)}")` : " (at the end)"}; ` +
        `expected form: ${this.form}`,
    );
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }

  /** Consumes `token` if it comes next (after whitespace). */
  eat(token: string): boolean {
    this.skipSpace();
    if (this.text.startsWith(token, this.pos)) {
      this.pos += token.length;
      return true;
    }
    return false;
  }

  expect(token: string): void {
    if (!this.eat(token)) this.fail(`expected "${token}"`);
  }

  /** A word of letters, digits and underscores (op names). */
  word(what = "a name"): string {
    this.skipSpace();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
    if (!m) this.fail(`expected ${what}`);
    this.pos += m[0].length;
    return m[0];
  }

  /** A non-negative decimal integer. */
  int(what = "a number"): number {
    this.skipSpace();
    const m = /^[0-9]+/.exec(this.text.slice(this.pos));
    if (!m) this.fail(`expected ${what}`);
    this.pos += m[0].length;
    return Number(m[0]);
  }

  end(): void {
    if (!this.atEnd()) this.fail("unexpected trailing text");
  }
}

/** Checks `s` is a string before parsing, with the expected form in the error. */
export function requireString(space: string, s: unknown, form: string): string {
  if (typeof s !== "string") throw new ArchParseError(`${space}: an arch string is needed, got ${typeof s}; expected form: ${form}`);
  return s;
}
