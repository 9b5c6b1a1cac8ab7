/**
 * The kernelspec: where Jupyter finds the kernel and how it launches it. argv uses absolute paths (this Node
 * binary, this checkout's bin/nasbook.js), so it works from a fresh clone without a build or a global install.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../src/notebook/compiler.js";

/** The kernel's directory name under `kernels/`. */
export const kernelName = "nasbook";

/** The kernel.json content. */
export function kernelSpec(): Record<string, unknown> {
  return {
    argv: [process.execPath, join(packageRoot, "bin", "nasbook.js"), "kernel", "start", "{connection_file}"],
    display_name: "TypeScript (nasbook)",
    language: "typescript",
    interrupt_mode: "signal",
    metadata: { debugger: false },
  };
}

/** Jupyter's per-user data directory (honours JUPYTER_DATA_DIR and XDG_DATA_HOME, as jupyter_core does). */
export function userDataDir(): string {
  if (process.env["JUPYTER_DATA_DIR"]) return process.env["JUPYTER_DATA_DIR"];
  if (process.platform === "darwin") return join(homedir(), "Library", "Jupyter");
  if (process.platform === "win32") return join(process.env["APPDATA"] ?? homedir(), "jupyter");
  return join(process.env["XDG_DATA_HOME"] ?? join(homedir(), ".local", "share"), "jupyter");
}

/** Where `nasbook kernel install` writes: --user, --prefix P, or the system-wide directory. */
export function kernelDir(opts: { user?: boolean; prefix?: string }): string {
  if (opts.prefix) return join(opts.prefix, "share", "jupyter", "kernels", kernelName);
  if (opts.user) return join(userDataDir(), "kernels", kernelName);
  return join(process.platform === "win32" ? (process.env["PROGRAMDATA"] ?? "C:\\ProgramData") : "/usr/local/share", "jupyter", "kernels", kernelName);
}

/** Writes kernel.json and returns the directory it was written to. */
export function installKernelSpec(opts: { user?: boolean; prefix?: string }): string {
  const dir = kernelDir(opts);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kernel.json"), JSON.stringify(kernelSpec(), null, 2) + "\n");
  return dir;
}
