// Issue 24's "Done when", through jupyter_client (test_live_search.py): under Run All (every request at once, each
// with its cellId), a reader of a 24-trial trainEvaluator search shows live progress, and an edit of the space cell
// sent while the search runs stops it within one trial and starts the new one. Skipped only on a machine without
// Debian's jupyter_client and pytest outside CI; in CI it must run.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { installTestKernel, runPytest } from "./jupyterHelpers.js";
import { editedSpace, liveSearchCells } from "./liveSearchNotebook.js";

const python = "/usr/bin/python3";
const hasJupyter = existsSync(python) && spawnSync(python, ["-c", "import jupyter_client, pytest"], { stdio: "ignore" }).status === 0;

describe("a live search under Run All, through jupyter_client", () => {
  it.skipIf(!hasJupyter && !process.env["CI"])("the reader updates while the search runs, and an edit of the space restarts the search within a trial", () => {
    const spec = join(mkdtempSync(join(tmpdir(), "nasbook-live-search-")), "cells.json");
    writeFileSync(spec, JSON.stringify({ cells: liveSearchCells, editedSpace }));
    const env = { ...installTestKernel(), NASBOOK_TRIALS: "off", NASBOOK_LIVE_SEARCH: spec };
    const t0 = performance.now();
    const { status, out } = runPytest("test_live_search.py", env, 1_700_000, ["-s"]);
    console.log(`test_live_search.py: ${((performance.now() - t0) / 1000).toFixed(1)} s\n${out.split("\n").filter((l) => /old search|passed|failed/.test(l)).join("\n")}`);
    expect(out, out).toMatch(/1 passed/);
    expect(status, out).toBe(0);
  }, 1_800_000);
});
