/**
 * Giving the event loop a turn. Long work that only awaits promises (a training loop, a search over a table) never
 * lets timers, I/O or abort events in: a kernel would neither receive an edit nor an interrupt until it ends. Such
 * loops await `yieldToEventLoop()` between steps. A macrotask, not a microtask: setImmediate in Node (after I/O
 * callbacks), a MessageChannel message in browsers (setTimeout(0) is clamped to 4 ms there).
 */
type Schedule = (run: () => void) => void;

const schedule: Schedule = (() => {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown; MessageChannel?: typeof MessageChannel };
  if (typeof g.setImmediate === "function") return (run) => void g.setImmediate!(run);
  if (typeof g.MessageChannel === "function") {
    const waiting: Array<() => void> = [];
    const channel = new g.MessageChannel();
    channel.port1.onmessage = () => waiting.shift()?.();
    return (run) => {
      waiting.push(run);
      channel.port2.postMessage(null);
    };
  }
  return (run) => void setTimeout(run, 0);
})();

/** Resolves on the next macrotask: timers, I/O and abort events queued meanwhile have run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => schedule(resolve));
}
