/**
 * The tfjs backend nasbook trains on, chosen once per process: @tensorflow/tfjs-node when it loads,
 * otherwise the wasm backend with nasbook's training kernels (src/backend/wasm), otherwise 'cpu'.
 * NASBOOK_BACKEND=tfjs-node|wasm|cpu forces one. Call `await initBackend()` before building models.
 */
import { createRequire } from "node:module";
import os from "node:os";
import { isMainThread } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs";
import {
  BackendUnavailableError, automaticOrder, installHint, parseBackendChoice, type BackendName,
} from "./choice.js";
import { silenceCpuBanner } from "./cpuBanner.js";
import { registerCpuKernels } from "./cpuKernels.js";
import { registerDilatedConvGradients } from "./dilatedConvGradients.js";
import { asWasmBackend } from "./wasm/heap.js";
import {
  registerTrainingKernels, unregisterTrainingKernels, type TrainingKernelRegistration,
} from "./wasm/registerTrainingKernels.js";
import { registerThreadedWasmBackend, xnnpackThreads } from "./wasm/threadedWasm.js";
import { startTrainingThreads, trainingModuleFor } from "./wasm/trainingModule.js";

export { BackendUnavailableError, UnknownBackendError, parseBackendChoice, type BackendName } from "./choice.js";
export type { TrainingKernelRegistration } from "./wasm/registerTrainingKernels.js";

// Before any cell or model touches tfjs' default (cpu) backend: its Node.js banner never reaches an output, and its
// average-pool gradient divides by the valid count, as its forward pass does (src/backend/cpuKernels.ts). 'cpu' is
// also what a training with backend "current" runs on before any initBackend().
silenceCpuBanner();
registerCpuKernels();

/** What was chosen and why; JSON-serialisable, for run manifests. */
export interface BackendInfo {
  /** tfjs backend name: "tensorflow" (tfjs-node), "wasm" or "cpu". */
  name: BackendName;
  /** One sentence: why this backend (and why not the ones before it). */
  reason: string;
  /** True when NASBOOK_BACKEND or the `backend` option forced the choice. */
  forced: boolean;
  /** Compute threads the backend uses. */
  threads: number;
  /** wasm only: whether the SIMD build runs. */
  simd?: boolean;
  /** @tensorflow/tfjs version. */
  tfjsVersion: string;
  /** Kernels nasbook added or replaced on this backend (wasm: the training kernels; cpu: AvgPoolGrad). */
  trainingKernels: TrainingKernelRegistration[];
  /** Backends tried before this one, with the error each gave. */
  skipped: { name: BackendName; error: string }[];
}

/** Options of `initBackend`. */
export interface InitBackendOptions {
  /** Force a backend (same values as NASBOOK_BACKEND); default: NASBOOK_BACKEND, else automatic. */
  backend?: string;
  /** Do not print the choice to stderr. */
  quiet?: boolean;
  /**
   * wasm only: compute threads for one training (XNNPACK and nasbook's kernels). Default: NASBOOK_WASM_THREADS, else
   * the machine's cores on the main thread and 1 in a worker thread (a pool of N workers already keeps N cores busy).
   */
  threads?: number;
}

/** Largest wasm thread count we start (XNNPACK's pool in tfjs is built for at most 8). */
const maxWasmThreads = 8;

/** A wasm thread count and why. */
export interface WasmThreadChoice {
  threads: number;
  why: string;
}

/**
 * The wasm thread count: the option, else NASBOOK_WASM_THREADS, else 1 in a worker thread (a pool of N workers
 * already keeps N cores busy), else the idle cores. Idle, because splitting every op over threads that the OS keeps
 * descheduling makes each op wait for the slowest: on 2 cores at load 15, a small supernet trained 2.5x slower on 2
 * threads than on 1 (docs/notes/issue-29.md). Results do not depend on the count (test/backend/threads.test.ts).
 */
export function wasmThreads(option: number | undefined): WasmThreadChoice {
  const env = process.env.NASBOOK_WASM_THREADS;
  const value = option ?? (env === undefined || env.trim() === "" ? undefined : Number(env));
  if (value !== undefined) {
    if (!Number.isInteger(value) || value < 1 || value > maxWasmThreads) {
      throw new BackendUnavailableError(
        `wasm threads must be an integer from 1 to ${maxWasmThreads}, got ${option !== undefined ? option : `NASBOOK_WASM_THREADS="${env}"`}`,
      );
    }
    return { threads: value, why: option !== undefined ? "threads option" : "NASBOOK_WASM_THREADS" };
  }
  if (!isMainThread) return { threads: 1, why: "worker thread" };
  const cores = os.availableParallelism();
  const load = os.loadavg()[0] ?? 0;
  // The reason names the rule, not the load it read: a run manifest records it, and two runs of a notebook with the
  // same seed should write the same file.
  return { threads: idleCoreThreads(cores, load), why: `the cores idle at start (of ${cores}); NASBOOK_WASM_THREADS sets it` };
}

/** Threads for the cores that `load` (1-minute load average) leaves idle, our own thread included; 1 to 8. */
export function idleCoreThreads(cores: number, load: number): number {
  return Math.max(1, Math.min(cores, maxWasmThreads, Math.floor(cores - load + 0.5)));
}
let pending: Promise<BackendInfo> | undefined;
let chosen: BackendInfo | undefined;
let forcedName: BackendName | undefined;

/** Loads and selects the training backend once; later calls return the same info at no cost. */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const forced = parseBackendChoice(options.backend ?? process.env.NASBOOK_BACKEND);
  if (pending !== undefined) {
    if (forced !== undefined && forced !== forcedName && chosen !== undefined && forced !== chosen.name) {
      return Promise.reject(
        new BackendUnavailableError(
          `the backend is already initialised as "${chosen.name}"; it cannot switch to "${forced}" in the same ` +
            "process. Set NASBOOK_BACKEND before starting, or call initBackend({ backend }) before any other tfjs use.",
        ),
      );
    }
    return pending;
  }
  forcedName = forced;
  let threads: WasmThreadChoice;
  try {
    threads = wasmThreads(options.threads);
  } catch (err) {
    return Promise.reject(err);
  }
  pending = select(forced, options.quiet ?? false, threads).then(
    (info) => {
      chosen = info;
      return info;
    },
    (err: unknown) => {
      pending = undefined;
      throw err;
    },
  );
  return pending;
}

/** The chosen backend, or undefined before `initBackend()` has finished. */
export function backendInfo(): BackendInfo | undefined {
  return chosen;
}

const requireHere = createRequire(import.meta.url);

function packageVersion(name: string): string | undefined {
  try {
    return (requireHere(`${name}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}

async function select(forced: BackendName | undefined, quiet: boolean, threads: WasmThreadChoice): Promise<BackendInfo> {
  // 'cpu' is in every process, as the fallback and as the reference that comparisons run on: fixed whatever we choose
  // (again here, in case a comparison restored the stock kernels).
  registerCpuKernels();
  const order = forced === undefined ? automaticOrder : [forced];
  const skipped: { name: BackendName; error: string }[] = [];
  for (const name of order) {
    try {
      const info = await start(name, skipped, forced !== undefined, threads);
      if (!quiet) process.stderr.write(`nasbook: tfjs backend "${info.name}": ${info.reason}\n`);
      return info;
    } catch (err) {
      skipped.push({ name, error: err instanceof Error ? err.message : String(err) });
    }
  }
  const last = skipped[skipped.length - 1];
  throw new BackendUnavailableError(
    `NASBOOK_BACKEND=${forced ?? "auto"}: backend "${last?.name}" did not start (${last?.error}); ` +
      installHint(last?.name ?? "cpu"),
  );
}

function skippedText(skipped: { name: BackendName; error: string }[]): string {
  return skipped.map((s) => `${s.name === "tensorflow" ? "tfjs-node" : s.name} unavailable (${s.error.split("\n")[0]})`).join("; ");
}

async function start(
  name: BackendName, skipped: { name: BackendName; error: string }[], forced: boolean, choice: WasmThreadChoice,
): Promise<BackendInfo> {
  const threads = choice.threads;
  const tfjsVersion = tf.version.tfjs;
  const prefix = forced ? "forced by NASBOOK_BACKEND/option" : skipped.length > 0 ? skippedText(skipped) : "";
  const because = (text: string) => (prefix === "" ? text : `${prefix}; ${text}`);
  switch (name) {
    case "tensorflow": {
      const nodeVersion = packageVersion("@tensorflow/tfjs-node");
      if (nodeVersion === undefined) throw new Error("@tensorflow/tfjs-node is not installed");
      if (nodeVersion !== tfjsVersion) {
        throw new Error(`@tensorflow/tfjs-node ${nodeVersion} does not match @tensorflow/tfjs ${tfjsVersion}; pin both to the same version`);
      }
      // TensorFlow logs its oneDNN and CPU-feature notices to fd 2 when it loads, outside any cell's output.
      process.env.TF_CPP_MIN_LOG_LEVEL ??= "2";
      const specifier = "@tensorflow/tfjs-node";
      await import(specifier);
      if (!(await tf.setBackend("tensorflow"))) throw new Error("tfjs-node loaded but its backend did not initialise");
      const binding = (tf.engine().backend as unknown as { binding?: { TF_Version?: string } }).binding;
      return {
        name, forced, tfjsVersion, trainingKernels: [], skipped: [...skipped],
        threads: os.availableParallelism(),
        reason: because(`native TensorFlow ${binding?.TF_Version ?? "(version unknown)"} via @tensorflow/tfjs-node ${nodeVersion}`),
      };
    }
    case "wasm": {
      // require(), not import(): an ESM import of this CommonJS bundle first scans all of it for its export names
      requireHere("@tensorflow/tfjs-backend-wasm");
      // More than one thread: tfjs's threaded build (shared heap, XNNPACK pool) and nasbook's kernel threads.
      if (threads > 1) registerThreadedWasmBackend(threads);
      const kernels = registerTrainingKernels();
      try {
        if (!(await tf.setBackend("wasm"))) throw new Error("the wasm backend did not initialise");
        const backend = asWasmBackend(tf.engine().backend);
        await startTrainingThreads(backend, threads);
        trainingModuleFor(backend); // load our kernels now, not in the first gradient
      } catch (err) {
        unregisterTrainingKernels();
        throw err;
      }
      registerDilatedConvGradients();
      const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true;
      const running = threads > 1 ? Math.min(xnnpackThreads(), trainingModuleFor(asWasmBackend(tf.engine().backend)).threads) : 1;
      return {
        name, forced, tfjsVersion, trainingKernels: kernels, skipped: [...skipped], threads: running, simd,
        reason: because(
          `wasm (XNNPACK${simd ? " SIMD" : ""}, ${running} thread${running === 1 ? "" : "s"}` +
            `${threads > 1 ? ", threaded build" : ""} [${choice.why}]) with ${kernels.length} nasbook training kernels ` +
            `(${kernels.filter((k) => k.action === "added").length} added, ${kernels.filter((k) => k.action === "replaced").length} replaced)`,
        ),
      };
    }
    case "cpu": {
      if (!(await tf.setBackend("cpu"))) throw new Error("the cpu backend did not initialise");
      return {
        name, forced, tfjsVersion, trainingKernels: registerCpuKernels(), skipped: [...skipped], threads: 1,
        reason: because("pure-JS cpu backend (slow: about 3 samples/s on a small convnet)"),
      };
    }
  }
}
