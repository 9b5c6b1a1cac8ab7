/**
 * Loads wasm/training_kernels.wasm (our SIMD kernels, see wasm/training_kernels.c) into the tfjs wasm
 * backend's own memory, so kernels read and write tensors in place. One instance per backend instance; on the
 * threaded tfjs build (shared memory) the shared-memory build of the same kernels, plus its kernel threads.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { heapMemory, type WasmHeapBackend, type WasmMemory } from "./heap.js";
import { startKernelThreads, type KernelCall, type KernelThreadPool } from "./kernelThreads.js";

/** The slice of the WebAssembly JS API we use (tsconfig has no DOM lib, so it is typed here). */
interface WebAssemblyApi {
  Module: (new (bytes: Uint8Array) => object) & { exports(module: object): { name: string; kind: string }[] };
  Instance: new (module: object, imports: { env: { memory: WasmMemory } }) => { exports: object };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** Exports of training_kernels.wasm; every pointer is a byte offset into the backend heap. */
export interface TrainingKernelExports {
  gemm_scratch_floats(n: number): number;
  gemm(
    m: number, n: number, k: number, a: number, lda: number, transA: number, b: number, ldb: number,
    transB: number, c: number, ldc: number, accumulate: number, scratch: number,
  ): void;
  im2col(
    x: number, h: number, w: number, ch: number, kh: number, kw: number, sh: number, sw: number, dh: number,
    dw: number, pt: number, pl: number, oh: number, ow: number, r0: number, r1: number, col: number,
  ): void;
  col2im(
    col: number, h: number, w: number, ch: number, kh: number, kw: number, sh: number, sw: number, dh: number,
    dw: number, pt: number, pl: number, oh: number, ow: number, r0: number, r1: number, dx: number,
  ): void;
  zero_floats(p: number, n: number): void;
  max_pool_grad(
    x: number, dy: number, dx: number, n: number, h: number, w: number, ch: number, fh: number, fw: number,
    sh: number, sw: number, dh: number, dw: number, pt: number, pl: number, oh: number, ow: number,
  ): void;
  avg_pool_grad(
    dy: number, dx: number, h: number, w: number, ch: number, fh: number, fw: number, sh: number, sw: number,
    pt: number, pl: number, oh: number, ow: number, r0: number, r1: number,
  ): void;
  column_sum(x: number, rows: number, cols: number, scale: number, out: number, block: number): void;
  batch_norm_grad_sums(x: number, dy: number, mean: number, rows: number, cols: number, sumDy: number, sumDyXm: number, scratch: number): void;
  batch_norm_grad_finish(
    sumDy: number, sumDyXm: number, variance: number, scale: number, eps: number, cols: number, factor: number,
    dmean: number, dvar: number, dscale: number, doffset: number,
  ): void;
  batch_norm_grad_dx(dy: number, factor: number, rows: number, cols: number, dx: number): void;
  add_floats(acc: number, s: number, n: number): void;
  broadcast_rows(row: number, cols: number, rows: number, divisor: number, out: number): void;
  square_grad(x: number, dy: number, n: number, out: number): void;
  scale_floats(p: number, n: number, scale: number): void;
  batch_norm(
    x: number, mean: number, variance: number, offset: number, scale: number, eps: number, rows: number, cols: number,
    y: number, scratch: number,
  ): void;
  tile4(
    x: number, s0: number, s1: number, s2: number, s3: number, r0: number, r1: number, r2: number, r3: number,
    out: number,
  ): void;
  depthwise_backprop_input(
    dy: number, f: number, dx: number, n: number, h: number, w: number, ch: number, mult: number, kh: number,
    kw: number, sh: number, sw: number, dh: number, dw: number, pt: number, pl: number, oh: number, ow: number,
  ): void;
  depthwise_backprop_filter(
    x: number, dy: number, df: number, n: number, h: number, w: number, ch: number, mult: number, kh: number,
    kw: number, sh: number, sw: number, dh: number, dw: number, pt: number, pl: number, oh: number, ow: number,
  ): void;
}

/** A call of one of our kernel exports, for `TrainingModule.run`. */
export type TrainingCall = readonly [name: keyof TrainingKernelExports, ...args: number[]];

/** The kernels, reusable scratch buffers in the backend heap, and the threads that run kernel calls. */
export interface TrainingModule {
  readonly k: TrainingKernelExports;
  /** Threads kernels may split work over, the caller included (1 on the one-thread tfjs build). */
  readonly threads: number;
  /**
   * A heap pointer to at least `bytes` bytes of scratch, valid until the next request for the same slot. Slot t
   * (0 = the caller) belongs to kernel thread t; `partialsSlot` holds partial results of row slices.
   */
  scratch(bytes: number, slot?: number): number;
  /** Runs plans[t] on kernel thread t (plans[0] on the caller) and returns when all have finished. */
  run(plans: readonly (readonly TrainingCall[])[]): void;
  /** How many `run` calls woke other threads so far (0 on one thread). */
  parallelRuns(): number;
}

/** Scratch slot for the partial results that row slices of a reduction write before they are added up. */
export const partialsSlot = -1;

/** Paths of the committed, prebuilt kernel modules (one-thread heap; shared heap of the threaded build). */
export const trainingKernelsWasmPath = fileURLToPath(new URL("../../../wasm/training_kernels.wasm", import.meta.url));
export const trainingKernelsSharedWasmPath = fileURLToPath(new URL("../../../wasm/training_kernels_shared.wasm", import.meta.url));

const compiled = new Map<string, object>();
const instances = new WeakMap<WasmHeapBackend, TrainingModule>();
const threadPools = new WeakMap<WasmHeapBackend, KernelThreadPool>();

function compiledModule(path: string): object {
  let module = compiled.get(path);
  if (module === undefined) {
    module = new wasmApi.Module(readFileSync(path));
    compiled.set(path, module);
  }
  return module;
}

function isShared(backend: WasmHeapBackend): boolean {
  // A browser page that is not cross-origin isolated has no SharedArrayBuffer at all (and so no threaded build).
  return typeof SharedArrayBuffer !== "undefined" && heapMemory(backend).buffer instanceof SharedArrayBuffer;
}

/**
 * Starts `threads - 1` kernel threads for `backend` (the threaded tfjs build); its kernels then split their work
 * over `threads` threads. Call once, before the first kernel runs.
 */
export async function startTrainingThreads(backend: WasmHeapBackend, threads: number): Promise<void> {
  if (threads <= 1 || threadPools.has(backend)) return;
  if (instances.has(backend)) throw new Error("start the kernel threads before the first training kernel runs");
  const module = compiledModule(trainingKernelsSharedWasmPath);
  const names = wasmApi.Module.exports(module).filter((e) => e.kind === "function").map((e) => e.name);
  threadPools.set(backend, await startKernelThreads(module, names, heapMemory(backend), threads));
}

/** Stops `backend`'s kernel threads, if any. */
export async function stopTrainingThreads(backend: WasmHeapBackend): Promise<void> {
  const pool = threadPools.get(backend);
  threadPools.delete(backend);
  await pool?.dispose();
}

/** The training kernels bound to `backend`'s heap (instantiated on first use). */
export function trainingModuleFor(backend: WasmHeapBackend): TrainingModule {
  const existing = instances.get(backend);
  if (existing !== undefined) return existing;
  const path = isShared(backend) ? trainingKernelsSharedWasmPath : trainingKernelsWasmPath;
  const instance = new wasmApi.Instance(compiledModule(path), { env: { memory: heapMemory(backend) } });
  const k = instance.exports as unknown as TrainingKernelExports;
  const callerExports = instance.exports as Record<string, unknown>;
  const pool = threadPools.get(backend);
  const buffers = new Map<number, { pointer: number; capacity: number }>();
  const module: TrainingModule = {
    k,
    threads: pool?.size ?? 1,
    scratch(bytes: number, slot = 0): number {
      const buffer = buffers.get(slot) ?? { pointer: 0, capacity: 0 };
      if (bytes > buffer.capacity) {
        if (buffer.pointer !== 0) backend.wasm._free(buffer.pointer);
        // Grow geometrically so a sequence of slightly larger requests does not reallocate each time.
        buffer.capacity = Math.max(bytes, Math.ceil(buffer.capacity * 1.5));
        buffer.pointer = backend.wasm._malloc(buffer.capacity);
        if (buffer.pointer === 0) throw new Error(`wasm heap exhausted allocating ${buffer.capacity} bytes of kernel scratch`);
        buffers.set(slot, buffer);
      }
      return buffer.pointer;
    },
    run(plans) {
      if (pool !== undefined) {
        pool.run(plans as readonly (readonly KernelCall[])[], callerExports);
        return;
      }
      // One thread: the same calls in the same order, so results do not depend on the thread count.
      for (const plan of plans) for (const [name, ...args] of plan) (k[name] as (...a: number[]) => void)(...args);
    },
    parallelRuns: () => pool?.parallelRuns ?? 0,
  };
  instances.set(backend, module);
  return module;
}
