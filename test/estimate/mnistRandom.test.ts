import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { mnistRandomSearch } from "../../bench/mnistRandom.js";
import { encodeIdx } from "../../src/data/idx.js";

/** An MNIST-shaped t10k fixture: 8x8 images of class k light up row k (k < 4). */
function fixture(n: number): string {
  const dir = mkdtempSync(join(tmpdir(), "nasbook-mnist-rs-"));
  const images = new Uint8Array(n * 64);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % 4;
    labels[i] = k;
    for (let x = 0; x < 8; x++) images[i * 64 + k * 8 + x] = 200 + ((i * 7 + x) % 50);
  }
  mkdirSync(join(dir, "mnist"));
  writeFileSync(join(dir, "mnist", "t10k-images-idx3-ubyte.gz"), gzipSync(encodeIdx([n, 8, 8], images)));
  writeFileSync(join(dir, "mnist", "t10k-labels-idx1-ubyte.gz"), gzipSync(encodeIdx([n], labels)));
  return dir;
}

describe("the Keras random-search example at a tiny budget", () => {
  it("runs N trials, reports each trial's arch, accuracy and seconds, and keeps the best by validation accuracy", async () => {
    const lines: string[] = [];
    const report = await mnistRandomSearch({
      trials: 2,
      epochs: 1,
      seed: 3,
      batchSize: 16,
      space: { filters: [2, 4], kernels: [3], units: [8], maxConv: 2, maxDense: 1 },
      mnist: { dataDir: fixture(80), verify: false, download: false },
      log: (l) => lines.push(l),
    });
    expect(report.bench).toBe("mnist-random");
    expect(report.backend).toMatch(/^(wasm|cpu|tensorflow)$/);
    expect(report.data).toMatch(/seeded split .* TEST set/);
    expect(report.trials.length).toBe(2);
    for (const t of report.trials) {
      expect(t.status).toBe("ok");
      expect(t.arch).toMatch(/^conv\(\d,3x3\)/);
      // A percentage of the fixture's 8 test images (the test-set-only split keeps a tenth of 80): k * 12.5 %.
      expect(t.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(t.testAccuracy).toBeLessThanOrEqual(100);
      expect((t.testAccuracy * 8) / 100).toBeCloseTo(Math.round((t.testAccuracy * 8) / 100), 6);
      expect(t.seconds).toBeGreaterThan(0);
    }
    const best = report.trials.reduce((b, t) => (t.valAccuracy > b.valAccuracy ? t : b));
    expect(report.bestTestAccuracy).toBe(best.testAccuracy);
    expect(lines.filter((l) => l.startsWith("trial ")).length).toBe(2);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});
