// Runs Debian's jupyter_kernel_test suite (python3-jupyter-kernel-test) against our kernel through a real
// jupyter_client. Skipped only on a machine without jupyter outside CI; in CI it must run.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const python = "/usr/bin/python3";
const hasJupyter =
  existsSync(python) && spawnSync(python, ["-c", "import jupyter_kernel_test, nbclient"], { stdio: "ignore" }).status === 0;

/** A private Jupyter data dir with our kernelspec installed, so tests do not depend on the user's setup. */
export function installTestKernel(): Record<string, string> {
  const dataDir = mkdtempSync(join(tmpdir(), "nasbook-jupyter-"));
  const env = { ...process.env, JUPYTER_DATA_DIR: dataDir } as Record<string, string>;
  execFileSync(process.execPath, [join(root, "bin", "nasbook.js"), "kernel", "install", "--user"], { env, stdio: "pipe" });
  return env;
}

describe("jupyter_kernel_test suite", () => {
  it.skipIf(!hasJupyter && !process.env["CI"])("passes every test that applies to nasbook", () => {
    const env = installTestKernel();
    const r = spawnSync(python, ["-m", "pytest", "-q", "-p", "no:cacheprovider", join(here, "test_nasbook_kernel.py")], {
      env,
      encoding: "utf8",
      timeout: 240_000,
    });
    const out = `${r.stdout}\n${r.stderr}`;
    expect(out, out).toMatch(/\d+ passed/);
    expect(r.status, out).toBe(0);
    expect(out).not.toMatch(/failed|error/i);
  }, 300_000);
});
