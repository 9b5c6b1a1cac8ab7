/**
 * How one run of a cell is stopped: by the runtime invalidating it (an input changed, the cell re-ran or was
 * deleted) or by an interrupt. It behaves as an AbortController whose AbortSignal is made only when something asks
 * for it (a cell whose code mentions `signal`, a stream): Node's AbortSignal is an EventTarget costing a few
 * microseconds to make and to listen on, and a chain of a hundred dependents re-running would make a hundred of
 * them that nobody reads.
 */
import { InterruptedError } from "./cellErrors.js";

/** An AbortController for one cell run, with a lazily made signal and a cheap interrupt hook. */
export class RunControl {
  private controller: AbortController | undefined;
  private abortedWith: { reason: unknown } | undefined;
  private interruptListener: ((reason: InterruptedError) => void) | undefined;

  /** True once aborted (as `signal.aborted`, without making the signal). */
  get aborted(): boolean {
    return this.abortedWith !== undefined;
  }

  /** Why it was aborted (as `signal.reason`), undefined while it is not. */
  get reason(): unknown {
    return this.abortedWith?.reason;
  }

  /** True when aborted by an interrupt (InterruptedError), not by the runtime. */
  get interrupted(): boolean {
    return this.abortedWith?.reason instanceof InterruptedError;
  }

  /** The AbortSignal, made on first use (already aborted, with the same reason, if the run was). */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortedWith) this.controller.abort(this.abortedWith.reason);
    }
    return this.controller.signal;
  }

  /** Aborts once (later calls are ignored, as for AbortController); an InterruptedError also calls `onInterrupt`'s listener. */
  abort(reason: unknown): void {
    if (this.abortedWith) return;
    this.abortedWith = { reason };
    this.controller?.abort(reason);
    if (reason instanceof InterruptedError) this.interruptListener?.(reason);
  }

  /**
   * Settles like `result`, or rejects with the interrupt if one comes first: an interrupted cell's result fails
   * even if its code ignores the signal. Other aborts are left to the runtime, which discards stale results.
   */
  untilInterrupted<T>(result: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.interrupted) {
        reject(this.reason);
        return;
      }
      this.interruptListener = reject;
      result.then(resolve, reject);
    });
  }
}
