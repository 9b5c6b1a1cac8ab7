/**
 * Faults of user code that would otherwise end the process: an uncaught exception or unhandled rejection from
 * a cell's background work (a timer, a forgotten promise), and `process.exit()` called from a cell. Both the
 * kernel and `nasbook run` install these while cells run, so the process — and every cell's value — survives.
 *
 * Attribution uses the async context the notebook runs each cell in (AsyncLocalStorage): Node keeps that context
 * for the callbacks a cell schedules, and reports it in the `uncaughtException` and `unhandledRejection` handlers,
 * so a timer's throw 10 minutes later still names the cell that set the timer.
 */
import { NasbookError } from "../errors.js";

/** `process.exit()` was called from a cell: the process keeps running instead. */
export class ProcessExitError extends NasbookError {}

/** An error a cell's background work raised after (or while) the cell ran. */
export interface BackgroundFault {
  /** The cell whose async context raised it, or undefined when it came from outside any cell. */
  readonly cellId: string | undefined;
  readonly kind: "uncaughtException" | "unhandledRejection";
  readonly error: unknown;
}

/**
 * Keeps the process alive through cells' uncaught errors and `process.exit()` calls, reporting each to `onFault`.
 * `activeCellId` names the cell of the current async context. Returns a function that uninstalls everything.
 */
export function catchCellFaults(
  activeCellId: () => string | undefined,
  onFault: (fault: BackgroundFault) => void,
  label: (cellId: string) => string = (id) => `[${id}]`,
): () => void {
  const report = (kind: BackgroundFault["kind"]) => (error: unknown): void => {
    try {
      onFault({ cellId: activeCellId(), kind, error });
    } catch {
      // Reporting must never become a second fault.
    }
  };
  const onException = report("uncaughtException");
  const onRejection = report("unhandledRejection");
  process.on("uncaughtException", onException);
  process.on("unhandledRejection", onRejection);
  const realExit = process.exit;
  const guardedExit = ((code?: number | string | null) => {
    const cellId = activeCellId();
    if (cellId === undefined) return realExit.call(process, code as number | undefined);
    throw new ProcessExitError(
      `process.exit(${code ?? ""}) was called in the cell ${label(cellId)}; the notebook keeps running and keeps its values ` +
        "(throw an error to stop a cell; restart the kernel to start afresh)",
    );
  }) as typeof process.exit;
  process.exit = guardedExit;
  return () => {
    process.off("uncaughtException", onException);
    process.off("unhandledRejection", onRejection);
    if (process.exit === guardedExit) process.exit = realExit;
  };
}

/** One line (plus stack) describing a background fault, for a cell's stderr. */
export function describeFault(fault: BackgroundFault, label: (cellId: string) => string = (id) => `[${id}]`): string {
  const where = fault.cellId === undefined ? "outside any cell" : `in the background work of the cell ${label(fault.cellId)}`;
  const what = fault.kind === "uncaughtException" ? "Uncaught exception" : "Unhandled promise rejection";
  const err = fault.error;
  // The kernel's own frames (runtime, notebook, trampoline) say nothing about the user's bug.
  const machinery = /node_modules[\\/]@observablehq|src[\\/]notebook[\\/]|kernel[\\/]|\(node:|at node:|nasbook-trampoline/;
  const detail = err instanceof Error
    ? (err.stack ?? `${err.name}: ${err.message}`).split("\n").filter((l) => !(/^\s+at /.test(l) && machinery.test(l))).join("\n")
    : String(err);
  return `${what} ${where} (the kernel kept running and every value):\n${detail}\n`;
}
