/** Checks the spaces' `validate` and `fromChoices` share, each raising the error a user can act on. */
import { InvalidArchError, UnknownOpError } from "../errors.js";

/** The index of `op` in `ops`, or an `UnknownOpError` listing the ops of `space`. */
export function opIndexOf(op: unknown, ops: readonly string[], space: string): number {
  const i = typeof op === "string" ? ops.indexOf(op) : -1;
  if (i < 0) throw new UnknownOpError(String(op), space, ops);
  return i;
}

/** Throws an `InvalidArchError` unless a space option `list` is a non-empty list of distinct positive integers. */
export function requireDistinctPositiveInts(space: string, what: string, list: readonly number[]): void {
  if (list.length === 0 || new Set(list).size !== list.length || list.some((x) => !Number.isInteger(x) || x <= 0)) {
    throw new InvalidArchError(`${space}: option ${what} must be a non-empty list of distinct positive integers`);
  }
}

/** Throws an `InvalidArchError` if `value` is not one of `allowed`. */
export function requireOneOf(space: string, what: string, value: unknown, allowed: readonly unknown[]): void {
  if (!allowed.includes(value)) {
    throw new InvalidArchError(`${space}: ${what} is ${JSON.stringify(value)}, must be one of ${allowed.join(", ")}`);
  }
}
