/**
 * The interrupt flag: a SharedArrayBuffer the kernel's watchdog thread raises the moment an interrupt arrives, even
 * while the main thread is busy in a cell's synchronous loop. The loop guards compiled into every cell's loops and
 * the type checker poll it (through the notebook's `interruptRequested` option); the kernel lowers it once its event
 * loop has delivered the interrupt to the running cells.
 */
const flag = new Int32Array(new SharedArrayBuffer(4));

/** The shared flag, for the thread that raises it. */
export const interruptFlagBuffer: SharedArrayBuffer = flag.buffer as SharedArrayBuffer;

/** True while an interrupt waits for the main thread. */
export function interruptRequested(): boolean {
  return Atomics.load(flag, 0) !== 0;
}

/** Lowers the flag (the interrupt has been delivered to the running cells). */
export function clearInterruptFlag(): void {
  Atomics.store(flag, 0, 0);
}

/** Raises the flag from this thread (tests; the kernel raises it from its watchdog thread). */
export function raiseInterruptFlag(): void {
  Atomics.store(flag, 0, 1);
}
