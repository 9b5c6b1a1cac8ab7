/**
 * The search loop: ask a strategy for architectures, evaluate them, tell the strategy, record the history.
 * It owns the budget, the seeds, the event stream, cancellation and checkpoint/resume; where trials run is the
 * executor's business (src/exec/), and a trial store remembers results so a trial is computed once.
 *
 * Resume works by replay: a strategy is a deterministic function of its seed and of the results it was told, so
 * re-creating it with the same seed and re-telling the logged results puts it back in the exact state it had,
 * without any strategy having to serialise itself. Replay checks that the strategy proposes the logged
 * architectures, so a checkpoint from another configuration is refused instead of silently mixed in. The trial
 * store keeps that property: a hit is told like a computed result, so the history is the same with or without it.
 */
import { AsyncResource } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import { setMaxListeners } from "node:events";
import { CHECKPOINT_VERSION, openCheckpoint, type Checkpoint, type CheckpointHeader, type TrialRecord } from "./checkpoint.js";
import { AbortError, BudgetError, CheckpointError, NasbookError } from "./errors.js";
import { failedResult, type EvalBudget, type Evaluator, type FailedTrialResult, type OkResult, type TrialResult } from "./estimate/types.js";
import { executorFor } from "./exec/executors.js";
import { resultProblem } from "./exec/resultCheck.js";
import { isStorable } from "./exec/store.js";
import { evaluatorFingerprint, sha256Hex, trialKey } from "./exec/trialKey.js";
import type { SearchProgress } from "./exec/progress.js";
import type { Executor, TrialStore } from "./exec/types.js";
import { Rng } from "./rng.js";
import { asyncChannel, type AsyncChannel } from "./asyncChannel.js";
import { mimeSymbol } from "./mimeSymbol.js";
import { yieldToEventLoop } from "./eventLoop.js";
import type { SearchSpace } from "./space/types.js";
import type { SpaceStrategyFactory, StrategyFactory, StrategySnapshot } from "./strategy/types.js";

export type { SpaceStrategyFactory, StrategyFactory } from "./strategy/types.js";

/** An objective that is NaN or ±Infinity: the trial is failed (a diverged training, a broken metric). */
export class NonFiniteObjectiveError extends NasbookError {}

/** The search ran past budget.seconds while this trial was running: it was stopped, not lost. */
export class SearchDeadlineError extends NasbookError {}

/** Stops the search when any given limit is reached. */
export interface Budget {
  /** Number of evaluations (failed ones count: they cost a query too). */
  queries?: number;
  /** Wall-clock seconds, including the time recorded by a resumed checkpoint. */
  seconds?: number;
}

/** What `search()` takes. `R` is the evaluator's result type, which the trials then carry. */
export interface SearchConfig<A, R extends TrialResult = TrialResult> {
  space: SearchSpace<A>;
  strategy: StrategyFactory | SpaceStrategyFactory<A>;
  evaluator: Evaluator<A, R>;
  budget: Budget;
  seed: number;
  signal?: AbortSignal;
  /** JSON-lines file: appended to after each trial; if it exists, the search resumes from it. */
  checkpoint?: string;
  /** Metric to maximise; defaults to the evaluator's objective. */
  objective?: string;
  /** Architectures asked and evaluated at once (concurrently), told in ask order. Default 1. */
  parallel?: number;
  /** Passed to every evaluation (e.g. epochs). */
  evalBudget?: EvalBudget;
  /** Attach a strategy snapshot to every k-th trial event (default 1 = every trial; 0 = never). */
  snapshotEvery?: number;
  /**
   * Where trials run (default: in this process). `"pool"`: the process's warm worker-thread pool (sharedPool,
   * `workers` threads, default the cores), kept between searches so a re-run pays no start-up.
   */
  executor?: Executor | "inprocess" | "pool";
  /** Threads of the `executor: "pool"` pool (default: the cores). */
  workers?: number;
  /** Results by trial key, consulted before evaluating (default none). `false`: no store. */
  store?: TrialStore | false;
  /**
   * A store used when `store` is not given and the evaluator can be fingerprinted; for an evaluator that cannot, the
   * search runs without it and says why in its started event (`storeNote`). What a notebook gives every search.
   */
  fallbackStore?: TrialStore;
  /** Fed every event (whether or not anyone iterates the search) and finished at the end: a progress display. */
  progress?: SearchProgress;
  /**
   * `cache: false`: this search neither reads nor writes a trial store (the notebook default included); the same
   * as `store: false`. Use `store:` to point a search at another store.
   */
  cache?: boolean;
  /** Seconds a trial may run before it is failed (TrialTimeoutError). Default: no limit. */
  trialTimeout?: number;
  /**
   * Emit a "started" event first (for progress displays). Off by default: a notebook cell holding the latest
   * event (`events.type === "trial" ? … : events.result`) then only ever sees trial and done events.
   */
  startedEvent?: boolean;
}

/**
 * One evaluated architecture. `result` is what the evaluator returned (`R`, e.g. `TrainTrialResult` with its
 * curves) or a failure: `t.result.status === "ok"` narrows it to the evaluator's own result type.
 */
export interface Trial<A, R extends TrialResult = TrialResult> {
  index: number;
  batch: number;
  arch: A;
  /** `space.format(arch)`. */
  archString: string;
  /** `space.key(arch)`: equal for equivalent architectures. */
  key: string;
  /** The content hash identifying the trial's result (see src/exec/trialKey.ts); undefined without a fingerprint. */
  trialKey?: string;
  seed: number;
  result: R | FailedTrialResult;
  /** The objective (higher is better); -Infinity for failed trials. */
  fitness: number;
  /** Seconds since the search started (across resumes) when this trial finished. */
  elapsed: number;
  /** The result came from the trial store instead of being computed. */
  cached: boolean;
}

/** The first event of a search run with `startedEvent: true` (for progress displays). */
export interface SearchStartedEvent {
  type: "started";
  total?: number;
  /** The store's name ("dir …", "memory"), if one is used. */
  store?: string;
  executor: string;
  /** Trials the checkpoint holds. */
  resumable: number;
  /** Why the fallback store is not used (the evaluator has no fingerprint), when it is not. */
  storeNote?: string;
}

/** The best trial of a search: always one that succeeded, so its result is the evaluator's own type. */
export type BestTrial<A, R extends TrialResult = TrialResult> = Trial<A, R> & { result: OkResult<R> };

/**
 * What a search streams: one event per trial, then done (and with `startedEvent: true`, a SearchStartedEvent first).
 * Both kinds carry `best`, `queries` and `snapshot` (the done event: the final ones), so a cell holding the latest
 * event reads them without asking which kind it is.
 */
export type SearchEvent<A, R extends TrialResult = TrialResult> =
  | {
      type: "trial"; trial: Trial<A, R>; best: BestTrial<A, R> | undefined; queries: number;
      /** The strategy's state after this trial (every `snapshotEvery`-th trial). */
      snapshot?: StrategySnapshot;
      /** Trials still running when this one was told. */
      running: number;
      /** Store hits so far in this run. */
      cachedHits: number;
    }
  | { type: "done"; result: SearchResult<A, R>; best: BestTrial<A, R> | undefined; queries: number; snapshot: StrategySnapshot };

export interface SearchResult<A, R extends TrialResult = TrialResult> {
  history: Trial<A, R>[];
  /** The trial with the highest fitness (earliest on ties); undefined if no trial succeeded. */
  best: BestTrial<A, R> | undefined;
  /** Best fitness after each trial. */
  bestSoFar: number[];
  stopped: "queries" | "seconds" | "aborted" | "exhausted";
  seconds: number;
  seed: number;
  /** Trials taken from the checkpoint instead of evaluated. */
  resumed: number;
  /** Trials taken from the trial store in this run. */
  cachedHits: number;
  /** The store used ("dir …", "memory"), if any. */
  store?: string;
  snapshot: StrategySnapshot;
}

export type SearchRun<A, R extends TrialResult = TrialResult, E = SearchEvent<A, R>> = AsyncIterable<E> & {
  /** Runs the search to the end (if not already running) and resolves with its result. */
  result(): Promise<SearchResult<A, R>>;
};

/**
 * Seed of the trial of architecture `arch` (its `space.format`) in a search with seed `seed`: independent of the
 * strategy's random stream and of when the architecture is proposed, so a re-proposed architecture is the same
 * trial (same key in the trial store) after a notebook edit changes the strategy.
 */
export function trialSeed(seed: number, arch: string): number {
  return new Rng(`${seed}/trial/${arch}`).nextUint32();
}

export function checkBudget(budget: Budget | undefined): Budget {
  if (!budget || typeof budget !== "object") {
    throw new BudgetError("a search needs a budget, e.g. { queries: 100 } or { seconds: 60 } (or both)");
  }
  const { queries, seconds } = budget;
  if (queries === undefined && seconds === undefined) {
    throw new BudgetError("the budget is empty: give { queries: N } and/or { seconds: S } so the search can end");
  }
  if (queries !== undefined && !(Number.isInteger(queries) && queries > 0)) {
    throw new BudgetError(`budget.queries must be a positive integer, got ${queries}; e.g. { queries: 100 }`);
  }
  if (seconds !== undefined && !(typeof seconds === "number" && seconds > 0 && Number.isFinite(seconds))) {
    throw new BudgetError(`budget.seconds must be a positive finite number, got ${seconds}; e.g. { seconds: 60 }`);
  }
  return budget;
}

function bestOf<A, R extends TrialResult>(a: BestTrial<A, R> | undefined, b: Trial<A, R>): BestTrial<A, R> | undefined {
  if (b.result.status !== "ok" || !Number.isFinite(b.fitness)) return a;
  // An ok result is the evaluator's own (the loop's failures all have status "failed").
  return !a || b.fitness > a.fitness ? (b as BestTrial<A, R>) : a;
}

/** An evaluator returned something that is not a TrialResult that can be checkpointed and resumed. */
export class InvalidResultError extends NasbookError {}

/**
 * A result that could not be stored, checkpointed and resumed as it is (resultProblem) becomes a failed trial with
 * the reason, before anything is written: a search never writes a checkpoint it cannot resume.
 */
function validated(r: TrialResult, evaluator: string, seconds: number): TrialResult {
  const problem = resultProblem(r);
  return problem ? failedResult(new InvalidResultError(`evaluator ${evaluator} returned an invalid result: ${problem}`), seconds) : r;
}

/**
 * The loop's verdict on a result, decided here only: an "ok" result without a finite objective is failed
 * (missing metric, NaN or ±Infinity), so every strategy, plot and checkpoint sees the same thing.
 */
function judged(r: TrialResult, objective: string, evaluator: string): TrialResult {
  if (r.status !== "ok") return r;
  const v = r.metrics[objective];
  if (!(objective in r.metrics) || typeof v !== "number") {
    return failedResult(
      new Error(`evaluator ${evaluator} reported no "${objective}" (metrics: ${Object.keys(r.metrics).join(", ") || "none"}); set objective to one it reports`),
      r.cost.seconds,
    );
  }
  if (!Number.isFinite(v)) {
    const err = new NonFiniteObjectiveError(`evaluator ${evaluator} reported ${objective} = ${v}; the trial is failed (did the training diverge? lower the learning rate)`);
    return { ...failedResult(err, r.cost.seconds), metrics: r.metrics, cost: r.cost };
  }
  return r;
}

/** Executors for which "parallel is 1" was already said in this process. */
const notedSerial = new WeakSet<Executor>();

/** One line saying what a search event means: where the search is and its best so far. */
export function eventLine(e: SearchEvent<unknown> | SearchStartedEvent, total?: number): string {
  const best = (b: Trial<unknown> | undefined): string => (b ? `best ${b.fitness.toFixed(2)} (${b.archString})` : "no result yet");
  if (e.type === "started") return `search started: ${e.total ?? "?"} trials on ${e.executor}${e.store ? `, store ${e.store}` : ""}${e.resumable ? `, ${e.resumable} from the checkpoint` : ""}`;
  if (e.type === "trial") {
    const cached = e.cachedHits ? `, ${e.cachedHits} from the store` : "";
    return `trial ${e.queries}${total === undefined ? "" : `/${total}`}: ${best(e.best)}${cached}`;
  }
  const r = e.result;
  return `search done: ${r.history.length} trials (${r.stopped}), ${best(r.best)}${r.cachedHits ? `, ${r.cachedHits} from the store` : ""}`;
}

/** Runs a search; iterate it for live events, or await `.result()`. */
export function search<A, R extends TrialResult = TrialResult>(cfg: SearchConfig<A, R> & { startedEvent: true }): SearchRun<A, R, SearchEvent<A, R> | SearchStartedEvent>;
export function search<A, R extends TrialResult = TrialResult>(cfg: SearchConfig<A, R>): SearchRun<A, R>;
export function search<A, R extends TrialResult = TrialResult>(cfg: SearchConfig<A, R>): SearchRun<A, R, SearchEvent<A, R> | SearchStartedEvent> {
  const budget = checkBudget(cfg.budget);
  const parallel = cfg.parallel ?? 1;
  if (!(Number.isInteger(parallel) && parallel >= 1)) throw new BudgetError(`parallel must be an integer >= 1, got ${parallel}`);
  if (!Number.isFinite(cfg.seed)) throw new BudgetError(`seed must be a finite number, got ${cfg.seed}`);
  if (cfg.trialTimeout !== undefined && !(typeof cfg.trialTimeout === "number" && cfg.trialTimeout > 0 && Number.isFinite(cfg.trialTimeout))) {
    throw new BudgetError(`trialTimeout must be a positive number of seconds, got ${cfg.trialTimeout}; e.g. trialTimeout: 600`);
  }
  if (cfg.cache !== undefined && typeof cfg.cache !== "boolean") {
    throw new BudgetError(`cache must be true or false, got ${JSON.stringify(cfg.cache)}; cache: false turns the trial store off`);
  }
  if (cfg.cache === false && cfg.store !== undefined && cfg.store !== false) {
    throw new BudgetError(`cache: false turns the trial store off, but store: ${cfg.store.name} points at one; keep one of the two`);
  }
  if (cfg.cache === true && cfg.store === false) {
    throw new BudgetError("cache: true and store: false contradict each other; keep one of the two");
  }
  const storeOption = cfg.cache === false ? false : cfg.store;
  const fallbackStore = cfg.cache === false ? undefined : cfg.fallbackStore;
  const executor = executorFor(cfg.executor, cfg.workers);
  if (cfg.parallel === undefined && executor.slots > 1 && !notedSerial.has(executor)) {
    notedSerial.add(executor); // once per executor: a notebook may run many searches on the shared pool
    console.log(
      `nasbook: executor ${executor.name} runs ${executor.slots} trials at once, but this search asks one at a time (parallel: 1); ` +
        `set parallel: ${executor.slots} to use them all (the history depends on parallel, not on the executor)`,
    );
  }
  const objective = cfg.objective ?? cfg.evaluator.objective;
  const snapshotEvery = cfg.snapshotEvery ?? 1;
  // Made now, not when the search is first consumed: a space without a capability the strategy needs is an error
  // of this call (CapabilityError), where the user wrote it.
  const strategy = (cfg.strategy as SpaceStrategyFactory<A>).create(cfg.space, new Rng(cfg.seed).fork("strategy"));

  // Events go to (at most one) iterator through a channel, made when someone iterates.
  let channel: AsyncChannel<SearchEvent<A, R> | SearchStartedEvent> | undefined;
  const listening = () => channel !== undefined && !channel.closed;
  let running: Promise<SearchResult<A, R>> | undefined;
  // Closing the iterator (a consumer's `break`, or a notebook cell invalidated upstream) stops the search.
  const stop = new AbortController();
  const signal = cfg.signal ? AbortSignal.any([cfg.signal, stop.signal]) : stop.signal;
  // The caller's progress display, fed every event whether or not anyone iterates.
  let progress: SearchProgress | undefined;
  const emit = (e: SearchEvent<A, R> | SearchStartedEvent) => {
    // Shown in a notebook as one line (a cell whose value is the search streams its events), not as a dump.
    Object.defineProperty(e, mimeSymbol, { value: () => ({ "text/plain": eventLine(e, budget.queries) }), enumerable: false });
    progress?.update(e as SearchEvent<unknown> | SearchStartedEvent);
    channel?.push(e);
  };

  async function run(): Promise<SearchResult<A, R>> {
    const { space, evaluator } = cfg;

    // The store: an explicit one needs a fingerprint (else a clear error); the fallback store is skipped, with a
    // note, for an evaluator that has none, so a notebook with its own evaluator still runs.
    const explicitStore = storeOption !== undefined;
    let store: TrialStore | undefined = storeOption === false ? undefined : (storeOption ?? fallbackStore);
    let fingerprint: Record<string, unknown> | undefined;
    let storeNote: string | undefined;
    // Computed whenever the evaluator has one, so Trial.trialKey is the same whatever the executor and store.
    if (store || typeof evaluator.fingerprint === "function") {
      try {
        fingerprint = await evaluatorFingerprint(evaluator);
      } catch (e) {
        if (store && explicitStore) throw e;
        if (store) storeNote = `trial store off for this search: ${(e as Error).message}`;
        store = undefined;
      }
    }
    // Without a fingerprint a trial still needs a key unique to it (an executor's job id), never shared.
    const nonce = randomBytes(8).toString("hex");

    const header: CheckpointHeader = {
      type: "header", version: CHECKPOINT_VERSION, space: space.name, strategy: cfg.strategy.name, evaluator: evaluator.name, objective,
      seed: cfg.seed, parallel, fingerprint: fingerprint ?? null, evalBudget: (cfg.evalBudget as Record<string, unknown> | undefined) ?? null,
    };
    const ckpt: Checkpoint | undefined = cfg.checkpoint ? openCheckpoint(cfg.checkpoint, header) : undefined;
    const saved = ckpt?.saved;

    const history: Trial<A, R>[] = [];
    const bestSoFar: number[] = [];
    let best: BestTrial<A, R> | undefined;
    let resumed = 0;
    let cachedHits = 0;
    const started = performance.now();
    const elapsedBefore = saved ? Math.max(0, ...[...saved.trials.values()].map((t) => t.elapsed)) : 0;
    const elapsed = () => elapsedBefore + (performance.now() - started) / 1000;
    let stopped: SearchResult<A, R>["stopped"] = "exhausted";

    // budget.seconds is a deadline: running trials are stopped when it passes, recorded as failed (not lost)
    // and left out of the checkpoint, so a resume with a larger budget runs them.
    const deadline = new AbortController();
    const deadlineTimer =
      budget.seconds !== undefined
        ? setTimeout(() => deadline.abort(new SearchDeadlineError(`budget.seconds (${budget.seconds} s) ran out while this trial ran`)), Math.max(0, (budget.seconds - elapsedBefore) * 1000))
        : undefined;
    const trialSignal = AbortSignal.any([signal, deadline.signal]);
    setMaxListeners(2 * parallel + 10, trialSignal); // each running trial listens on it

    const fitnessOf = (r: TrialResult) => (r.status === "ok" ? r.metrics[objective]! : -Infinity);

    let putFailure: string | undefined;
    async function runTrial(arch: A, index: number, batch: number): Promise<{ rec: TrialRecord; fromCheckpoint: boolean }> {
      const logged = saved?.trials.get(index);
      const archString = space.format(arch);
      if (logged) {
        if (logged.arch !== archString) {
          throw new CheckpointError(
            `replaying ${cfg.checkpoint}: trial ${index} was ${logged.arch} but the strategy now proposes ${archString}. ` +
              "The checkpoint comes from a different strategy, space or code version; delete it to start afresh.",
          );
        }
        return { rec: logged, fromCheckpoint: true };
      }
      const seed = trialSeed(cfg.seed, archString);
      const key = fingerprint
        ? trialKey({ fingerprint, space: space.name, archKey: archString, budget: cfg.evalBudget, seed })
        : sha256Hex(`unfingerprinted/${nonce}/${index}`);
      let result: TrialResult | undefined;
      let cached = false;
      let checkpointed = true;
      if (store) {
        result = await store.get(key).catch(() => undefined); // an unreadable store entry is a miss
        cached = result !== undefined;
      }
      if (!result) {
        const t0 = performance.now();
        try {
          result = await executor.run(
            { key, index, arch, archString, seed, budget: cfg.evalBudget, space, evaluator, timeoutSeconds: cfg.trialTimeout },
            trialSignal,
          );
        } catch (e) {
          if (signal.aborted) throw new AbortError(signal.reason);
          if (!deadline.signal.aborted) throw e;
          result = failedResult(deadline.signal.reason, (performance.now() - t0) / 1000);
          checkpointed = false;
        }
        result = validated(result, evaluator.name, (performance.now() - t0) / 1000);
        if (store && isStorable(result)) {
          await store.put(key, result).catch((e: unknown) => (putFailure ??= (e as Error).message));
        }
      }
      const rec: TrialRecord = {
        type: "trial", index, batch, arch: archString, seed, result: judged(result, objective, evaluator.name), elapsed: elapsed(),
        cached, trialKey: fingerprint ? key : undefined,
      };
      if (checkpointed) ckpt?.append(rec);
      return { rec, fromCheckpoint: false };
    }

    progress = cfg.progress;
    const startEvent: SearchStartedEvent = {
      type: "started", total: budget.queries, store: store?.name, executor: executor.name, resumable: saved?.trials.size ?? 0,
      ...(storeNote ? { storeNote } : {}),
    };
    if (cfg.startedEvent) emit(startEvent);
    else progress?.update(startEvent);
    try {
      // Trials asked and not yet told, in ask order; `done` once the trial has settled (`run` once it started).
      // A batch of `parallel` is asked at a time and told in ask order. Most strategies are asked their next
      // batch once the last one is told, so a batch lasts as long as its slowest trial. A strategy whose proposals
      // do not depend on results (`independent`: random search) is asked its next batch as soon as a slot is
      // free, and its trials start as slots free, across batches: the same asks and tells in the same order, so
      // the same history, with no slot waiting for the slowest trial of a batch.
      interface Asked { arch: A; index: number; batch: number; run?: Promise<{ rec: TrialRecord; fromCheckpoint: boolean }>; done: boolean }
      const asked: Asked[] = [];
      const independent = strategy.independent === true;
      let batch = 0;
      let asking = true;
      let aborted = false;
      let wakeLoop: (() => void) | undefined;
      const runningCount = () => asked.filter((t) => t.run && !t.done).length;
      const start = (t: Asked) => {
        t.run = runTrial(t.arch, t.index, t.batch).finally(() => {
          t.done = true;
          wakeLoop?.();
        });
        t.run.catch(() => undefined);
      };
      for (;;) {
        // Ask the next batch: when everything asked has been told, or (independent) when a slot is free.
        const mayAsk = independent ? asked.every((t) => t.run) && runningCount() < parallel : asked.length === 0;
        if (asking && !aborted && mayAsk) {
          const queries = history.length + asked.length;
          if (budget.queries !== undefined && queries >= budget.queries) { stopped = "queries"; asking = false; }
          else if (budget.seconds !== undefined && elapsed() >= budget.seconds && !saved?.batches.has(batch)) { stopped = "seconds"; asking = false; }
          else if (signal.aborted) { stopped = "aborted"; asking = false; }
          else {
            const loggedSize = saved?.batches.get(batch);
            const want = loggedSize ?? Math.min(parallel, budget.queries !== undefined ? budget.queries - queries : parallel);
            const archs = strategy.ask(want);
            if (archs.length === 0) { stopped = "exhausted"; asking = false; }
            else {
              if (loggedSize === undefined) ckpt?.append({ type: "batch", batch, size: archs.length });
              archs.forEach((arch, i) => asked.push({ arch, index: queries + i, batch, done: false }));
              batch++;
            }
          }
        }
        // Start what may run: a whole batch at once, or (independent) as many as there are free slots.
        if (!aborted && !signal.aborted) {
          let free = parallel - runningCount();
          for (const t of asked) {
            if (t.run) continue;
            if (independent && free <= 0) break;
            start(t);
            free--;
          }
        }
        // Aborted before the next trial started (trials start in ask order: nothing after it runs either).
        if (signal.aborted && asked.length > 0 && !asked[0]!.run) aborted = true;
        // Tell every settled trial at the head, in ask order.
        let told = 0;
        while (asked.length > 0 && asked[0]!.done && !aborted) {
          const { arch, batch: trialBatch, run } = asked.shift()!;
          let settled: { rec: TrialRecord; fromCheckpoint: boolean };
          try {
            settled = await run!;
          } catch (e) {
            if (e instanceof AbortError) { aborted = true; break; }
            throw e;
          }
          const { rec, fromCheckpoint } = settled;
          const fitness = fitnessOf(rec.result);
          const trial: Trial<A, R> = {
            index: rec.index, batch: trialBatch, arch, archString: rec.arch, key: space.key(arch), trialKey: rec.trialKey, seed: rec.seed,
            // This evaluator's result (computed, or stored under its fingerprint), or one of the loop's failures.
            result: rec.result as R | FailedTrialResult, fitness, elapsed: rec.elapsed, cached: rec.cached === true,
          };
          if (fromCheckpoint) resumed++;
          else if (trial.cached) cachedHits++;
          strategy.tell(arch, rec.result, fitness);
          history.push(trial);
          best = bestOf(best, trial);
          bestSoFar.push(best ? best.fitness : -Infinity);
          const withSnapshot = listening() && snapshotEvery > 0 && history.length % snapshotEvery === 0;
          emit({ type: "trial", trial, best, queries: history.length, snapshot: withSnapshot ? strategy.snapshot() : undefined, running: runningCount(), cachedHits });
          told++;
        }
        // A macrotask between trials: an evaluator that only awaits promises (a table lookup, a training loop that
        // never yields) would otherwise hold the event loop for the whole search, so no edit, interrupt or abort
        // could reach it until the end.
        if (told > 0) await yieldToEventLoop();
        if (aborted) {
          await Promise.allSettled(asked.map((t) => t.run)); // every trial has stopped (an ignoring evaluator: its run has returned)
          stopped = "aborted";
          break;
        }
        if (asked.length === 0 && !asking) break;
        // Wait for a trial to settle, unless there is something to ask, start or tell right now (a trial may
        // have settled while the loop awaited a tell).
        const slotFree = runningCount() < parallel;
        const canAsk = asking && (independent ? asked.every((t) => t.run) && slotFree : asked.length === 0);
        const canStart = asked.some((t) => !t.run) && (!independent || slotFree);
        if (!canAsk && !canStart && !(asked.length > 0 && asked[0]!.done)) {
          await new Promise<void>((r) => (wakeLoop = r));
          wakeLoop = undefined;
        }
      }
    } catch (e) {
      progress?.finish();
      progress = undefined;
      throw e;
    } finally {
      clearTimeout(deadlineTimer);
      ckpt?.close();
    }
    if (putFailure) console.warn(`nasbook: could not write to the trial store ${store?.name}: ${putFailure}`);
    const result: SearchResult<A, R> = {
      history, best, bestSoFar, stopped, seconds: elapsed(), seed: cfg.seed, resumed, cachedHits, store: store?.name, snapshot: strategy.snapshot(),
    };
    // The progress display sees the done event (its summary), then finishes.
    emit({ type: "done", result, best, queries: history.length, snapshot: result.snapshot });
    progress?.finish();
    progress = undefined;
    return result;
  }

  // The search runs in the async context of the code that called search() (a notebook cell), not of whoever first
  // iterates it (the notebook's runtime, outside any cell): what it prints — the trial store line, a store
  // warning — lands on the output of the cell that made it, even after that cell has returned its stream.
  const inCaller = AsyncResource.bind((f: () => Promise<SearchResult<A, R>>) => f());
  const start = () => (running ??= inCaller(run));

  return {
    result: start,
    [Symbol.asyncIterator](): AsyncIterator<SearchEvent<A, R> | SearchStartedEvent> {
      if (channel || running) throw new Error("a search can be iterated once, before it starts; call search() again for another run");
      const events = asyncChannel<SearchEvent<A, R> | SearchStartedEvent>(() => stop.abort(new Error("the search's event stream was closed")));
      channel = events;
      start().then(() => events.end(), (error: unknown) => events.end({ error }));
      return events.iterator;
    },
  };
}
