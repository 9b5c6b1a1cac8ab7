/**
 * The parts of the tfjs wasm backend (4.22.0, pinned) that our training kernels use: its heap, its
 * tensor table and its allocator. tfjs does not type these as public API, so they are named here once.
 */
import type { DataType, TensorInfo } from "@tensorflow/tfjs";

/** A tensor's entry in the wasm backend's table: `memoryOffset` is its byte offset in the heap. */
export interface WasmTensorEntry {
  id: number;
  memoryOffset: number;
}

/** A WebAssembly.Memory (typed here because tsconfig has no DOM lib); shared in the threaded tfjs build. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}

/**
 * The emscripten module behind the backend. The one-thread build exports its memory (`asm.memory`); the threaded
 * build creates a shared memory in JS, imports it and keeps it as `wasmMemory`.
 */
export interface WasmEmscriptenModule {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  asm: { memory?: WasmMemory };
  wasmMemory?: WasmMemory;
}

/** The backend's heap memory, whichever tfjs build runs. */
export function heapMemory(backend: WasmHeapBackend): WasmMemory {
  return (backend.wasm.asm.memory ?? backend.wasm.wasmMemory) as WasmMemory;
}

/** The wasm backend as our kernels see it. */
export interface WasmHeapBackend {
  wasm: WasmEmscriptenModule;
  dataIdMap: { get(dataId: object): WasmTensorEntry | undefined };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

function isHeap(buffer: unknown): boolean {
  return buffer instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && buffer instanceof SharedArrayBuffer);
}

/** Views an opaque kernel `backend` argument as the wasm backend, checking the fields we rely on. */
export function asWasmBackend(backend: unknown): WasmHeapBackend {
  const b = backend as Partial<WasmHeapBackend> | null;
  if (
    b == null ||
    b.wasm == null ||
    typeof b.wasm._malloc !== "function" ||
    !isHeap((b.wasm.asm?.memory ?? b.wasm.wasmMemory)?.buffer) ||
    b.dataIdMap == null
  ) {
    throw new Error(
      "nasbook training kernels need @tensorflow/tfjs-backend-wasm 4.22.0 (its heap layout changed). " +
        "Install the pinned version: npm install --save-exact @tensorflow/tfjs-backend-wasm@4.22.0",
    );
  }
  return b as WasmHeapBackend;
}

/** Byte offset of a float32 tensor's data in the wasm heap. */
export function heapOffset(backend: WasmHeapBackend, t: TensorInfo): number {
  const entry = backend.dataIdMap.get(t.dataId);
  if (entry === undefined) throw new Error("tensor is not on the wasm backend (was it disposed?)");
  return entry.memoryOffset;
}
