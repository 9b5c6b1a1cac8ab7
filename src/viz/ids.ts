/**
 * Deterministic element ids. Saved notebooks must not change when nothing changed, so a figure's DOM id comes from
 * a hash of its content (or from an id the caller gives), never from a counter, a clock or a random number.
 */
import { hashString } from "../rng.js";
import { NasbookError } from "../errors.js";

/** A 64-bit content hash as 16 hex digits (two independent 32-bit FNV-1a/splitmix hashes). */
export function contentHash(s: string): string {
  const a = hashString(s).toString(16).padStart(8, "0");
  const b = hashString(`\u0001${s}`).toString(16).padStart(8, "0");
  return a + b;
}

const ID_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** Checks a caller-given element id, which ends up in HTML ids and CSS selectors. */
export function checkId(id: string): string {
  if (!ID_PATTERN.test(id)) {
    throw new NasbookError(
      `figure id ${JSON.stringify(id)} is not usable as an HTML id: start with a letter and use only letters, digits, "_" and "-"`,
    );
  }
  return id;
}

/** The id for a figure: the caller's if given, else `nb-<kind>-<hash of content>`. */
export function figureId(kind: string, content: string, given?: string): string {
  return given !== undefined ? checkId(given) : `nb-${kind}-${contentHash(content)}`;
}
