/**
 * `nasbook kernel install [--user|--prefix P]` writes the Jupyter kernelspec;
 * `nasbook kernel start <connection_file>` is what the kernelspec launches.
 */
export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "install") {
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
        console.error(`unknown option "${a}" for kernel install; use --user or --prefix P`);
        return 2;
      }
    }
    const { installKernelSpec } = await import("../../kernel/kernelspec.js");
    const dir = installKernelSpec({ user, prefix });
    console.log(`installed the nasbook kernelspec in ${dir}`);
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
  console.error("usage: nasbook kernel install [--user|--prefix P]\n       nasbook kernel start <connection_file>");
  return 2;
}
