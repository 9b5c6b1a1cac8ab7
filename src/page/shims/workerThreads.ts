/** `node:worker_threads` for a live page: the page is the main thread, and there are no worker threads. */
import { unsupported } from "../unsupported.js";

export const isMainThread = true;
export const parentPort = null;
export const workerData = undefined;
export const threadId = 0;

export class Worker {
  constructor() {
    throw unsupported('worker threads (executor: "pool", threads > 1)', "trials run one at a time in the page");
  }
}

export default { isMainThread, parentPort, workerData, threadId, Worker };
