// Runs Debian's jupyter_kernel_test suite (python3-jupyter-kernel-test) against our kernel through a real
// jupyter_client. Skipped only on a machine without jupyter outside CI; in CI it must run.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { installTestKernel, runPytest } from "./jupyterHelpers.js";

const python = "/usr/bin/python3";
const hasJupyter =
  existsSync(python) && spawnSync(python, ["-c", "import jupyter_kernel_test, nbclient"], { stdio: "ignore" }).status === 0;

describe("jupyter_kernel_test suite", () => {
  it.skipIf(!hasJupyter && !process.env["CI"])("passes every test that applies to nasbook", () => {
    const env = installTestKernel();
    const { status, out } = runPytest("test_nasbook_kernel.py", env, 240_000);
    expect(out, out).toMatch(/\d+ passed/);
    expect(status, out).toBe(0);
    expect(out).not.toMatch(/failed|error/i);
  }, 300_000);
});
