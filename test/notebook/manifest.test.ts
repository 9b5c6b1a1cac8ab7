// The run manifest: which data files were read (and their sha256), versions, git state, and nothing that
// changes from one run to the next.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { readFileSync } from "node:fs";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { codeCell, notebookOf, serializeIpynb } from "../../src/notebook/ipynb.js";
import { buildManifest, dataRecords, gitState, sha256File, trackDataReads } from "../../src/notebook/manifest.js";

function fixtureDir(): { dir: string; outside: string } {
  const root = mkdtempSync(join(tmpdir(), "nasbook-manifest-"));
  const dir = join(root, "data");
  mkdirSync(join(dir, "mnist"), { recursive: true });
  writeFileSync(join(dir, "mnist", "labels.bin"), Buffer.from([1, 2, 3, 4]));
  writeFileSync(join(dir, "table.csv"), "arch,acc\na,1\n");
  writeFileSync(join(dir, "unread.csv"), "never read\n");
  const outside = join(root, "elsewhere.txt");
  writeFileSync(outside, "not data");
  return { dir, outside };
}

describe("run manifest", () => {
  it("records the files read under the data directory, by named imports, fs.promises and fs.*, and nothing else", async () => {
    const { dir, outside } = fixtureDir();
    const stop = trackDataReads(dir);
    try {
      readFileSync(join(dir, "mnist", "labels.bin")); // named ESM import: covered through syncBuiltinESMExports
      await readFile(join(dir, "table.csv"), "utf8");
      fs.readFileSync(join(dir, "table.csv"));
      readFileSync(outside);
    } finally {
      const files = stop();
      expect(files).toEqual([join(dir, "mnist", "labels.bin"), join(dir, "table.csv")]);
    }
    // Restored: reads after stop() are not recorded by a new tracker's predecessor.
    const again = trackDataReads(dir);
    expect(again()).toEqual([]);
  });

  it("hashes data files with sha256, paths relative to the data directory", () => {
    const { dir } = fixtureDir();
    const records = dataRecords([join(dir, "table.csv"), join(dir, "mnist", "labels.bin")], dir);
    expect(records).toEqual([
      { path: "mnist/labels.bin", sha256: createHash("sha256").update(Buffer.from([1, 2, 3, 4])).digest("hex"), bytes: 4 },
      { path: "table.csv", sha256: createHash("sha256").update("arch,acc\na,1\n").digest("hex"), bytes: 13 },
    ]);
    expect(sha256File(join(dir, "table.csv")).sha256).toBe(records[1]!.sha256);
  });

  it("names the git commit of the checkout, or null outside git", () => {
    const state = gitState();
    if (state) expect(state.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(gitState(mkdtempSync(join(tmpdir(), "nasbook-nogit-")))).toBeNull();
  });

  it("holds versions and the seed, and is the same when built twice (no timestamps)", () => {
    const a = buildManifest({ seed: { seed: 3, source: "--seed", cell: "params" }, dataFiles: [], code: "const seed = 3;" });
    const b = buildManifest({ seed: { seed: 3, source: "--seed", cell: "params" }, dataFiles: [], code: "const seed = 3;" });
    expect(a).toEqual(b);
    expect(a.packages["@tensorflow/tfjs"]).toMatch(/^\d+\.\d+\.\d+$/);
    expect(a.packages["typescript"]).toMatch(/^5\./);
    expect(a.node).toBe(process.version);
    expect(a.seed).toEqual({ seed: 3, source: "--seed", cell: "params" });
    expect(JSON.stringify(a)).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/);
    expect(a.codeSha256).not.toBe(buildManifest({ seed: a.seed, dataFiles: [], code: "const seed = 4;" }).codeSha256);
  });

  it("`nasbook run --data DIR` records the sha256 of the data files the notebook read in the executed notebook", () => {
    const { dir } = fixtureDir();
    const work = mkdtempSync(join(tmpdir(), "nasbook-manifest-run-"));
    const nb = notebookOf([
      codeCell("params", "const seed = 0;", { tags: ["parameters"] }),
      codeCell("read", 'import { readFileSync } from "node:fs";\nreadFileSync(nas.dataPath("table.csv"), "utf8").length'),
    ]);
    writeFileSync(join(work, "reads.ipynb"), serializeIpynb(nb));
    const r = spawnSync(process.execPath, [resolve("bin/nasbook.js"), "run", join(work, "reads.ipynb"), "--data", dir, "--out", join(work, "out.ipynb")], { encoding: "utf8", timeout: 120_000 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const manifest = (JSON.parse(readFileSync(join(work, "out.ipynb"), "utf8")) as { metadata: { nasbook: { manifest: { data: unknown[]; seed: unknown } } } }).metadata.nasbook.manifest;
    expect(manifest.data).toEqual([{ path: "table.csv", sha256: createHash("sha256").update("arch,acc\na,1\n").digest("hex"), bytes: 13 }]);
    expect(manifest.seed).toEqual({ seed: 0, source: "notebook", cell: "params" });
  }, 120_000);
});
