/** `node:child_process` for a live page: there are no processes to start. */
import { unsupported } from "../unsupported.js";

const refuse = (name: string) => (command?: unknown): never => {
  throw unsupported(`starting a process (${name} ${String(command ?? "")})`.replace(" )", ")"), "a page cannot start programs");
};

export const spawn = refuse("spawn");
export const spawnSync = refuse("spawnSync");
export const execFile = refuse("execFile");
export const execFileSync = refuse("execFileSync");
export const exec = refuse("exec");
export const fork = refuse("fork");

export default { spawn, spawnSync, execFile, execFileSync, exec, fork };
