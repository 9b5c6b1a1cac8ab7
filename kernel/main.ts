/** Starts the kernel for a connection file: `nasbook kernel start <connection_file>`. */
import { useNotebookTrialStore } from "../src/exec/defaults.js";
import { Kernel, readConnectionFile } from "./kernel.js";

/** Runs the kernel until a shutdown_request arrives (the process then exits). */
export async function startKernel(connectionFile: string): Promise<never> {
  // Trials are stored per notebook (Jupyter names the notebook in JPY_SESSION_NAME), so re-running a cell reuses them.
  useNotebookTrialStore(process.env.JPY_SESSION_NAME || process.cwd());
  const kernel = new Kernel(readConnectionFile(connectionFile), { cwd: process.cwd() });
  await kernel.start();
  // Serve forever: the shutdown handler exits the process.
  return new Promise<never>(() => undefined);
}
