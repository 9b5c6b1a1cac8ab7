/**
 * The search loop: ask a strategy for architectures, evaluate them, tell the strategy, record the history.
 * It owns the budget, the seeds, the event stream, cancellation and checkpoint/resume.
 *
 * Resume works by replay: a strategy is a deterministic function of its seed and of the results it was told, so
 * re-creating it with the same seed and re-telling the logged results puts it back in the exact state it had,
 * without any strategy having to serialise itself. Replay checks that the strategy proposes the logged
 * architectures, so a checkpoint from another configuration is refused instead of silently mixed in.
 */
import { appendFileSync, existsSync, readFileSync, truncateSync } from "node:fs";
import { AbortError, BudgetError, CheckpointError } from "./errors.js";
import { failedResult, type EvalBudget, type Evaluator, type TrialResult } from "./estimate/types.js";
import { Rng } from "./rng.js";
import type { SearchSpace } from "./space/types.js";
import type { Strategy, StrategySnapshot } from "./strategy/types.js";

/** Stops the search when any given limit is reached. */
export interface Budget {
  /** Number of evaluations (failed ones count: they cost a query too). */
  queries?: number;
  /** Wall-clock seconds, including the time recorded by a resumed checkpoint. */
  seconds?: number;
}

/**
 * How a strategy is made: the loop gives it the space and its own seeded RNG. Most strategies work on any space
 * that has the capabilities they need, so `create` is generic; a strategy tied to one kind of architecture
 * implements `SpaceStrategyFactory<A>` instead.
 */
export interface StrategyFactory {
  readonly name: string;
  /** Checks the space's capabilities (throws CapabilityError) and builds the strategy. */
  create<A>(space: SearchSpace<A>, rng: Rng): Strategy<A>;
}

export interface SpaceStrategyFactory<A> {
  readonly name: string;
  create(space: SearchSpace<A>, rng: Rng): Strategy<A>;
}

export interface SearchConfig<A> {
  space: SearchSpace<A>;
  strategy: StrategyFactory | SpaceStrategyFactory<A>;
  evaluator: Evaluator<A>;
  budget: Budget;
  seed: number;
  signal?: AbortSignal;
  /** JSON-lines file: appended to after each trial; if it exists, the search resumes from it. */
  checkpoint?: string;
  /** Metric to maximise; defaults to the evaluator's objective. */
  objective?: string;
  /** Architectures asked and evaluated at once (concurrently). Default 1. */
  parallel?: number;
  /** Passed to every evaluation (e.g. epochs). */
  evalBudget?: EvalBudget;
  /** Attach a strategy snapshot to every k-th trial event (default 1 = every trial; 0 = never). */
  snapshotEvery?: number;
}

export interface Trial<A> {
  index: number;
  batch: number;
  arch: A;
  /** `space.format(arch)`. */
  archString: string;
  /** `space.key(arch)`: equal for equivalent architectures. */
  key: string;
  seed: number;
  result: TrialResult;
  /** The objective (higher is better); -Infinity for failed trials. */
  fitness: number;
  /** Seconds since the search started (across resumes) when this trial finished. */
  elapsed: number;
}

export type SearchEvent<A> =
  | { type: "trial"; trial: Trial<A>; best: Trial<A> | undefined; queries: number; snapshot?: StrategySnapshot }
  | { type: "done"; result: SearchResult<A> };

export interface SearchResult<A> {
  history: Trial<A>[];
  /** The trial with the highest fitness (earliest on ties); undefined if no trial succeeded. */
  best: Trial<A> | undefined;
  /** Best fitness after each trial. */
  bestSoFar: number[];
  stopped: "queries" | "seconds" | "aborted" | "exhausted";
  seconds: number;
  seed: number;
  /** Trials taken from the checkpoint instead of evaluated. */
  resumed: number;
  snapshot: StrategySnapshot;
}

export type SearchRun<A> = AsyncIterable<SearchEvent<A>> & {
  /** Runs the search to the end (if not already running) and resolves with its result. */
  result(): Promise<SearchResult<A>>;
};

/** Seed of trial `index` of a search with seed `seed`: independent of the strategy's random stream. */
export function trialSeed(seed: number, index: number): number {
  return new Rng(`${seed}/trial/${index}`).nextUint32();
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

interface Header {
  type: "header";
  version: 1;
  space: string;
  strategy: string;
  evaluator: string;
  objective: string;
  seed: number;
  parallel: number;
}
interface BatchLine { type: "batch"; batch: number; size: number }
interface TrialLine { type: "trial"; index: number; batch: number; arch: string; seed: number; result: TrialResult; elapsed: number }

function readCheckpoint(path: string): { header: Header; batches: Map<number, number>; trials: Map<number, TrialLine> } | undefined {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, "utf8");
  if (text.trim() === "") return undefined;
  const batches = new Map<number, number>();
  const trials = new Map<number, TrialLine>();
  let header: Header | undefined;
  let goodBytes = 0;
  for (const line of text.split("\n")) {
    if (line === "") { goodBytes += 1; continue; }
    let rec: Header | BatchLine | TrialLine;
    try {
      rec = JSON.parse(line) as Header | BatchLine | TrialLine;
    } catch {
      break; // a torn last line from a killed process: drop it and everything after
    }
    goodBytes += Buffer.byteLength(line) + 1;
    if (rec.type === "header") header = rec;
    else if (rec.type === "batch") batches.set(rec.batch, rec.size);
    else if (rec.type === "trial") trials.set(rec.index, rec);
  }
  if (!header) throw new CheckpointError(`${path} has no header line: it is not a nasbook checkpoint. Delete it or choose another path.`);
  const size = Buffer.byteLength(text);
  if (goodBytes < size) truncateSync(path, Math.min(goodBytes, size));
  return { header, batches, trials };
}

function bestOf<A>(a: Trial<A> | undefined, b: Trial<A>): Trial<A> | undefined {
  if (b.result.status !== "ok" || !Number.isFinite(b.fitness)) return a;
  return !a || b.fitness > a.fitness ? b : a;
}

/** Runs a search; iterate it for live events, or await `.result()`. */
export function search<A>(cfg: SearchConfig<A>): SearchRun<A> {
  const budget = checkBudget(cfg.budget);
  const parallel = cfg.parallel ?? 1;
  if (!(Number.isInteger(parallel) && parallel >= 1)) throw new BudgetError(`parallel must be an integer >= 1, got ${parallel}`);
  if (!Number.isFinite(cfg.seed)) throw new BudgetError(`seed must be a finite number, got ${cfg.seed}`);
  const objective = cfg.objective ?? cfg.evaluator.objective;
  const snapshotEvery = cfg.snapshotEvery ?? 1;

  // Event queue between the loop and (at most one) iterator.
  const queue: SearchEvent<A>[] = [];
  let wake: (() => void) | undefined;
  let listening = false;
  let finished = false;
  let running: Promise<SearchResult<A>> | undefined;
  // Closing the iterator (a consumer's `break`, or a notebook cell invalidated upstream) stops the search.
  const stop = new AbortController();
  const signal = cfg.signal ? AbortSignal.any([cfg.signal, stop.signal]) : stop.signal;
  const emit = (e: SearchEvent<A>) => {
    if (!listening) return;
    queue.push(e);
    wake?.();
  };

  async function run(): Promise<SearchResult<A>> {
    const { space, evaluator } = cfg;
    const strategy = (cfg.strategy as SpaceStrategyFactory<A>).create(space, new Rng(cfg.seed).fork("strategy"));
    const header: Header = {
      type: "header",
      version: 1,
      space: space.name,
      strategy: cfg.strategy.name,
      evaluator: evaluator.name,
      objective,
      seed: cfg.seed,
      parallel,
    };
    const saved = cfg.checkpoint ? readCheckpoint(cfg.checkpoint) : undefined;
    if (saved) {
      for (const k of Object.keys(header) as (keyof Header)[]) {
        if (saved.header[k] !== header[k]) {
          throw new CheckpointError(
            `${cfg.checkpoint} was written by a search with ${k} = ${JSON.stringify(saved.header[k])}, this one has ` +
              `${JSON.stringify(header[k])}. Resume with the same configuration, or delete the file to start afresh.`,
          );
        }
      }
    } else if (cfg.checkpoint) {
      appendFileSync(cfg.checkpoint, JSON.stringify(header) + "\n");
    }
    const log = (rec: BatchLine | TrialLine) => cfg.checkpoint && appendFileSync(cfg.checkpoint, JSON.stringify(rec) + "\n");

    const history: Trial<A>[] = [];
    const bestSoFar: number[] = [];
    let best: Trial<A> | undefined;
    let resumed = 0;
    const started = performance.now();
    const elapsedBefore = saved ? Math.max(0, ...[...saved.trials.values()].map((t) => t.elapsed)) : 0;
    const elapsed = () => elapsedBefore + (performance.now() - started) / 1000;
    let stopped: SearchResult<A>["stopped"] = "exhausted";

    const fitnessOf = (r: TrialResult) => {
      const v = r.metrics[objective];
      return r.status === "ok" && typeof v === "number" && !Number.isNaN(v) ? v : -Infinity;
    };

    async function evaluateOne(arch: A, index: number, batch: number): Promise<{ line: TrialLine; fromCheckpoint: boolean }> {
      const logged = saved?.trials.get(index);
      const archString = space.format(arch);
      if (logged) {
        if (logged.arch !== archString) {
          throw new CheckpointError(
            `replaying ${cfg.checkpoint}: trial ${index} was ${logged.arch} but the strategy now proposes ${archString}. ` +
              "The checkpoint comes from a different strategy, space or code version; delete it to start afresh.",
          );
        }
        return { line: logged, fromCheckpoint: true };
      }
      const seed = trialSeed(cfg.seed, index);
      const t0 = performance.now();
      let result: TrialResult;
      try {
        space.validate(arch);
        result = await evaluator.evaluate(arch, { seed, signal, budget: cfg.evalBudget });
        if (!result || typeof result !== "object" || typeof result.metrics !== "object") {
          throw new TypeError(`evaluator ${evaluator.name} returned ${JSON.stringify(result)}, not a TrialResult`);
        }
      } catch (e) {
        if (signal?.aborted) throw new AbortError(signal.reason);
        result = failedResult(e, (performance.now() - t0) / 1000);
      }
      if (result.status === "ok" && !(objective in result.metrics)) {
        result = failedResult(
          new Error(`evaluator ${evaluator.name} reported no "${objective}" (metrics: ${Object.keys(result.metrics).join(", ") || "none"}); set objective to one it reports`),
          result.cost.seconds,
        );
      }
      const line: TrialLine = { type: "trial", index, batch, arch: archString, seed, result, elapsed: elapsed() };
      log(line);
      return { line, fromCheckpoint: false };
    }

    let batch = 0;
    for (;;) {
      const queries = history.length;
      if (budget.queries !== undefined && queries >= budget.queries) { stopped = "queries"; break; }
      if (budget.seconds !== undefined && elapsed() >= budget.seconds && !saved?.batches.has(batch)) { stopped = "seconds"; break; }
      if (signal?.aborted) { stopped = "aborted"; break; }
      const loggedSize = saved?.batches.get(batch);
      const want = loggedSize ?? Math.min(parallel, budget.queries !== undefined ? budget.queries - queries : parallel);
      const archs = strategy.ask(want);
      if (archs.length === 0) { stopped = "exhausted"; break; }
      if (loggedSize === undefined) log({ type: "batch", batch, size: archs.length });
      let done: { line: TrialLine; fromCheckpoint: boolean }[];
      try {
        done = await Promise.all(archs.map((a, i) => evaluateOne(a, queries + i, batch)));
      } catch (e) {
        if (e instanceof AbortError) { stopped = "aborted"; break; }
        throw e;
      }
      for (let i = 0; i < archs.length; i++) {
        const { line, fromCheckpoint } = done[i]!;
        const arch = archs[i]!;
        const fitness = fitnessOf(line.result);
        const trial: Trial<A> = {
          index: line.index, batch, arch, archString: line.arch, key: space.key(arch), seed: line.seed,
          result: line.result, fitness, elapsed: line.elapsed,
        };
        if (fromCheckpoint) resumed++;
        strategy.tell(arch, line.result, fitness);
        history.push(trial);
        best = bestOf(best, trial);
        bestSoFar.push(best ? best.fitness : -Infinity);
        const withSnapshot = listening && snapshotEvery > 0 && history.length % snapshotEvery === 0;
        emit({ type: "trial", trial, best, queries: history.length, snapshot: withSnapshot ? strategy.snapshot() : undefined });
      }
      batch++;
    }
    const result: SearchResult<A> = {
      history, best, bestSoFar, stopped, seconds: elapsed(), seed: cfg.seed, resumed, snapshot: strategy.snapshot(),
    };
    emit({ type: "done", result });
    return result;
  }

  const start = () => {
    running ??= run().finally(() => {
      finished = true;
      wake?.();
    });
    return running;
  };

  return {
    result: start,
    [Symbol.asyncIterator](): AsyncIterator<SearchEvent<A>> {
      if (listening || running) throw new Error("a search can be iterated once, before it starts; call search() again for another run");
      listening = true;
      const p = start();
      let failure: unknown;
      p.catch((e: unknown) => (failure = e));
      return {
        async next(): Promise<IteratorResult<SearchEvent<A>>> {
          for (;;) {
            if (queue.length > 0) return { value: queue.shift()!, done: false };
            if (finished) {
              await p.catch(() => undefined);
              if (failure !== undefined) throw failure;
              return { value: undefined, done: true };
            }
            await new Promise<void>((r) => (wake = r));
            wake = undefined;
          }
        },
        async return(): Promise<IteratorResult<SearchEvent<A>>> {
          stop.abort(new Error("the search's event stream was closed"));
          listening = false;
          queue.length = 0;
          return { value: undefined, done: true };
        },
      };
    },
  };
}
