/**
 * The BullMQ executor against a real redis-server and real `nasbook worker` processes: same history as in-process,
 * fault injection (SIGKILL a worker mid-trial, SIGKILL the search and resume, restart Redis with AOF), cancellation.
 * Recovery times are printed (grep "recovery").
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AbortError } from "../../src/errors.js";
import { LOCK_DURATION_MS, bullmqExecutor } from "../../src/exec/bullmq.js";
import { loadSharedKey } from "../../src/exec/sharedKey.js";
import { signJob } from "../../src/exec/signature.js";
import { jobOf } from "../../src/exec/trialJob.js";
import { search, type SearchResult } from "../../src/search.js";
import { bits, execSearchConfig, stepped } from "../fixtures/execEvaluators.js";
import { redisAvailable, startRedis, type RedisServer } from "../fixtures/redis.js";
import { stalledJobIds } from "../fixtures/stalledJobs.js";
import { until } from "../fixtures/until.js";
import { TEST_KEY, readLog, startWorker, type WorkerProcess } from "../fixtures/workers.js";

const skip = !redisAvailable() && process.env.CI !== "true";
const dir = mkdtempSync(join(tmpdir(), "nasbook-bullmq-"));
const rows = (r: SearchResult<unknown>) => r.history.map((t) => [t.index, t.archString, t.seed, t.result.status, t.result.metrics.val_acc]);
let queueNo = 0;
const key = loadSharedKey({ key: TEST_KEY });

describe.skipIf(skip)("BullMQ executor with nasbook worker processes", () => {
  let server: RedisServer;
  let workers: WorkerProcess[] = [];
  beforeAll(async () => {
    server = await startRedis({ appendonly: true });
  });
  beforeEach(async () => {
    const r = new Redis(server.url); // each test counts the trials it stored
    await r.flushall();
    r.disconnect();
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    workers = [];
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const fresh = () => ({ queue: `q${++queueNo}`, log: join(dir, `log${queueNo}.txt`) });
  const reference = async (o: Parameters<typeof execSearchConfig>[1] = {}) => rows(await search({ ...execSearchConfig(undefined, o), store: false }).result());

  it("same seed => identical history in-process and over BullMQ with 2 worker processes; both workers ran trials", async () => {
    const { queue, log } = fresh();
    workers = await Promise.all([startWorker(server.url, queue), startWorker(server.url, queue)]);
    const executor = bullmqExecutor({ redis: server.url, queue, key: TEST_KEY });
    try {
      const r = await search({ ...execSearchConfig(log, { queries: 16 }), executor, store: executor.store }).result();
      expect(rows(r)).toEqual(await reference({ queries: 16 }));
      const ends = readLog(log).filter((l) => l.what === "end");
      const distinct = new Set(r.history.map((t) => t.trialKey)).size; // a re-proposed architecture is the same trial
      expect(ends).toHaveLength(distinct); // each trial computed once
      expect(new Set(ends.map((l) => l.pid))).toEqual(new Set(workers.map((w) => w.pid)));
      expect(await executor.store.count()).toBe(distinct);
    } finally {
      await executor.close();
    }
  });

  it("a worker SIGKILLed mid-trial: its trial is retried by the other worker, counted once, history identical", async () => {
    const { queue, log } = fresh();
    workers = await Promise.all([startWorker(server.url, queue), startWorker(server.url, queue)]);
    const executor = bullmqExecutor({ redis: server.url, queue, key: TEST_KEY });
    const cfg = { queries: 8, steps: 20, stepMs: 50 }; // a trial takes ~1 s
    try {
      const run = search({ ...execSearchConfig(log, cfg), executor, store: executor.store }).result();
      const victim = workers[0]!;
      await until(() => readLog(log).some((l) => l.pid === victim.pid && l.what === "start"), 30_000, "the victim to start a trial");
      const killedArch = readLog(log).find((l) => l.pid === victim.pid && l.what === "start")!.arch;
      const killedAt = Date.now();
      victim.child.kill("SIGKILL");
      const r = await run;
      expect(rows(r)).toEqual(await reference(cfg));
      const lines = readLog(log);
      const retry = lines.find((l) => l.arch === killedArch && l.what === "start" && l.pid !== victim.pid && l.ms >= killedAt);
      expect(retry).toBeDefined();
      expect(lines.filter((l) => l.arch === killedArch && l.what === "end" && l.pid === victim.pid)).toHaveLength(0);
      expect(r.history.filter((t) => t.archString === killedArch).length).toBeGreaterThanOrEqual(1);
      expect(r.history.map((t) => t.index)).toEqual([...Array(8).keys()]); // each index once
      // Recovered by the stalled-job check once the dead worker's lock expired (not by the search queueing it again).
      const killedKey = r.history.find((t) => t.archString === killedArch)!.trialKey;
      expect(await stalledJobIds(server.url, queue)).toContain(killedKey);
      const recovery = (retry!.ms - killedAt) / 1000;
      console.log(`recovery after SIGKILL of a worker: ${recovery.toFixed(2)} s (lockDuration ${LOCK_DURATION_MS / 1000} s)`);
    } finally {
      await executor.close();
    }
  });

  it("a worker stopped with SIGTERM hands its running trial back: another worker takes it at once, counted once", async () => {
    const { queue, log } = fresh();
    const victim = await startWorker(server.url, queue, ["--grace", "0"]);
    workers = [victim, ...(await Promise.all([startWorker(server.url, queue), startWorker(server.url, queue)]))];
    const executor = bullmqExecutor({ redis: server.url, queue, key: TEST_KEY });
    const cfg = { queries: 8, steps: 40, stepMs: 50 }; // a trial takes ~2 s
    try {
      const run = search({ ...execSearchConfig(log, cfg), executor, store: executor.store }).result();
      await until(() => readLog(log).some((l) => l.pid === victim.pid && l.what === "start"), 30_000, "the victim to start a trial");
      const handedArch = readLog(log).find((l) => l.pid === victim.pid && l.what === "start")!.arch;
      const stoppedAt = Date.now();
      const exited = new Promise<number | null>((r) => victim.child.once("exit", (code) => r(code)));
      victim.child.kill("SIGTERM");
      const r = await run;
      expect(await exited).toBe(0);
      expect(victim.output()).toMatch(/stopped \(0 trials finished while stopping, 1 handed back to the queue\)/);
      expect(rows(r)).toEqual(await reference(cfg));
      const lines = readLog(log);
      const retry = lines.find((l) => l.arch === handedArch && l.what === "start" && l.pid !== victim.pid && l.ms >= stoppedAt);
      expect(retry).toBeDefined();
      expect(lines.filter((l) => l.arch === handedArch && l.what === "end" && l.pid === victim.pid)).toHaveLength(0);
      expect(r.history.map((t) => t.index)).toEqual([...Array(8).keys()]);
      // Handed back: moved to waiting by the stopping worker, never found stalled (which waits for its lock to expire).
      const handedKey = r.history.find((t) => t.archString === handedArch)!.trialKey;
      expect(await stalledJobIds(server.url, queue)).not.toContain(handedKey);
      const handOver = (retry!.ms - stoppedAt) / 1000;
      console.log(`recovery after SIGTERM of a worker (--grace 0): hand-over in ${handOver.toFixed(2)} s (a killed worker's trial waits for its ${LOCK_DURATION_MS / 1000} s lock to expire)`);
    } finally {
      await executor.close();
    }
  });

  it("a stopping worker with a grace period finishes its running trial, stores it and exits", async () => {
    const { queue, log } = fresh();
    const victim = await startWorker(server.url, queue, ["--grace", "30"]);
    workers = [victim, await startWorker(server.url, queue)];
    const executor = bullmqExecutor({ redis: server.url, queue, key: TEST_KEY });
    const cfg = { queries: 3, steps: 110, stepMs: 50 }; // ~5.5 s: longer than the lock, which must be renewed while stopping
    try {
      const run = search({ ...execSearchConfig(log, cfg), executor, store: executor.store }).result();
      await until(() => readLog(log).some((l) => l.pid === victim.pid && l.what === "start"), 30_000, "the victim to start a trial");
      const arch = readLog(log).find((l) => l.pid === victim.pid && l.what === "start")!.arch;
      const exited = new Promise<number | null>((r) => victim.child.once("exit", (code) => r(code)));
      victim.child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(victim.output()).toMatch(/stopped \(1 trial finished while stopping, 0 handed back to the queue\)/);
      const r = await run;
      expect(rows(r)).toEqual(await reference(cfg));
      const lines = readLog(log);
      expect(lines.filter((l) => l.arch === arch && l.what === "end" && l.pid === victim.pid)).toHaveLength(1);
      const end = lines.find((l) => l.arch === arch && l.what === "end" && l.pid === victim.pid)!;
      // Its lock was renewed while it finished: no other worker took it as a stalled job meanwhile (a 5.5 s trial
      // outlasts the 4 s lock). (A same-key trial queued again after it completed may run again: at-least-once.)
      expect(lines.filter((l) => l.arch === arch && l.what === "start" && l.pid !== victim.pid && l.ms < end.ms)).toHaveLength(0);
    } finally {
      await executor.close();
    }
  });

  it("the search SIGKILLed and resumed from its checkpoint uses the results workers finished meanwhile", async () => {
    const { queue, log } = fresh();
    const checkpoint = join(dir, `ckpt${queueNo}.jsonl`);
    workers = await Promise.all([startWorker(server.url, queue), startWorker(server.url, queue)]);
    const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("../fixtures/bullmqSearchChild.ts", import.meta.url)),
      server.url, queue, checkpoint, log, join(dir, "child-out.json")], { stdio: "ignore" });
    // kill it while two trials are running on the workers, after it checkpointed a few
    const count = (what: string) => readLog(log).filter((l) => l.what === what).length;
    await until(() => count("end") >= 4 && count("start") > count("end"), 30_000, "4 trials done and more running");
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
    const startedBeforeKill = count("start");
    // the workers finish the orphaned trials meanwhile
    await until(() => count("end") >= startedBeforeKill, 30_000, "orphaned trials to finish");
    const executor = bullmqExecutor({ redis: server.url, queue, key: TEST_KEY });
    try {
      const t0 = performance.now();
      const r = await search({ ...execSearchConfig(log, { stepMs: 40 }), executor, store: executor.store, checkpoint }).result();
      console.log(`recovery after SIGKILL of the search: resume finished in ${((performance.now() - t0) / 1000).toFixed(2)} s, ${r.resumed} trials from the checkpoint, ${r.history.filter((t) => t.cached).length} from the store`);
      expect(rows(r)).toEqual(await reference({ stepMs: 40 }));
      expect(r.resumed).toBeGreaterThanOrEqual(4);
      expect(r.history.filter((t) => t.cached).length).toBeGreaterThanOrEqual(1); // finished while no search ran
      expect(readLog(log).filter((l) => l.what === "end")).toHaveLength(new Set(r.history.map((t) => t.trialKey)).size); // nothing computed twice
    } finally {
      await executor.close();
    }
  });

  it("Redis restarted mid-search with appendonly on: nothing is lost, the search completes with the same history", async () => {
    const { queue, log } = fresh();
    workers = await Promise.all([startWorker(server.url, queue), startWorker(server.url, queue)]);
    const executor = bullmqExecutor({ redis: server.url, queue, key: TEST_KEY });
    const cfg = { queries: 12, steps: 10, stepMs: 40 };
    try {
      const run = search({ ...execSearchConfig(log, cfg), executor, store: executor.store }).result();
      await until(() => readLog(log).filter((l) => l.what === "end").length >= 4, 30_000, "4 trials done");
      const before = await executor.store.count();
      const t0 = performance.now();
      await server.restart();
      const down = (performance.now() - t0) / 1000;
      expect(await executor.store.count()).toBeGreaterThanOrEqual(before);
      const r = await run;
      console.log(`recovery after a Redis restart: server back in ${down.toFixed(2)} s, search completed ${((performance.now() - t0) / 1000).toFixed(2)} s after the restart began`);
      expect(rows(r)).toEqual(await reference(cfg));
      expect(await executor.store.count()).toBe(new Set(r.history.map((t) => t.trialKey)).size);
    } finally {
      await executor.close();
    }
  });

  it("a trial past its timeout on a worker is failed (not stored), the worker's thread replaced, and the worker serves on", async () => {
    const { queue } = fresh();
    workers = [await startWorker(server.url, queue)];
    const executor = bullmqExecutor({ redis: server.url, queue, key: TEST_KEY });
    const space = bits({ n: 6 });
    const evaluator = stepped({ hangOn: ["101101"] });
    const task = (a: string, i: number, timeoutSeconds: number) => ({ key: `timeout-${queueNo}-${i}`, index: i, arch: space.parse(a), archString: a, seed: i, space, evaluator, timeoutSeconds });
    const never = new AbortController().signal;
    try {
      const hung = await executor.run(task("101101", 0, 1), never);
      expect(hung.status).toBe("failed");
      expect(hung.error).toMatch(/TrialTimeoutError: trial exceeded its 1 s timeout/);
      expect(await executor.store.get(`timeout-${queueNo}-0`)).toBeUndefined(); // a timeout may not recur: not stored
      // The next trial runs on the replacement thread, which starts first: a deadline no loaded machine reaches.
      const next = await executor.run(task("000000", 1, 600), never);
      expect(next.status, next.status === "failed" ? next.error : "").toBe("ok");
      expect(await executor.store.get(`timeout-${queueNo}-1`)).toEqual(next);
    } finally {
      await executor.close();
    }
  });

  it("cancelling removes the waiting jobs and stops the running one before its end", async () => {
    const { queue, log } = fresh();
    workers = [await startWorker(server.url, queue)];
    const executor = bullmqExecutor({ redis: server.url, queue, key: TEST_KEY });
    const space = bits({ n: 6 });
    const evaluator = stepped({ steps: 500, stepMs: 20, logFile: log, logSteps: true });
    const ac = new AbortController();
    const archs = ["000001", "000010", "000100", "001000"];
    const runs = archs.map((a, i) => executor.run({
      key: `cancel-${queueNo}-${i}`, index: i, arch: space.parse(a), archString: a, seed: i, space, evaluator,
    }, ac.signal));
    for (const p of runs) p.catch(() => undefined); // they reject together at the abort; checked one by one below
    const q = new Queue(queue, { connection: { url: server.url } as never });
    try {
      await until(() => readLog(log).some((l) => l.what === "start"), 30_000, "a trial to start");
      expect(await q.getWaitingCount()).toBe(3);
      const steps = () => readLog(log).filter((l) => l.what === "step").length;
      const stepsBefore = steps();
      const t0 = Date.now();
      ac.abort(new Error("cell invalidated"));
      for (const p of runs) await expect(p).rejects.toBeInstanceOf(AbortError);
      // It stops (an abort line) or runs its 500 steps to the end (an end line): wait for either, then say which.
      await until(() => readLog(log).some((l) => l.what === "abort" || l.what === "end"), 60_000, "the running trial to stop or end");
      const lines = readLog(log);
      console.log(`cancellation: running trial stopped ${(lines.find((l) => l.what === "abort")?.ms ?? NaN) - t0} ms and ${steps() - stepsBefore} steps (of 500) after the abort`);
      expect(lines.filter((l) => l.what === "abort").map((l) => l.arch)).toEqual(["000001"]);
      expect(lines.filter((l) => l.what === "end")).toEqual([]);
      expect(await q.getWaitingCount()).toBe(0);
      // No waiting job runs afterwards: a trial queued now runs next on the one worker, after any job still queued.
      const after = await executor.run({ key: `cancel-${queueNo}-after`, index: 4, arch: space.parse("111111"), archString: "111111", seed: 4, space, evaluator: stepped({ logFile: log }) }, new AbortController().signal);
      expect(after.status).toBe("ok");
      expect(readLog(log).filter((l) => l.what === "start").map((l) => l.arch)).toEqual(["000001", "111111"]);
    } finally {
      await q.close();
      await executor.close();
    }
  });

  it("a job whose cancel reached the worker before the job did never runs; a cancel of an earlier queueing of it does not count", async () => {
    // A worker finishing (or stopping) one job fetches the next in the same step; a search cancelled at that moment
    // can no longer remove the fetched job, and its cancel message comes before the worker has started it.
    const { queue, log } = fresh();
    workers = [await startWorker(server.url, queue)];
    const executor = bullmqExecutor({ redis: server.url, queue, key: TEST_KEY });
    const space = bits({ n: 6 });
    const evaluator = stepped({ steps: 500, stepMs: 20, logFile: log });
    const task = (a: string, i: number) => ({ key: `early-${queueNo}-${i}`, index: i, arch: space.parse(a), archString: a, seed: i, space, evaluator });
    const q = new Queue(queue, { connection: { url: server.url } as never });
    const pub = new Redis(server.url);
    const ac = new AbortController();
    try {
      const busy = executor.run(task("000001", 0), ac.signal); // holds the only worker
      busy.catch(() => undefined);
      await until(() => readLog(log).some((l) => l.what === "start"), 30_000, "the first trial to start");
      const cancelled = await q.add("trial", signJob(key, queue, { ...(await jobOf(task("000010", 1))), key: "early-cancelled" }), { jobId: "early-cancelled" });
      const stale = await q.add("trial", signJob(key, queue, { ...(await jobOf({ ...task("000100", 2), evaluator: stepped({ steps: 2, stepMs: 1, logFile: log }) })), key: "early-stale" }), { jobId: "early-stale" });
      // Each message reaches the worker's subscriber (1 receiver). The search's cancel of the running trial goes out
      // on the same channel after them, and Redis delivers a channel's messages to a subscriber in order: the worker
      // has both before the cancel that frees it, with no wait here.
      expect(await pub.publish(`nasbook:cancel:${queue}`, `${cancelled.id} ${cancelled.timestamp}`)).toBe(1);
      expect(await pub.publish(`nasbook:cancel:${queue}`, `${stale.id} ${stale.timestamp - 1}`)).toBe(1); // an earlier job under that id
      ac.abort(new Error("cell invalidated")); // the worker is free: it takes the two jobs in turn
      await until(() => readLog(log).some((l) => l.what === "end" && l.arch === "000100"), 30_000, "the stale-cancelled job to run");
      const refused = await q.getJob("early-cancelled");
      expect(await refused!.getState()).toBe("failed");
      expect(refused!.failedReason).toMatch(/cancelled by its search/);
      expect(readLog(log).filter((l) => l.what === "start").map((l) => l.arch)).toEqual(["000001", "000100"]);
    } finally {
      pub.disconnect();
      await q.close();
      await executor.close();
    }
  });
});
