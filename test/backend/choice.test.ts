/** Backend choice: NASBOOK_BACKEND parsing, forcing, fallback reasons and idempotent initialisation. */
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import {
  BackendUnavailableError, UnknownBackendError, backendInfo, initBackend, parseBackendChoice,
} from "../../src/backend/index.js";

describe("parseBackendChoice", () => {
  const cases: [string | undefined, string | undefined][] = [
    [undefined, undefined], ["", undefined], ["auto", undefined], ["wasm", "wasm"], ["CPU", "cpu"],
    ["tfjs-node", "tensorflow"], ["node", "tensorflow"], ["tensorflow", "tensorflow"],
  ];
  for (const [value, expected] of cases) {
    it(`${JSON.stringify(value)} -> ${expected ?? "automatic"}`, () => expect(parseBackendChoice(value)).toBe(expected));
  }
  it("names the valid values when given an unknown one", () => {
    expect(() => parseBackendChoice("webgpu")).toThrow(UnknownBackendError);
    expect(() => parseBackendChoice("webgpu")).toThrow(/tfjs-node.*wasm.*cpu/);
  });
});

describe("initBackend", () => {
  it("forcing tfjs-node where it is not installed fails with the install command and the mirror variable", async () => {
    const attempt = initBackend({ backend: "tfjs-node", quiet: true });
    await expect(attempt).rejects.toThrow(BackendUnavailableError);
    await expect(initBackend({ backend: "tfjs-node", quiet: true })).rejects.toThrow(/TFJS_NODE_CDN_STORAGE/);
    expect(backendInfo()).toBeUndefined();
  });

  it("forcing cpu selects cpu, records why, and later calls return the same info", async () => {
    const info = await initBackend({ backend: "cpu", quiet: true });
    expect(info).toMatchObject({ name: "cpu", forced: true, threads: 1, tfjsVersion: tf.version.tfjs });
    expect(info.reason).toMatch(/forced/);
    expect(tf.getBackend()).toBe("cpu");
    expect(await initBackend()).toBe(info);
    expect(backendInfo()).toBe(info);
    expect(JSON.parse(JSON.stringify(info))).toEqual(info);
  });

  it("refuses to switch to another forced backend in the same process", async () => {
    await expect(initBackend({ backend: "wasm", quiet: true })).rejects.toThrow(/already initialised as "cpu"/);
  });
});

describe("automatic choice in a fresh process", () => {
  it("falls back to wasm with training kernels, says why once on stderr", async () => {
    const { execFile } = await import("node:child_process");
    const env = { ...process.env };
    delete env.NASBOOK_BACKEND;
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile(process.execPath, ["--import", "tsx", "test/backend/fixtures/printBackend.ts"], { env }, (err, out, errOut) =>
        err ? reject(err) : resolve({ stdout: out, stderr: errOut }));
    });
    const { info, same } = JSON.parse(stdout.trim().split("\n").at(-1) as string);
    expect(same).toBe(true);
    expect(info.name).toBe("wasm");
    expect(info.forced).toBe(false);
    expect(info.simd).toBe(true);
    expect(info.reason).toMatch(/tfjs-node unavailable/);
    expect(info.trainingKernels.map((k: { kernelName: string }) => k.kernelName)).toContain("Conv2DBackpropFilter");
    expect(stderr.match(/nasbook: tfjs backend "wasm"/g)).toHaveLength(1);
  });
});
