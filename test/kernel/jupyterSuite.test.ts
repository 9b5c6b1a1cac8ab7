// Runs Debian's jupyter_kernel_test suite (python3-jupyter-kernel-test) against our kernel through a real
// jupyter_client. Skipped only on a machine without jupyter outside CI; in CI it must run.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { installTestKernel } from "./jupyterHelpers.js";

const here = dirname(fileURLToPath(import.meta.url));
const python = "/usr/bin/python3";
const hasJupyter =
  existsSync(python) && spawnSync(python, ["-c", "import jupyter_kernel_test, nbclient"], { stdio: "ignore" }).status === 0;

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
