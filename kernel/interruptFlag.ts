/**
 * The interrupt flag: a SharedArrayBuffer the kernel's watchdog thread raises the moment an interrupt arrives, even
 * while the main thread is busy in a cell's synchronous loop. The loop guards compiled into every cell's loops and
 * the type checker poll it (through the notebook's `interruptRequested` option); the kernel lowers it once its event
 * loop has delivered the interrupt to the running cells.
 *
 * The flag also holds the moment it was raised (the monotonic clock, which every thread of the process shares): an
 * interrupt stops what runs when it arrives, never a cell that a client sent after it. A late signal, or one that
 * arrived while the kernel was idle and reached the main thread only once the next cell had started compiling,
 * would otherwise stop that next cell.
 */

/** The shared layout: Int32 [0] = 1 while an interrupt waits; BigInt64 [1] (bytes 8-15) = when it was raised (ns). */
export interface InterruptFlagViews {
  readonly flag: Int32Array;
  readonly raisedAt: BigInt64Array;
}

/** Views of a flag buffer (the main thread's, or the one a worker was given). */
export function interruptFlagViews(buffer: SharedArrayBuffer): InterruptFlagViews {
  return { flag: new Int32Array(buffer, 0, 1), raisedAt: new BigInt64Array(buffer, 8, 1) };
}

/** Raises the flag in `views`, stamped `at` (default now): the watchdog's side. */
export function raiseFlag(views: InterruptFlagViews, at: bigint = process.hrtime.bigint()): bigint {
  Atomics.store(views.raisedAt, 0, at);
  Atomics.store(views.flag, 0, 1);
  return at;
}

const buffer = new SharedArrayBuffer(16);
const views = interruptFlagViews(buffer);

/** The shared flag, for the thread that raises it. */
export const interruptFlagBuffer: SharedArrayBuffer = buffer;

/** True while an interrupt waits for the main thread. */
export function interruptRequested(): boolean {
  return Atomics.load(views.flag, 0) !== 0;
}

/** True while an interrupt raised at or after `since` (monotonic ns) waits: one that came earlier is stale. */
export function interruptRequestedSince(since: bigint): boolean {
  return Atomics.load(views.flag, 0) !== 0 && Atomics.load(views.raisedAt, 0) >= since;
}

/** Lowers the flag (the interrupt has been delivered to the running cells). */
export function clearInterruptFlag(): void {
  Atomics.store(views.flag, 0, 0);
}

/** Lowers the flag only if no interrupt was raised after `at` (a stale interrupt must not hide a newer one). */
export function clearInterruptFlagRaisedBy(at: bigint): void {
  if (Atomics.load(views.raisedAt, 0) <= at) Atomics.store(views.flag, 0, 0);
}

/** Raises the flag from this thread (tests; the kernel raises it from its watchdog thread). */
export function raiseInterruptFlag(at?: bigint): bigint {
  return raiseFlag(views, at);
}
