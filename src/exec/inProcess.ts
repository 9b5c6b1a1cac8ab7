/**
 * The in-process executor (the default): runs a trial in this thread, as search() always did. It adds the two
 * limits the loop needs from every executor: a trial past `timeoutSeconds` is failed with TrialTimeoutError, and
 * an abort ends `run` at once with AbortError, even if the evaluator ignores its signal. (An evaluator that
 * ignores its signal keeps computing in the background until it returns; one that never yields to the event
 * loop cannot be stopped in this thread at all — run it on the worker pool, which terminates the thread.)
 */
import { AbortError } from "../errors.js";
import { failedResult, type TrialResult } from "../estimate/types.js";
import { TrialTimeoutError } from "./trialJob.js";
import type { Executor, TrialTask } from "./types.js";

/** Runs trials in this process; `slots` only says how many the loop should ask at once (default 1). */
export function inProcessExecutor(opts: { slots?: number } = {}): Executor {
  return {
    name: "inprocess",
    slots: opts.slots ?? 1,
    async run<A>(task: TrialTask<A>, signal: AbortSignal): Promise<TrialResult> {
      if (signal.aborted) throw new AbortError(signal.reason);
      const t0 = performance.now();
      const trial = new AbortController();
      const onAbort = () => trial.abort(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const stopped = new Promise<TrialResult>((resolve, reject) => {
          trial.signal.addEventListener("abort", () => (signal.aborted ? reject(new AbortError(signal.reason)) : undefined), { once: true });
          if (task.timeoutSeconds !== undefined) {
            timer = setTimeout(() => {
              const err = new TrialTimeoutError(task.timeoutSeconds!, "in-process");
              trial.abort(err); // a cooperative evaluator stops training
              resolve(failedResult(err, (performance.now() - t0) / 1000));
            }, task.timeoutSeconds * 1000);
          }
        });
        stopped.catch(() => undefined);
        const evaluation = (async () => {
          task.space.validate(task.arch);
          return await task.evaluator.evaluate(task.arch, { seed: task.seed, signal: trial.signal, budget: task.budget });
        })().then(
          (r) => {
            if (!r || typeof r !== "object" || typeof r.metrics !== "object") {
              return failedResult(new TypeError(`evaluator ${task.evaluator.name} returned ${JSON.stringify(r)}, not a TrialResult`), (performance.now() - t0) / 1000);
            }
            return r;
          },
          (e: unknown) => {
            if (signal.aborted) throw new AbortError(signal.reason);
            return failedResult(e, (performance.now() - t0) / 1000);
          },
        );
        evaluation.catch(() => undefined);
        return await Promise.race([evaluation, stopped]);
      } finally {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
      }
    },
    async close() {},
  };
}
