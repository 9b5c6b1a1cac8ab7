/**
 * Errors a user can act on: each names the problem and the fix. They are real classes so callers can
 * `instanceof` them, and their `name` is set so they print well in notebooks and logs.
 */

export class NasbookError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A string that is not an architecture of the space. */
export class ArchParseError extends NasbookError {}

/** An op name the space does not have. */
export class UnknownOpError extends NasbookError {
  constructor(op: string, space: string, ops: readonly string[]) {
    super(`"${op}" is not an op of ${space} (ops: ${ops.join(", ")})`);
  }
}

/** A well-formed architecture that cannot exist in the space (wrong arity, dangling input, out-of-range value). */
export class InvalidArchError extends NasbookError {}

/** A budget that cannot bound a search. */
export class BudgetError extends NasbookError {}

/** A strategy used with a space that lacks a capability it needs. */
export class CapabilityError extends NasbookError {
  constructor(strategy: string, space: string, missing: readonly string[]) {
    super(
      `${strategy} needs the space to provide ${missing.join(", ")}, but ${space} does not. ` +
        `Use a space that implements them (all built-in spaces do) or add them to your space; spaceContractViolations(space, rng) lists what a space lacks.`,
    );
  }
}

/** A data file that is missing or not in the expected format. */
export class DataFileError extends NasbookError {}

/** A checkpoint that does not belong to the search being resumed. */
export class CheckpointError extends NasbookError {}

/** Thrown when a signal aborts work; carries the signal's reason. */
export class AbortError extends NasbookError {
  constructor(reason?: unknown) {
    super(reason instanceof Error ? `aborted: ${reason.message}` : `aborted${reason === undefined ? "" : `: ${String(reason)}`}`);
  }
}

/** Throws `AbortError` if `signal` has been aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(signal.reason);
}

/** Checks that a value passed as a capability requirement is present. */
export function requireCapabilities(strategy: string, space: { name: string }, methods: readonly string[]): void {
  const s = space as unknown as Record<string, unknown>;
  const missing = methods.filter((m) => typeof s[m] !== "function");
  if (missing.length > 0) throw new CapabilityError(strategy, space.name, missing);
}

/** An evaluator that cannot be fingerprinted, used with a trial store. */
export class FingerprintError extends NasbookError {}

/** An evaluator or space that cannot be described as data, or a recipe that cannot be rebuilt. */
export class RecipeError extends NasbookError {}
