// A control moved through jupyter_client (Debian's python3-jupyter-client, the library nbclient and JupyterLab's
// server use): test_widget_update.py sends the slider's comm an `update` as a widget front end does, and checks that
// exactly the control's readers re-run with the new value. Skipped only on a machine without jupyter_client outside
// CI; in CI it must run.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { installTestKernel, runPytest } from "./jupyterHelpers.js";

const python = "/usr/bin/python3";
const hasClient = existsSync(python) && spawnSync(python, ["-c", "import jupyter_client, pytest"], { stdio: "ignore" }).status === 0;

describe("a control moved through jupyter_client", () => {
  it.skipIf(!hasClient && !process.env["CI"])("a comm_msg update re-runs exactly the control's readers with the new value, and is echoed", () => {
    const { status, out } = runPytest("test_widget_update.py", installTestKernel(), 360_000);
    expect(out, out).toMatch(/1 passed/);
    expect(status, out).toBe(0);
  }, 420_000);
});
