/** Starts the kernel for a connection file: `nasbook kernel start <connection_file>`. */
import { NotebookSession } from "../src/notebook/session.js";
import { defaultPlotlySession } from "../src/viz/plotlyLibrary.js";
import { Kernel, readConnectionFile } from "./kernel.js";
import { kernelspecPlotly } from "./kernelspec.js";

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
  // Trials are stored per notebook directory (Jupyter starts a kernel in its notebook's directory), shared with
  // `nasbook run` of the same notebooks, so re-running a cell reuses them.
  const session = new NotebookSession({ notebook: process.cwd() });
  if (session.storeProblem) process.stderr.write(`[nasbook kernel] ${session.storeProblem}\n`);
  // Figures load plotly.js from the Jupyter server's kernelspec copy when there is one, so no output carries it.
  const plotly = kernelspecPlotly();
  defaultPlotlySession.serveFromKernelspec(plotly.resource);
  if (!plotly.resource) process.stderr.write(`[nasbook kernel] the first plotly figure carries plotly.js: ${plotly.reason}\n`);
  const kernel = new Kernel(readConnectionFile(connectionFile), { cwd: process.cwd(), session });
  await kernel.start();
  exitWithParent(kernel);
  // Serve forever: the shutdown handler exits the process.
  return new Promise<never>(() => undefined);
}
