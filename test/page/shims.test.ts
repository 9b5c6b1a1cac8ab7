// The page's versions of Node built-ins (src/page/shims) against Node's own: sha256 digests (so trial keys are the
// same in a page), POSIX paths, util.inspect/format for common values, and the clear errors for what a page cannot do.
import { createHash } from "node:crypto";
import { posix } from "node:path";
import { format as nodeFormat, inspect as nodeInspect } from "node:util";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { canonicalJson, nasbookVersion, trialKey } from "../../src/exec/trialKey.js";
import { Rng } from "../../src/rng.js";
import { createHash as pageHash, randomBytes } from "../../src/page/shims/crypto.js";
import { existsSync, readFileSync, writeFileSync } from "../../src/page/shims/fs.js";
import * as pagePath from "../../src/page/shims/path.js";
import { cpus } from "../../src/page/shims/os.js";
import { pageDataDir, pageProcess } from "../../src/page/shims/process.js";
import { format, inspect } from "../../src/page/shims/util.js";
import { gunzipSync as pageGunzip } from "../../src/page/shims/zlib.js";
import { addFile, addInflated } from "../../src/page/virtualFs.js";
import { PageUnsupportedError } from "../../src/page/unsupported.js";

const nodeSha = (d: string | Uint8Array) => createHash("sha256").update(d).digest("hex");

describe("sha256 in a page", () => {
  it("gives node:crypto's digest for every length around the block boundaries, fed whole or in pieces", () => {
    const rng = new Rng(5);
    for (const n of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4096 + 7]) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(rng.float() * 256));
      expect(pageHash("sha256").update(bytes).digest("hex"), `${n} bytes`).toBe(nodeSha(bytes));
      const h = pageHash("sha256");
      for (let i = 0; i < n; i += 13) h.update(bytes.subarray(i, i + 13));
      expect(h.digest("hex"), `${n} bytes in pieces`).toBe(nodeSha(bytes));
    }
    expect(pageHash("sha256").update("héllo ✓").digest("hex")).toBe(nodeSha("héllo ✓"));
  });

  it("md5 (data checksums) gives node:crypto's digest around the block boundaries", () => {
    const rng = new Rng(7);
    for (const n of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 1000, 70_000]) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(rng.float() * 256));
      const h = pageHash("md5");
      for (let i = 0; i < n; i += 4099) h.update(bytes.subarray(i, i + 4099));
      expect(h.digest("hex"), `${n} bytes`).toBe(createHash("md5").update(bytes).digest("hex"));
    }
  });

  it("a trial key computed with it equals Node's trialKey", () => {
    const identity = { fingerprint: { kind: "nb201-table", dataset: "cifar10", table: { sha256: "ab".repeat(32) } }, space: "nb201", archKey: "|nor_conv_3x3~0|+|skip_connect~0|none~1|+|avg_pool_3x3~0|nor_conv_1x1~1|skip_connect~2|", budget: { epochs: 12 }, seed: 3 };
    const text = canonicalJson({ v: 1, nasbook: nasbookVersion(), evaluator: identity.fingerprint, space: identity.space, arch: identity.archKey, budget: identity.budget, seed: identity.seed });
    expect(pageHash("sha256").update(text).digest("hex")).toBe(trialKey(identity));
  });

  it("random bytes print as hex; other hashes are a clear error", () => {
    expect(randomBytes(8).toString("hex")).toMatch(/^[0-9a-f]{16}$/);
    expect(() => pageHash("sha1")).toThrow(/the sha1 hash is not available in a live page: a page computes sha256 and md5 only/);
  });
});

describe("paths in a page", () => {
  it.each([
    ["join", ["/a/b", "../c", "./d"]], ["join", ["a", "", "b/"]], ["resolve", ["/x", "y/../z"]], ["dirname", ["/a/b/c.txt"]],
    ["dirname", ["/a"]], ["basename", ["/a/b/c.txt", ".txt"]], ["extname", ["/a/b.tar.gz"]], ["extname", ["/a/.hidden"]],
    ["relative", ["/a/b/c", "/a/d"]], ["normalize", ["/a//b/../c/."]],
  ] as const)("%s(%j) as in Node", (fn, args) => {
    const f = (pagePath as unknown as Record<string, (...a: string[]) => string>)[fn]!;
    const g = (posix as unknown as Record<string, (...a: string[]) => string>)[fn]!;
    expect(f(...args)).toBe(g(...args));
  });
});

describe("inspect and format in a page", () => {
  class Point {
    constructor(readonly x: number, readonly y: number) {}
  }
  it.each([
    [[1, 2, 3]], [{ a: 1, b: "two", c: [true, null, undefined] }], [new Map([["a", 1]])], [new Set([1, "x"])],
    [new Point(1, 2)], [{ nested: { deeper: { deepest: { gone: 1 } } } }], [Array.from({ length: 120 }, (_, i) => i % 7)],
    [new Float32Array([0.5, 1.5])], ["it's"], [[]], [{}], [Object.create(null)],
  ])("inspect(%j) as in Node", (value) => {
    const opts = { depth: 4, maxArrayLength: 50, maxStringLength: 2000, breakLength: 100 };
    // Node groups long numeric arrays into columns; the page keeps one entry per line: same text, other breaks.
    const squash = (s: string) => s.replace(/\s+/g, " ");
    expect(squash(inspect(value, opts))).toBe(squash(nodeInspect(value, opts)));
  });

  it.each([[["%s has %d items", "list", 3]], [["value:", { a: 1 }, 2]], [["100%% done"]], [[42]]])("format(%j) as in Node", (args) => {
    expect(format(...args)).toBe(nodeFormat(...(args as [unknown, ...unknown[]])));
  });
});

describe("files in a page", () => {
  it("reads embedded files, names what the page has when a read misses, and refuses writes", () => {
    addFile(`${pageDataDir}/nb201/table.csv`, new TextEncoder().encode("a,b\n1,2\n"));
    expect(existsSync(`${pageDataDir}/nb201`)).toBe(true);
    expect(readFileSync(`${pageDataDir}/nb201/table.csv`, "utf8")).toBe("a,b\n1,2\n");
    expect(() => readFileSync(`${pageDataDir}/mnist/t10k-images-idx3-ubyte.gz`)).toThrow(/not in this page.*data: nb201\/table\.csv/);
    // A .gz file: gunzipSync of its bytes, or of a copy of them, gives what the page inflated when it started.
    const gz = gzipSync(Buffer.from("idx bytes"));
    addFile(`${pageDataDir}/mnist/t10k-labels-idx1-ubyte.gz`, gz);
    addInflated(`${pageDataDir}/mnist/t10k-labels-idx1-ubyte.gz`, gunzipSync(gz));
    const read = readFileSync(`${pageDataDir}/mnist/t10k-labels-idx1-ubyte.gz`) as Uint8Array;
    expect(new TextDecoder().decode(pageGunzip(read))).toBe("idx bytes");
    expect(new TextDecoder().decode(pageGunzip(new Uint8Array(read)))).toBe("idx bytes");
    expect(() => pageGunzip(gzipSync(Buffer.from("other")))).toThrow(/inflating gzip data other than the page's embedded \.gz files/);
    expect(() => writeFileSync("/tmp/x")).toThrow(PageUnsupportedError);
    expect(() => writeFileSync("/tmp/x")).toThrow(/writing files \(writeFileSync \/tmp\/x\) is not available in a live page/);
  });
});

describe("latency in a page", () => {
  it("naming the processor or reading CPU time is a clear error (a browser's latency is not the notebook's)", () => {
    expect(() => cpus()).toThrow(/measuring latency on this machine \(os\.cpus\) is not available in a live page/);
    expect(() => pageProcess.cpuUsage()).toThrow(/process\.cpuUsage.*not available in a live page/);
  });
});
