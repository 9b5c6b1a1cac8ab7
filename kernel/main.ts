/**
 * Starts the kernel for a connection file: `nasbook kernel start <connection_file>`.
 *
 * The sockets come first, with only what they need loaded: a client's kernel_info is answered at once, while the
 * notebook machinery (the TypeScript compiler, the dataflow runtime, the library's defaults) loads; messages that
 * arrive meanwhile are handled, in order, once it has.
 */
import { readFileSync } from "node:fs";
import { kernelInfo } from "./requests.js";
import { Transport, type ConnectionInfo, type Reply } from "./transport.js";
import type { Kernel } from "./kernel.js";
import type { JupyterMessage } from "./wire.js";

/** How often the kernel checks that the process that launched it is still there. */
const parentPollMs = 1000;

/** True while process `pid` exists (EPERM: it exists but belongs to someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Exits when the Jupyter process that launched the kernel is gone (it names itself in JPY_PARENT_PID, as for
 * ipykernel's parent poller). A client killed before it could send shutdown_request — a test runner's timeout, a
 * crashed notebook server — would otherwise leave the kernel running forever.
 */
function exitWithParent(kernel: Kernel): void {
  const pid = Number(process.env["JPY_PARENT_PID"]);
  if (!Number.isInteger(pid) || pid <= 1) return;
  const timer = setInterval(() => {
    if (alive(pid)) return;
    clearInterval(timer);
    void kernel.close().finally(() => process.exit(0));
  }, parentPollMs);
  timer.unref();
}

/** Runs the kernel until a shutdown_request arrives (the process then exits). */
export async function startKernel(connectionFile: string): Promise<never> {
  const info = JSON.parse(readFileSync(connectionFile, "utf8")) as ConnectionInfo;
  const stderrWrite = process.stderr.write.bind(process.stderr);
  const log = (s: string): void => void stderrWrite(`[nasbook kernel] ${s}\n`);
  const waiting: Array<{ msg: JupyterMessage; reply: Reply; channel: "shell" | "control" }> = [];
  let interrupted = false;
  const transport = new Transport(info, {
    onMessage: (msg, reply, channel) => {
      if (msg.header.msg_type === "kernel_info_request") {
        // Answered at once, as status busy, reply, idle: the machinery behind execute is still loading.
        void (async () => {
          await transport.publish("status", { execution_state: "busy" }, msg.header);
          await reply("kernel_info_reply", kernelInfo());
          await transport.publish("status", { execution_state: "idle" }, msg.header);
        })();
        return;
      }
      waiting.push({ msg, reply, channel });
    },
    onInterrupt: () => void (interrupted = true),
    log,
  });
  await transport.start();
  await transport.publish("status", { execution_state: "starting" }, {});
  const [{ Kernel }, { NotebookSession }, { defaultPlotlySession }, { kernelspecPlotly }] = await Promise.all([
    import("./kernel.js"), import("../src/notebook/session.js"), import("../src/viz/plotlyLibrary.js"), import("./kernelspec.js"),
  ]);
  // Trials are stored per notebook directory (Jupyter starts a kernel in its notebook's directory), shared with
  // `nasbook run` of the same notebooks, so re-running a cell reuses them.
  const session = new NotebookSession({ notebook: process.cwd() });
  if (session.storeProblem) log(session.storeProblem);
  // Figures load plotly.js from the Jupyter server's kernelspec copy when there is one, so no output carries it.
  const plotly = kernelspecPlotly();
  defaultPlotlySession.serveFromKernelspec(plotly.resource);
  if (!plotly.resource) log(`the first plotly figure carries plotly.js: ${plotly.reason}`);
  const kernel = new Kernel(transport, { cwd: process.cwd(), session, log });
  // In order, and before anything newer reaches the kernel (it handles new messages from its construction on).
  for (const w of waiting.splice(0)) kernel.receive(w.msg, w.reply, w.channel);
  void interrupted; // nothing ran yet: an interrupt during start-up has nothing to stop
  await kernel.start();
  exitWithParent(kernel);
  // Serve forever: the shutdown handler exits the process.
  return new Promise<never>(() => undefined);
}
