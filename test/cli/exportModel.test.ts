import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/exportModel.js";
import { main as searchMain } from "../../src/cli/search.js";

const dir = mkdtempSync(join(tmpdir(), "nasbook-export-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("nasbook export-model", () => {
  it("retrains the best trial of a chain search checkpoint to the same val_acc and writes checked ONNX", async () => {
    const ckpt = join(dir, "run.ckpt");
    expect(await searchMain(["--space", "chain", "--task", "synthetic", "--epochs", "1", "--queries", "2", "--seed", "3", "--checkpoint", ckpt, "--store", "off"])).toBe(0);
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      expect(await main(["--checkpoint", ckpt, "--format", "onnx", "--out", join(dir, "out")])).toBe(0);
      const lines = log.mock.calls.map((c) => String(c[0]));
      expect(lines.some((l) => l.includes("(equal to the trial's)"))).toBe(true);
      expect(lines.some((l) => /^onnx: checked in onnxruntime-node, max \|difference\| /.test(l))).toBe(true);
    } finally {
      log.mockRestore();
    }
    expect(existsSync(join(dir, "out", "model.onnx"))).toBe(true);
  });

  it("refuses an unknown format and a missing architecture with a usage error", async () => {
    const err = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      expect(await main(["--arch", "conv(16,3x3) > dense(32)", "--format", "keras"])).toBe(2);
      expect(String(err.mock.calls[0]![0])).toMatch(/--format must be one of tfjs, onnx, pytorch/);
      expect(await main(["--format", "onnx"])).toBe(2);
      expect(String(err.mock.calls[1]![0])).toMatch(/give one of --arch STRING or --checkpoint FILE/);
    } finally {
      err.mockRestore();
    }
  });
});
