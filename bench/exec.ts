/**
 * `npm run bench:exec`: where trials run, measured in one run on this machine.
 *
 *  - a training search of 16 candidates on the synthetic task (random search, same seed, 2 at a time, 30 epochs
 *    each: ~2 s per candidate, still far shorter than a real NAS candidate's training): in-process, on a 2-thread pool, and over
 *    BullMQ with 2 `nasbook worker` processes (a real redis-server); speed-ups against in-process from this same
 *    run; every history must be identical. The pool is measured cold (a new pool: its threads' start-up counted,
 *    poolStartupSeconds, and their code not yet optimised by V8) and warm (a second search on the same pool, as
 *    sharedPool() / `executor: "pool"` gives a re-run, compared with a second in-process search);
 *  - the same cold comparison on shorter searches (3 and 10 epochs, ~0.2 and ~0.7 s per candidate), where the
 *    pool's fixed cost (thread start-up, and each thread's V8 warm-up: about 1.3 s here) weighs more
 *    (pool2ShortSpeedup for 3 epochs, coldByEpochs for all);
 *  - BullMQ overhead per trial: 1,000 trials of the NB201 table evaluator (a generated full table) over BullMQ
 *    minus the same search in-process, divided by 1,000 (2 workers, 16 trials in flight), plus the latency of
 *    one trial at a time;
 *  - cold run vs warm re-run of the short training search with a directory trial store (the re-run is all cache hits).
 *
 * Env: BENCH_CANDIDATES (16), BENCH_EPOCHS (30), BENCH_SHORT_EPOCHS (3,10), BENCH_PARALLEL (2), BENCH_TABLE_TRIALS (1000).
 * Last stdout line: one JSON object.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { initBackend } from "../src/backend/index.js";
import { syntheticChainEvaluator, syntheticChainSpace } from "../src/cli/syntheticTask.js";
import { loadNb201Table, nb201TableEvaluator } from "../src/estimate/nb201Table.js";
import { bullmqExecutor } from "../src/exec/bullmq.js";
import { poolExecutor } from "../src/exec/pool.js";
import { directoryStore } from "../src/exec/store.js";
import type { Executor, TrialStore } from "../src/exec/types.js";
import { search } from "../src/search.js";
import { nb201Space } from "../src/space/nb201.js";
import type { Evaluator } from "../src/estimate/types.js";
import type { SearchSpace } from "../src/space/types.js";
import { randomSearch } from "../src/strategy/random.js";
import { nb201Csv } from "../test/fixtures/nb201Csv.js";
import { startRedis } from "../test/fixtures/redis.js";

const candidates = Number(process.env.BENCH_CANDIDATES ?? 16);
const epochs = Number(process.env.BENCH_EPOCHS ?? 30);
const shorterEpochs = (process.env.BENCH_SHORT_EPOCHS ?? "3,10").split(",").map(Number);
const shortEpochs = shorterEpochs[0]!;
const tableTrials = Number(process.env.BENCH_TABLE_TRIALS ?? 1000);
const parallel = Number(process.env.BENCH_PARALLEL ?? 2);
const tmp = mkdtempSync(join(os.tmpdir(), "nasbook-bench-exec-"));
const bin = fileURLToPath(new URL("../bin/nasbook.js", import.meta.url));

async function timed<A>(space: SearchSpace<A>, evaluator: Evaluator<A>, queries: number, parallel: number, executor?: Executor, store: TrialStore | false = false) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage(); // all threads of this process (the pool's too, not the BullMQ workers')
  const r = await search({ space, strategy: randomSearch(), evaluator, budget: { queries }, seed: 0, parallel, executor, store, snapshotEvery: 0 }).result();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuPerWall = (cpu.user + cpu.system) / 1e6 / seconds;
  // The best speed-up 2 slots allow for these trial costs: random search keeps both busy (no batch barrier), so
  // trials go, in ask order, to whichever slot frees first; the makespan of that schedule bounds the wall time.
  const costs = r.history.map((t) => t.result.cost.seconds);
  const free = [0, 0];
  for (const c of costs) {
    const k = free[0]! <= free[1]! ? 0 : 1;
    free[k] = free[k]! + c;
  }
  const scheduleBoundSpeedup = costs.reduce((a, b) => a + b, 0) / Math.max(...free);
  const failed = r.history.filter((t) => t.result.status !== "ok");
  if (failed.length) throw new Error(`${failed.length} trials failed, first: ${failed[0]!.result.error}`);
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, cpuPerWall, scheduleBoundSpeedup, rows: JSON.stringify(r.history.map((t) => [t.archString, t.seed, t.result.metrics.val_acc])), cached: r.history.filter((t) => t.cached).length };
}

function startWorkers(url: string, queue: string, n: number): Promise<ChildProcess[]> {
  return Promise.all(Array.from({ length: n }, () => new Promise<ChildProcess>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, "worker", "--redis", url, "--queue", queue, "--quiet"], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("serving queue")) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`nasbook worker exited with ${code}: ${out}`)));
  })));
}

async function stopWorkers(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.map((c) => new Promise<void>((r) => {
    if (c.exitCode !== null) return r();
    c.removeAllListeners("exit");
    c.once("exit", () => r());
    c.kill("SIGTERM");
  })));
}

/**
 * A search on a new pool of 2 threads, its start-up counted (what a first search on a pool costs): the threads
 * start, load the backend, then run the search with their code not yet optimised.
 */
async function coldPool(evaluator: Evaluator<unknown>) {
  const pool = poolExecutor({ workers: 2 });
  const p0 = performance.now();
  const c0 = process.cpuUsage();
  await pool.warmUp();
  const poolStartupSeconds = (performance.now() - p0) / 1000;
  const poolStartupCpu = process.cpuUsage(c0);
  const poolStartupCpuSeconds = (poolStartupCpu.user + poolStartupCpu.system) / 1e6;
  const pool2Search = await timed(space, evaluator, candidates, parallel, pool);
  const pool2 = { ...pool2Search, seconds: poolStartupSeconds + pool2Search.seconds, cpuSeconds: poolStartupCpuSeconds + pool2Search.cpuSeconds };
  return { pool, pool2, poolStartupSeconds, poolStartupCpuSeconds, pool2Search };
}

const loadStart = os.loadavg();
const backend = await initBackend();
const space = syntheticChainSpace();
const train = syntheticChainEvaluator({ epochs });
const redis = await startRedis();
const workers: ChildProcess[] = [];
try {
  // 1. training search: in-process, pool of 2, BullMQ with 2 worker processes
  console.log(`training search: ${candidates} candidates, ${epochs} epoch(s), backend ${backend.name}, ${os.availableParallelism()} cores, load ${os.loadavg()[0]!.toFixed(1)}`);
  const inProcess = await timed(space, train, candidates, parallel);
  console.log(`in-process: ${inProcess.seconds.toFixed(2)} s`);

  // Cold: a new pool of 2 threads, its start-up counted (what a first search on a pool costs). Warm: a second
  // search on the same pool (what a re-run notebook cell or a second search on sharedPool() costs): no start-up,
  // the threads' code already compiled. The warm pool is compared with a second in-process search (the main
  // thread's code compiled too), so both speed-ups compare like with like.
  const { pool, pool2, poolStartupSeconds, poolStartupCpuSeconds, pool2Search } = await coldPool(train);
  const pool2Warm = await timed(space, train, candidates, parallel, pool);
  await pool.close();
  const inProcessWarm = await timed(space, train, candidates, parallel);
  console.log(
    `pool of 2: cold ${pool2.seconds.toFixed(2)} s (incl. ${poolStartupSeconds.toFixed(2)} s thread start-up), warm ${pool2Warm.seconds.toFixed(2)} s; ` +
      `in-process again ${inProcessWarm.seconds.toFixed(2)} s`,
  );

  // Shorter searches: in-process (this thread's code already optimised by the runs above) vs a new pool.
  const shorter = [];
  for (const e of shorterEpochs) {
    const ev = syntheticChainEvaluator({ epochs: e });
    const inProc = await timed(space, ev, candidates, parallel);
    const cold = await coldPool(ev);
    await cold.pool.close();
    console.log(`short search (${e} epochs): in-process ${inProc.seconds.toFixed(2)} s, new pool of 2 ${cold.pool2.seconds.toFixed(2)} s`);
    shorter.push({ epochs: e, inProcess: inProc, pool2: cold.pool2 });
  }
  const short = syntheticChainEvaluator({ epochs: shortEpochs }); // also the store's cold/warm search below
  const shortest = shorter[0]!;

  workers.push(...(await startWorkers(redis.url, "bench-train", 2)));
  const bq = bullmqExecutor({ redis: redis.url, queue: "bench-train" });
  const bullmq2 = await timed(space, train, candidates, parallel, bq, bq.store);
  await bq.close();
  await stopWorkers(workers.splice(0));
  console.log(`BullMQ, 2 worker processes: ${bullmq2.seconds.toFixed(2)} s`);
  const historiesIdentical = [pool2, pool2Warm, inProcessWarm, bullmq2].every((r) => r.rows === inProcess.rows) && shorter.every((s) => s.pool2.rows === s.inProcess.rows);

  // 2. BullMQ overhead on the table evaluator (no training: what is left is the queue's cost)
  const csv = join(tmp, "nb201_all.csv");
  writeFileSync(csv, nb201Csv(15625));
  const table = nb201TableEvaluator({ table: loadNb201Table(csv) });
  const nb201 = nb201Space();
  const tableInProcess = await timed(nb201, table, tableTrials, 16);
  workers.push(...(await startWorkers(redis.url, "bench-table", 2)));
  const bqt = bullmqExecutor({ redis: redis.url, queue: "bench-table" });
  const tableBullmq = await timed(nb201, table, tableTrials, 16, bqt, bqt.store);
  const latencyTrials = Math.min(200, tableTrials);
  const bql = bullmqExecutor({ redis: redis.url, queue: "bench-table", });
  const latencyInProcess = await timed(nb201, nb201TableEvaluator({ table: loadNb201Table(csv), dataset: "cifar100" }), latencyTrials, 1);
  const latencyBullmq = await timed(nb201, nb201TableEvaluator({ table: loadNb201Table(csv), dataset: "cifar100" }), latencyTrials, 1, bql, bql.store);
  await bqt.close();
  await bql.close();
  await stopWorkers(workers.splice(0));
  const bullmqOverheadMsPerTrial = ((tableBullmq.seconds - tableInProcess.seconds) / tableTrials) * 1000;
  const bullmqLatencyMsPerTrial = ((latencyBullmq.seconds - latencyInProcess.seconds) / latencyTrials) * 1000;
  console.log(`table: ${tableTrials} trials in-process ${tableInProcess.seconds.toFixed(2)} s, BullMQ ${tableBullmq.seconds.toFixed(2)} s (16 in flight); one at a time: +${bullmqLatencyMsPerTrial.toFixed(2)} ms/trial`);

  // 3. cold run vs warm re-run with a directory store
  const store = directoryStore(join(tmp, "trials"));
  const cold = await timed(space, short, candidates, 2, undefined, store);
  const warm = await timed(space, short, candidates, 2, undefined, store);
  if (warm.cached !== candidates) throw new Error(`warm re-run had ${warm.cached} cache hits of ${candidates}`);
  console.log(`store: cold ${cold.seconds.toFixed(2)} s, warm re-run ${warm.seconds.toFixed(3)} s (${warm.cached} hits)`);

  const round = (x: number, d = 3) => +x.toFixed(d);
  const loadEnd = os.loadavg();
  console.log(JSON.stringify({
    loadAverageStart: round(loadStart[0]!, 2), loadAverage5min: round(loadEnd[1]!, 2),
    candidates, epochs, backend: backend.name, cores: os.availableParallelism(), loadAverage: round(os.loadavg()[0]!, 2),
    parallel, inProcessSeconds: round(inProcess.seconds), pool2Seconds: round(pool2.seconds), bullmq2Seconds: round(bullmq2.seconds),
    pool2Speedup: round(inProcess.seconds / pool2.seconds, 2), bullmq2Speedup: round(inProcess.seconds / bullmq2.seconds, 2),
    poolStartupSeconds: round(poolStartupSeconds), poolStartupCpuSeconds: round(poolStartupCpuSeconds, 2),
    inProcessWarmSeconds: round(inProcessWarm.seconds), pool2WarmSeconds: round(pool2Warm.seconds),
    pool2WarmSpeedup: round(inProcessWarm.seconds / pool2Warm.seconds, 2),
    shortEpochs, shortInProcessSeconds: round(shortest.inProcess.seconds), shortPool2Seconds: round(shortest.pool2.seconds),
    pool2ShortSpeedup: round(shortest.inProcess.seconds / shortest.pool2.seconds, 2), historiesIdentical,
    coldByEpochs: [...shorter.map((s) => ({ epochs: s.epochs, inProcessSeconds: round(s.inProcess.seconds), pool2Seconds: round(s.pool2.seconds), pool2Speedup: round(s.inProcess.seconds / s.pool2.seconds, 2) })),
      { epochs, inProcessSeconds: round(inProcess.seconds), pool2Seconds: round(pool2.seconds), pool2Speedup: round(inProcess.seconds / pool2.seconds, 2) }],
    // diagnostics for the speed-ups: CPU seconds of this process (all its threads: the pool's too, not the BullMQ
    // workers'), per wall second (2 = both cores busy for us), and the speed-up the batch structure allows at best
    // (trial costs differ within a batch told in ask order)
    inProcessCpuSeconds: round(inProcess.cpuSeconds, 2), inProcessWarmCpuSeconds: round(inProcessWarm.cpuSeconds, 2),
    pool2CpuSeconds: round(pool2.cpuSeconds, 2), pool2WarmCpuSeconds: round(pool2Warm.cpuSeconds, 2),
    inProcessCpuPerWall: round(inProcess.cpuPerWall, 2), inProcessWarmCpuPerWall: round(inProcessWarm.cpuPerWall, 2),
    pool2CpuPerWall: round(pool2Search.cpuPerWall, 2), pool2WarmCpuPerWall: round(pool2Warm.cpuPerWall, 2),
    scheduleBoundSpeedup: round(pool2Warm.scheduleBoundSpeedup, 2),
    tableTrials, bullmqOverheadMsPerTrial: round(bullmqOverheadMsPerTrial, 2), bullmqLatencyMsPerTrial: round(bullmqLatencyMsPerTrial, 2),
    coldRunSeconds: round(cold.seconds), warmRerunSeconds: round(warm.seconds, 4), warmSpeedup: round(cold.seconds / warm.seconds, 1),
  }));
} finally {
  await stopWorkers(workers);
  await redis.stop();
  rmSync(tmp, { recursive: true, force: true });
}
