// Survival and interrupts through jupyter_client (test_kernel_faults.py), with the CPU saturated by a bounded
// load of the test's own. Skipped only on a machine without Jupyter outside CI; in CI it must run.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { startCpuLoad } from "./cpuLoad.js";
import { installTestKernel, runPytest } from "./jupyterHelpers.js";

const python = "/usr/bin/python3";
const hasJupyter = existsSync(python) && spawnSync(python, ["-c", "import jupyter_client, pytest"], { stdio: "ignore" }).status === 0;

describe("kernel faults and interrupts (jupyter_client, under CPU load)", () => {
  it.skipIf(!hasJupyter && !process.env["CI"])("survives background errors and process.exit, and every interrupt stops its cell", () => {
    const env = installTestKernel();
    const stopLoad = startCpuLoad({ maxSeconds: 280 });
    try {
      const { status, out } = runPytest("test_kernel_faults.py", env, 280_000);
      expect(out, out).toMatch(/\d+ passed/);
      expect(status, out).toBe(0);
    } finally {
      stopLoad();
    }
  }, 300_000);
});
