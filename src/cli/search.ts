/**
 * `nasbook search`: a search from the command line, on the NAS-Bench-201 table (default) or with real training on
 * the embedded synthetic task, run in-process, on a worker-thread pool or over BullMQ (`nasbook worker`s).
 * See HELP below for the flags.
 */
import { appendFileSync } from "node:fs";
import { NasbookError } from "../errors.js";
import { loadNb201Table, nb201TableEvaluator } from "../estimate/nb201Table.js";
import type { Evaluator, TrialResult } from "../estimate/types.js";
import { bullmqExecutor, DEFAULT_QUEUE, RedisUrlError, checkRedisUrl } from "../exec/bullmq.js";
import { poolExecutor, tooManyThreads } from "../exec/pool.js";
import { searchProgress } from "../exec/progress.js";
import { evaluatorFingerprint, trialKey } from "../exec/trialKey.js";
import { probeRedis } from "../exec/redisConnection.js";
import { redisStore } from "../exec/redisStore.js";
import { configuredSharedKey, loadSharedKey } from "../exec/sharedKey.js";
import { describeFsError } from "../exec/fileWrite.js";
import { FileWriteError, refuseClashingPaths, writeOutputFile } from "./outputPaths.js";
import { directoryStore } from "../exec/store.js";
import type { Executor, TrialStore } from "../exec/types.js";
import { search, type SearchResult, type StrategyFactory, type SpaceStrategyFactory } from "../search.js";
import type { ChainArch } from "../space/chain.js";
import { nb201Space, type Nb201Arch } from "../space/nb201.js";
import type { SearchSpace } from "../space/types.js";
import { deltaNas } from "../strategy/deltaNas.js";
import { regularizedEvolution } from "../strategy/evolution.js";
import { localSearch, nb201ParamsWarmup } from "../strategy/localSearch.js";
import { pnasNb201 } from "../strategy/pnasNb201.js";
import { predictorEvolution } from "../strategy/predictorEvolution.js";
import { randomSearch } from "../strategy/random.js";
import { reinforce } from "../strategy/reinforce.js";
import { syntheticChainEvaluator, syntheticChainSpace } from "./syntheticTask.js";
import { CliUsageError, integer, oneOf, parseCli, positiveInt, positiveNumber } from "./args.js";

type SpaceName = "nb201" | "chain";
type AnyFactory = StrategyFactory | SpaceStrategyFactory<never>;

/**
 * Every strategy of the library that proposes architectures to evaluate one by one. A strategy tied to one space
 * returns a string explaining why it cannot run on another.
 */
export const cliStrategies: Record<string, (space: SpaceName) => AnyFactory | string> = {
  random: () => randomSearch(),
  "regularized-evolution": () => regularizedEvolution(),
  "local-search": () => localSearch(),
  "local-search-zc": (space) => (space === "nb201"
    ? (localSearch({ init: 1, move: "best", warmup: nb201ParamsWarmup() }) as AnyFactory)
    : "local-search-zc ranks cells by the NAS-Bench-201 network's parameter count and is implemented for nb201, not for chain"),
  reinforce: () => reinforce(),
  pnas: (space) => (space === "nb201" ? (pnasNb201() as AnyFactory) : "pnas grows cells progressively and is implemented for nb201 (and the PNAS cell space in the library), not for chain"),
  "predictor-evolution": () => predictorEvolution(),
  "delta-nas": () => deltaNas(),
};

/** Weight-sharing searches train one supernet instead of evaluating trials, so they do not run here. */
const WEIGHT_SHARING: Record<string, string> = {
  darts: "dartsSearch", "one-shot": "oneShotSearch", enas: "enasSearch",
};

const EXECUTORS = ["inprocess", "pool", "bullmq"] as const;
const SPACES = ["nb201", "chain"] as const;
const TASKS = ["synthetic"] as const;

const HELP = `usage: nasbook search [options]

Runs a search and prints the best architecture found.

what to search:
  --strategy NAME     ${Object.keys(cliStrategies).join(", ")} (default regularized-evolution)
  --space NAME        nb201: the NAS-Bench-201 table (default); chain: train conv/dense chains for real
  --dataset NAME      nb201 table dataset: cifar10, cifar100, imagenet16 (default cifar10)
  --table FILE        nb201 table CSV (default: <data dir>/nb201/nb201_all.csv)
  --task NAME         chain: the task to train on: synthetic (default; embedded, no download)
  --epochs N          chain: training epochs per candidate (default 3)
  --queries N         trials to run (default 100)
  --seed N            seed of the search (default 0); same seed => same history on every executor

where trials run:
  --executor NAME     inprocess (default), pool (worker threads), bullmq (nasbook worker processes via Redis)
  --workers N         pool: worker threads (default: cores; at most 2 per core unless --oversubscribe)
  --oversubscribe     allow --workers above 2 per core (each thread holds its own tfjs backend and data)
  --parallel K        architectures asked and evaluated at once (default 1; the executor's slots for pool)
  --redis URL         bullmq / --store redis: Redis server, e.g. redis://127.0.0.1:6379 (rediss:// for TLS;
                      a password goes in the URL; default NASBOOK_REDIS_URL, which keeps it out of ps)
  --redis-ca FILE     the CA certificate (PEM) of a rediss:// server with a self-signed certificate
  --key-file FILE     bullmq / --store redis: the shared key that signs jobs and results (default NASBOOK_KEY,
                      else ~/.config/nasbook/key; workers must use the same); --store DIR: signs its entries
  --queue NAME        bullmq: queue name (default ${DEFAULT_QUEUE}; workers must serve the same)
  --timeout S         per-trial limit in seconds (a trial past it is failed and its worker replaced)

what is kept:
  --store WHERE       trial store: a directory, redis, or off (default: redis with bullmq, else off)
  --checkpoint FILE   JSON-lines checkpoint; resumes from it if it exists
  --history FILE      write one JSON line per trial (index, arch, key, seed, status, cached, metrics)
  --json              print the summary as one JSON object
  --quiet             no progress display
  -h, --help          this help

Weight-sharing searches (${Object.keys(WEIGHT_SHARING).join(", ")}) train a supernet rather than evaluate trials;
run them from the library (${Object.values(WEIGHT_SHARING).join(", ")}).`;

interface Parsed {
  strategy: string;
  space: SpaceName;
  dataset: string;
  table?: string;
  epochs: number;
  queries: number;
  seed: number;
  executor: (typeof EXECUTORS)[number];
  workers?: number;
  oversubscribe: boolean;
  parallel?: number;
  redis?: string;
  redisCa?: string;
  keyFile?: string;
  queue: string;
  timeout?: number;
  store?: string;
  checkpoint?: string;
  history?: string;
  json: boolean;
  quiet: boolean;
}

function parse(argv: string[]): Parsed | "help" {
  const v = parseCli("search", argv, {
    strategy: { type: "string" }, space: { type: "string" }, dataset: { type: "string" }, table: { type: "string" },
    task: { type: "string" }, epochs: { type: "string" }, queries: { type: "string" }, seed: { type: "string" },
    executor: { type: "string" }, workers: { type: "string" }, parallel: { type: "string" }, redis: { type: "string" },
    "redis-ca": { type: "string" }, "key-file": { type: "string" }, oversubscribe: { type: "boolean" },
    queue: { type: "string" }, timeout: { type: "string" }, store: { type: "string" }, checkpoint: { type: "string" },
    history: { type: "string" }, json: { type: "boolean" }, quiet: { type: "boolean" }, help: { type: "boolean", short: "h" },
  });
  if (v.help) return "help";
  const str = (k: string) => v[k] as string | undefined;
  const strategy = str("strategy") ?? "regularized-evolution";
  if (WEIGHT_SHARING[strategy]) {
    throw new CliUsageError("search", `${strategy} is a weight-sharing search (one supernet, no per-trial evaluations); run it from the library with ${WEIGHT_SHARING[strategy]}(...)`);
  }
  oneOf("search", "strategy", strategy, Object.keys(cliStrategies));
  const space = oneOf("search", "space", str("space") ?? "nb201", SPACES);
  if (str("task") !== undefined) {
    oneOf("search", "task", str("task")!, TASKS);
    if (space !== "chain") throw new CliUsageError("search", "--task trains for real and needs --space chain");
  }
  if (str("epochs") !== undefined && space !== "chain") throw new CliUsageError("search", "--epochs applies to --space chain (the nb201 table needs no training)");
  const executor = oneOf("search", "executor", str("executor") ?? "inprocess", EXECUTORS);
  const wantsRedis = executor === "bullmq" || str("store") === "redis";
  const redis = str("redis") ?? (wantsRedis ? process.env.NASBOOK_REDIS_URL?.trim() || undefined : undefined);
  if (redis !== undefined) checkRedisUrl(redis);
  if (executor === "bullmq" && redis === undefined) throw new CliUsageError("search", "--executor bullmq needs --redis URL, e.g. --redis redis://127.0.0.1:6379");
  if (str("store") === "redis" && redis === undefined) throw new CliUsageError("search", "--store redis needs --redis URL");
  if (str("workers") !== undefined && executor !== "pool") throw new CliUsageError("search", "--workers applies to --executor pool (with bullmq, start more nasbook workers)");
  if (str("store") === "") throw new CliUsageError("search", "--store needs a directory, redis or off");
  const workers = str("workers") === undefined ? undefined : positiveInt("search", "workers", str("workers")!);
  const tooMany = workers !== undefined && !v.oversubscribe ? tooManyThreads(workers, "--oversubscribe") : undefined;
  if (tooMany) throw new CliUsageError("search", `--workers ${tooMany}`);
  return {
    strategy, space, executor, redis, redisCa: str("redis-ca"), keyFile: str("key-file"),
    dataset: str("dataset") ?? "cifar10",
    table: str("table"),
    epochs: str("epochs") === undefined ? 3 : positiveInt("search", "epochs", str("epochs")!),
    queries: str("queries") === undefined ? 100 : positiveInt("search", "queries", str("queries")!),
    seed: str("seed") === undefined ? 0 : integer("search", "seed", str("seed")!),
    workers, oversubscribe: !!v.oversubscribe,
    parallel: str("parallel") === undefined ? undefined : positiveInt("search", "parallel", str("parallel")!),
    queue: str("queue") ?? DEFAULT_QUEUE,
    timeout: str("timeout") === undefined ? undefined : positiveNumber("search", "timeout", str("timeout")!),
    store: str("store"),
    checkpoint: str("checkpoint"),
    history: str("history"),
    json: !!v.json,
    quiet: !!v.quiet,
  };
}

/** One line of `--history`. */
export interface HistoryLine {
  index: number;
  arch: string;
  key: string;
  seed: number;
  status: TrialResult["status"];
  cached: boolean;
  metrics: Record<string, number>;
  error?: string;
}

export async function main(argv: string[]): Promise<number> {
  let p: Parsed | "help";
  try {
    p = parse(argv);
  } catch (e) {
    if (e instanceof CliUsageError || e instanceof RedisUrlError) {
      console.error(e instanceof RedisUrlError ? `nasbook search: ${e.message}` : e.message);
      return 2;
    }
    throw e;
  }
  if (p === "help") {
    console.log(HELP);
    return 0;
  }
  const clash = refuseClashingPaths("search", [
    { path: p.table, name: "--table", role: "input" }, { path: p.history, name: "--history", role: "output" },
    { path: p.checkpoint, name: "--checkpoint", role: "input and output" },
    { path: p.store && !["off", "redis"].includes(p.store) ? p.store : undefined, name: "--store", role: "output", directory: true },
  ]);
  if (clash !== undefined) return clash;
  if (p.redis !== undefined) {
    try {
      await probeRedis({ url: p.redis, ca: p.redisCa }); // unreachable or refusing: one line now, not a silent wait
    } catch (e) {
      if (!(e instanceof NasbookError)) throw e;
      console.error(`nasbook search: ${e.message}`);
      return 1;
    }
  }
  const made = cliStrategies[p.strategy]!(p.space);
  if (typeof made === "string") {
    console.error(`nasbook search: ${made}`);
    return 2;
  }
  let space: SearchSpace<Nb201Arch> | SearchSpace<ChainArch>;
  let evaluator: Evaluator<Nb201Arch> | Evaluator<ChainArch>;
  let optimum: number | undefined;
  try {
    if (p.space === "nb201") {
      space = nb201Space();
      const table = nb201TableEvaluator({ dataset: p.dataset, table: p.table === undefined ? undefined : loadNb201Table(p.table) });
      optimum = table.table.optimum(table.dataset);
      evaluator = table;
    } else {
      space = syntheticChainSpace();
      evaluator = syntheticChainEvaluator({ epochs: p.epochs });
    }
  } catch (e) {
    if (e instanceof NasbookError) {
      console.error(`nasbook search: ${e.message}`);
      return 2;
    }
    throw e;
  }

  let executor: Executor | undefined;
  let store: TrialStore | false = false;
  try {
    if (p.executor === "pool") executor = poolExecutor({ workers: p.workers, oversubscribe: p.oversubscribe });
    if (p.executor === "bullmq") {
      const b = bullmqExecutor({ redis: p.redis!, ca: p.redisCa, keyFile: p.keyFile, queue: p.queue });
      executor = b;
      store = b.store;
    }
    if (p.store === "off") store = false;
    else if (p.store === "redis") store = p.executor === "bullmq" ? store : redisStore(p.redis!, { key: loadSharedKey({ keyFile: p.keyFile }), ca: p.redisCa });
    else if (p.store !== undefined) store = directoryStore(p.store, { key: configuredSharedKey({ keyFile: p.keyFile }) });
  } catch (e) {
    await executor?.close();
    if (e instanceof NasbookError) {
      console.error(`nasbook search: ${e.message}`);
      return 1;
    }
    throw e;
  }
  const parallel = p.parallel ?? (p.executor === "pool" ? executor!.slots : 1);

  const progress = p.quiet || p.json ? undefined : searchProgress({ label: p.strategy, total: p.queries });
  if (p.history) {
    try {
      writeOutputFile(p.history, "", "the history");
    } catch (e) {
      if (!(e instanceof FileWriteError)) throw e;
      console.error(`nasbook search: ${e.message}`);
      await executor?.close();
      return 1;
    }
  }
  let fingerprint: Record<string, unknown> | null | undefined;
  let result: SearchResult<unknown> | undefined;
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort(new Error("interrupted (SIGINT)"));
  process.once("SIGINT", onSignal);
  try {
    const run = search<unknown>({
      space: space as SearchSpace<unknown>,
      strategy: made as StrategyFactory,
      evaluator: evaluator as Evaluator<unknown>,
      budget: { queries: p.queries },
      seed: p.seed,
      checkpoint: p.checkpoint,
      parallel,
      executor,
      store,
      trialTimeout: p.timeout,
      signal: interrupt.signal,
      snapshotEvery: 0,
      startedEvent: true,
    });
    for await (const e of run) {
      progress?.update(e);
      if (e.type === "trial" && p.history) {
        const t = e.trial;
        // the search computes trial keys only when it has a store or checkpoint; the history always names them
        fingerprint ??= await evaluatorFingerprint(evaluator as Evaluator<unknown>).catch(() => null);
        const key = t.trialKey ?? (fingerprint ? trialKey({ fingerprint, space: space.name, archKey: t.archString, budget: undefined, seed: t.seed }) : t.key);
        const line: HistoryLine = {
          index: t.index, arch: t.archString, key, seed: t.seed, status: t.result.status,
          cached: t.cached, metrics: t.result.metrics, ...(t.result.error ? { error: t.result.error } : {}),
        };
        try {
          appendFileSync(p.history, JSON.stringify(line) + "\n");
        } catch (err) {
          throw new FileWriteError(describeFsError(err, p.history, "the history")); // e.g. the disk filled up
        }
      }
      if (e.type === "done") result = e.result;
    }
  } catch (e) {
    progress?.finish();
    if (e instanceof NasbookError) {
      console.error(`nasbook search: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    process.off("SIGINT", onSignal);
    await executor?.close();
    if (store && store !== (executor as { store?: TrialStore } | undefined)?.store) await store.close?.();
  }
  progress?.finish();
  if (!result) return 1;
  return report(p, result, evaluator.name, optimum);
}

function report(p: Parsed, result: SearchResult<unknown>, evaluatorName: string, optimum: number | undefined): number {
  const failed = result.history.filter((t) => t.result.status !== "ok");
  const cached = result.history.filter((t) => t.cached).length;
  const best = result.best;
  const summary = {
    strategy: p.strategy,
    space: p.space,
    evaluator: evaluatorName,
    executor: p.executor,
    queries: result.history.length,
    failed: failed.length,
    cached,
    seed: result.seed,
    stopped: result.stopped,
    best: best && { arch: best.archString, ...best.result.metrics },
    ...(optimum !== undefined ? { optimum } : {}),
    resumed: result.resumed,
    seconds: +result.seconds.toFixed(3),
  };
  const allFailed = result.history.length > 0 && failed.length === result.history.length;
  if (p.json) console.log(JSON.stringify(summary));
  else {
    console.log(`${p.strategy} on ${p.space === "nb201" ? `NAS-Bench-201 ${p.dataset}` : "chain (synthetic task)"}: ${summary.queries} trials (${cached} cached, ${failed.length} failed), seed ${summary.seed}, ${summary.seconds} s, executor ${p.executor}`);
    if (best) {
      const m = best.result.metrics;
      console.log(`best by validation accuracy: ${best.archString}`);
      console.log(`  val ${m.val_acc?.toFixed(2)}%  test ${m.test_acc?.toFixed(2)}%${optimum !== undefined ? `  (table optimum ${optimum.toFixed(2)}%)` : ""}`);
    }
  }
  if (allFailed || (result.history.length === 0 && result.stopped !== "aborted")) {
    const errors = [...new Set(failed.map((t) => t.result.error ?? "unknown error"))].slice(0, 3);
    console.error(`nasbook search: all ${failed.length} trials failed; first errors:\n  ${errors.join("\n  ")}`);
    return 1;
  }
  if (failed.length > 0 && !p.json) console.error(`nasbook search: ${failed.length} of ${result.history.length} trials failed, first: ${failed[0]!.result.error}`);
  return result.stopped === "aborted" ? 130 : 0;
}
