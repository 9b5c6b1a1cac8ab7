/** The executor a search config names: an Executor as given, "inprocess" (the default), or "pool" (sharedPool). */
import { NasbookError } from "../errors.js";
import { inProcessExecutor } from "./inProcess.js";
import { sharedPool } from "./pool.js";
import type { Executor } from "./types.js";

/** A search's `executor` / `workers` options do not fit together or name no executor. */
export class ExecutorOptionError extends NasbookError {}

/** The executor of a search's `executor` and `workers` options. */
export function executorFor(executor: Executor | "inprocess" | "pool" | undefined, workers?: number): Executor {
  if (workers !== undefined && executor !== "pool") {
    throw new ExecutorOptionError(
      `workers: ${workers} sets the threads of executor: "pool"; ${executor === undefined || executor === "inprocess" ? 'add executor: "pool"' : "a given executor has its own size (poolExecutor({ workers }))"}`,
    );
  }
  if (executor === undefined || executor === "inprocess") return inProcessExecutor();
  if (executor === "pool") return sharedPool({ workers });
  if (typeof executor !== "object" || executor === null || typeof (executor as Executor).run !== "function") {
    throw new ExecutorOptionError(`executor must be "inprocess", "pool" or an executor (poolExecutor(), bullmqExecutor()), got ${JSON.stringify(executor)}`);
  }
  return executor;
}
