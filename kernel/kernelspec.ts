/**
 * The kernelspec: where Jupyter finds the kernel and how it launches it. argv uses absolute paths (this Node
 * binary, this checkout's bin/nasbook.js), so it works from a fresh clone without a build or a global install.
 *
 * It also holds `kernel.js` (kernel/classicNotebook.js), which classic Notebook 6 loads: it makes Notebook 6 send cell
 * ids with every execution, as JupyterLab, Notebook 7 and VS Code do.
 *
 * The directory also holds a copy of plotly.js (`plotly-<version>.min.js`): Jupyter servers serve a kernelspec's
 * files at `<base_url>kernelspecs/<kernel>/<file>` (the handler that serves logos, in Notebook 6 and jupyter_server),
 * so figures load the library from there and no output has to carry its 4.6 MB. kernel.json tells the kernel where
 * the directory is (env `NASBOOK_KERNELSPEC_DIR`); a kernel started otherwise keeps a carrier figure (plotlyLibrary.ts).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { packageRoot } from "../src/packageLocation.js";
import { plotlyBundlePath, plotlyResourceFile, type KernelspecPlotly } from "../src/viz/plotlyLibrary.js";

/** The kernel's directory name under `kernels/`. */
export const kernelName = "nasbook";

/** The environment variable kernel.json sets to the kernelspec directory (where plotly.js is served from). */
export const kernelspecDirEnv = "NASBOOK_KERNELSPEC_DIR";

/** The kernel.json content for a kernelspec written to `dir`. */
export function kernelSpec(dir: string): Record<string, unknown> {
  return {
    argv: [process.execPath, join(packageRoot, "bin", "nasbook.js"), "kernel", "start", "{connection_file}"],
    display_name: "TypeScript (nasbook)",
    language: "typescript",
    interrupt_mode: "signal",
    env: { [kernelspecDirEnv]: dir },
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

/** What `installKernelSpec` wrote. */
export interface InstalledKernelSpec {
  dir: string;
  /** The files written into `dir`: kernel.json and the plotly.js copy. */
  files: string[];
}

/** Writes kernel.json and the plotly.js copy (removing copies of other plotly.js versions). */
export function installKernelSpec(opts: { user?: boolean; prefix?: string }): InstalledKernelSpec {
  // Absolute: the kernel reads it from its environment in the notebook's directory (a relative --prefix would miss).
  const dir = resolve(kernelDir(opts));
  mkdirSync(dir, { recursive: true });
  const plotly = plotlyResourceFile();
  for (const f of readdirSync(dir)) if (/^plotly-.*\.min\.js$/.test(f) && f !== plotly) rmSync(join(dir, f), { force: true });
  copyFileSync(plotlyBundlePath(), join(dir, plotly));
  // Classic Notebook 6 loads kernel.js from the kernelspec: it makes it send cell ids, as JupyterLab does.
  copyFileSync(fileURLToPath(new URL("./classicNotebook.js", import.meta.url)), join(dir, "kernel.js"));
  writeFileSync(join(dir, "kernel.json"), JSON.stringify(kernelSpec(dir), null, 2) + "\n");
  return { dir, files: ["kernel.json", "kernel.js", plotly] };
}

/**
 * The plotly.js copy a kernel's figures can load from its Jupyter server, read from the environment kernel.json
 * set; `undefined` (with the reason, for the kernel's log) when the kernel was not started from such a kernelspec
 * or the directory has no copy of this plotly.js version (a kernelspec written by another nasbook version).
 */
export function kernelspecPlotly(env: NodeJS.ProcessEnv = process.env): { resource?: KernelspecPlotly; reason?: string } {
  const dir = env[kernelspecDirEnv];
  if (!dir) return { reason: `${kernelspecDirEnv} is not set (kernel not started from the kernelspec \`nasbook kernel install\` writes)` };
  const file = plotlyResourceFile();
  if (!existsSync(join(dir, file))) {
    return { reason: `${join(dir, file)} does not exist; run \`nasbook kernel install\` again so that the Jupyter server can serve it` };
  }
  // Jupyter names a kernel by its directory, lower-cased (jupyter_client kernelspec.py).
  return { resource: { kernelName: basename(dir).toLowerCase(), file } };
}
