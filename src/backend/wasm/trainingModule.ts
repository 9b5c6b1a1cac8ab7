/**
 * Loads wasm/training_kernels.wasm (our SIMD kernels, see wasm/training_kernels.c) into the tfjs wasm
 * backend's own memory, so kernels read and write tensors in place. One instance per backend instance.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { WasmHeapBackend, WasmMemory } from "./heap.js";

/** The slice of the WebAssembly JS API we use (tsconfig has no DOM lib, so it is typed here). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
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
  column_sum(x: number, rows: number, cols: number, scale: number, out: number, block: number): void;
  batch_norm(
    x: number, mean: number, variance: number, offset: number, scale: number, eps: number, rows: number, cols: number,
    y: number, scratch: number,
  ): void;
  batch_norm_grad(
    x: number, dy: number, mean: number, variance: number, scale: number, eps: number, rows: number, cols: number,
    dx: number, dmean: number, dvar: number, dscale: number, doffset: number, scratch: number,
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

/** The kernels plus a reusable scratch buffer in the backend heap. */
export interface TrainingModule {
  readonly k: TrainingKernelExports;
  /** A heap pointer to at least `bytes` bytes of scratch, valid until the next call. */
  scratch(bytes: number): number;
}

/** Path of the committed, prebuilt kernel module. */
export const trainingKernelsWasmPath = fileURLToPath(new URL("../../../wasm/training_kernels.wasm", import.meta.url));

let compiled: object | undefined;
const instances = new WeakMap<WasmHeapBackend, TrainingModule>();

/** The training kernels bound to `backend`'s heap (instantiated on first use). */
export function trainingModuleFor(backend: WasmHeapBackend): TrainingModule {
  const existing = instances.get(backend);
  if (existing !== undefined) return existing;
  compiled ??= new wasmApi.Module(readFileSync(trainingKernelsWasmPath));
  const instance = new wasmApi.Instance(compiled, { env: { memory: backend.wasm.asm.memory } });
  const k = instance.exports as unknown as TrainingKernelExports;
  let pointer = 0;
  let capacity = 0;
  const module: TrainingModule = {
    k,
    scratch(bytes: number): number {
      if (bytes > capacity) {
        if (pointer !== 0) backend.wasm._free(pointer);
        // Grow geometrically so a sequence of slightly larger requests does not reallocate each time.
        capacity = Math.max(bytes, Math.ceil(capacity * 1.5));
        pointer = backend.wasm._malloc(capacity);
        if (pointer === 0) throw new Error(`wasm heap exhausted allocating ${capacity} bytes of kernel scratch`);
      }
      return pointer;
    },
  };
  instances.set(backend, module);
  return module;
}
