#!/usr/bin/env node
/**
 * `nasbook <command> [options]`. Each command lives in src/cli/<command>.ts and exports
 * `main(argv: string[]): Promise<number>` (the exit code); this file only dispatches, so commands load lazily.
 */
import { setDataDir } from "./data/dir.js";

const commands: Record<string, { module: string; help: string }> = {
  search: { module: "./cli/search.js", help: "run a search: nb201 table or real training, in-process, pool or BullMQ (--help)" },
  worker: { module: "./cli/worker.js", help: "serve BullMQ trials of distributed searches: nasbook worker --redis URL [--queue Q]" },
  run: { module: "./cli/run.js", help: "execute a notebook headless: nasbook run nb.ipynb [--out F] [--html F] [--seed N]" },
  export: { module: "./cli/export.js", help: "export a notebook to a single offline HTML file" },
  "export-model": { module: "./cli/exportModel.js", help: "train a found architecture from its seed and export it: tfjs, ONNX, PyTorch (--help)" },
  "latency-table": { module: "./cli/latencyTable.js", help: "measure every NB201 cell's latency on this machine (resumable): nasbook latency-table --help" },
  kernel: { module: "./cli/kernel.js", help: "Jupyter kernel: nasbook kernel install|uninstall [--user|--prefix P]" },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(8)} ${c.help}`);
  return `usage: nasbook <command> [options]\n\ncommands:\n${lines.join("\n")}\n\nglobal options:\n  --data DIR  data directory (default: $NASBOOK_DATA or ~/.cache/nasbook/data)`;
}

/** Removes `--data DIR` / `--data=DIR` from argv and applies it. */
function takeDataFlag(argv: string[]): string[] {
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--data") {
      const dir = argv[++i];
      if (!dir || dir.startsWith("-")) throw new Error("--data needs a directory, e.g. --data ../shared/data");
      setDataDir(dir);
    } else if (a.startsWith("--data=")) setDataDir(a.slice("--data=".length));
    else rest.push(a);
  }
  return rest;
}

export async function cli(argv: string[]): Promise<number> {
  let args: string[];
  try {
    args = takeDataFlag(argv);
  } catch (e) {
    console.error(`nasbook: ${(e as Error).message}`); // a usage mistake: one line, no stack trace
    return 2;
  }
  const [name, ...rest] = args;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name ? 0 : 2;
  }
  const cmd = commands[name];
  if (!cmd) {
    console.error(`nasbook: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const mod = (await import(cmd.module)) as { main(argv: string[]): Promise<number> };
  return mod.main(rest);
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/").split("/").pop()!);
if (isMain) {
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
      process.exit(1);
    },
  );
}
