/**
 * A search waiting on a BullMQ job that vanishes (another search sharing the trial was cancelled and removed it;
 * Redis flushed) notices, queues it again and finishes once a worker serves the queue; a search whose trials wait
 * with no worker on the queue says so. Against a real redis-server and a real `nasbook worker`.
 */
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { AbortError } from "../../src/errors.js";
import { bullmqExecutor, type BullmqExecutor } from "../../src/exec/bullmq.js";
import type { TrialResult } from "../../src/estimate/types.js";
import { bits, stepped } from "../fixtures/execEvaluators.js";
import { redisAvailable, startRedis, type RedisServer } from "../fixtures/redis.js";
import { until } from "../fixtures/until.js";
import { TEST_KEY, startWorker, type WorkerProcess } from "../fixtures/workers.js";

const skip = !redisAvailable() && process.env.CI !== "true";

/** Resolves with the result, or fails the test after `ms` (the bug this file pins down was a wait forever). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${ms / 1000} s`)), ms)));
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

describe.skipIf(skip)("a job that vanishes while its search waits", () => {
  let server: RedisServer;
  let workers: WorkerProcess[] = [];
  const executors: BullmqExecutor[] = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    workers = [];
    await Promise.all(executors.splice(0).map((e) => e.close()));
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await server?.stop();
  });

  const space = bits({ n: 6 });
  const evaluator = stepped();
  const task = (key: string) => ({ key, index: 0, arch: space.parse("110011"), archString: "110011", seed: 7, space, evaluator });

  it("two searches share a trial and one is cancelled (its cancel removes the job): the other re-queues it and gets its result", async () => {
    const queue = "shared";
    const [a, b] = [bullmqExecutor({ redis: server.url, queue, key: TEST_KEY }), bullmqExecutor({ redis: server.url, queue, key: TEST_KEY })];
    executors.push(a, b);
    const q = new Queue(queue, { connection: { url: server.url } as never });
    try {
      const cancelA = new AbortController();
      const runA = a.run(task("shared-trial"), cancelA.signal);
      runA.catch(() => undefined);
      const runB = b.run(task("shared-trial"), new AbortController().signal);
      await until(async () => (await q.getJobState("shared-trial")) === "waiting", 30_000, "the shared job to wait");
      cancelA.abort(new Error("cell invalidated"));
      await expect(runA).rejects.toBeInstanceOf(AbortError);
      expect(await q.getJobState("shared-trial")).toBe("unknown"); // A's cancel removed the job B waits for
      // B notices within a few seconds and queues it again
      const removedAt = performance.now();
      await until(async () => (await q.getJobState("shared-trial")) === "waiting", 30_000, "the job queued again by B");
      console.log(`vanished job (removed by another search's cancel) queued again after ${((performance.now() - removedAt) / 1000).toFixed(2)} s`);
      workers = [await startWorker(server.url, queue, ["--quiet"])];
      const r: TrialResult = await within(runB, 120_000, "the search that shared the cancelled trial");
      expect(r.status).toBe("ok");
    } finally {
      await q.close();
    }
  });

  it("Redis flushed while a trial waits with no worker: the search says no worker serves the queue, re-queues the trial, and finishes", async () => {
    const queue = "flushed";
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const executor = bullmqExecutor({ redis: server.url, queue, key: TEST_KEY });
    executors.push(executor);
    const q = new Queue(queue, { connection: { url: server.url } as never });
    const raw = new Redis(server.url);
    try {
      const run = executor.run(task("flushed-trial"), new AbortController().signal);
      run.catch(() => undefined);
      await until(async () => warn.mock.calls.length > 0, 60_000, "the no-worker notice");
      expect(String(warn.mock.calls[0]![0])).toMatch(/no worker serves queue "flushed" on redis:\/\/127\.0\.0\.1:\d+, and trials are waiting; start one: nasbook worker --redis/);
      await raw.flushall();
      const flushedAt = performance.now();
      expect(await q.getJobState("flushed-trial")).toBe("unknown");
      await until(async () => (await q.getJobState("flushed-trial")) === "waiting", 30_000, "the job queued again");
      console.log(`vanished job (FLUSHALL) queued again after ${((performance.now() - flushedAt) / 1000).toFixed(2)} s`);
      workers = [await startWorker(server.url, queue, ["--quiet"])];
      const r = await within(run, 120_000, "the search whose job was flushed");
      expect(r.status).toBe("ok");
      expect(warn.mock.calls.filter((c) => /no worker serves/.test(String(c[0])))).toHaveLength(1); // said once
    } finally {
      raw.disconnect();
      await q.close();
    }
  });
});
