import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { batches } from "../../src/data/batches.js";
import { parseCifar10Batch } from "../../src/data/cifar10.js";
import { loadCifar10, untar } from "../../src/data/cifar10Loader.js";
import { channelStats, limitSplits, normalizeSplits, splitDataset } from "../../src/data/split.js";
import { syntheticImages, syntheticSplits } from "../../src/data/synthetic.js";
import type { ImageDataset } from "../../src/data/types.js";
import { Rng } from "../../src/rng.js";
import { leakedTensors, useCpu } from "../model/leak.js";

beforeAll(useCpu);

const ramp = (n: number): ImageDataset => ({
  images: Float32Array.from({ length: n * 2 }, (_, i) => i),
  labels: Int32Array.from({ length: n }, (_, i) => i),
  shape: [1, 1, 2],
  numClasses: n,
});

describe("limitSplits", () => {
  const splits = { name: "ramp", train: ramp(20), val: ramp(10), test: ramp(10), note: "a ramp" };

  it("keeps the first examples of the splits it names, the others whole, and says so in the note", () => {
    const s = limitSplits(splits, { train: 5, test: 3 });
    expect(Array.from(s.train.labels)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(s.train.images)).toEqual(Array.from(splits.train.images.subarray(0, 10)));
    expect(s.val).toBe(splits.val);
    expect(Array.from(s.test.labels)).toEqual([0, 1, 2]);
    expect(s.note).toBe("a ramp; using 5 training, 10 validation and 3 test images");
    expect(limitSplits(splits, { train: 100 }).train).toBe(splits.train);
  });

  it("refuses a size that is not a positive integer", () => {
    expect(() => limitSplits(splits, { val: 0 })).toThrow(/val must be a positive integer, got 0/);
  });
});

describe("splits and normalisation", () => {
  it("splits into disjoint seeded parts of the requested sizes", () => {
    const s = splitDataset(ramp(20), { train: 12, val: 5, test: 3 }, 7);
    const all = [...s.train.labels, ...s.val.labels, ...s.test.labels];
    expect(all.length).toBe(20);
    expect(new Set(all).size).toBe(20);
    expect(Array.from(splitDataset(ramp(20), { train: 12, val: 5, test: 3 }, 7).val.labels)).toEqual(Array.from(s.val.labels));
    expect(() => splitDataset(ramp(5), { train: 4, val: 2, test: 0 }, 0)).toThrow(/at most 5/);
  });

  it("normalises every split with the training split's per-channel statistics", () => {
    const s = splitDataset(ramp(50), { train: 30, val: 10, test: 10 }, 1);
    const stats = channelStats(s.train);
    const n = normalizeSplits({ name: "ramp", ...s, note: "" });
    const after = channelStats(n.train);
    after.mean.forEach((m) => expect(m).toBeCloseTo(0, 5));
    after.std.forEach((d) => expect(d).toBeCloseTo(1, 5));
    expect(n.val.images[0]).toBeCloseTo((s.val.images[0]! - stats.mean[0]!) / stats.std[0]!, 5);
  });
});

describe("batches", () => {
  it("covers the data once per epoch in seeded shuffled order, keeping the last partial batch, without leaks", async () => {
    const ds = ramp(10);
    const leaked = await leakedTensors(() => {
      const seen: number[] = [];
      const sizes: number[] = [];
      for (const b of batches(ds, 4, new Rng(1))) {
        seen.push(...(b.y.arraySync() as number[]));
        sizes.push(b.size);
        expect(b.x.shape).toEqual([b.size, 1, 1, 2]);
        tf.dispose([b.x, b.y]);
      }
      expect(sizes).toEqual([4, 4, 2]);
      expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(seen).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });
    expect(leaked).toBe(0);
  });
});

describe("synthetic task", () => {
  it("is deterministic per seed, balanced enough, and differs across seeds", () => {
    const a = syntheticImages(200, { seed: 1 });
    const b = syntheticImages(200, { seed: 1 });
    const c = syntheticImages(200, { seed: 2 });
    expect(a.images).toEqual(b.images);
    expect(a.images).not.toEqual(c.images);
    const counts = new Array(10).fill(0);
    for (const l of a.labels) counts[l]++;
    // Labels are uniform: chi-square over the 10 classes below the 0.999 quantile (9 degrees of freedom), on a
    // sample large enough to see a skew (was: every class more than 5 of 200).
    const big = syntheticImages(5000, { seed: 3 }), k = new Array(10).fill(0);
    for (const l of big.labels) k[l]++;
    expect(k.reduce((s, c) => s + (c - 500) ** 2 / 500, 0)).toBeLessThan(27.88);
    const s = syntheticSplits({ sizes: { train: 30, val: 10, test: 10 } });
    expect(s.note).toMatch(/no download/);
    expect(s.train.shape).toEqual([12, 12, 1]);
  });
});

describe("CIFAR-10 binary", () => {
  it("reads records as HWC images with labels, and unpacks tar archives", () => {
    const rec = new Uint8Array(3073 * 2);
    rec[0] = 3;
    rec[1] = 255; // red of pixel 0
    rec[1 + 1024] = 51; // green of pixel 0
    rec[3073] = 9;
    rec[3073 + 1 + 2048 + 1] = 102; // blue of pixel 1 of record 1
    const ds = parseCifar10Batch(rec);
    expect(Array.from(ds.labels)).toEqual([3, 9]);
    expect(ds.shape).toEqual([32, 32, 3]);
    expect(Array.from(ds.images.subarray(0, 3))).toEqual([1, Math.fround(0.2), 0]);
    expect(ds.images[3072 + 3 + 2]).toBeCloseTo(0.4, 6);
    expect(() => parseCifar10Batch(new Uint8Array(100))).toThrow(/binary version/);
    // A minimal ustar archive holding one file.
    const tar = new Uint8Array(2048);
    const enc = new TextEncoder();
    tar.set(enc.encode("cifar-10-batches-bin/test_batch.bin"), 0);
    tar.set(enc.encode("00000000005\0"), 124);
    tar[156] = "0".charCodeAt(0);
    tar.set(enc.encode("hello"), 512);
    const files = untar(tar);
    expect(new TextDecoder().decode(files.get("cifar-10-batches-bin/test_batch.bin"))).toBe("hello");
  });
});

describe("loadCifar10", () => {
  it("reads the six binary batches from the data directory into seeded train/val and the official test set", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nasbook-cifar-"));
    const batchDir = join(dir, "cifar10", "cifar-10-batches-bin");
    mkdirSync(batchDir, { recursive: true });
    const names = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"];
    names.forEach((name, b) => {
      const rec = new Uint8Array(3073 * 4);
      for (let i = 0; i < 4; i++) rec[i * 3073] = (b + i) % 10;
      writeFileSync(join(batchDir, name), rec);
    });
    const s = await loadCifar10({ dataDir: dir, valSize: 5, download: false });
    expect([s.train.labels.length, s.val.labels.length, s.test.labels.length]).toEqual([15, 5, 4]);
    expect(Array.from(s.test.labels)).toEqual([5, 6, 7, 8]);
    expect(s.note).toMatch(/official test batch/);
    const empty = mkdtempSync(join(tmpdir(), "nasbook-cifar-"));
    await expect(loadCifar10({ dataDir: empty, download: false })).rejects.toThrow(/cifar-10-binary\.tar\.gz.*\n[\s\S]*data_batch_1\.bin/);
  });
});
