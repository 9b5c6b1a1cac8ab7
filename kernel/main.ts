/** Starts the kernel for a connection file: `nasbook kernel start <connection_file>`. */
import { Kernel, readConnectionFile } from "./kernel.js";

/** Runs the kernel until a shutdown_request arrives (the process then exits). */
export async function startKernel(connectionFile: string): Promise<never> {
  const kernel = new Kernel(readConnectionFile(connectionFile), { cwd: process.cwd() });
  await kernel.start();
  // Serve forever: the shutdown handler exits the process.
  return new Promise<never>(() => undefined);
}
