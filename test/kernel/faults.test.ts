// Survival and interrupts through jupyter_client (test_kernel_faults.py), with the CPU saturated by a bounded
// load of the test's own. Skipped only on a machine without Jupyter outside CI; in CI it must run.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startCpuLoad } from "./cpuLoad.js";
import { installTestKernel } from "./jupyterHelpers.js";

const here = dirname(fileURLToPath(import.meta.url));
const python = "/usr/bin/python3";
const hasJupyter = existsSync(python) && spawnSync(python, ["-c", "import jupyter_client, pytest"], { stdio: "ignore" }).status === 0;

describe("kernel faults and interrupts (jupyter_client, under CPU load)", () => {
  it.skipIf(!hasJupyter && !process.env["CI"])("survives background errors and process.exit, and every interrupt stops its cell within 2 s", () => {
    const env = installTestKernel();
    const stopLoad = startCpuLoad({ maxSeconds: 280 });
    try {
      const r = spawnSync(python, ["-m", "pytest", "-q", "-p", "no:cacheprovider", join(here, "test_kernel_faults.py")], {
        env,
        encoding: "utf8",
        timeout: 280_000,
      });
      const out = `${r.stdout}\n${r.stderr}`;
      expect(out, out).toMatch(/\d+ passed/);
      expect(r.status, out).toBe(0);
    } finally {
      stopLoad();
    }
  }, 300_000);
});
