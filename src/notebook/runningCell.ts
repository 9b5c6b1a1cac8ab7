/**
 * The one answer to "which cell is running here?". Everything that acts on behalf of a cell asks it: the cell's
 * console and `display`, output written to the process's stdout by library code, `clearOutput`, loop guards, tslab
 * displays, and the attribution of a background error to the cell whose timer or promise raised it.
 *
 * Code a cell runs keeps its cell across awaits, timers and promise callbacks when the host can carry a context
 * through them (Node's AsyncLocalStorage; see runningCellNode.ts). Without such a host (a browser), only the
 * synchronous part of a cell's run is attributed; the cell's own console and display are parameters of the cell
 * function and never need the registry.
 */

/** Tracks the running cell through a cell's run (see the file comment). */
export interface RunningCells {
  /** Runs `f` as cell `cellId`'s code: `current()` answers `cellId` inside it. */
  run<T>(cellId: string, f: () => T): T;
  /** The cell whose code is running in the current context, if any. */
  current(): string | undefined;
}

/** A registry that knows only the synchronous extent of each run (for hosts without async context). */
export function synchronousRunningCells(): RunningCells {
  let active: string | undefined;
  return {
    run<T>(cellId: string, f: () => T): T {
      const previous = active;
      active = cellId;
      try {
        return f();
      } finally {
        active = previous;
      }
    },
    current: () => active,
  };
}
