/**
 * Threaded wasm training (tfjs's threaded build plus nasbook's kernel threads) gives bit-identical weights to one
 * thread: kernels split outputs that do not overlap, and reductions over fixed slices (src/backend/wasm/split.ts).
 * Each thread count runs in its own process, as a backend is chosen once per process.
 */
import { execFile } from "node:child_process";
import { describe, expect, it } from "vitest";
import { idleCoreThreads } from "../../src/backend/index.js";

interface ChildResult {
  threads: number;
  reason: string;
  losses: number[];
  weights: string;
  parallelRuns: number;
}

function trainWith(threads: number): Promise<ChildResult> {
  const env = { ...process.env, NASBOOK_WASM_THREADS: String(threads) };
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ["--import", "tsx", "test/backend/fixtures/trainThreaded.ts"], { env }, (err, out, errOut) =>
      err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(JSON.parse(out.trim().split("\n").at(-1) as string) as ChildResult)));
}

describe("wasm training on several threads", () => {
  it("2 threads: the same losses and weight bits as 1 thread, with the work split (threads in the info and reason)", async () => {
    const one = await trainWith(1);
    const two = await trainWith(2);
    expect(one.threads).toBe(1);
    expect(one.parallelRuns).toBe(0);
    expect(two.threads).toBe(2);
    expect(two.reason).toMatch(/2 threads, threaded build/);
    expect(two.parallelRuns).toBeGreaterThan(10);
    expect(two.losses).toEqual(one.losses);
    expect(two.weights).toBe(one.weights);
    expect(new Set(one.losses).size, "the weights change every step").toBe(3);
  });

  it("refuses a thread count it cannot start, naming the range", async () => {
    await expect(trainWith(0)).rejects.toThrow(/wasm threads must be an integer from 1 to 8, got NASBOOK_WASM_THREADS="0"/);
  });
});

describe("default thread count", () => {
  const cases: [cores: number, load: number, threads: number][] = [
    [2, 0.2, 2], [2, 0.6, 1], [2, 15, 1], [8, 2.5, 6], [16, 0, 8], [1, 0, 1],
  ];
  for (const [cores, load, threads] of cases) {
    it(`${cores} cores at load ${load}: ${threads} thread(s)`, () => expect(idleCoreThreads(cores, load)).toBe(threads));
  }
});
