/**
 * Worker threads that run training-kernel calls on the threaded tfjs build's shared heap. Each thread holds its own
 * instance of training_kernels_shared.wasm on the same shared memory, so a kernel reads and writes tensors in place
 * on every thread. A kernel is synchronous (tfjs kernels return their output), so the caller posts each thread's list
 * of calls into a SharedArrayBuffer, wakes the threads with Atomics.notify, runs its own list, then blocks in
 * Atomics.wait until every thread has finished (Node allows Atomics.wait on the main thread).
 */
import { Worker } from "node:worker_threads";
import type { WasmMemory } from "./heap.js";

/** One call of a training-kernel export: its name and its (pointer, integer or float) arguments. */
export type KernelCall = readonly [name: string, ...args: number[]];

/** The threads of one backend; thread 0 is the caller. */
export interface KernelThreadPool {
  /** Threads including the caller. */
  readonly size: number;
  /**
   * Runs `plans[t]` on thread t (plans[0] on the caller, through `callerExports`) and returns when all have finished.
   * Throws if a call failed on any thread.
   */
  run(plans: readonly (readonly KernelCall[])[], callerExports: Record<string, unknown>): void;
  /** Calls of `run` that woke the worker threads (for tests and benchmarks). */
  readonly parallelRuns: number;
  /** Stops the worker threads. */
  dispose(): Promise<void>;
}

// Control block: Int32 [sequence, pending, failed, unused], then one Float64 region per worker thread holding
// [call count, (export index, argument count, ...arguments) per call].
const HEADER_BYTES = 16;
const REGION_FLOATS = 8192;
const SEQUENCE = 0;
const PENDING = 1;
const FAILED = 2;
const STOP = -1;

// Runs in each worker: instantiate the kernels on the shared memory, say "ready", then wait for work until STOP.
const workerSource = `
const { parentPort, workerData } = require("node:worker_threads");
const { module, memory, control, index, names, headerBytes, regionFloats } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const fns = names.map((n) => exports[n]);
const ctl = new Int32Array(control, 0, 4);
const calls = new Float64Array(control, headerBytes + index * regionFloats * 8, regionFloats);
parentPort.postMessage("ready");
let seen = 0;
for (;;) {
  Atomics.wait(ctl, ${SEQUENCE}, seen);
  seen = Atomics.load(ctl, ${SEQUENCE});
  if (seen === ${STOP}) break;
  try {
    let p = 1;
    const count = calls[0];
    for (let c = 0; c < count; c++) {
      const f = fns[calls[p]];
      const argc = calls[p + 1];
      const args = new Array(argc);
      for (let a = 0; a < argc; a++) args[a] = calls[p + 2 + a];
      f(...args);
      p += 2 + argc;
    }
  } catch (err) {
    Atomics.store(ctl, ${FAILED}, 1);
    require("node:fs").writeSync(2, "nasbook kernel thread: " + String((err && err.stack) || err) + "\\n");
  }
  if (Atomics.sub(ctl, ${PENDING}, 1) === 1) Atomics.notify(ctl, ${PENDING});
}
`;

/**
 * Starts `size - 1` worker threads (the caller is thread 0) running the compiled kernel `module`, whose function
 * exports are `names`, on the shared `memory`.
 */
export async function startKernelThreads(module: object, names: readonly string[], memory: WasmMemory, size: number): Promise<KernelThreadPool> {
  if (!(memory.buffer instanceof SharedArrayBuffer)) throw new Error("kernel threads need the threaded tfjs build's shared memory");
  const indexOf = new Map(names.map((n, i) => [n, i]));
  const control = new SharedArrayBuffer(HEADER_BYTES + Math.max(0, size - 1) * REGION_FLOATS * 8);
  const ctl = new Int32Array(control, 0, 4);
  const regions = Array.from({ length: size - 1 }, (_, i) => new Float64Array(control, HEADER_BYTES + i * REGION_FLOATS * 8, REGION_FLOATS));
  const workers = await Promise.all(regions.map((_, index) => new Promise<Worker>((resolve, reject) => {
    const worker = new Worker(workerSource, {
      eval: true,
      workerData: { module, memory, control, index, names, headerBytes: HEADER_BYTES, regionFloats: REGION_FLOATS },
    });
    worker.once("error", reject);
    worker.once("message", () => {
      worker.off("error", reject);
      worker.unref(); // idle kernel threads must not keep the process alive
      resolve(worker);
    });
  })));

  const encode = (plan: readonly KernelCall[], region: Float64Array) => {
    let p = 1;
    for (const [name, ...args] of plan) {
      const fn = indexOf.get(name);
      if (fn === undefined) throw new Error(`training kernels export no function "${name}"`);
      if (p + 2 + args.length > region.length) throw new Error(`a kernel thread's plan exceeds ${REGION_FLOATS} numbers`);
      region[p] = fn;
      region[p + 1] = args.length;
      region.set(args, p + 2);
      p += 2 + args.length;
    }
    region[0] = plan.length;
  };

  let parallelRuns = 0;
  return {
    size,
    get parallelRuns() {
      return parallelRuns;
    },
    run(plans, callerExports) {
      const busy = plans.length > 1 && plans.slice(1).some((p) => p.length > 0);
      if (busy) {
        parallelRuns++;
        if (plans.length > size) throw new Error(`${plans.length} plans for ${size} kernel threads`);
        regions.forEach((region, i) => encode(plans[i + 1] ?? [], region));
        Atomics.store(ctl, FAILED, 0);
        Atomics.store(ctl, PENDING, regions.length);
        Atomics.add(ctl, SEQUENCE, 1);
        Atomics.notify(ctl, SEQUENCE);
      }
      let callerError: unknown;
      try {
        for (const [name, ...args] of plans[0] ?? []) (callerExports[name] as (...a: number[]) => void)(...args);
      } catch (err) {
        callerError = err;
      }
      if (busy) {
        for (let pending = Atomics.load(ctl, PENDING); pending !== 0; pending = Atomics.load(ctl, PENDING)) {
          Atomics.wait(ctl, PENDING, pending);
        }
      }
      if (callerError !== undefined) throw callerError;
      if (busy && Atomics.load(ctl, FAILED) !== 0) throw new Error("a training-kernel thread failed (its error is on stderr)");
    },
    async dispose() {
      Atomics.store(ctl, SEQUENCE, STOP);
      Atomics.notify(ctl, SEQUENCE);
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
