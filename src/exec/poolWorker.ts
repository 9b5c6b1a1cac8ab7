/**
 * Entry of a pool worker thread (src/exec/pool.ts): initialises its own tfjs backend, then runs the trial jobs the
 * pool posts, one at a time, and answers each with its result. An "abort" message aborts that job's AbortSignal,
 * so an evaluator that checks it between training steps stops within one step.
 */
import { parentPort, workerData } from "node:worker_threads";
import { initBackend } from "../backend/index.js";
import { AbortError } from "../errors.js";
import { runTrialJob, type TrialJob } from "./trialJob.js";

/** What the pool tells a worker at start: its wasm compute threads (PoolOptions.threadsPerWorker). */
export interface PoolWorkerData {
  threads: number;
}

/** Messages from the pool to a worker. */
export type ToWorker = { type: "run"; id: number; job: TrialJob } | { type: "abort"; id: number; reason: string };
/** Messages from a worker to the pool. */
export type FromWorker =
  | { type: "ready"; backend: string }
  | { type: "result"; id: number; result: import("../estimate/types.js").TrialResult }
  | { type: "aborted"; id: number; message: string };

const port = parentPort;
if (port) {
  const controllers = new Map<number, AbortController>();
  const send = (m: FromWorker) => port.postMessage(m);
  const { threads } = (workerData ?? { threads: 1 }) as PoolWorkerData;
  const backend = await initBackend({ quiet: true, threads }).then((b) => b.name, (e: unknown) => `none (${String(e)})`);
  port.on("message", (m: ToWorker) => {
    if (m.type === "abort") {
      controllers.get(m.id)?.abort(new Error(m.reason));
      return;
    }
    const controller = new AbortController();
    controllers.set(m.id, controller);
    runTrialJob(m.job, controller.signal).then(
      (result) => send({ type: "result", id: m.id, result }),
      (e: unknown) => send({ type: "aborted", id: m.id, message: e instanceof AbortError ? e.message : String(e) }),
    ).finally(() => controllers.delete(m.id));
  });
  send({ type: "ready", backend });
}
