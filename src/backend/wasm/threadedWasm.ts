/**
 * The threaded build of the tfjs wasm backend (tfjs-backend-wasm-threaded-simd: emscripten pthreads, a shared
 * heap, XNNPACK on a thread pool), started in Node. tfjs 4.22 never picks it there: its thread-support check returns
 * false under Node (tfjs issue #3830), and its loader hands emscripten a `blob:` worker URL that Node's
 * worker_threads cannot load. The emscripten factory itself supports Node, so we call it with file paths instead,
 * and wrap its module as tfjs's own loader does (the `tfjs` cwrap table) before constructing tfjs's BackendWasm.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs";

const requireHere = createRequire(import.meta.url);

interface EmscriptenFactoryOptions {
  locateFile(path: string): string;
  mainScriptUrlOrBlob: string;
}
type EmscriptenModule = { cwrap(name: string, ret: string | null, args: string[]): unknown } & Record<string, unknown>;
type EmscriptenFactory = (options: EmscriptenFactoryOptions) => Promise<EmscriptenModule>;

interface WasmPackage {
  BackendWasm: new (module: unknown) => tf.KernelBackend;
  setThreadsCount(threads: number): void;
  getThreadsCount(): number;
}

/**
 * The pthread worker script as a file: tfjs ships it as a string (wasmWorkerContents), escaping its "\n" the way
 * tfjs's own loader does before turning it into a blob. Written once per content to the OS temp dir.
 */
function workerScriptFile(packageDir: string): string {
  const { wasmWorkerContents } = requireHere(join(packageDir, "wasm-out/tfjs-backend-wasm-threaded-simd.worker.js")) as {
    wasmWorkerContents: string;
  };
  const source = wasmWorkerContents.replace(/\n/g, "\\n");
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 16);
  const dir = join(os.tmpdir(), "nasbook-tfjs-wasm");
  const file = join(dir, `threaded-simd-worker-${hash}.cjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, source);
    renameSync(partial, file); // atomic: concurrent processes never load a half-written script
  }
  return file;
}

/**
 * Registers the threaded build as tfjs's "wasm" backend, with `threads` XNNPACK threads (the caller included).
 * Call before `tf.setBackend("wasm")`; the package must already be loaded (it registers the one-thread build).
 */
export function registerThreadedWasmBackend(threads: number): void {
  const pkg = requireHere("@tensorflow/tfjs-backend-wasm") as WasmPackage;
  const packageDir = dirname(requireHere.resolve("@tensorflow/tfjs-backend-wasm/package.json"));
  const factoryPath = join(packageDir, "wasm-out/tfjs-backend-wasm-threaded-simd.js");
  const wasmPath = join(packageDir, "dist/tfjs-backend-wasm-threaded-simd.wasm");
  if (!existsSync(factoryPath) || !existsSync(wasmPath)) {
    throw new Error(`the threaded tfjs wasm build is missing (${factoryPath}); reinstall @tensorflow/tfjs-backend-wasm@4.22.0`);
  }
  const workerPath = workerScriptFile(packageDir);
  tf.removeBackend("wasm");
  tf.registerBackend("wasm", async () => {
    const factory = requireHere(factoryPath) as EmscriptenFactory;
    // XNNPACK caps its pool at emscripten_num_logical_cores() / 2 (it assumes two hyperthreads per core), read
    // from os.cpus() when the module's static constructors run: report twice the wanted threads for that moment.
    const realCpus = os.cpus;
    os.cpus = () => Array.from({ length: 2 * threads }, () => realCpus()[0] as os.CpuInfo);
    let module: EmscriptenModule;
    try {
      module = await factory({
        locateFile: (path) => (path.endsWith(".worker.js") ? workerPath : path.endsWith(".wasm") ? wasmPath : join(dirname(factoryPath), path)),
        mainScriptUrlOrBlob: factoryPath,
      });
    } finally {
      os.cpus = realCpus;
    }
    // What tfjs's own loader adds (tfjs-backend-wasm 4.22, backend_wasm.ts init()).
    module.tfjs = {
      init: module.cwrap("init", null, []),
      initWithThreadsCount: module.cwrap("init_with_threads_count", null, ["number"]),
      getThreadsCount: module.cwrap("get_threads_count", "number", []),
      registerTensor: module.cwrap("register_tensor", null, ["number", "number", "number"]),
      disposeData: module.cwrap("dispose_data", null, ["number"]),
      dispose: module.cwrap("dispose", null, []),
    };
    pkg.setThreadsCount(threads);
    const backend = new pkg.BackendWasm(module); // creates XNNPACK's pool: pthreads on emscripten's workers
    // Emscripten refs a worker while its pthread runs, and XNNPACK's pool threads run for the process's life:
    // unref them, so a script ends when its work does, as on the one-thread build.
    const pthreads = module.PThread as { runningWorkers: { unref(): void }[]; unusedWorkers: { unref(): void }[] } | undefined;
    for (const worker of [...(pthreads?.runningWorkers ?? []), ...(pthreads?.unusedWorkers ?? [])]) worker.unref();
    return backend;
  }, 2);
}

/** XNNPACK threads of the running wasm backend (1 on the one-thread build). */
export function xnnpackThreads(): number {
  return (requireHere("@tensorflow/tfjs-backend-wasm") as WasmPackage).getThreadsCount();
}
