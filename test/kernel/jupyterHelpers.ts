// Shared by the tests that drive the kernel through real Jupyter tools.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A private Jupyter data dir with our kernelspec installed, so tests do not depend on the user's setup. */
export function installTestKernel(): Record<string, string> {
  const dataDir = mkdtempSync(join(tmpdir(), "nasbook-jupyter-"));
  const env = { ...process.env, JUPYTER_DATA_DIR: dataDir } as Record<string, string>;
  execFileSync(process.execPath, [join(root, "bin", "nasbook.js"), "kernel", "install", "--user"], { env, stdio: "pipe" });
  return env;
}


/** Runs a pytest file of test/kernel with /usr/bin/python3 and `env` (and extra pytest `args`); returns its exit status and output. */
export function runPytest(file: string, env: Record<string, string>, timeoutMs: number, args: string[] = []): { status: number | null; out: string } {
  const r = spawnSync("/usr/bin/python3", ["-m", "pytest", "-q", "-p", "no:cacheprovider", ...args, join(root, "test", "kernel", file)], {
    env,
    encoding: "utf8",
    timeout: timeoutMs,
  });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

export { freePort } from "../../kernel/client.js";

/** Resolves once `url` answers 2xx; throws after `ms`. */
export async function waitForHttp(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}
