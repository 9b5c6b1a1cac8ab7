// nasbook as someone else's dependency: `npm pack`, install the tarball into a fresh project offline, and use it
// there in plain Node (no tsx, no sources): a search from `import * as nas from "nasbook"` (checked against the same
// search run from the sources here), a TypeScript file type-checked against the shipped .d.ts, the CLI, and a
// notebook run by the installed kernel layer. Slow (a build and an install): runs with CI=true or NASBOOK_PACKAGE_TEST=1.
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Nb201Table, nb201TableEvaluator } from "../../src/estimate/nb201Table.js";
import { search } from "../../src/search.js";
import { nb201Space } from "../../src/space/nb201.js";
import { regularizedEvolution } from "../../src/strategy/evolution.js";
import { nb201Csv } from "../fixtures/nb201Csv.js";
import { offlineLockfile } from "./offlineLock.js";

const enabled = process.env["CI"] === "true" || process.env["NASBOOK_PACKAGE_TEST"] === "1";
const repo = resolve(".");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
let dir = "";
let project = "";

function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(cmd, args, { cwd: project, encoding: "utf8", timeout: 240_000, env: { ...process.env, NASBOOK_DATA: join(project, "data"), ...env } });
}

const searchScript = `import * as nas from "nasbook";
const run = nas.search({ space: nas.nb201Space(), strategy: nas.regularizedEvolution({ population: 10, sample: 3 }),
  evaluator: nas.nb201TableEvaluator({ dataset: "cifar10" }), budget: { queries: 20 }, seed: 7 });
const { best, history } = await run.result();
console.log(JSON.stringify({ trials: history.length, best: best.archString, fitness: best.fitness }));
`;

describe.skipIf(!enabled)("the packed tarball installed into a fresh project", () => {
  /** Times dist/src/index.js was missing while `npm pack` rebuilt dist/ (a kernel running from dist/ would break). */
  let distMissing = 0;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "nasbook-package-"));
    project = join(dir, "project");
    mkdirSync(join(project, "data", "nb201"), { recursive: true });
    // `npm pack` runs `prepare`, which builds dist/.
    const entry = join(repo, "dist", "src", "index.js");
    const watch = setInterval(() => existsSync(entry) || distMissing++, 5);
    let packed: string;
    try {
      packed = (await promisify(execFile)(npm, ["pack", "--silent", "--pack-destination", dir], { cwd: repo, encoding: "utf8", timeout: 240_000 })).stdout;
    } finally {
      clearInterval(watch);
    }
    const tarball = join(dir, packed.trim().split("\n").at(-1)!);
    // Offline: a lock file pins nasbook's dependencies at the repo's locked versions, whose tarballs `npm ci`
    // put in the npm cache; the tarball itself is a file.
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "user-project", version: "1.0.0", type: "module", private: true, dependencies: { nasbook: `file:${tarball}` } }, null, 2));
    writeFileSync(join(project, "package-lock.json"), JSON.stringify(offlineLockfile(join(repo, "package-lock.json"), tarball), null, 2));
    const install = run(npm, ["install", "--offline", "--no-audit", "--no-fund"]);
    if (install.status !== 0) throw new Error(`npm install --offline failed:\n${install.stderr}`);
    writeFileSync(join(project, "data", "nb201", "nb201_all.csv"), nb201Csv(15625));
  }, 480_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("rebuilding dist/ (npm pack's prepare) never leaves it missing for a process running from it", () => {
    expect(distMissing).toBe(0);
  });

  it("ships dist/ (JavaScript, declarations, the wasm kernels) and no TypeScript sources", () => {
    const installed = join(project, "node_modules", "nasbook");
    const pkg = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as { exports: Record<string, unknown> };
    expect(Object.keys(pkg.exports)).toContain(".");
    for (const f of ["dist/src/index.js", "dist/src/index.d.ts", "dist/src/index.js.map", "dist/wasm/training_kernels.wasm", "bin/nasbook.js"]) {
      expect(() => readFileSync(join(installed, f)), f).not.toThrow();
    }
    expect(() => readFileSync(join(installed, "src", "index.ts"))).toThrow();
    expect(() => readFileSync(join(project, "node_modules", "tsx", "package.json")), "tsx is a devDependency").toThrow();
  });

  it("runs a 20-query NB201 search in plain node, with the history the sources give", async () => {
    writeFileSync(join(project, "search.mjs"), searchScript);
    const r = run(process.execPath, ["search.mjs"]);
    expect(r.status, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { trials: number; best: string; fitness: number };
    const table = Nb201Table.parse(nb201Csv(15625));
    const reference = await search({ space: nb201Space(), strategy: regularizedEvolution({ population: 10, sample: 3 }), evaluator: nb201TableEvaluator({ dataset: "cifar10", table }), budget: { queries: 20 }, seed: 7 }).result();
    expect(got).toEqual({ trials: 20, best: reference.best!.archString, fitness: reference.best!.fitness });
  });

  it("type-checks a user's TypeScript against the shipped declarations, and rejects a misuse", () => {
    writeFileSync(join(project, "user.ts"), [
      'import * as nas from "nasbook";',
      'import type { Nb201Arch, SearchResult } from "nasbook";',
      "const space: nas.Nb201Space = nas.nb201Space();",
      "const size: number = nas.spaceSize(space);",
      "export async function best(): Promise<string> {",
      "  const r: SearchResult<Nb201Arch> = await nas.search({ space, strategy: nas.randomSearch(), evaluator: nas.nb201TableEvaluator(), budget: { queries: 5 }, seed: 1 }).result();",
      "  return `${size}: ${r.best?.archString}`;",
      "}",
    ].join("\n"));
    writeFileSync(join(project, "misuse.ts"), 'import * as nas from "nasbook";\nexport const size: string = nas.spaceSize(nas.nb201Space());\n');
    // skipLibCheck: tfjs's own declarations do not pass a strict check (unrelated to nasbook).
    const tsc = (file: string) => run(process.execPath, [join("node_modules", "typescript", "bin", "tsc"), "--noEmit", "--strict", "--skipLibCheck", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--types", "node", file]);
    const ok = tsc("user.ts");
    expect(ok.status, ok.stdout).toBe(0);
    const bad = tsc("misuse.ts");
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toMatch(/misuse\.ts\(2,14\): error TS2322: Type 'number' is not assignable to type 'string'/);
  });

  it("npx nasbook --help prints the commands", () => {
    const r = run(npm, ["exec", "--offline", "--", "nasbook", "--help"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/usage: nasbook <command>[\s\S]*run [\s\S]*kernel /);
  });

  it("nasbook run executes a notebook: cells type-checked against the installed package and run", () => {
    const cell = (id: string, source: string) => ({ cell_type: "code", id, metadata: {}, source, outputs: [], execution_count: null });
    writeFileSync(join(project, "nb.ipynb"), JSON.stringify({
      cells: [
        cell("space", 'import { nb201Space } from "nasbook";\nconst space = nb201Space();\nnas.formatSpaceSize(space)'),
        cell("search", "const result = await nas.search({ space, strategy: nas.randomSearch(), evaluator: nas.nb201TableEvaluator(), budget: { queries: 20 }, seed: 3 }).result();\nresult.history.length"),
      ],
      metadata: { kernelspec: { name: "nasbook", display_name: "TypeScript (nasbook)", language: "typescript" } },
      nbformat: 4, nbformat_minor: 5,
    }));
    const r = run(process.execPath, [join("node_modules", ".bin", "nasbook"), "run", "nb.ipynb", "--out", "out.ipynb"]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(readFileSync(join(project, "out.ipynb"), "utf8")) as { cells: { outputs: { data?: Record<string, string[] | string> }[] }[] };
    // The search cell (it reads `space`: one updatable display) prints one line about the notebook's trial store above
    // its value; the values are the cells' results.
    const plain = out.cells.map((c) => [c.outputs.find((o) => o.data !== undefined)?.data?.["text/plain"]].flat().join(""));
    expect(plain[0]).toBe("15,625");
    expect(plain[1]).toMatch(/^trial store .*: 0 of 20 trials from the store .*\n20$/);
  });
});
