/**
 * `nasbook kernel install [--user|--prefix P]` writes the Jupyter kernelspec (kernel.json and a copy of plotly.js the
 * Jupyter server serves to figures), `nasbook kernel uninstall` (same options) removes its directory;
 * `nasbook kernel start <connection_file>` is what the kernelspec launches.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

function locationFlags(opts: { user: boolean; prefix?: string }): string {
  return opts.prefix ? ` --prefix ${opts.prefix}` : opts.user ? " --user" : "";
}

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "install" || sub === "uninstall") {
    let user = false;
    let prefix: string | undefined;
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i]!;
      if (a === "--user") user = true;
      else if (a === "--prefix") {
        prefix = rest[++i];
        if (!prefix) {
          console.error("--prefix needs a directory, e.g. --prefix /usr/local (or use --user)");
          return 2;
        }
      } else if (a.startsWith("--prefix=")) prefix = a.slice("--prefix=".length);
      else {
        console.error(`unknown option "${a}" for kernel ${sub}; use --user or --prefix P`);
        return 2;
      }
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
    return 0;
  }
  if (sub === "start") {
    const file = rest[0] === "-f" || rest[0] === "--connection-file" ? rest[1] : rest[0];
    if (!file) {
      console.error("usage: nasbook kernel start <connection_file> (Jupyter passes it; see kernel.json)");
      return 2;
    }
    const { startKernel } = await import("../../kernel/main.js");
    return startKernel(file);
  }
  console.error("usage: nasbook kernel install [--user|--prefix P]\n       nasbook kernel uninstall [--user|--prefix P]\n       nasbook kernel start <connection_file>");
  return 2;
}
