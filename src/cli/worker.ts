/**
 * `nasbook worker`: serves trials of any `nasbook search --executor bullmq` (or library search with a BullMQ
 * executor) pointed at the same Redis server and queue, until SIGINT/SIGTERM.
 */
import { NasbookError } from "../errors.js";
import { DEFAULT_QUEUE, LOCK_DURATION_MS, RedisUrlError, STALLED_INTERVAL_MS, checkRedisUrl, redactUrl, serveQueue, type QueueWorker } from "../exec/bullmq.js";
import { tooManyThreads } from "../exec/pool.js";
import { CliUsageError, parseCli, positiveInt } from "./args.js";

/** Seconds a stopping worker lets its running trials finish before handing them back (`--grace`). */
export const DEFAULT_GRACE_SECONDS = 5;

const HELP = `usage: nasbook worker --redis URL [--module M]... [--queue NAME] [--concurrency N] [--grace S] [--quiet]

Runs the trials queued by searches with --executor bullmq: built-in spaces and evaluators, and those exported by
the modules given with --module. It runs only jobs signed with the shared key, and never imports anything a job
names that it was not started with (see docs/distributed.md, "Trust").

options:
  --redis URL        Redis server, e.g. redis://127.0.0.1:6379; rediss://... for TLS; a password goes in the URL
                     (redis://:PASSWORD@host:6379). Default: NASBOOK_REDIS_URL, which keeps the password out of ps
  --redis-ca FILE    the CA certificate (PEM) of a rediss:// server with a self-signed certificate (or NASBOOK_REDIS_CA)
  --module M         a module (file path) or package whose exported spaces and evaluators jobs may name; repeat it
                     for several. Built-ins need none
  --key-file FILE    the shared key that signs jobs and results (default: NASBOOK_KEY, else ~/.config/nasbook/key,
                     created on first use; searches must use the same key)
  --queue NAME       queue to serve (default ${DEFAULT_QUEUE}; must match the search's --queue)
  --concurrency N    trials at once, each on its own worker thread with its own tfjs backend (default 1; at most
                     2 per core unless --oversubscribe)
  --oversubscribe    allow --concurrency above 2 per core (each thread holds its own tfjs backend and data)
  --grace S          on SIGINT/SIGTERM, seconds a running trial may take to finish before it is handed back
                     to the queue (default ${DEFAULT_GRACE_SECONDS}; a second signal hands it back at once)
  --quiet            no line per trial
  -h, --help         this help

Stopping (SIGINT/SIGTERM): the worker takes no new trials, lets running ones finish for --grace seconds, then
hands the rest back to the queue, where another worker takes them at once. A worker killed mid-trial loses
nothing either: after ${LOCK_DURATION_MS / 1000} s without a lock renewal another worker's
stalled-job check (every ${STALLED_INTERVAL_MS / 1000} s) queues the trial again.`;

export async function main(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let concurrency: number;
  let grace: number;
  try {
    values = parseCli("worker", argv, {
      redis: { type: "string" },
      "redis-ca": { type: "string" },
      module: { type: "string", multiple: true },
      "key-file": { type: "string" },
      queue: { type: "string" },
      concurrency: { type: "string" },
      grace: { type: "string" },
      oversubscribe: { type: "boolean" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    values.redis ??= process.env.NASBOOK_REDIS_URL?.trim() || undefined;
    if (typeof values.redis !== "string") throw new CliUsageError("worker", "--redis URL is required (or NASBOOK_REDIS_URL), e.g. --redis redis://127.0.0.1:6379");
    checkRedisUrl(values.redis);
    concurrency = values.concurrency === undefined ? 1 : positiveInt("worker", "concurrency", values.concurrency as string);
    const tooMany = values.oversubscribe ? undefined : tooManyThreads(concurrency, "--oversubscribe");
    if (tooMany) throw new CliUsageError("worker", `--concurrency ${tooMany}`);
    grace = DEFAULT_GRACE_SECONDS;
    if (values.grace !== undefined) {
      grace = Number(values.grace);
      if (!(typeof values.grace === "string" && values.grace.trim() !== "" && Number.isFinite(grace) && grace >= 0)) {
        throw new CliUsageError("worker", `--grace must be a number of seconds >= 0, got "${String(values.grace)}"; e.g. --grace 0 to hand running trials back at once`);
      }
    }
  } catch (e) {
    if (e instanceof CliUsageError || e instanceof RedisUrlError) {
      console.error(e instanceof RedisUrlError ? `nasbook worker: ${e.message}` : e.message);
      return 2;
    }
    throw e;
  }
  const queue = (values.queue as string | undefined) ?? DEFAULT_QUEUE;
  const quiet = !!values.quiet;
  const redis = values.redis as string;
  let worker: QueueWorker;
  try {
    worker = await serveQueue({
      redis,
      ca: values["redis-ca"] as string | undefined,
      keyFile: values["key-file"] as string | undefined,
      modules: (values.module as unknown as string[] | undefined) ?? [],
      queue,
      concurrency,
      oversubscribe: !!values.oversubscribe,
      onJob: quiet ? undefined : (e) => {
        const what = `trial ${e.job.index} ${e.job.arch} (${e.job.key.slice(0, 12)})`;
        if (e.type === "start") console.log(`start ${what}`);
        else console.log(`${e.status} ${what}${e.error ? `: ${e.error}` : ""}`);
      },
      // Always said, even with --quiet: someone is sending this worker jobs it will not run.
      onRefused: (e) => console.error(`refused job ${e.jobId}: ${e.reason}`),
    });
  } catch (e) {
    if (e instanceof NasbookError) {
      console.error(`nasbook worker: ${e.message}`);
      return 1;
    }
    throw e;
  }
  const modules = worker.modules.length ? `, modules ${worker.modules.join(", ")}` : "";
  console.log(
    `nasbook worker: serving queue "${queue}" on ${redactUrl(redis)}, concurrency ${concurrency}${modules}, ` +
      `key ${worker.key.id} (${worker.key.source}) (pid ${process.pid})`,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  console.log(
    `nasbook worker: stopping: no new trials; running ones get ${grace} s to finish, then go back to the queue for another worker` +
      " (signal again: at once)",
  );
  const stopping = worker.stop({ graceSeconds: grace });
  const again = () => stopping.now();
  process.once("SIGINT", again);
  process.once("SIGTERM", again);
  const { finished, handedBack } = await stopping;
  console.log(`nasbook worker: stopped (${finished} trial${finished === 1 ? "" : "s"} finished while stopping, ${handedBack} handed back to the queue)`);
  return 0;
}
