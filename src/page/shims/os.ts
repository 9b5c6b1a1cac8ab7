/** `node:os` for a live page: one core for the library (wasm runs single-threaded in a page opened from disk). */
import { pageRoot } from "./process.js";

export const homedir = (): string => `${pageRoot}/home`;
export const tmpdir = (): string => "/tmp";
/** 1: threaded wasm needs cross-origin isolation, which a file:// page does not have. */
export const availableParallelism = (): number => 1;
export const cpus = (): { model: string; speed: number }[] => [{ model: "browser", speed: 0 }];
export const loadavg = (): number[] => [0, 0, 0];
export const platform = (): string => "browser";
export const arch = (): string => "wasm";
export const totalmem = (): number => 0;
export const hostname = (): string => "page";
export const EOL = "\n";

export default { homedir, tmpdir, availableParallelism, cpus, loadavg, platform, arch, totalmem, hostname, EOL };
