/**
 * The distributed executor on BullMQ (Redis): the search enqueues one job per trial whose job id is the trial key
 * (so a trial is queued once however many searches or resumes ask for it), `nasbook worker` processes on any
 * machine run them and write the result to the Redis trial store, and the search reads it from there.
 *
 * Guarantees. Delivery is at-least-once: a worker killed mid-trial stops renewing its lock, and after
 * `lockDuration` another worker's stalled-job check (every `stalledInterval`) puts the job back in the queue, where
 * a live worker takes it. With the defaults below (lock 4 s renewed every 2 s, stall check every 1 s) recovery
 * takes about 3–5 s. Counting is exactly-once: the search counts trials by key, a result is immutable
 * (first writer wins) and a duplicate run writes the same result under the same key.
 * Cancellation: an aborted search removes its waiting jobs and publishes the keys of running ones on a cancel
 * channel; the worker running one aborts that trial's AbortSignal, so training stops within one step. A job a worker
 * took between the removal and the message (it fetches the next job as it finishes one) is refused when it starts.
 * A job that vanishes while its search waits (another search's cancel removed it, Redis lost it) is noticed within
 * about two seconds and queued again.
 *
 * Trust (docs/distributed.md): jobs are signed with the shared key (sharedKey.ts, signature.ts) and a worker
 * refuses any job it cannot verify; a job's recipes only name what the worker was started with (built-ins and its
 * `--module`s, moduleAllowlist.ts), never code to import; results are sealed with the same key.
 */
// bullmq and ioredis load on first use (about 0.5 s), so `import * as nas from "nasbook"` does not pay for them
import type { Job, Queue, QueueEvents, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { getMaxListeners, setMaxListeners } from "node:events";
import { AbortError, NasbookError } from "../errors.js";
import { failedResult, type TrialResult } from "../estimate/types.js";
import { moduleAllowlist } from "./moduleAllowlist.js";
import { poolExecutor, type PoolExecutor } from "./pool.js";
import { checkRedisUrl, probeRedis, redactUrl, redisConnection, type RedisTarget } from "./redisConnection.js";
import { redisStore, type RedisTrialStore } from "./redisStore.js";
import { decodeResult, encodeResult } from "./resultCodec.js";
import { loadSharedKey, type SharedKey, type SharedKeyOptions } from "./sharedKey.js";
import { openResult, sealResult, signJob, verifyJob } from "./signature.js";
import { isStorable } from "./store.js";
import { jobOf, type TrialJob } from "./trialJob.js";
import type { Executor, TrialTask } from "./types.js";

export { checkRedisUrl, RedisUnreachableError, RedisUrlError, redactUrl } from "./redisConnection.js";

/** Default queue name, shared by `nasbook search --executor bullmq` and `nasbook worker`. */
export const DEFAULT_QUEUE = "nasbook";
/** A worker holds a job's lock this long without renewing it before the job counts as stalled. */
export const LOCK_DURATION_MS = 4000;
/** How often workers look for stalled jobs (those whose worker died) and put them back in the queue. */
export const STALLED_INTERVAL_MS = 1000;
/** A job found stalled more often than this is failed (a trial that kills every worker it runs on). */
export const MAX_STALLED_COUNT = 3;

const CANCEL_PREFIX = "nasbook:cancel:";
const CANCEL_REASON = "cancelled by its search";
/** How long a worker remembers a cancel for a job it has not started (it may have just fetched it). */
const EARLY_CANCEL_MS = 60_000;
/** How often a waiting search checks that its job still exists (and looks for its result in the store). */
export const JOB_CHECK_MS = 1000;
/** A job found missing this many checks in a row has vanished (one miss can be a job completing meanwhile). */
const VANISHED_AFTER = 2;
/** A trial whose job vanished this many times is failed rather than queued again. */
const MAX_REQUEUES = 5;
/** After this long waiting with no worker on the queue, the search says so (once per executor). */
const NO_WORKER_NOTICE_MS = 10_000;

/**
 * A cancel message names the job and when it was queued: a job queued again under the same id (another search
 * sharing the trial) has a later timestamp, so a cancel of the earlier one never refuses it.
 */
const cancelMessage = (job: Pick<Job, "id" | "timestamp">) => `${job.id} ${job.timestamp}`;

/**
 * What a worker returns for a job: storable results are in the store, the others travel back in the job itself,
 * sealed with the shared key (a value planted in Redis without the key is not believed).
 */
type JobOutcome = { stored: true } | { stored: false; result: unknown };

export interface BullmqExecutorOptions extends SharedKeyOptions {
  /** Redis URL, e.g. redis://127.0.0.1:6379, or rediss://... for TLS; a password goes in it (redis://:PASSWORD@host). */
  redis: string;
  /** The CA of a `rediss://` server's certificate, PEM text or a file (default NASBOOK_REDIS_CA, else the system's). */
  ca?: RedisTarget["ca"];
  /** Queue name (default "nasbook"); workers must serve the same one. */
  queue?: string;
  /** Trials the search may keep in flight (default 64; the search asks `parallel` at a time). */
  slots?: number;
}

/** A BullMQ executor; `store` is the Redis trial store its workers write to. */
export interface BullmqExecutor extends Executor {
  readonly store: RedisTrialStore;
  readonly queueName: string;
  /** Removes every waiting job of this queue and cancels the running ones; returns how many were waiting. */
  cancelAll(): Promise<number>;
}

type Settled = { kind: "completed"; outcome: JobOutcome | undefined } | { kind: "failed"; reason: string };

/** The search side of the distributed executor (see the file comment). */
export function bullmqExecutor(opts: BullmqExecutorOptions): BullmqExecutor {
  const name = opts.queue ?? DEFAULT_QUEUE;
  checkRedisUrl(opts.redis);
  const target: RedisTarget = { url: opts.redis, ca: opts.ca };
  const key = loadSharedKey(opts);
  const store = redisStore(opts.redis, { key, ca: opts.ca });
  const waiters = new Map<string, Set<(s: Settled) => void>>();
  const notify = (jobId: string, s: Settled) => {
    for (const w of waiters.get(jobId) ?? []) w(s);
  };
  const ready: Promise<{ queue: Queue<TrialJob, JobOutcome>; events: QueueEvents; conn: Redis; eventsConn: Redis }> = (async () => {
    await probeRedis(target); // an unreachable or refusing server: one clear error now, not a silent wait
    const bullmq = await import("bullmq");
    const [conn, eventsConn] = await Promise.all([redisConnection(target), redisConnection(target)]);
    const queue = new bullmq.Queue<TrialJob, JobOutcome>(name, { connection: conn });
    const events = new bullmq.QueueEvents(name, { connection: eventsConn });
    events.on("completed", ({ jobId, returnvalue }) => {
      let outcome: JobOutcome | undefined;
      try {
        outcome = (typeof returnvalue === "string" ? JSON.parse(returnvalue) : returnvalue) as JobOutcome;
      } catch {
        outcome = undefined;
      }
      notify(jobId, { kind: "completed", outcome });
    });
    events.on("failed", ({ jobId, failedReason }) => notify(jobId, { kind: "failed", reason: failedReason }));
    events.on("error", () => undefined);
    queue.on("error", () => undefined);
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    return { queue, events, conn, eventsConn };
  })();
  ready.catch(() => undefined);

  let noWorkerNoticed = false;
  let lastWorkerCheck = 0;
  /** Says once, after a job waited NO_WORKER_NOTICE_MS, that no worker serves this queue (not a silent wait). */
  const noticeIfNoWorker = async (queue: Queue<TrialJob, JobOutcome>, waitingSince: number) => {
    const now = Date.now();
    if (noWorkerNoticed || now - waitingSince < NO_WORKER_NOTICE_MS || now - lastWorkerCheck < NO_WORKER_NOTICE_MS) return;
    lastWorkerCheck = now;
    if ((await queue.getWorkersCount()) > 0) return;
    noWorkerNoticed = true;
    console.warn(
      `nasbook: no worker serves queue "${name}" on ${redactUrl(opts.redis)}, and trials are waiting; start one: ` +
        `nasbook worker --redis ${redactUrl(opts.redis)} --queue ${name}`,
    );
  };

  type Waited = Settled | { kind: "stored"; result: TrialResult } | { kind: "timeout" } | { kind: "vanished" };
  const wait = (key: string, signal: AbortSignal, timeoutMs: number | undefined, queue: Queue<TrialJob, JobOutcome>) => {
    let listener: ((s: Settled) => void) | undefined;
    let poll: ReturnType<typeof setInterval> | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const settled = new Promise<Waited>((resolve, reject) => {
      listener = resolve;
      let set = waiters.get(key);
      if (!set) waiters.set(key, (set = new Set()));
      set.add(listener);
      // Events can be missed across a Redis restart: the store is the truth, so look there now and then; and a job
      // can vanish (another search's cancel removed it, a FLUSHALL, a restart without appendonly): look for it too.
      let missing = 0;
      let checking = false;
      const waitingSince = Date.now();
      const check = async () => {
        const r = await store.get(key);
        if (r) return resolve({ kind: "stored", result: r });
        const state = await queue.getJobState(key);
        if (state !== "unknown") {
          missing = 0;
          if (state === "waiting" || state === "prioritized") await noticeIfNoWorker(queue, waitingSince);
          return;
        }
        if (++missing >= VANISHED_AFTER) resolve({ kind: "vanished" });
      };
      poll = setInterval(() => {
        if (checking) return; // the last check is still waiting on a restarting server
        checking = true;
        check().catch(() => undefined).finally(() => (checking = false));
      }, JOB_CHECK_MS);
      if (timeoutMs !== undefined) timer = setTimeout(() => resolve({ kind: "timeout" }), timeoutMs);
      onAbort = () => reject(new AbortError(signal.reason));
      signal.addEventListener("abort", onAbort, { once: true });
    });
    const cleanup = () => {
      const set = waiters.get(key);
      set?.delete(listener!);
      if (set?.size === 0) waiters.delete(key);
      clearInterval(poll);
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort!);
    };
    return settled.finally(cleanup);
  };

  const cancel = async (key: string) => {
    const { queue, conn } = await ready;
    const job = await queue.getJob(key);
    if (!job) return;
    // remove() takes a waiting job out of the queue atomically and refuses a locked (running) one, which the cancel
    // message then stops. In the other order a worker could take the waiting job after the message and run it.
    if (await job.remove().then(() => true, () => false)) return;
    await conn.publish(CANCEL_PREFIX + name, cancelMessage(job));
  };

  /** A result a worker sent back in the job (not storable), if it carries this key's seal. */
  const unsealed = (trialKey: string, outcome: JobOutcome | undefined): TrialResult | undefined => {
    if (!outcome || outcome.stored) return undefined;
    return decodeResult(openResult(key, trialKey, outcome.result));
  };

  const runJob = async (job: TrialJob, signal: AbortSignal): Promise<TrialResult> => {
    const { queue } = await ready;
    // one abort listener per trial in flight on the search's signal: more than Node's default warning level of 10
    setMaxListeners(Math.max(getMaxListeners(signal), 1000), signal);
    // The worker enforces the trial's timeout; this backstop covers a worker that died with it (plus retries).
    const backstopMs = job.timeoutSeconds !== undefined ? (job.timeoutSeconds + 2 * (LOCK_DURATION_MS / 1000) + 10) * 1000 : undefined;
    const signed = signJob(key, name, job);
    let requeued = 0;
    for (;;) {
      if (signal.aborted) throw new AbortError(signal.reason);
      const hit = await store.get(job.key);
      if (hit) return hit;
      const outcome = wait(job.key, signal, backstopMs, queue);
      outcome.catch(() => undefined);
      await queue.add("trial", signed, { jobId: job.key, attempts: 1, removeOnComplete: true, removeOnFail: true });
      let s: Awaited<typeof outcome>;
      try {
        s = await outcome;
      } catch (e) {
        await cancel(job.key).catch(() => undefined);
        throw e;
      }
      if (s.kind === "stored") return s.result;
      if (s.kind === "timeout") {
        await cancel(job.key).catch(() => undefined);
        return failedResult(new NasbookError(`trial ${job.key.slice(0, 12)} got no result from any worker within ${backstopMs! / 1000} s (its timeout ${job.timeoutSeconds} s)`), job.timeoutSeconds);
      }
      if (s.kind === "vanished") {
        if (++requeued > MAX_REQUEUES) {
          return failedResult(new NasbookError(
            `trial ${job.key.slice(0, 12)}: its job vanished from queue "${name}" ${MAX_REQUEUES + 1} times (removed by another search's cancel, ` +
              "a FLUSHALL, or a Redis restart without appendonly); run Redis with --appendonly yes and give each project its own --queue",
          ));
        }
        continue; // queue it again
      }
      if (s.kind === "completed") {
        const r = unsealed(job.key, s.outcome) ?? (await store.get(job.key));
        if (r) return r;
        continue; // completed but not stored (an entry evicted or corrupt): run it again
      }
      // Failed: cancelled by another search sharing this trial → queue it again; anything else is this trial's failure.
      if (s.reason.includes(CANCEL_REASON)) continue;
      return failedResult(new NasbookError(`BullMQ job failed: ${s.reason}`));
    }
  };

  return {
    name: "bullmq",
    slots: opts.slots ?? 64,
    store,
    queueName: name,
    run<A>(task: TrialTask<A>, signal: AbortSignal) {
      return jobOf(task).then((job) => runJob(job, signal));
    },
    async cancelAll() {
      const { queue, conn } = await ready;
      const waiting = await queue.getJobs(["waiting", "prioritized", "delayed"]);
      await Promise.all(waiting.map((j) => j.remove().catch(() => undefined)));
      for (const j of await queue.getJobs(["active"])) if (j.id) await conn.publish(CANCEL_PREFIX + name, cancelMessage(j));
      return waiting.length;
    },
    async close() {
      await store.close();
      const parts = await ready.catch(() => undefined);
      if (!parts) return;
      await Promise.allSettled([parts.queue.close(), parts.events.close()]);
      // BullMQ does not close connections it was given
      parts.conn.disconnect();
      parts.eventsConn.disconnect();
    },
  };
}

export interface QueueWorkerOptions extends SharedKeyOptions {
  redis: string;
  /** The CA of a `rediss://` server's certificate (see BullmqExecutorOptions.ca). */
  ca?: RedisTarget["ca"];
  queue?: string;
  /** Trials run at once, each on its own worker thread (default 1; at most threadLimit() unless `oversubscribe`). */
  concurrency?: number;
  oversubscribe?: boolean;
  /**
   * The modules (file paths or package names) whose exported spaces and evaluators jobs may name, besides the
   * built-ins. Nothing else is ever imported for a job.
   */
  modules?: string[];
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Called when a job starts and ends (for `nasbook worker`'s log). */
  onJob?: (e: { type: "start" | "end"; job: TrialJob; status?: string; error?: string }) => void;
  /** Called once for each job refused before it ran (unsigned, altered, naming a module the worker was not given). */
  onRefused?: (e: { jobId: string; reason: string }) => void;
}

/** A running queue worker (what `nasbook worker` starts). */
export interface QueueWorker {
  readonly worker: Worker<TrialJob, JobOutcome>;
  readonly pool: PoolExecutor;
  /** The shared key it verifies jobs with (its id and where it came from are safe to print; the secret is not). */
  readonly key: SharedKey;
  /** The modules jobs may name besides the built-ins (`modules` as given). */
  readonly modules: readonly string[];
  /**
   * A graceful stop: takes no more jobs, lets running trials finish for up to `graceSeconds` (default 0), then hands
   * the unfinished ones back to the queue (aborted here, moved to waiting, where another worker takes them at once,
   * not after the stalled-job timeout), and closes. Resolves with how many trials were finished and handed back.
   * `now()` on the returned handle ends the grace early (a second SIGINT/SIGTERM).
   */
  stop(opts?: { graceSeconds?: number }): Promise<{ finished: number; handedBack: number }> & { now(): void };
  close(): Promise<void>;
}

/** A job a worker will not run: not signed with its key, altered, or naming something it was not started with. */
export class JobRefusedError extends NasbookError {}

/** The reason a stopping worker gives the trials it hands back. */
const HAND_BACK_REASON = "handed back: the worker is stopping";

/** Serves a queue: runs each job's trial on a thread of a worker-thread pool and stores the result in Redis. */
export async function serveQueue(opts: QueueWorkerOptions): Promise<QueueWorker> {
  const name = opts.queue ?? DEFAULT_QUEUE;
  const concurrency = opts.concurrency ?? 1;
  const target: RedisTarget = { url: checkRedisUrl(opts.redis), ca: opts.ca };
  const key = loadSharedKey(opts);
  const allowlist = moduleAllowlist(opts.modules ?? []);
  await probeRedis(target); // an unreachable or refusing server: one clear error now, not a silent wait
  const store = redisStore(opts.redis, { key, ca: opts.ca });
  const pool = poolExecutor({ workers: concurrency, oversubscribe: opts.oversubscribe });
  await pool.warmUp(); // "serving" means ready: threads and backends up before the first job is taken
  // Running jobs, each with the controller a graceful stop aborts to hand it back.
  const running = new Map<Job<TrialJob, JobOutcome>, AbortController>();
  let finished = 0;
  const handedBack = new Set<string>(); // trial keys, so a trial handed back twice counts once
  let stopping = false;
  // Cancels of jobs this worker was not running when the message came (cancelMessage → when it arrived)
  const cancelledEarly = new Map<string, number>();
  const { WaitingError } = await import("bullmq");
  /** The job to run, checked: signed with our key, its recipes naming only what this worker runs. */
  const admitted = (job: Job<TrialJob, JobOutcome>): TrialJob => {
    const verified = verifyJob(key, name, job.id, job.data as unknown);
    if ("refused" in verified) throw new JobRefusedError(verified.refused);
    const j = verified.job;
    try {
      return { ...j, space: allowlist.admit(j.space), evaluator: allowlist.admit(j.evaluator) };
    } catch (e) {
      throw new JobRefusedError((e as Error).message);
    }
  };
  const processor = async (job: Job<TrialJob, JobOutcome>, token?: string, signal?: AbortSignal): Promise<JobOutcome> => {
    // No store lookup here: the search looked before queueing, and a duplicate run writes the same result (SET NX).
    if (stopping && token) {
      // Fetched after the stop began: a fetch already under way when the worker paused returns one more job (it
      // can be the very trial just handed back). It goes straight back without running; the paused worker fetches
      // nothing after it.
      await job.moveToWait(token);
      handedBack.add(String(job.id));
      throw new WaitingError();
    }
    if (cancelledEarly.delete(cancelMessage(job))) throw new Error(CANCEL_REASON); // its search gave it up already
    let data: TrialJob;
    try {
      data = admitted(job);
    } catch (e) {
      // Said once: the job fails (attempts 1), so no worker takes it again; its search records the reason.
      const reason = `refused by nasbook worker ${process.pid}: ${(e as Error).message}`;
      opts.onRefused?.({ jobId: String(job.id).slice(0, 64), reason });
      throw new JobRefusedError(reason);
    }
    const handBack = new AbortController();
    running.set(job, handBack);
    opts.onJob?.({ type: "start", job: data });
    let result: TrialResult;
    try {
      const trial = pool.runJob(data, signal ? AbortSignal.any([signal, handBack.signal]) : handBack.signal);
      trial.catch(() => undefined);
      // A hand-back does not wait for the thread to stop (the pool stops or replaces it): the job goes back now.
      const handedOver = new Promise<never>((_, reject) =>
        handBack.signal.addEventListener("abort", () => reject(new AbortError(HAND_BACK_REASON)), { once: true }));
      handedOver.catch(() => undefined);
      result = await Promise.race([trial, handedOver]);
    } catch (e) {
      if (handBack.signal.aborted && token) {
        await job.moveToWait(token); // back to the queue, its lock released: the next free worker takes it
        handedBack.add(data.key);
        opts.onJob?.({ type: "end", job: data, status: "handed back", error: HAND_BACK_REASON });
        throw new WaitingError(); // BullMQ: the job moved to waiting, it did not fail
      }
      opts.onJob?.({ type: "end", job: data, status: "aborted", error: e instanceof Error ? e.message : String(e) });
      throw e;
    } finally {
      running.delete(job);
    }
    finished++;
    opts.onJob?.({ type: "end", job: data, status: result.status, error: result.error });
    // Failures that may not recur (a timeout, out of memory) are not stored: they go back with the job.
    if (!isStorable(result)) return { stored: false, result: sealResult(key, data.key, encodeResult(result)) };
    await store.put(data.key, result);
    return { stored: true };
  };
  const { Worker } = await import("bullmq");
  const workerConn = await redisConnection(target);
  const worker = new Worker<TrialJob, JobOutcome>(name, processor, {
    connection: workerConn,
    concurrency,
    lockDuration: opts.lockDurationMs ?? LOCK_DURATION_MS,
    stalledInterval: opts.stalledIntervalMs ?? STALLED_INTERVAL_MS,
    maxStalledCount: MAX_STALLED_COUNT,
    autorun: true,
  });
  worker.on("error", () => undefined);
  const subscriber = await redisConnection(target);
  await subscriber.subscribe(CANCEL_PREFIX + name);
  subscriber.on("message", (_channel: string, message: string) => {
    const key = message.split(" ")[0]!;
    if (worker.cancelJob(key, CANCEL_REASON)) return;
    const now = Date.now();
    for (const [m, at] of cancelledEarly) if (now - at > EARLY_CANCEL_MS) cancelledEarly.delete(m);
    cancelledEarly.set(message, now);
  });
  await worker.waitUntilReady();
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await worker.close(true).catch(() => undefined);
      workerConn.disconnect(); // BullMQ does not close a connection it was given
      subscriber.disconnect();
      await pool.close();
      await store.close();
    })());
  return {
    worker,
    pool,
    key,
    modules: allowlist.entries,
    stop({ graceSeconds = 0 } = {}) {
      let now!: () => void;
      const cut = new Promise<void>((r) => (now = r));
      const done = (async () => {
        const before = { finished, handedBack: new Set(handedBack) };
        stopping = true;
        await worker.pause(true).catch(() => undefined); // no new jobs; running ones go on
        const allDone = async () => {
          while (running.size > 0) await new Promise((r) => setTimeout(r, 20));
        };
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([allDone(), cut, new Promise<void>((r) => (timer = setTimeout(r, graceSeconds * 1000)))]);
        clearTimeout(timer);
        for (const c of running.values()) c.abort(new Error(HAND_BACK_REASON));
        await allDone();
        await close();
        return { finished: finished - before.finished, handedBack: [...handedBack].filter((k) => !before.handedBack.has(k)).length };
      })();
      return Object.assign(done, { now });
    },
    close,
  };
}
