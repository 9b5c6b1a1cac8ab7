/**
 * Output that does not come from a cell's own console: library code writing to `process.stdout` / `stderr` or to
 * the global console (a search's store line, tfjs warnings), and errors a cell's background work raises after the
 * cell ran. Both the kernel and `nasbook run` install this while cells run: each piece goes to the cell the
 * running-cell registry names (or, outside any cell, to the caller's fallback), and a cell's `process.exit()` fails
 * the cell instead of ending the process.
 */
import { Console } from "node:console";
import { Writable } from "node:stream";
import { catchCellFaults, describeFault } from "./cellFaults.js";
import type { RunningCells } from "./runningCell.js";

export interface CaptureTarget {
  /** Text printed while `cellId` (undefined: no cell) was running. */
  print(cellId: string | undefined, name: "stdout" | "stderr", text: string): void;
  /** How messages name a cell (see cellLabel.ts). */
  label?(cellId: string): string;
}

/** Routes process output and faults to cells (see the file comment); returns the function that undoes it. */
export function captureProcessOutput(running: RunningCells, target: CaptureTarget): () => void {
  const savedConsole = globalThis.console;
  const savedOut = process.stdout.write;
  const savedErr = process.stderr.write;
  const writer = (name: "stdout" | "stderr") =>
    ((chunk: string | Uint8Array, encoding?: unknown, cb?: unknown): boolean => {
      target.print(running.current(), name, typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      const done = typeof encoding === "function" ? encoding : cb;
      if (typeof done === "function") (done as () => void)();
      return true;
    }) as typeof process.stdout.write;
  const sink = (name: "stdout" | "stderr"): Writable =>
    new Writable({
      write(chunk: Buffer | string, _enc, done) {
        target.print(running.current(), name, typeof chunk === "string" ? chunk : chunk.toString("utf8"));
        done();
      },
    });
  process.stdout.write = writer("stdout");
  process.stderr.write = writer("stderr");
  // The global console too: test runners and some tools replace it with one that bypasses process.stdout.
  globalThis.console = new Console({ stdout: sink("stdout"), stderr: sink("stderr") });
  const label = (id: string): string => target.label?.(id) ?? `[${id}]`;
  const stopFaults = catchCellFaults(() => running.current(), (fault) => target.print(fault.cellId, "stderr", describeFault(fault, label)), label);
  return () => {
    globalThis.console = savedConsole;
    process.stdout.write = savedOut;
    process.stderr.write = savedErr;
    stopFaults();
  };
}
