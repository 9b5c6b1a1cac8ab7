/** The worker-thread pool: results equal to in-process, timeouts recycle a thread, abort within a step, crashes. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AbortError } from "../../src/errors.js";
import { compiledTwin } from "../../src/exec/compiled.js";
import { poolExecutor, sharedPool } from "../../src/exec/pool.js";
import { runTrialJob, type TrialJob } from "../../src/exec/trialJob.js";
import { recipeOf } from "../../src/exec/recipe.js";
import { search } from "../../src/search.js";
import { regularizedEvolution } from "../../src/strategy/evolution.js";
import { syntheticChainEvaluator, syntheticChainSpace } from "../../src/cli/syntheticTask.js";
import { bits, stepped, type SteppedOptions } from "../fixtures/execEvaluators.js";
import { until } from "../fixtures/until.js";
import { readLog } from "../fixtures/workers.js";

const dir = mkdtempSync(join(tmpdir(), "nasbook-pool-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const job = (arch: string, opts: SteppedOptions = {}, extra: Partial<TrialJob> = {}): TrialJob => ({
  key: `k-${arch}`, index: 0, space: recipeOf(bits({ n: 6 })), evaluator: recipeOf(stepped(opts)), arch, seed: 11, ...extra,
});
const never = new AbortController().signal;

describe("pool executor", () => {
  it("runs jobs on 2 threads with the results the same job gives in this thread", async () => {
    const pool = poolExecutor({ workers: 2 });
    try {
      const archs = ["000000", "101010", "111111", "010011"];
      const got = await Promise.all(archs.map((a) => pool.runJob(job(a, { steps: 3, stepMs: 5 }), never)));
      const want = await Promise.all(archs.map((a) => runTrialJob(job(a, { steps: 3, stepMs: 5 }), never)));
      expect(got).toEqual(want);
      expect(got.every((r) => r.status === "ok")).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it("same seed => identical history in-process and on a 2-thread pool (parallel 2)", async () => {
    const run = async (executor?: ReturnType<typeof poolExecutor>) => {
      const r = await search({
        space: bits({ n: 8 }), strategy: regularizedEvolution({ population: 6, sample: 3 }), evaluator: stepped({ steps: 2, stepMs: 2 }),
        budget: { queries: 24 }, seed: 5, parallel: 2, executor, store: false,
      }).result();
      return r.history.map((t) => [t.index, t.archString, t.seed, t.result.status, t.result.metrics.val_acc]);
    };
    const pool = poolExecutor({ workers: 2 });
    try {
      const inProcess = await run();
      expect(inProcess).toHaveLength(24);
      expect(await run(pool)).toEqual(inProcess);
      expect(pool.completed).toBe(24); // every trial ran on a thread
    } finally {
      await pool.close();
    }
  });

  it("a trial past its timeout is failed with TrialTimeoutError, its thread replaced, and the next trial runs", async () => {
    const pool = poolExecutor({ workers: 1 });
    try {
      // The timeout counts from the trial's start, not the thread's: start the thread first (it took 10 s at load 25).
      await pool.warmUp();
      const t0 = performance.now();
      // The evaluator spins forever ignoring its signal: any answer at all is the timeout's doing.
      const r = await pool.runJob(job("111000", { hangOn: ["111000"] }, { timeoutSeconds: 0.5 }), never);
      console.log(`pool timeout: a 0.5 s trial timeout answered after ${((performance.now() - t0) / 1000).toFixed(2)} s`);
      expect(r.status).toBe("failed");
      expect(r.error).toMatch(/TrialTimeoutError: trial exceeded its 0.5 s timeout/);
      expect(pool.recycled).toBe(1);
      const next = await pool.runJob(job("000111"), never);
      expect(next.status).toBe("ok");
    } finally {
      await pool.close();
    }
  });

  it("an abort stops the running trial within a step or two and rejects with AbortError", async () => {
    const log = join(dir, "abort.log");
    writeFileSync(log, "");
    // A grace long enough never to fire: the trial must stop by itself, however loaded the machine.
    const pool = poolExecutor({ workers: 1, abortGraceSeconds: 600 });
    try {
      const ac = new AbortController();
      const p = pool.runJob(job("110011", { steps: 500, stepMs: 20, logFile: log, logSteps: true }), ac.signal);
      await until(() => readLog(log).some((l) => l.what === "start"), 60_000, "the trial to start");
      const steps = () => readLog(log).filter((l) => l.what === "step").length;
      const stepsBefore = steps();
      const t0 = performance.now();
      ac.abort(new Error("cell invalidated"));
      await expect(p).rejects.toBeInstanceOf(AbortError);
      const stepsAfter = steps() - stepsBefore;
      console.log(`pool abort: the trial stopped ${(performance.now() - t0).toFixed(0)} ms and ${stepsAfter} steps after the abort (of 500)`);
      const lines = readLog(log);
      expect(lines.filter((l) => l.what === "abort").map((l) => l.arch)).toEqual(["110011"]); // it saw its signal
      expect(lines.filter((l) => l.what === "end")).toEqual([]); // and did not run to its end
      // The abort message is handled between two steps whatever the machine's speed; 10 is generous.
      expect(stepsAfter).toBeLessThanOrEqual(10);
      expect(pool.recycled).toBe(0); // it stopped by itself, no termination needed
    } finally {
      await pool.close();
    }
  });

  it("a trial aborted while waiting for a thread leaves the queue at once", async () => {
    const pool = poolExecutor({ workers: 1 });
    try {
      const first = new AbortController(), second = new AbortController();
      const running = pool.runJob(job("111111", { steps: 200, stepMs: 10 }), first.signal);
      const waiting = pool.runJob(job("000000"), second.signal);
      second.abort(new Error("cell invalidated"));
      await expect(waiting).rejects.toBeInstanceOf(AbortError);
      first.abort(new Error("done"));
      await expect(running).rejects.toBeInstanceOf(AbortError);
      expect(pool.completed).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it("a thread that dies fails only its own trial; the pool replaces it", async () => {
    const pool = poolExecutor({ workers: 1 });
    try {
      const r = await pool.runJob(job("100001", { exitOn: ["100001"] }), never);
      expect(r.status).toBe("failed");
      expect(r.error).toMatch(/exited with code 3 while running this trial/);
      expect((await pool.runJob(job("100001"), never)).status).toBe("ok");
    } finally {
      await pool.close();
    }
  });

  it("real training in 2 threads gives the metrics it gives in this process (seeded, same backend)", async () => {
    const space = syntheticChainSpace();
    const evaluator = syntheticChainEvaluator({ epochs: 1 });
    const archs = ["conv(4,3x3)", "conv(8,5x5) > dense(16)"].map((s) => space.parse(s));
    const jobs: TrialJob[] = archs.map((a, i) => ({
      key: `t${i}`, index: i, space: recipeOf(space), evaluator: recipeOf(evaluator), arch: space.format(a), seed: 3 + i,
    }));
    const pool = poolExecutor({ workers: 2 });
    try {
      const got = await Promise.all(jobs.map((j) => pool.runJob(j, never)));
      const want = [];
      for (const a of archs) want.push(await evaluator.evaluate(a, { seed: 3 + want.length }));
      expect(got.map((r) => r.status)).toEqual(["ok", "ok"]);
      expect(got.map((r) => r.metrics)).toEqual(want.map((r) => r.metrics));
    } finally {
      await pool.close();
    }
  });
});

describe("the process's warm pool (executor: \"pool\")", () => {
  const cfg = (seed: number) => ({
    space: bits({ n: 8 }), strategy: regularizedEvolution({ population: 6, sample: 3 }), evaluator: stepped({ steps: 2, stepMs: 2 }),
    budget: { queries: 12 }, seed, parallel: 2, store: false as const,
  });
  const rows = (r: Awaited<ReturnType<ReturnType<typeof search>["result"]>>) => r.history.map((t) => [t.archString, t.seed, t.result.metrics.val_acc]);

  it("is kept between searches (its threads started once) and gives the in-process history", async () => {
    const pool = sharedPool({ workers: 2 });
    try {
      const first = await search({ ...cfg(1), executor: "pool", workers: 2 }).result();
      expect(pool.completed).toBe(12);
      expect(pool.recycled).toBe(0);
      const second = await search({ ...cfg(2), executor: "pool", workers: 2 }).result();
      expect(sharedPool({ workers: 2 })).toBe(pool);
      expect(pool.completed).toBe(24); // the same pool ran both searches
      expect(rows(first)).toEqual(rows(await search(cfg(1)).result()));
      expect(rows(second)).toEqual(rows(await search(cfg(2)).result()));
    } finally {
      await pool.close();
    }
    const next = sharedPool({ workers: 2 }); // a closed shared pool is replaced by a fresh one
    expect(next).not.toBe(pool);
    await next.close();
  });

  it("workers without executor: \"pool\" is a clear error", () => {
    expect(() => search({ ...cfg(1), workers: 2 })).toThrow(/workers: 2 sets the threads of executor: "pool"; add executor: "pool"/);
    expect(() => search({ ...cfg(1), executor: "threads" as "pool" })).toThrow(/executor must be "inprocess", "pool" or an executor/);
    expect(() => search({ ...cfg(1), executor: "pool", workers: 0 })).toThrow(/workers must be an integer >= 1/);
    expect(() => poolExecutor({ workers: 1, threadsPerWorker: 0 })).toThrow(/threadsPerWorker must be an integer >= 1/);
  });
});

describe("compiled twins (threads load dist/ when it is current)", () => {
  const worker = new URL("../../src/exec/poolWorker.ts", import.meta.url);
  const current = existsSync(new URL("../../dist/src/exec/poolWorker.js", import.meta.url)) && compiledTwin(worker) !== undefined;

  it.skipIf(!current)("maps one of nasbook's sources to its current dist twin", () => {
    expect(compiledTwin(worker)).toBe(new URL("../../dist/src/exec/poolWorker.js", import.meta.url).href);
    expect(compiledTwin(new URL("../fixtures/execEvaluators.ts", import.meta.url))).toBeUndefined(); // not under src/
    expect(compiledTwin(new URL("../../src/exec/nothere.ts", import.meta.url))).toBeUndefined();
    const before = process.env.NASBOOK_FROM_SOURCE;
    process.env.NASBOOK_FROM_SOURCE = "1";
    try {
      expect(compiledTwin(worker)).toBeUndefined();
    } finally {
      if (before === undefined) delete process.env.NASBOOK_FROM_SOURCE;
      else process.env.NASBOOK_FROM_SOURCE = before;
    }
  });
});
