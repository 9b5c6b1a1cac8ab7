/** Backend choice: NASBOOK_BACKEND parsing, forcing, fallback reasons and idempotent initialisation. */
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import {
  BackendUnavailableError, UnknownBackendError, backendInfo, initBackend, parseBackendChoice, type BackendInfo,
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

// Whether tfjs-node's binding is built here (scripts/tfjs-node-from-wheel.sh); CI builds it and says so.
const tfjsNodeBuilt = await tfjsNodeLoadsInChild();

describe("initBackend", () => {
  it.skipIf(tfjsNodeBuilt)("forcing tfjs-node where it is not installed fails with the install command, the mirror variable and the wheel script", async () => {
    const attempt = initBackend({ backend: "tfjs-node", quiet: true });
    await expect(attempt).rejects.toThrow(BackendUnavailableError);
    await expect(initBackend({ backend: "tfjs-node", quiet: true })).rejects.toThrow(/TFJS_NODE_CDN_STORAGE/);
    await expect(initBackend({ backend: "tfjs-node", quiet: true })).rejects.toThrow(/tfjs-node-from-wheel\.sh/);
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

/** Runs test/backend/fixtures/printBackend.ts with NASBOOK_BACKEND set (or unset) and returns its output. */
async function printBackend(backend: string | undefined): Promise<{ info: BackendInfo; same: boolean; stderr: string }> {
  const { execFile } = await import("node:child_process");
  const env = { ...process.env };
  delete env.NASBOOK_BACKEND;
  if (backend !== undefined) env.NASBOOK_BACKEND = backend;
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", "test/backend/fixtures/printBackend.ts"], { env }, (err, out, errOut) =>
      err ? reject(err) : resolve({ stdout: out, stderr: errOut }));
  });
  return { ...JSON.parse(stdout.trim().split("\n").at(-1) as string), stderr };
}

async function tfjsNodeLoadsInChild(): Promise<boolean> {
  try {
    const { createRequire } = await import("node:module");
    createRequire(import.meta.url).resolve("@tensorflow/tfjs-node/package.json");
  } catch {
    return false;
  }
  return (await printBackend("tfjs-node").catch(() => undefined))?.info.name === "tensorflow";
}

describe("automatic choice in a fresh process", () => {
  it.skipIf(tfjsNodeBuilt)("falls back to wasm with training kernels, says why once on stderr", async () => {
    const { info, same, stderr } = await printBackend(undefined);
    expect(same).toBe(true);
    expect(info.name).toBe("wasm");
    expect(info.forced).toBe(false);
    expect(info.simd).toBe(true);
    expect(info.reason).toMatch(/tfjs-node unavailable/);
    expect(info.trainingKernels.map((k: { kernelName: string }) => k.kernelName)).toContain("Conv2DBackpropFilter");
    expect(stderr.match(/nasbook: tfjs backend "wasm"/g)).toHaveLength(1);
  });

  it.runIf(tfjsNodeBuilt)("picks tfjs-node first, records TensorFlow's version, says why once on stderr", async () => {
    const { info, same, stderr } = await printBackend(undefined);
    expect(same).toBe(true);
    expect(info).toMatchObject({ name: "tensorflow", forced: false, skipped: [], trainingKernels: [] });
    expect(info.reason).toMatch(/^native TensorFlow \d+\.\d+\.\d+ via @tensorflow\/tfjs-node 4\.22\.0$/);
    expect(stderr.match(/nasbook: tfjs backend "tensorflow"/g)).toHaveLength(1);
  });

  it("forced wasm: training kernels and the reason, whatever else is installed", async () => {
    const { info } = await printBackend("wasm");
    expect(info).toMatchObject({ name: "wasm", forced: true, simd: true });
    expect(info.reason).toMatch(/forced/);
    expect(info.trainingKernels.map((k: { kernelName: string }) => k.kernelName)).toContain("Conv2DBackpropFilter");
  });
});

it("CI builds tfjs-node (NASBOOK_REQUIRE_TFJS_NODE=1), so its tests cannot be skipped there", () => {
  if (process.env.NASBOOK_REQUIRE_TFJS_NODE === "1") expect(tfjsNodeBuilt).toBe(true);
});
