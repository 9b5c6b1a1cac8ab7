/**
 * Keeps the kernel responsive while the main thread runs user code: the heartbeat and the control channel are
 * served by a worker thread (watchdogWorker.ts), and SIGINT is caught by two tiny threads.
 *
 * Why threads: Node runs JavaScript signal handlers and socket reads only when the main event loop turns, so a
 * cell busy in `while (true) {}` after an `await` stopped the heartbeat and ignored both SIGINT and
 * `interrupt_request`. `vm`'s `breakOnSigint` covers only code run synchronously inside `runInContext`.
 *
 * How SIGINT reaches a thread: Node's SIGINT watchdog (the machinery behind `breakOnSigint`) is process-wide and
 * gives each signal to the most recently started `breakOnSigint` script, in any thread. Each catcher thread sits
 * forever inside such a script (blocked in `Atomics.wait`); a signal ends the script with an error, the thread
 * tells the watchdog and re-enters at once. Two catchers keep the watchdog armed while one re-enters (when the
 * last such script ends, Node resets SIGINT to "exit the process"). The main thread's own `breakOnSigint`
 * (the cell trampoline, notebook.ts) is newer and so takes the signal first while a cell's synchronous part runs.
 * While the catchers run, the main thread must not listen to SIGINT itself (libuv would take the signal back).
 *
 * What an interrupt does (from either source): the watchdog raises the shared interrupt flag, which the loop
 * guards in cells' compiled code poll (kernel/interruptFlag.ts), and tells the main thread, which aborts
 * the running cells' signals, rejects their pending results and lowers the flag when its event loop next turns.
 */
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";

/** What the watchdog thread is started with. */
export interface WatchdogData {
  readonly heartbeat: string;
  readonly control: string;
  readonly key: string;
  readonly scheme: string;
  /** The interrupt flag (kernel/interruptFlag.ts: raised and stamped by this thread), polled by cells' loop guards. */
  readonly interruptFlag: SharedArrayBuffer;
}

export type WatchdogToMain =
  | { type: "ready" }
  | { type: "log"; text: string }
  | { type: "control"; frames: Uint8Array[] }
  /** `at`: when it arrived (process.hrtime.bigint(), the same clock on every thread). */
  | { type: "interrupt"; source: string; at: bigint };

export type MainToWatchdog =
  | { type: "send"; frames: Uint8Array[] }
  | { type: "sigint" }
  /** A port on which a SIGINT catcher reports signals straight to the watchdog (the main thread may be busy). */
  | { type: "sigints"; port: MessagePort }
  | { type: "close" };

// Plain JavaScript (no loader needed): wait forever inside a breakOnSigint script, report each SIGINT.
const catcherSource = `
const { workerData } = require("node:worker_threads");
const vm = require("node:vm");
const context = vm.createContext({ cell: new Int32Array(new SharedArrayBuffer(4)), Atomics });
const script = new vm.Script("for (;;) Atomics.wait(cell, 0, 0)");
for (;;) {
  try { script.runInContext(context, { breakOnSigint: true }); }
  catch { workerData.port.postMessage("sigint"); }
}`;

/** The main thread's side of the watchdog. */
export class Watchdog {
  private readonly worker: Worker;
  private readonly catchers: Worker[] = [];

  private constructor(
    data: WatchdogData,
    private readonly handlers: { onControl: (frames: Buffer[]) => void; onInterrupt: (source: string, at: bigint) => void; log: (s: string) => void },
    ready: (err?: unknown) => void,
  ) {
    // Compiled (dist/, an installed package): the worker is JavaScript beside this file. From the sources it is
    // TypeScript: load it through tsx, as bin/nasbook.js does for the main thread.
    if (!import.meta.url.endsWith(".ts")) {
      this.worker = new Worker(new URL("./watchdogWorker.js", import.meta.url), { workerData: data });
    } else {
      const tsx = import.meta.resolve("tsx/esm/api");
      const entry = new URL("./watchdogWorker.ts", import.meta.url).href;
      this.worker = new Worker(`import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`, {
        eval: true,
        workerData: data,
      });
    }
    this.worker.unref();
    this.worker.on("error", (err) => {
      handlers.log(`watchdog thread failed: ${String(err)}`);
      ready(err);
    });
    this.worker.on("message", (m: WatchdogToMain) => {
      if (m.type === "ready") ready();
      else if (m.type === "log") handlers.log(m.text);
      else if (m.type === "control") handlers.onControl(m.frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength)));
      else if (m.type === "interrupt") handlers.onInterrupt(m.source, m.at);
    });
  }

  /** Starts the watchdog thread bound to the heartbeat and control addresses; resolves once it listens. */
  static start(
    data: WatchdogData,
    handlers: { onControl: (frames: Buffer[]) => void; onInterrupt: (source: string, at: bigint) => void; log: (s: string) => void },
  ): Promise<Watchdog> {
    return new Promise((resolve, reject) => {
      const dog: Watchdog = new Watchdog(data, handlers, (err) => (err === undefined ? resolve(dog) : reject(err instanceof Error ? err : new Error(String(err)))));
    });
  }

  /** Starts catching SIGINT in the catcher threads (the main thread must then not listen to SIGINT). */
  catchSigint(): void {
    for (let i = 0; i < 2; i++) {
      const { port1, port2 } = new MessageChannel();
      this.worker.postMessage({ type: "sigints", port: port1 } satisfies MainToWatchdog, [port1]);
      const catcher = new Worker(catcherSource, { eval: true, workerData: { port: port2 }, transferList: [port2] });
      catcher.unref();
      catcher.on("error", (err) => this.handlers.log(`SIGINT catcher failed: ${String(err)}`));
      this.catchers.push(catcher);
    }
  }

  /** Sends frames on the control socket. */
  sendControl(frames: Buffer[]): Promise<void> {
    this.worker.postMessage({ type: "send", frames: frames.map((f) => new Uint8Array(f)) } satisfies MainToWatchdog);
    return Promise.resolve();
  }

  /** Closes the sockets and stops the threads. */
  async close(): Promise<void> {
    this.worker.postMessage({ type: "close" } satisfies MainToWatchdog);
    await Promise.all(this.catchers.map((c) => c.terminate()));
    await new Promise((r) => setTimeout(r, 50));
    await this.worker.terminate();
  }
}
