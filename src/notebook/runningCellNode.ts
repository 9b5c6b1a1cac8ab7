/** The running-cell registry in Node: AsyncLocalStorage carries the cell through awaits, timers and callbacks. */
import { AsyncLocalStorage } from "node:async_hooks";
import type { RunningCells } from "./runningCell.js";

/** A registry whose `current()` follows a cell's asynchronous work (see runningCell.ts). */
export function asyncRunningCells(): RunningCells {
  const storage = new AsyncLocalStorage<string>();
  return {
    run: (cellId, f) => storage.run(cellId, f),
    current: () => storage.getStore(),
  };
}
