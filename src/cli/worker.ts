/**
 * `nasbook worker`: serves trials of any `nasbook search --executor bullmq` (or library search with a BullMQ
 * executor) pointed at the same Redis server and queue, until SIGINT/SIGTERM.
 */
import { DEFAULT_QUEUE, LOCK_DURATION_MS, RedisUrlError, STALLED_INTERVAL_MS, checkRedisUrl, serveQueue } from "../exec/bullmq.js";
import { CliUsageError, parseCli, positiveInt } from "./args.js";

const HELP = `usage: nasbook worker --redis URL [--queue NAME] [--concurrency N] [--quiet]

Runs the trials queued by searches with --executor bullmq (any strategy, space and evaluator that has a recipe).

options:
  --redis URL        Redis server, e.g. redis://127.0.0.1:6379 (required)
  --queue NAME       queue to serve (default ${DEFAULT_QUEUE}; must match the search's --queue)
  --concurrency N    trials at once, each on its own worker thread with its own tfjs backend (default 1)
  --quiet            no line per trial
  -h, --help         this help

A worker killed mid-trial loses nothing: after ${LOCK_DURATION_MS / 1000} s without a lock renewal another worker's
stalled-job check (every ${STALLED_INTERVAL_MS / 1000} s) queues the trial again.`;

export async function main(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let concurrency: number;
  try {
    values = parseCli("worker", argv, {
      redis: { type: "string" },
      queue: { type: "string" },
      concurrency: { type: "string" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (typeof values.redis !== "string") throw new CliUsageError("worker", "--redis URL is required, e.g. --redis redis://127.0.0.1:6379");
    checkRedisUrl(values.redis);
    concurrency = values.concurrency === undefined ? 1 : positiveInt("worker", "concurrency", values.concurrency as string);
  } catch (e) {
    if (e instanceof CliUsageError || e instanceof RedisUrlError) {
      console.error(e instanceof RedisUrlError ? `nasbook worker: ${e.message}` : e.message);
      return 2;
    }
    throw e;
  }
  const queue = (values.queue as string | undefined) ?? DEFAULT_QUEUE;
  const quiet = !!values.quiet;
  const worker = await serveQueue({
    redis: values.redis as string,
    queue,
    concurrency,
    onJob: quiet ? undefined : (e) => {
      const what = `trial ${e.job.index} ${e.job.arch} (${e.job.key.slice(0, 12)})`;
      if (e.type === "start") console.log(`start ${what}`);
      else console.log(`${e.status} ${what}${e.error ? `: ${e.error}` : ""}`);
    },
  });
  console.log(`nasbook worker: serving queue "${queue}" on ${values.redis}, concurrency ${concurrency} (pid ${process.pid})`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  console.log(`nasbook worker: stopping (its running trials go to other workers once their lock expires, ${LOCK_DURATION_MS / 1000} s)`);
  await worker.close();
  return 0;
}
