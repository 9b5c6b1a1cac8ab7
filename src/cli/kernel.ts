/**
 * `nasbook kernel install [--user|--prefix P]` writes the Jupyter kernelspec (kernel.json and a copy of plotly.js the
 * Jupyter server serves to figures), `nasbook kernel uninstall` (same options) removes its directory;
 * `nasbook kernel start <connection_file>` is what the kernelspec launches.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { CliUsageError, parseCommandLine } from "./args.js";

function locationFlags(opts: { user: boolean; prefix?: string }): string {
  return opts.prefix ? ` --prefix ${opts.prefix}` : opts.user ? " --user" : "";
}

const KERNEL_USAGE = "usage: nasbook kernel install [--user|--prefix P]\n       nasbook kernel uninstall [--user|--prefix P]\n       nasbook kernel start <connection_file>";

/**
 * Jupyter's data directories (`jupyter --paths --json`, which honours JUPYTER_PATH), or undefined when jupyter
 * cannot be asked: a kernelspec is seen only under one of them.
 */
function jupyterDataPaths(): string[] | undefined {
  const r = spawnSync("jupyter", ["--paths", "--json"], { encoding: "utf8", timeout: 20_000 });
  if (r.status !== 0 || typeof r.stdout !== "string") return undefined;
  try {
    const data = (JSON.parse(r.stdout) as { data?: unknown }).data;
    return Array.isArray(data) ? data.filter((d): d is string => typeof d === "string").map((d) => resolve(d)) : undefined;
  } catch {
    return undefined;
  }
}

/** What to tell a user who installed under a prefix Jupyter does not search: the JUPYTER_PATH line, else nothing. */
export function prefixNote(prefix: string, dataPaths: readonly string[] | undefined): string | undefined {
  const data = resolve(prefix, "share", "jupyter");
  if (dataPaths?.includes(data)) return undefined;
  const why = dataPaths === undefined ? "jupyter was not found to ask where it looks" : `Jupyter looks in ${dataPaths.join(", ")}`;
  return `  Jupyter sees this kernel only with JUPYTER_PATH=${data} in its environment (${why}), e.g.\n` +
    `    export JUPYTER_PATH=${data}${process.env.JUPYTER_PATH ? ":$JUPYTER_PATH" : ""}`;
}

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "install" || sub === "uninstall") {
    let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
    try {
      ({ values } = parseCommandLine(`kernel ${sub}`, rest, { user: { type: "boolean" }, prefix: { type: "string" } }));
    } catch (err) {
      if (!(err instanceof CliUsageError)) throw err;
      console.error(`${err.message}\n${KERNEL_USAGE}`);
      return 2;
    }
    const user = values["user"] === true;
    const prefix = typeof values["prefix"] === "string" && values["prefix"] !== "" ? values["prefix"] : undefined;
    if (values["prefix"] === "") {
      console.error("--prefix needs a directory, e.g. --prefix /usr/local (or use --user)");
      return 2;
    }
    const { installKernelSpec, kernelDir } = await import("../../kernel/kernelspec.js");
    const where = locationFlags({ user, prefix });
    if (sub === "uninstall") {
      const dir = kernelDir({ user, prefix });
      if (!existsSync(join(dir, "kernel.json"))) {
        console.error(`no nasbook kernelspec in ${dir} (nothing removed); \`jupyter kernelspec list\` shows where kernels are`);
        return 1;
      }
      const files = readdirSync(dir).sort();
      rmSync(dir, { recursive: true, force: true });
      console.log(`removed the nasbook kernelspec ${dir} (${files.join(", ")})`);
      return 0;
    }
    const { dir, files } = installKernelSpec({ user, prefix });
    const spec = JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8")) as { argv: string[]; display_name: string };
    const plotly = files.find((f) => f.startsWith("plotly-"))!;
    const mb = (statSync(join(dir, plotly)).size / 1e6).toFixed(1);
    console.log(
      `installed the nasbook kernelspec "${spec.display_name}":\n` +
        `  wrote ${join(dir, "kernel.json")} (Jupyter starts it as: ${spec.argv.join(" ")})\n` +
        `  wrote ${join(dir, plotly)} (${mb} MB): the Jupyter server serves it to figures, so saved notebooks do not carry it\n` +
        `  remove it with: nasbook kernel uninstall${where} (or: jupyter kernelspec remove nasbook)`,
    );
    const note = prefix !== undefined ? prefixNote(prefix, jupyterDataPaths()) : undefined;
    if (note !== undefined) console.log(note);
    return 0;
  }
  if (sub === "start") {
    let file: string | undefined;
    try {
      const { values, positionals } = parseCommandLine("kernel start", rest, { "connection-file": { type: "string", short: "f" } }, { maxPositionals: 1 });
      file = typeof values["connection-file"] === "string" ? values["connection-file"] : positionals[0];
    } catch (err) {
      if (!(err instanceof CliUsageError)) throw err;
      console.error(err.message);
      return 2;
    }
    if (!file) {
      console.error("usage: nasbook kernel start <connection_file> (Jupyter passes it; see kernel.json)");
      return 2;
    }
    const { startKernel } = await import("../../kernel/main.js");
    return startKernel(file);
  }
  console.error(KERNEL_USAGE);
  return 2;
}
