/** `node:os` for a live page: one core for the library (wasm runs single-threaded in a page opened from disk). */
import { unsupported } from "../unsupported.js";
import { pageRoot } from "./process.js";

export const homedir = (): string => `${pageRoot}/home`;
export const tmpdir = (): string => "/tmp";
/** 1: threaded wasm needs cross-origin isolation, which a file:// page does not have. */
export const availableParallelism = (): number => 1;
/**
 * The processor is what a latency measurement is keyed by (cost/latencyEvaluator.ts): a page cannot name it, and a
 * latency measured in a browser would be neither the notebook's nor comparable with it, so asking is a clear error.
 */
export const cpus = (): never => {
  throw unsupported("measuring latency on this machine (os.cpus)", "a page cannot name its processor, and a latency timed in a browser is not comparable with the notebook's");
};
export const loadavg = (): number[] => [0, 0, 0];
export const platform = (): string => "browser";
export const arch = (): string => "wasm";
export const totalmem = (): number => 0;
export const hostname = (): string => "page";
export const EOL = "\n";

export default { homedir, tmpdir, availableParallelism, cpus, loadavg, platform, arch, totalmem, hostname, EOL };
