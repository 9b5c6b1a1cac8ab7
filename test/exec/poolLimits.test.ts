/**
 * Limits of the worker-thread pool (issue 31): more threads than threadLimit() (2 per core, at least 4) is refused
 * with the override named, in the library and for `--workers` / `--concurrency`; threads start as trials need them,
 * not all at once.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { main as searchMain } from "../../src/cli/search.js";
import { main as workerMain } from "../../src/cli/worker.js";
import { PoolOptionsError, poolExecutor, threadLimit } from "../../src/exec/pool.js";
import { recipeOf } from "../../src/exec/recipe.js";
import type { TrialJob } from "../../src/exec/trialJob.js";
import { search } from "../../src/search.js";
import { bits, stepped } from "../fixtures/execEvaluators.js";

afterEach(() => vi.restoreAllMocks());

const job = (arch: string): TrialJob => ({
  key: `k-${arch}`, index: 0, space: recipeOf(bits({ n: 6 })), evaluator: recipeOf(stepped({ steps: 2, stepMs: 5 })), arch, seed: 1,
});
const never = new AbortController().signal;

describe("pool limits", () => {
  it("more threads than the limit is refused naming the override; with it, the pool is made", async () => {
    const limit = threadLimit();
    expect(limit).toBeGreaterThanOrEqual(4);
    expect(() => poolExecutor({ workers: limit + 1 })).toThrow(PoolOptionsError);
    expect(() => poolExecutor({ workers: 64 * limit })).toThrow(new RegExp(`workers: ${64 * limit} threads is more than ${limit} .*oversubscribe: true`));
    expect(() => search({ space: bits({ n: 4 }), strategy: { name: "x", create: () => ({}) } as never, evaluator: stepped(), budget: { queries: 1 }, seed: 0, executor: "pool", workers: limit + 1 }))
      .toThrow(PoolOptionsError);
    const big = poolExecutor({ workers: limit + 1, oversubscribe: true });
    expect(big.slots).toBe(limit + 1);
    expect(big.threads).toBe(0); // nothing started until a trial needs it
    await big.close();
  });

  it("--workers and --concurrency above the limit: one-line usage errors naming --oversubscribe", async () => {
    const err: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
    const n = String(threadLimit() + 1);
    expect(await searchMain(["--executor", "pool", "--workers", n])).toBe(2);
    expect(await workerMain(["--redis", "redis://127.0.0.1:1", "--concurrency", n])).toBe(2);
    expect(err).toHaveLength(2);
    expect(err[0]).toMatch(new RegExp(`nasbook search: --workers ${n} threads is more than ${threadLimit()} .* or --oversubscribe if you mean it`));
    expect(err[1]).toMatch(new RegExp(`nasbook worker: --concurrency ${n} threads is more than`));
  });

  it("threads start as trials need them: one trial at a time uses one thread; three at once, three", async () => {
    const pool = poolExecutor({ workers: 4 });
    try {
      expect(pool.threads).toBe(0);
      for (const a of ["000001", "000010", "000100"]) expect((await pool.runJob(job(a), never)).status).toBe("ok");
      expect(pool.threads).toBe(1);
      const three = await Promise.all(["001000", "010000", "100000"].map((a) => pool.runJob(job(a), never)));
      expect(three.every((r) => r.status === "ok")).toBe(true);
      expect(pool.threads).toBe(3); // the idle thread takes one, two more start; the fourth is never needed
      await pool.warmUp();
      expect(pool.threads).toBe(4);
    } finally {
      await pool.close();
    }
  }, 120_000);
});
