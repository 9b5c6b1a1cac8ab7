/**
 * The directory trial store with a shared key (issue 31): entries carry an HMAC over the result and its trial key,
 * so an entry planted without the key (an unkeyed one, a forged signature, one moved from another trial) reads as a
 * miss; a store opened without a key leaves keyed entries alone.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { TrialResult } from "../../src/estimate/types.js";
import { loadSharedKey } from "../../src/exec/sharedKey.js";
import { directoryStore } from "../../src/exec/store.js";

const dir = mkdtempSync(join(tmpdir(), "nasbook-storekey-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const key = loadSharedKey({ key: "store-key-0123456789abcdef" });
const ok = (v: number): TrialResult => ({ metrics: { val_acc: v }, cost: { seconds: 1 }, status: "ok" });
const k = (c: string) => c.repeat(64);
const fileOf = (root: string, trialKey: string) => join(root, trialKey.slice(0, 2), `${trialKey}.json`);

describe("directory store with a shared key", () => {
  it("round-trips its own entries, signed (v2, no plain sha256)", async () => {
    const root = join(dir, "own");
    const store = directoryStore(root, { key });
    await store.put(k("a"), ok(1));
    expect(await store.get(k("a"))).toEqual(ok(1));
    const entry = JSON.parse(readFileSync(fileOf(root, k("a")), "utf8")) as Record<string, unknown>;
    expect(entry.v).toBe(2);
    expect(entry.mac).toMatch(/^[0-9a-f]{64}$/);
    expect(entry.sha256).toBeUndefined();
  });

  it("an unkeyed entry, a forged signature and an entry moved from another trial read as misses and are replaced", async () => {
    const root = join(dir, "planted");
    const keyed = directoryStore(root, { key });
    const plain = directoryStore(root);
    // planted by someone without the key: a valid unkeyed entry claiming 100%
    await plain.put(k("b"), ok(100));
    expect(await keyed.get(k("b"))).toBeUndefined();
    await keyed.put(k("b"), ok(2)); // the recomputed result replaces it
    expect(await keyed.get(k("b"))).toEqual(ok(2));
    // a keyed entry with its result changed by hand
    const file = fileOf(root, k("b"));
    const entry = JSON.parse(readFileSync(file, "utf8")) as { result: { metrics: { val_acc: number } } };
    entry.result.metrics.val_acc = 99;
    writeFileSync(file, JSON.stringify(entry));
    expect(await keyed.get(k("b"))).toBeUndefined();
    // a genuine entry copied under another trial key (its "key" field rewritten to match)
    await keyed.put(k("c"), ok(3));
    const moved = fileOf(root, k("d"));
    mkdirSync(dirname(moved), { recursive: true });
    copyFileSync(fileOf(root, k("c")), moved);
    writeFileSync(moved, readFileSync(moved, "utf8").replace(k("c"), k("d")));
    expect(await keyed.get(k("d"))).toBeUndefined();
    // another key's entries are not believed either
    const other = directoryStore(root, { key: loadSharedKey({ key: "another-key-0123456789abc" }) });
    expect(await other.get(k("c"))).toBeUndefined();
  });

  it("a store without the key leaves keyed entries alone", async () => {
    const root = join(dir, "mixed");
    const keyed = directoryStore(root, { key });
    await keyed.put(k("e"), ok(5));
    const plain = directoryStore(root);
    expect(await plain.get(k("e"))).toBeUndefined(); // cannot tell a good keyed entry from a bad one
    await plain.put(k("e"), ok(50));
    expect(await keyed.get(k("e"))).toEqual(ok(5));
  });
});
