/** Errors shown on cells: compile errors, graph problems, and how any error becomes Jupyter's ename/evalue/traceback. */
import { NasbookError } from "../errors.js";
import type { CellDiagnostic } from "./checker.js";

/** A cell with syntax or type errors; it does not run until they are fixed. */
export class CellCompileError extends NasbookError {
  constructor(readonly diagnostics: readonly CellDiagnostic[]) {
    super(
      diagnostics.map((d) => `line ${d.line}:${d.column} TS${d.code}: ${d.message}`).join("\n") +
        "\n(fix the cell and run it again; cells run only when they type-check)",
    );
  }
}

/**
 * A cell that could not run because a cell it reads failed. It names the input and the cell the failure came
 * from and summarises that failure in one line; the upstream's own line numbers and stack stay on the upstream.
 */
export class UpstreamCellError extends NasbookError {
  constructor(
    readonly input: string,
    readonly inputCell: string,
    readonly sourceCell: string,
    readonly failure: unknown,
    /** How cells are named in the message (see cellLabel.ts). */
    label: (cellId: string) => string = (id) => `[${id}]`,
  ) {
    const via = inputCell === sourceCell ? "" : ` because the cell ${label(sourceCell)} failed`;
    super(`input \`${input}\` from the cell ${label(inputCell)} failed${via}: ${failureSummary(failure)}`);
  }
}

/** One line saying how a cell failed, without positions (they belong to that cell, not to its readers). */
export function failureSummary(err: unknown): string {
  if (err instanceof CellCompileError) {
    const first = err.diagnostics[0];
    const more = err.diagnostics.length > 1 ? ` (and ${err.diagnostics.length - 1} more)` : "";
    return first ? `TS${first.code}: ${first.message.split("\n")[0]}${more}` : "it does not compile";
  }
  if (err instanceof UpstreamCellError) return failureSummary(err.failure);
  if (err instanceof Error) return `${err.name || "Error"}: ${err.message.split("\n")[0]}`;
  return String(err);
}

/** A name defined by more than one cell. */
export class DuplicateDefinitionError extends NasbookError {}
/** Cells that read each other's names. */
export class CircularDefinitionError extends NasbookError {}
/** A name that no cell defines any more (its cell was deleted or renamed it). */
export class UndefinedNameError extends NasbookError {}
/** Work stopped by a kernel interrupt. */
export class InterruptedError extends NasbookError {
  constructor() {
    super("interrupted: the cell's signal was aborted (run the cell again to restart it)");
  }
}

/** An error in Jupyter's terms. */
export interface CellErrorReport {
  readonly ename: string;
  readonly evalue: string;
  readonly traceback: string[];
}

/** Jupyter's ename/evalue/traceback for any thrown value; stack frames of the kernel's machinery are dropped. */
export function reportError(err: unknown): CellErrorReport {
  if (!(err instanceof Error)) return { ename: "Error", evalue: String(err), traceback: [`Error: ${String(err)}`] };
  const ename = err.name || "Error";
  const evalue = err.message;
  const frames = (err.stack ?? "")
    .split("\n")
    .slice(1)
    .filter((l) => /^\s+at /.test(l) && !/node_modules[\\/]@observablehq|src[\\/]notebook[\\/]|kernel[\\/]|node:|nasbook-trampoline/.test(l));
  // Frames only help when the error passed through a cell's code; otherwise they are the kernel's own.
  const throughCell = frames.some((l) => l.includes("cell["));
  return { ename, evalue, traceback: [`${ename}: ${evalue}`, ...(throughCell ? frames : [])] };
}
