/**
 * What a worker's allowlist admits (issue 31): built-ins by name, nasbook's own recipe modules (mapped to this
 * worker's copy, whatever clone the job came from), and the files or packages it was given, matched as files;
 * everything else is refused before anything is imported.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { RecipeError } from "../../src/errors.js";
import { moduleAllowlist } from "../../src/exec/moduleAllowlist.js";

const dir = mkdtempSync(join(tmpdir(), "nasbook-allow-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const evals = join(dir, "evals.mjs");
writeFileSync(evals, "export function ev() { return {}; }\n");
symlinkSync(evals, join(dir, "link.mjs"));
const mod = (module: string) => ({ kind: "module", module, export: "ev" });

describe("module allowlist", () => {
  const allow = moduleAllowlist([evals, "vitest"], dir);

  it("admits built-ins by name and the given file under any of its names", () => {
    expect(allow.admit({ kind: "builtin", name: "nb201", options: {} })).toEqual({ kind: "builtin", name: "nb201", options: {} });
    const want = pathToFileURL(evals).href;
    for (const m of [evals, pathToFileURL(evals).href, "./evals.mjs", join(dir, "link.mjs"), join(dir, "x", "..", "evals.mjs")]) {
      expect(allow.admit(mod(m)).kind === "module" && (allow.admit(mod(m)) as { module: string }).module, m).toBe(want);
    }
    expect(allow.admit(mod("vitest"))).toEqual(mod("vitest")); // a package given by name
  });

  it("maps nasbook's own synthetic-task module from any clone to this worker's copy", () => {
    const own = fileURLToPath(new URL("../../src/cli/syntheticTask.ts", import.meta.url));
    for (const m of ["file:///elsewhere/nasbook/src/cli/syntheticTask.ts", "/opt/nasbook/dist/src/cli/syntheticTask.js"]) {
      expect((allow.admit(mod(m)) as { module: string }).module).toBe(pathToFileURL(own).href);
    }
  });

  it.each([
    ["node:child_process", "node:child_process"],
    ["a data: URL", "data:text/javascript,export function ev(){}"],
    ["an http URL", "https://example.com/x.js"],
    ["a file it was not given", join(dir, "other.mjs")],
    ["a package it was not given", "bullmq"],
    ["nasbook's own modules other than the recipe ones", "file:///x/nasbook/src/exec/pool.ts"],
  ])("refuses %s", (_what, m) => {
    expect(() => allow.admit(mod(m))).toThrow(RecipeError);
    expect(() => allow.admit(mod(m))).toThrow(/this worker does not run module .*start it with --module PATH/);
  });

  it("refuses recipes that are not recipes, and --module entries that do not exist", () => {
    expect(() => allow.admit(null)).toThrow(/is not a recipe/);
    expect(() => allow.admit({ kind: "eval", code: "1" })).toThrow(/neither "builtin" nor "module"/);
    expect(() => allow.admit({ kind: "module", module: evals })).toThrow(/needs a module and an export/);
    mkdirSync(join(dir, "d"), { recursive: true });
    expect(() => moduleAllowlist(["./missing.mjs"], dir)).toThrow(/--module \.\/missing\.mjs: no such file/);
    expect(() => moduleAllowlist([join(dir, "d")], dir)).toThrow(/no such file/);
    expect(() => moduleAllowlist(["no-such-package-nasbook-xyz"], dir)).toThrow(/no such file, and no package of that name/);
  });
});
