import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { DataFileError } from "../../src/errors.js";
import { encodeIdx, parseIdx } from "../../src/data/idx.js";
import { loadMnist } from "../../src/data/mnist.js";

/** Writes an idx(.gz) image file and label file of `n` 4x4 images whose first pixel encodes the example index. */
function writeFixture(dir: string, prefix: "train" | "t10k", n: number, gzip = true): void {
  const images = new Uint8Array(n * 16);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    images[i * 16] = i % 256;
    images[i * 16 + 1] = 255;
    labels[i] = i % 10;
  }
  const enc = (b: Uint8Array) => (gzip ? gzipSync(b) : b);
  mkdirSync(dir, { recursive: true });
  const img = prefix === "train" ? "train-images-idx3-ubyte.gz" : "t10k-images-idx3-ubyte.gz";
  const lab = prefix === "train" ? "train-labels-idx1-ubyte.gz" : "t10k-labels-idx1-ubyte.gz";
  writeFileSync(join(dir, img), enc(encodeIdx([n, 4, 4], images)));
  writeFileSync(join(dir, lab), enc(encodeIdx([n], labels)));
}

const offline = async () => {
  throw Object.assign(new Error("fetch failed"), { cause: { code: "ENOTFOUND" } });
};

describe("idx reader", () => {
  it("reads gzipped and plain idx files alike", () => {
    const data = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    const plain = encodeIdx([2, 3], data);
    for (const bytes of [plain, new Uint8Array(gzipSync(plain))]) {
      const a = parseIdx(bytes);
      expect(a.dims).toEqual([2, 3]);
      expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it.each([
    ["not idx", Uint8Array.from([7, 7, 8, 1, 0, 0, 0, 1, 5]), /not an idx file/],
    ["truncated", encodeIdx([10], Uint8Array.from([1, 2])), /should hold 10 values/],
    ["float idx", Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 0]), /element type 0xd/],
  ])("rejects %s input with a clear error", (_n, bytes, msg) => {
    expect(() => parseIdx(bytes)).toThrow(msg);
  });
});

describe("loadMnist", () => {
  it("cuts a seeded 80/10/10 split from the test set when the training images are missing, and says so", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nasbook-mnist-"));
    writeFixture(join(dir, "mnist"), "t10k", 100);
    const logs: string[] = [];
    const a = await loadMnist({ dataDir: dir, verify: false, fetch: offline, log: (m) => logs.push(m), seed: 3 });
    expect([a.train.labels.length, a.val.labels.length, a.test.labels.length]).toEqual([80, 10, 10]);
    expect(a.note).toMatch(/training images not available.*seeded split.*TEST set/);
    expect(a.train.shape).toEqual([4, 4, 1]);
    expect(a.train.images[1]).toBe(1); // scaled to [0, 1]
    // Splits are disjoint and cover the 100 examples; same seed, same split.
    const ids = [a.train, a.val, a.test].flatMap((d) => Array.from({ length: d.labels.length }, (_, i) => Math.round(d.images[i * 16]! * 255)));
    expect(new Set(ids).size).toBe(100);
    const b = await loadMnist({ dataDir: dir, verify: false, fetch: offline, log: () => {}, seed: 3 });
    expect(Array.from(b.val.labels)).toEqual(Array.from(a.val.labels));
    const c = await loadMnist({ dataDir: dir, verify: false, fetch: offline, log: () => {}, seed: 4 });
    expect(Array.from(c.val.images)).not.toEqual(Array.from(a.val.images));
  });

  it("uses the training set for train/val and the official test set when all four files exist", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nasbook-mnist-"));
    writeFixture(join(dir, "fashion-mnist"), "t10k", 20);
    writeFixture(join(dir, "fashion-mnist"), "train", 60);
    const s = await loadMnist({ variant: "fashion-mnist", dataDir: dir, verify: false, fetch: offline, valSize: 12 });
    expect([s.train.labels.length, s.val.labels.length, s.test.labels.length]).toEqual([48, 12, 20]);
    expect(s.note).toMatch(/official test set/);
  });

  it("offline and with no files, names each file, where to put it and where to get it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nasbook-mnist-"));
    const err = await loadMnist({ dataDir: dir, fetch: offline, log: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFileError);
    const msg = (err as Error).message;
    expect(msg).toContain(join(dir, "mnist", "t10k-images-idx3-ubyte.gz"));
    expect(msg).toContain("https://storage.googleapis.com/cvdf-datasets/mnist/t10k-images-idx3-ubyte.gz");
    expect(msg).toContain("ENOTFOUND");
    expect(msg).toMatch(/NASBOOK_DATA/);
  });

  it("downloads missing files into the cache and rejects a download whose checksum is wrong", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nasbook-mnist-"));
    const src = mkdtempSync(join(tmpdir(), "nasbook-src-"));
    writeFixture(src, "t10k", 30);
    const served = (url: string) => new Uint8Array(readFileSync(join(src, url.split("/").pop()!)));
    const fakeFetch = async (url: string) => {
      if (url.includes("train-")) return { ok: false, status: 404, arrayBuffer: async () => new ArrayBuffer(0) };
      const b = served(url);
      return { ok: true, status: 200, arrayBuffer: async () => b.slice().buffer };
    };
    // The fixture's checksum is not MNIST's: verification must refuse it and leave no file behind.
    await expect(loadMnist({ dataDir: dir, fetch: fakeFetch, log: () => {} })).rejects.toThrow(/checksum mismatch: md5/);
    expect(existsSync(join(dir, "mnist", "t10k-images-idx3-ubyte.gz"))).toBe(false);
    // Without verification the same download is cached and used.
    const s = await loadMnist({ dataDir: dir, fetch: fakeFetch, log: () => {}, verify: false });
    expect(s.test.labels.length + s.train.labels.length + s.val.labels.length).toBe(30);
    const cached = readFileSync(join(dir, "mnist", "t10k-images-idx3-ubyte.gz"));
    expect(createHash("md5").update(cached).digest("hex")).toBe(createHash("md5").update(served("x/t10k-images-idx3-ubyte.gz")).digest("hex"));
  });

  it("refuses a present file whose checksum is wrong, saying how to fix it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nasbook-mnist-"));
    writeFixture(join(dir, "mnist"), "t10k", 10);
    await expect(loadMnist({ dataDir: dir, fetch: offline, log: () => {} })).rejects.toThrow(/corrupt \(md5 .*expected 9fb629c4.*delete it/);
  });
});
