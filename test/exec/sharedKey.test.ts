/**
 * The shared key and the signatures made with it (issue 31): where the key comes from, the user's key file created
 * once with mode 0600, short keys refused; a signed job verifies only unchanged, on its queue and id, with its key.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { loadSharedKey, SharedKeyError } from "../../src/exec/sharedKey.js";
import { openResult, sealResult, signJob, verifyJob } from "../../src/exec/signature.js";
import type { TrialJob } from "../../src/exec/trialJob.js";

const dir = mkdtempSync(join(tmpdir(), "nasbook-key-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const saved = { ...process.env };
afterEach(() => {
  for (const k of ["NASBOOK_KEY", "NASBOOK_KEY_FILE", "XDG_CONFIG_HOME"]) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});
const job: TrialJob = { key: "abc123", index: 3, space: { kind: "builtin", name: "nb201", options: {} }, evaluator: { kind: "builtin", name: "nb201-table", options: { dataset: "cifar10" } }, arch: "|x|", seed: 7 };

describe("shared key", () => {
  it("is created once in the user's config directory, mode 0600, and read back the same by the next process", () => {
    delete process.env.NASBOOK_KEY;
    delete process.env.NASBOOK_KEY_FILE;
    process.env.XDG_CONFIG_HOME = join(dir, "config");
    const a = loadSharedKey();
    const file = join(dir, "config", "nasbook", "key");
    expect(a.source).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toMatch(/^[0-9a-f]{64}\n$/);
    const b = loadSharedKey();
    expect(b.id).toBe(a.id);
    expect(b.secret.equals(a.secret)).toBe(true);
  });

  it("an option comes first, then --key-file / NASBOOK_KEY_FILE, then NASBOOK_KEY; short keys are refused", () => {
    const file = join(dir, "k");
    writeFileSync(file, "file-key-0123456789abcdef\n");
    process.env.NASBOOK_KEY = "env-key-0123456789abcdef";
    expect(loadSharedKey({ key: "option-key-0123456789" }).source).toBe("option");
    expect(loadSharedKey({ keyFile: file }).source).toBe(file);
    expect(loadSharedKey().source).toBe("NASBOOK_KEY");
    process.env.NASBOOK_KEY_FILE = file;
    expect(loadSharedKey().source).toBe(file);
    expect(() => loadSharedKey({ key: "short" })).toThrow(SharedKeyError);
    expect(() => loadSharedKey({ keyFile: join(dir, "missing") })).toThrow(/cannot read the key file .*missing \(ENOENT\)/);
    expect(loadSharedKey({ key: "option-key-0123456789" }).id).not.toContain("option-key");
  });

  it("a signed job verifies unchanged, and not altered, on another queue or id, or with another key", () => {
    const key = loadSharedKey({ key: "the-key-0123456789abcdef" });
    const signed = JSON.parse(JSON.stringify(signJob(key, "q", job))) as unknown; // as it reads back from Redis
    expect(verifyJob(key, "q", "abc123", signed)).toEqual({ job });
    expect(verifyJob(key, "q", "abc123", { ...(signed as object), seed: 8 })).toHaveProperty("refused", expect.stringMatching(/does not match its content/));
    expect(verifyJob(key, "q", "abc123", { ...(signed as object), evaluator: { kind: "module", module: "node:fs", export: "rmSync" } })).toHaveProperty("refused");
    expect(verifyJob(key, "other", "abc123", signed)).toHaveProperty("refused");
    expect(verifyJob(key, "q", "zzz", signed)).toHaveProperty("refused", expect.stringMatching(/does not match its id/));
    expect(verifyJob(loadSharedKey({ key: "other-key-0123456789abc" }), "q", "abc123", signed)).toHaveProperty("refused", expect.stringMatching(/signed with another key/));
    expect(verifyJob(key, "q", "abc123", job)).toHaveProperty("refused", expect.stringMatching(/not signed/));
  });

  it("a sealed result opens only for its trial key and its key", () => {
    const key = loadSharedKey({ key: "the-key-0123456789abcdef" });
    const result = { metrics: { val_acc: 90, loss: "NaN" }, cost: { seconds: 1 }, status: "ok" };
    const sealed = JSON.parse(JSON.stringify(sealResult(key, "t1", result))) as unknown;
    expect(openResult(key, "t1", sealed)).toEqual(result);
    expect(openResult(key, "t2", sealed)).toBeUndefined();
    expect(openResult(loadSharedKey({ key: "other-key-0123456789abc" }), "t1", sealed)).toBeUndefined();
    expect(openResult(key, "t1", { ...(sealed as object), result: { ...result, metrics: { val_acc: 99 } } })).toBeUndefined();
    expect(openResult(key, "t1", result)).toBeUndefined();
  });
});
