import { spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { BudgetError, CheckpointError } from "../src/errors.js";
import type { Evaluator } from "../src/estimate/types.js";
import type { TrialTask } from "../src/exec/types.js";
import { search, type SearchEvent, type SearchStartedEvent } from "../src/search.js";
import { randomSearch } from "../src/strategy/random.js";
import { regularizedEvolution } from "../src/strategy/evolution.js";
import { bitSpace, hashEvaluator, onesEvaluator, type Bits } from "./fixtures/bitSpace.js";

const space = bitSpace(10);
const target = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1];
const tmp = () => mkdtempSync(join(tmpdir(), "nasbook-search-"));
const summary = (h: { archString: string; fitness: number; seed: number }[]) => h.map((t) => `${t.archString}:${t.fitness}:${t.seed}`);

describe("search loop", () => {
  it("same seed gives an identical history; another seed a different one", async () => {
    const run = (seed: number) =>
      search({ space, strategy: regularizedEvolution({ population: 10, sample: 3 }), evaluator: hashEvaluator(), budget: { queries: 60 }, seed }).result();
    const [a, b, c] = await Promise.all([run(1), run(1), run(2)]);
    expect(summary(a.history)).toEqual(summary(b.history));
    expect(summary(a.history)).not.toEqual(summary(c.history));
  });

  it("stops at the query budget and keeps a monotone best-so-far", async () => {
    const r = await search({ space, strategy: randomSearch(), evaluator: onesEvaluator(target), budget: { queries: 25 }, seed: 3 }).result();
    expect(r.history.length).toBe(25);
    expect(r.stopped).toBe("queries");
    // best-so-far is the running maximum of the fitnesses, recomputed here trial by trial (not merely monotone).
    expect(r.bestSoFar).toEqual(r.history.map((_, i) => Math.max(...r.history.slice(0, i + 1).map((t) => t.fitness))));
    expect(new Set(r.bestSoFar).size).toBeGreaterThan(2); // the run improves several times, so the check has teeth
    expect(r.best!.fitness).toBe(Math.max(...r.history.map((t) => t.fitness)));
  });

  it("gives the event loop a turn between trials, so an abort reaches an evaluator that never yields a macrotask", async () => {
    // Promise-only work: without a macrotask between trials, the setImmediate below could fire only after all 200.
    const ev: Evaluator<Bits> = {
      name: "microtasks-only",
      objective: "ones",
      async evaluate(a) {
        for (let i = 0; i < 200; i++) await Promise.resolve();
        return { metrics: { ones: a.filter((b) => b === 1).length }, cost: { seconds: 0 }, status: "ok" };
      },
    };
    const controller = new AbortController();
    const run = search({ space, strategy: randomSearch(), evaluator: ev, budget: { queries: 200 }, seed: 1, signal: controller.signal }).result();
    setImmediate(() => controller.abort());
    const r = await run;
    expect(r.stopped).toBe("aborted");
    expect(r.history.length).toBeGreaterThanOrEqual(1);
    expect(r.history.length).toBeLessThanOrEqual(2);
  });

  it("stops at the seconds budget", async () => {
    const r = await search({ space, strategy: randomSearch(), evaluator: onesEvaluator(target, { delayMs: 20 }), budget: { seconds: 0.15 }, seed: 3 }).result();
    expect(r.stopped).toBe("seconds");
    expect(r.history.length).toBeGreaterThan(1);
    expect(r.history.length).toBeLessThan(20);
  });

  it.each([
    ["no budget", undefined, /needs a budget/],
    ["an empty budget", {}, /budget is empty/],
    ["zero queries", { queries: 0 }, /positive integer/],
    ["fractional queries", { queries: 2.5 }, /positive integer/],
    ["negative seconds", { seconds: -1 }, /positive finite number/],
    ["infinite seconds", { seconds: Infinity }, /positive finite number/],
  ])("rejects %s with a clear BudgetError", (_, budget, msg) => {
    const make = () => search({ space, strategy: randomSearch(), evaluator: hashEvaluator(), budget: budget as never, seed: 1 });
    expect(make).toThrow(BudgetError);
    expect(make).toThrow(msg);
  });

  it("records a failing trial as failed with its error and goes on", async () => {
    const failing = new Set<string>();
    const ev = onesEvaluator(target, { failing });
    // Make every third sampled arch fail: collect them from a dry run with the same seed.
    const dry = await search({ space, strategy: randomSearch(), evaluator: onesEvaluator(target), budget: { queries: 12 }, seed: 5 }).result();
    dry.history.filter((_, i) => i % 3 === 0).forEach((t) => failing.add(t.archString));
    const r = await search({ space, strategy: randomSearch(), evaluator: ev, budget: { queries: 12 }, seed: 5 }).result();
    expect(r.history.length).toBe(12);
    const failed = r.history.filter((t) => t.result.status === "failed");
    expect(failed.length).toBe(4);
    expect(failed[0]!.result.error).toMatch(/cannot train/);
    expect(failed[0]!.fitness).toBe(-Infinity);
    expect(r.best!.result.status).toBe("ok");
  });

  it("records a result without the objective as failed, naming the metric", async () => {
    const ev = { name: "wrong", objective: "val_acc", evaluate: async () => ({ metrics: { acc: 1 }, cost: { seconds: 0 }, status: "ok" as const }) };
    const r = await search({ space, strategy: randomSearch(), evaluator: ev, budget: { queries: 2 }, seed: 1 }).result();
    const { result } = r.history[0]!;
    expect(result.status).toBe("failed");
    expect(result.status === "failed" ? result.error : "").toMatch(/no "val_acc" \(metrics: acc\)/);
  });

  it("streams one event per trial, then done, with snapshots", async () => {
    const events: SearchEvent<Bits>[] = [];
    for await (const e of search({ space, strategy: regularizedEvolution({ population: 5, sample: 2 }), evaluator: hashEvaluator(), budget: { queries: 15 }, seed: 1 })) events.push(e);
    expect(events.map((e) => e.type)).toEqual([...new Array(15).fill("trial"), "done"]);
    const last = events[14] as Extract<SearchEvent<Bits>, { type: "trial" }>;
    expect(last.queries).toBe(15);
    expect(last.snapshot!.population!.length).toBe(5);
  });

  it("an AbortSignal stops the search within one trial", async () => {
    const ac = new AbortController();
    const run = search({ space, strategy: randomSearch(), evaluator: onesEvaluator(target, { delayMs: 10 }), budget: { queries: 1000 }, seed: 1, signal: ac.signal });
    let seen = 0;
    let abortedAt = 0;
    for await (const e of run) {
      if (e.type === "trial" && ++seen === 5) { abortedAt = e.queries; ac.abort(); }
      if (e.type === "done") {
        expect(e.result.stopped).toBe("aborted");
        expect(e.result.history.length).toBeLessThanOrEqual(abortedAt + 1);
      }
    }
    expect(seen).toBeLessThanOrEqual(6);
  });

  it("closing the event stream (break) stops the search", async () => {
    const ev = onesEvaluator(target, { delayMs: 5 });
    const run = search({ space, strategy: randomSearch(), evaluator: ev, budget: { queries: 1000 }, seed: 1 });
    for await (const e of run) if (e.type === "trial" && e.queries === 3) break;
    const r = await run.result();
    expect(r.stopped).toBe("aborted");
    expect(ev.calls).toBeLessThanOrEqual(5);
  });

  it("a space without a capability the strategy needs is refused by search() itself, before anything is consumed", () => {
    const noCrossover = bitSpace(6, { crossover: false });
    const evaluator = onesEvaluator(target.slice(0, 6));
    expect(() => search({ space: noCrossover, strategy: regularizedEvolution({ crossover: 0.5 }), evaluator, budget: { queries: 4 }, seed: 0 }))
      .toThrow(/regularized-evolution needs the space to provide crossover, but bits6 does not/);
    expect(evaluator.calls).toBe(0);
  });

  it("parallel asks evaluate batches and still honour the query budget", async () => {
    const r = await search({ space, strategy: randomSearch(), evaluator: hashEvaluator(1), budget: { queries: 10 }, seed: 2, parallel: 4 }).result();
    expect(r.history.map((t) => t.batch)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2]);
  });
});

describe("checkpoint and resume", () => {
  const cfg = (checkpoint: string, queries: number) => ({
    space, strategy: regularizedEvolution({ population: 6, sample: 2 }), evaluator: hashEvaluator(), budget: { queries }, seed: 11, checkpoint,
  });

  it("resuming a finished prefix continues to the same history as an uninterrupted run", async () => {
    const dir = tmp();
    const full = await search({ ...cfg(join(dir, "full.jsonl"), 40) }).result();
    const part = join(dir, "part.jsonl");
    await search(cfg(part, 17)).result();
    const resumed = await search(cfg(part, 40)).result();
    expect(resumed.resumed).toBe(17);
    expect(summary(resumed.history)).toEqual(summary(full.history));
  });

  it("ignores a torn last line", async () => {
    const dir = tmp(), file = join(dir, "c.jsonl");
    const full = await search(cfg(join(dir, "full.jsonl"), 20)).result();
    await search(cfg(file, 8)).result();
    appendFileSync(file, '{"type":"trial","index":8,"ba');
    const resumed = await search(cfg(file, 20)).result();
    expect(summary(resumed.history)).toEqual(summary(full.history));
    expect(readFileSync(file, "utf8").split("\n").filter(Boolean).every((l) => JSON.parse(l))).toBe(true);
  });

  it("refuses a checkpoint of another configuration, saying what differs and what to do", async () => {
    const dir = tmp(), file = join(dir, "c.jsonl");
    await search(cfg(file, 5)).result();
    const other = { ...cfg(file, 10), seed: 12 };
    await expect(search(other).result()).rejects.toThrow(CheckpointError);
    await expect(search(other).result()).rejects.toThrow(/seed = 11, this one has 12.*delete the file/);
    writeFileSync(join(dir, "junk.jsonl"), '{"type":"trial"}\n');
    await expect(search(cfg(join(dir, "junk.jsonl"), 5)).result()).rejects.toThrow(/no header line/);
  });

  it("a search killed with SIGKILL mid-run resumes to the uninterrupted history, no trial lost or duplicated", async () => {
    const dir = tmp();
    const child = join(import.meta.dirname, "fixtures", "searchChild.ts");
    const runChild = (checkpoint: string, out: string, delay: number) =>
      spawn(process.execPath, ["--import", "tsx", child, checkpoint, out, String(delay), "60"], { stdio: "ignore" });
    const exit = (p: ReturnType<typeof spawn>) => new Promise<number | null>((r) => p.on("exit", (code) => r(code)));

    const reference = join(dir, "ref.json");
    expect(await exit(runChild("-", reference, 0))).toBe(0);

    const ckpt = join(dir, "ckpt.jsonl"), out = join(dir, "out.json");
    const victim = runChild(ckpt, out, 25);
    // Wait until some trials are on disk, then kill without warning.
    for (let i = 0; i < 400; i++) {
      await new Promise((r) => setTimeout(r, 25));
      if (existsSync(ckpt) && readFileSync(ckpt, "utf8").split('"type":"trial"').length - 1 >= 15) break;
    }
    victim.kill("SIGKILL");
    await exit(victim);
    const logged = readFileSync(ckpt, "utf8").split('"type":"trial"').length - 1;
    expect(logged).toBeGreaterThanOrEqual(15);
    expect(logged).toBeLessThan(60);
    expect(existsSync(out)).toBe(false);

    expect(await exit(runChild(ckpt, out, 0))).toBe(0);
    const ref = JSON.parse(readFileSync(reference, "utf8"));
    const got = JSON.parse(readFileSync(out, "utf8"));
    expect(got.history).toEqual(ref.history);
    expect(got.resumed).toBe(logged);
    const indices = got.history.map((t: { index: number }) => t.index);
    expect(indices).toEqual([...Array(60).keys()]);
  });
});

describe("executors, timeouts and deadlines", () => {
  /** An evaluator that never returns for archs in `hang` and ignores its signal (an awaited promise that never settles). */
  const ignoring = (hang: Set<string>, delayMs = 0): Evaluator<Bits> => {
    const base = hashEvaluator(delayMs);
    return { ...base, name: "ignoring", evaluate: (a, o) => (hang.has(a.join("")) ? new Promise<never>(() => undefined) : base.evaluate(a, o)) };
  };

  it("trialTimeout fails a trial whose evaluator ignores its signal, and the search goes on", async () => {
    const dry = await search({ space, strategy: randomSearch(), evaluator: hashEvaluator(), budget: { queries: 8 }, seed: 4 }).result();
    const hang = new Set([dry.history[2]!.archString, dry.history[5]!.archString]);
    const t0 = performance.now();
    const r = await search({ space, strategy: randomSearch(), evaluator: ignoring(hang), budget: { queries: 8 }, seed: 4, trialTimeout: 0.2 }).result();
    expect((performance.now() - t0) / 1000).toBeLessThan(3);
    expect(r.history.length).toBe(8);
    const failed = r.history.filter((t) => t.result.status === "failed");
    expect(failed.map((t) => t.archString).sort()).toEqual([...hang].sort());
    expect(failed[0]!.result.error).toMatch(/TrialTimeoutError: trial exceeded its 0.2 s timeout/);
    expect(summary(r.history.filter((t) => t.result.status === "ok"))).toEqual(summary(dry.history.filter((t) => !hang.has(t.archString))));
  });

  it("budget.seconds stops on time even when an evaluator ignores its signal; the stopped trial is recorded, not lost", async () => {
    const dry = await search({ space, strategy: randomSearch(), evaluator: hashEvaluator(), budget: { queries: 8 }, seed: 4 }).result();
    const hang = new Set([dry.history[4]!.archString]);
    const dir = tmp(), ckpt = join(dir, "c.jsonl");
    const t0 = performance.now();
    const r = await search({ space, strategy: randomSearch(), evaluator: ignoring(hang, 20), budget: { seconds: 0.5 }, seed: 4, checkpoint: ckpt }).result();
    const took = (performance.now() - t0) / 1000;
    expect(took).toBeLessThan(1.5);
    expect(r.stopped).toBe("seconds");
    expect(r.history.length).toBe(5);
    expect(r.history[4]!.result.error).toMatch(/SearchDeadlineError: budget.seconds \(0.5 s\) ran out while this trial ran/);
    // left out of the checkpoint, so a resume with more time runs it
    expect(readFileSync(ckpt, "utf8").split('"type":"trial"').length - 1).toBe(4);
  });

  it("parallel trials are told in ask order whatever order they finish in", async () => {
    // The first trial of each batch is the slowest.
    let n = 0;
    const base = hashEvaluator();
    const slowFirst: Evaluator<Bits> = { ...base, evaluate: async (a, o) => { const d = n++ % 4 === 0 ? 40 : 0; await new Promise((res) => setTimeout(res, d)); return base.evaluate(a, o); } };
    const told: string[] = [];
    const events = search({ space, strategy: regularizedEvolution({ population: 4, sample: 2 }), evaluator: slowFirst, budget: { queries: 12 }, seed: 9, parallel: 4 });
    const running: number[] = [];
    for await (const e of events) if (e.type === "trial") { told.push(e.trial.archString); running.push(e.running); }
    const again = await search({ space, strategy: regularizedEvolution({ population: 4, sample: 2 }), evaluator: hashEvaluator(), budget: { queries: 12 }, seed: 9, parallel: 4 }).result();
    expect(told).toEqual(again.history.map((t) => t.archString));
    expect(running[0]).toBe(0); // the slow first trial finishes last: when it is told, none is running
  });

  // An evaluator that sleeps delayMs(i) in its i-th trial, with a log: which trials started, the most running at
  // once, and how many started while the first one ran.
  function loggedEvaluator(delayMs: (i: number) => number, onStart: (i: number) => void = () => {}) {
    const log = { started: [] as number[], finished: [] as number[], maxRunning: 0, duringFirst: 0 };
    let running = 0;
    const base = hashEvaluator();
    const evaluator: Evaluator<Bits> = {
      ...base,
      evaluate: async (a, o) => {
        const i = log.started.length;
        log.started.push(i);
        onStart(i);
        log.maxRunning = Math.max(log.maxRunning, ++running);
        if (i > 0 && !log.finished.includes(0)) log.duringFirst++;
        await new Promise((res) => setTimeout(res, delayMs(i)));
        running--;
        log.finished.push(i);
        return base.evaluate(a, o);
      },
    };
    return { log, evaluator };
  }
  const slowFirstLog = (slowMs: number) => loggedEvaluator((i) => (i === 0 ? slowMs : 5));

  it("a strategy independent of results (random search) keeps every slot busy across batches, with the same history", async () => {
    const { log, evaluator } = slowFirstLog(300);
    const r = await search({ space, strategy: randomSearch(), evaluator, budget: { queries: 12 }, seed: 4, parallel: 2 }).result();
    const serial = await search({ space, strategy: randomSearch(), evaluator: hashEvaluator(), budget: { queries: 12 }, seed: 4 }).result();
    expect(summary(r.history)).toEqual(summary(serial.history));
    expect(r.history.map((t) => t.batch)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]); // batches as asked, not as run
    expect(log.maxRunning).toBe(2); // never more than `parallel` at once
    // While the slow first trial ran, the other slot went through the rest (a batch barrier would allow one).
    expect(log.duringFirst).toBe(11);
  });

  it("an abort while an independent strategy's trials run across batches stops the search: nothing starts after it", async () => {
    const controller = new AbortController();
    const { log, evaluator } = loggedEvaluator((i) => (i % 2 === 0 ? 30 : 5), (i) => i === 5 && controller.abort(new Error("cell invalidated")));
    const r = await search({ space, strategy: randomSearch(), evaluator, budget: { queries: 40 }, seed: 4, parallel: 2, signal: controller.signal }).result();
    expect(r.stopped).toBe("aborted");
    expect(log.started.length).toBeLessThanOrEqual(6); // trial 5 aborted the search as it started: no trial after it
    expect(r.history.length).toBeLessThan(6);
  });

  it("a strategy that learns from results is asked its next batch only once the last batch is told", async () => {
    const { log, evaluator } = slowFirstLog(100);
    await search({ space, strategy: regularizedEvolution({ population: 4, sample: 2 }), evaluator, budget: { queries: 8 }, seed: 4, parallel: 2 }).result();
    expect(log.duringFirst).toBe(1); // only its batch-mate
    expect(log.maxRunning).toBe(2);
  });

  it("an executor option runs every trial through it", async () => {
    const seen: number[] = [];
    const executor = {
      name: "recording", slots: 2,
      async run<A>(task: TrialTask<A>) { seen.push(task.index); return task.evaluator.evaluate(task.arch, { seed: task.seed }); },
      async close() {},
    };
    const a = await search({ space, strategy: randomSearch(), evaluator: hashEvaluator(), budget: { queries: 6 }, seed: 2, executor }).result();
    const b = await search({ space, strategy: randomSearch(), evaluator: hashEvaluator(), budget: { queries: 6 }, seed: 2 }).result();
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    expect(summary(a.history)).toEqual(summary(b.history));
  });

  it("says once, with the fix, that an executor of several slots runs one trial at a time when parallel is unset", async () => {
    const executor = {
      name: "twoslots", slots: 2,
      async run<A>(task: TrialTask<A>) { return task.evaluator.evaluate(task.arch, { seed: task.seed }); },
      async close() {},
    };
    const printed: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void printed.push(a.join(" ")));
    try {
      await search({ space, strategy: randomSearch(), evaluator: hashEvaluator(), budget: { queries: 2 }, seed: 2, executor }).result();
      await search({ space, strategy: randomSearch(), evaluator: hashEvaluator(), budget: { queries: 2 }, seed: 2, executor }).result();
      await search({ space, strategy: randomSearch(), evaluator: hashEvaluator(), budget: { queries: 2 }, seed: 2, executor: { ...executor }, parallel: 2 }).result();
    } finally {
      log.mockRestore();
    }
    expect(printed).toEqual([
      "nasbook: executor twoslots runs 2 trials at once, but this search asks one at a time (parallel: 1); set parallel: 2 to use them all (the history depends on parallel, not on the executor)",
    ]);
  });

  it("the started event (opt-in) names the executor and the store", async () => {
    const first: (SearchEvent<Bits> | SearchStartedEvent)[] = [];
    for await (const e of search({ space, strategy: randomSearch(), evaluator: hashEvaluator(), budget: { queries: 2 }, seed: 1, startedEvent: true })) first.push(e);
    expect(first[0]).toEqual({ type: "started", total: 2, store: undefined, executor: "inprocess", resumable: 0 });
  });
});
