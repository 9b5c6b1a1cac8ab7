/**
 * The kernel's watchdog thread (see watchdog.ts): answers the heartbeat, receives the control channel (passing
 * every message on to the main thread), and on an interrupt (`interrupt_request` or SIGINT) raises the shared
 * interrupt flag at once, which the loop guards compiled into cells poll, so a busy cell stops without waiting
 * for the main thread's event loop.
 *
 * It runs in a worker so that none of this waits for the main thread's event loop: a cell in `while (true) {}`
 * after an `await` must neither look like a dead kernel nor ignore interrupts.
 *
 * (Terminating the main thread's execution through the inspector — `Runtime.terminateExecution` from here —
 * was tried and rejected: with AsyncLocalStorage's promise hooks active, Node 20 aborts the whole process with
 * "async hook stack has become corrupted" when the termination unwinds a microtask.)
 */
import { parentPort, workerData } from "node:worker_threads";
import * as zmq from "zeromq";
import { decode, Signer } from "./wire.js";
import { interruptFlagViews, raiseFlag } from "./interruptFlag.js";
import type { WatchdogData, WatchdogToMain, MainToWatchdog } from "./watchdog.js";

const data = workerData as WatchdogData;
const port = parentPort!;
const signer = new Signer(data.key, data.scheme);
const heartbeat = new zmq.Reply();
const control = new zmq.Router();
/** The interrupt flag shared with the main thread: raised (and stamped) while an interrupt waits to be handled. */
const flag = interruptFlagViews(data.interruptFlag);
let closing = false;

const post = (m: WatchdogToMain): void => port.postMessage(m);

async function serveHeartbeat(): Promise<void> {
  try {
    for await (const frames of heartbeat) await heartbeat.send(frames);
  } catch (err) {
    if (!closing) post({ type: "log", text: `heartbeat stopped: ${String(err)}` });
  }
}

async function serveControl(): Promise<void> {
  try {
    for await (const frames of control) {
      const buffers = frames as Buffer[];
      try {
        if (decode(buffers, signer).header.msg_type === "interrupt_request") interrupt("interrupt_request");
      } catch {
        // The main thread rejects and logs malformed messages; the watchdog only looks for interrupts.
      }
      post({ type: "control", frames: buffers.map((b) => new Uint8Array(b)) });
    }
  } catch (err) {
    if (!closing) post({ type: "log", text: `control stopped: ${String(err)}` });
  }
}

// Control replies are sent one at a time (zeromq rejects concurrent sends on a socket).
let sending: Promise<unknown> = Promise.resolve();
port.on("message", (m: MainToWatchdog) => {
  if (m.type === "send") {
    const frames = m.frames.map((f) => Buffer.from(f));
    sending = sending.then(() => control.send(frames)).catch((err: unknown) => post({ type: "log", text: `control send failed: ${String(err)}` }));
  } else if (m.type === "sigint") {
    interrupt("SIGINT");
  } else if (m.type === "sigints") {
    m.port.on("message", () => interrupt("SIGINT"));
  } else if (m.type === "close") {
    closing = true;
    // Replies already handed over (shutdown_reply) go out first.
    void sending.finally(() => {
      heartbeat.close();
      control.close();
      port.close();
    });
  }
});

/**
 * Raises the interrupt flag the main thread's cell code polls (loop guards, see src/notebook/interruptFlag.ts)
 * — it stops a synchronous loop without the main event loop turning — and tells the main thread, which aborts
 * the running cells' signals and clears the flag when its event loop next turns. The stamp (the monotonic clock, the
 * main thread's too) lets the main thread drop an interrupt that arrived before the cell it would stop was sent.
 */
function interrupt(source: string): void {
  post({ type: "interrupt", source, at: raiseFlag(flag) });
}

await Promise.all([heartbeat.bind(data.heartbeat), control.bind(data.control)]);
post({ type: "ready" });
void serveHeartbeat();
void serveControl();
