/**
 * The worker-thread pool executor: `workers` threads (default: the machine's cores), each with its own tfjs backend
 * and its own copy of the space and evaluator rebuilt from their recipes, one trial per thread at a time.
 *
 * Abort: the pool posts "abort" to the thread, which aborts that trial's AbortSignal (training stops within a step);
 * a thread that does not answer within `abortGraceSeconds` is terminated and replaced. A trial past its
 * `timeoutSeconds` is failed with TrialTimeoutError and its thread terminated and replaced (recycled), so an
 * evaluator that ignores its signal cannot hang the search. A thread that crashes fails only its own trial.
 *
 * Threads start as trials need them (up to `workers`), not all at once, and `workers` is bounded by threadLimit()
 * unless `oversubscribe` says otherwise: each thread holds its own tfjs backend and data (the audit measured 64
 * threads above 3 GiB), and on more threads than cores trials only wait for each other.
 */
import { createRequire } from "node:module";
import os from "node:os";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { AbortError, NasbookError } from "../errors.js";
import { compiledTwin } from "./compiled.js";
import { failedResult, type TrialResult } from "../estimate/types.js";
import type { FromWorker, PoolWorkerData, ToWorker } from "./poolWorker.js";
import { TrialTimeoutError, jobOf, type TrialJob } from "./trialJob.js";
import type { Executor, TrialTask } from "./types.js";

export interface PoolOptions {
  /** Worker threads (default `os.availableParallelism()`; at most threadLimit() unless `oversubscribe`). */
  workers?: number;
  /** Allow more than threadLimit() threads (you have the memory, and trials that mostly wait). */
  oversubscribe?: boolean;
  /** Seconds a thread may take to stop after an abort before it is terminated (default 5). */
  abortGraceSeconds?: number;
  /**
   * Compute threads of each worker's wasm backend (default 1: the pool's workers already keep the cores busy, so
   * `workers * threadsPerWorker` should not exceed the cores). Ignored by tfjs-node and cpu.
   */
  threadsPerWorker?: number;
}

/** A pool executor; `runJob` runs a job already in recipe form (used by `nasbook worker --concurrency N`). */
export interface PoolExecutor extends Executor {
  runJob(job: TrialJob, signal: AbortSignal): Promise<TrialResult>;
  /** Threads terminated and replaced so far (timeouts, unresponsive aborts, crashes). */
  readonly recycled: number;
  /** Trials that came back with a result from a thread. */
  readonly completed: number;
  /** Threads started so far and not closed (they start as trials need them, up to `workers`). */
  readonly threads: number;
  /** Starts every thread now and resolves when all have their backend ready (otherwise they start on first use). */
  warmUp(): Promise<void>;
}

/** Bad pool options (e.g. `workers: 0`). */
export class PoolOptionsError extends NasbookError {}

/** Threads per core a pool may have without `oversubscribe`. */
const THREADS_PER_CORE = 2;

/** The most worker threads a pool (or `nasbook worker --concurrency`) runs without `oversubscribe`: 2 per core, at least 4. */
export function threadLimit(): number {
  return Math.max(4, THREADS_PER_CORE * os.availableParallelism());
}

/** Why `workers` threads are too many here, or undefined if they are not. */
export function tooManyThreads(workers: number, flag = "oversubscribe: true"): string | undefined {
  const limit = threadLimit();
  if (workers <= limit) return undefined;
  return `${workers} threads is more than ${limit} (${THREADS_PER_CORE} per core on this machine's ${os.availableParallelism()} cores, at least 4): ` +
    `each thread holds its own tfjs backend and data, and beyond the cores trials only wait for each other; use ${limit} or fewer, or ${flag} if you mean it`;
}

/**
 * Starts a thread running poolWorker: the compiled .js next to this file when running from a build; from a clone's
 * sources, the compiled twin in dist/ when dist is current (no TypeScript compiled in the thread), else the
 * TypeScript source through tsx's loader (registered inside the thread).
 */
function startThread(workerData: PoolWorkerData): Worker {
  const here = import.meta.url;
  if (!here.endsWith(".ts")) return new Worker(new URL("./poolWorker.js", here), { workerData });
  const twin = compiledTwin(new URL("./poolWorker.ts", here));
  if (twin) return new Worker(new URL(twin), { workerData });
  const tsxApi = pathToFileURL(createRequire(here).resolve("tsx/esm/api")).href;
  const entry = new URL("./poolWorker.ts", here).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

interface Pending {
  id: number;
  job: TrialJob;
  signal: AbortSignal;
  resolve(r: TrialResult): void;
  reject(e: unknown): void;
}

interface Slot {
  thread: Worker;
  ready: boolean;
  current?: Pending;
  timers: ReturnType<typeof setTimeout>[];
  onAbort?: () => void;
}

/** A worker-thread pool executor (see the file comment for abort, timeout and crash handling). */
export function poolExecutor(opts: PoolOptions = {}): PoolExecutor {
  const size = opts.workers ?? os.availableParallelism();
  if (!(Number.isInteger(size) && size >= 1)) throw new PoolOptionsError(`workers must be an integer >= 1, got ${size}; e.g. { workers: 2 }`);
  const tooMany = opts.oversubscribe ? undefined : tooManyThreads(size);
  if (tooMany) throw new PoolOptionsError(`workers: ${tooMany}`);
  const graceMs = (opts.abortGraceSeconds ?? 5) * 1000;
  const threadsPerWorker = opts.threadsPerWorker ?? 1;
  if (!(Number.isInteger(threadsPerWorker) && threadsPerWorker >= 1)) {
    throw new PoolOptionsError(`threadsPerWorker must be an integer >= 1, got ${threadsPerWorker}; e.g. { workers: 1, threadsPerWorker: 2 }`);
  }
  const slots: Slot[] = [];
  const queue: Pending[] = [];
  let nextId = 0;
  let recycled = 0;
  let completed = 0;
  let closed = false;

  const finish = (slot: Slot) => {
    for (const t of slot.timers) clearTimeout(t);
    slot.timers = [];
    if (slot.current && slot.onAbort) slot.current.signal.removeEventListener("abort", slot.onAbort);
    slot.onAbort = undefined;
    const p = slot.current;
    slot.current = undefined;
    slot.thread.unref(); // an idle pool does not keep the process alive
    return p;
  };

  /** Terminates a slot's thread and starts a fresh one in its place. */
  const recycle = (slot: Slot) => {
    recycled++;
    const old = slot.thread;
    old.removeAllListeners();
    old.on("error", () => undefined);
    void old.terminate();
    attach(slot, startThread({ threads: threadsPerWorker }));
  };

  const attach = (slot: Slot, thread: Worker) => {
    slot.thread = thread;
    slot.ready = false;
    thread.unref();
    thread.on("message", (m: FromWorker) => {
      if (m.type === "ready") {
        slot.ready = true;
        startFailures = 0;
        for (const w of readyWaiters.splice(0)) w();
        dispatch();
        return;
      }
      if (slot.current?.id !== m.id) return; // the answer of a trial already settled (timed out or aborted)
      const p = finish(slot)!;
      if (m.type === "result") {
        completed++;
        p.resolve(m.result);
      }
      else p.reject(new AbortError(m.message.replace(/^aborted: /, "")));
      dispatch();
    });
    const crashed = (why: string) => {
      if (closed) return;
      const p = finish(slot);
      const error = new Error(`pool worker thread ${why}${p ? " while running this trial" : slot.ready ? "" : " before it was ready"}`);
      // A thread that cannot even start (a broken install) would fail the same way forever: give up after 3.
      if (!p && !slot.ready && ++startFailures >= 3) {
        broken = error;
        for (const q of queue.splice(0)) q.resolve(failedResult(error));
        for (const w of readyWaiters.splice(0)) w();
        return;
      }
      recycle(slot);
      p?.resolve(failedResult(error));
      dispatch();
    };
    thread.on("error", (e) => crashed(`failed (${e instanceof Error ? `${e.name}: ${e.message}` : String(e)})`));
    thread.on("exit", (code) => crashed(`exited with code ${code}`));
  };

  let startFailures = 0;
  let broken: Error | undefined;
  const readyWaiters: (() => void)[] = [];

  const dispatch = () => {
    for (const slot of slots) {
      if (!slot.ready || slot.current) continue;
      let p: Pending | undefined;
      while ((p = queue.shift()) && p.signal.aborted) p.reject(new AbortError(p.signal.reason));
      if (!p) return;
      slot.current = p;
      slot.thread.ref();
      const pending = p;
      if (p.job.timeoutSeconds !== undefined) {
        const seconds = p.job.timeoutSeconds;
        slot.timers.push(setTimeout(() => {
          if (slot.current !== pending) return;
          finish(slot);
          recycle(slot);
          pending.resolve(failedResult(new TrialTimeoutError(seconds, "pool worker thread terminated and replaced"), seconds));
          dispatch();
        }, seconds * 1000));
      }
      slot.onAbort = () => {
        const reason = pending.signal.reason instanceof Error ? pending.signal.reason.message : String(pending.signal.reason);
        slot.thread.postMessage({ type: "abort", id: pending.id, reason } satisfies ToWorker);
        slot.timers.push(setTimeout(() => {
          if (slot.current !== pending) return;
          finish(slot);
          recycle(slot);
          pending.reject(new AbortError(pending.signal.reason));
          dispatch();
        }, graceMs));
      };
      p.signal.addEventListener("abort", slot.onAbort, { once: true });
      slot.thread.postMessage({ type: "run", id: p.id, job: p.job } satisfies ToWorker);
    }
  };

  const startSlot = () => {
    const slot: Slot = { thread: undefined as unknown as Worker, ready: false, timers: [] };
    slots.push(slot);
    attach(slot, startThread({ threads: threadsPerWorker }));
  };
  const ensureStarted = () => {
    while (slots.length < size) startSlot();
  };
  /** Starts threads for the trials waiting beyond those that free or starting threads will take. */
  const grow = () => {
    const free = slots.filter((s) => !s.current).length; // idle, or still starting
    for (let need = queue.length - free; need > 0 && slots.length < size; need--) startSlot();
  };

  const runJob = (job: TrialJob, signal: AbortSignal): Promise<TrialResult> => {
    if (closed) return Promise.reject(new PoolOptionsError("this pool executor is closed; create another with poolExecutor()"));
    if (signal.aborted) return Promise.reject(new AbortError(signal.reason));
    if (broken) return Promise.resolve(failedResult(broken));
    return new Promise<TrialResult>((resolve, reject) => {
      const pending: Pending = { id: nextId++, job, signal, resolve, reject };
      // aborted while still waiting for a thread: leave the queue at once
      const leave = () => {
        const i = queue.indexOf(pending);
        if (i >= 0) {
          queue.splice(i, 1);
          reject(new AbortError(signal.reason));
        }
      };
      signal.addEventListener("abort", leave, { once: true });
      const done = () => signal.removeEventListener("abort", leave);
      pending.resolve = (r) => { done(); resolve(r); };
      pending.reject = (e) => { done(); reject(e); };
      queue.push(pending);
      dispatch();
      grow();
    });
  };

  return {
    name: "pool",
    slots: size,
    get recycled() { return recycled; },
    get completed() { return completed; },
    get threads() { return slots.length; },
    runJob,
    async warmUp() {
      ensureStarted();
      while (!broken && !slots.every((s) => s.ready)) await new Promise<void>((r) => readyWaiters.push(r));
      if (broken) throw broken;
    },
    run<A>(task: TrialTask<A>, signal: AbortSignal) {
      return jobOf(task).then((job) => runJob(job, signal));
    },
    async close() {
      closed = true;
      for (const p of queue.splice(0)) p.reject(new AbortError("the pool executor was closed"));
      await Promise.all(slots.map(async (slot) => {
        const p = finish(slot);
        p?.reject(new AbortError("the pool executor was closed"));
        slot.thread.removeAllListeners();
        await slot.thread.terminate();
      }));
      slots.length = 0;
    },
  };
}

const shared = new Map<number, PoolExecutor>();

/**
 * The process's warm pool of `workers` threads (default: the cores): created on first use and kept, so a second
 * search, a re-run notebook cell or another cell pays no thread start-up and finds its threads' code already
 * compiled. Idle threads do not keep the process alive; they end with it. `close()` ends this pool, and the next
 * call starts a fresh one. What `search({ executor: "pool" })` uses.
 */
export function sharedPool(opts: { workers?: number; oversubscribe?: boolean } = {}): PoolExecutor {
  const size = opts.workers ?? os.availableParallelism();
  let pool = shared.get(size);
  if (!pool) {
    const made = poolExecutor({ workers: size, oversubscribe: opts.oversubscribe });
    pool = Object.assign(Object.create(made) as PoolExecutor, {
      async close() {
        if (shared.get(size) === pool) shared.delete(size);
        await made.close();
      },
    });
    shared.set(size, pool);
  }
  return pool;
}
