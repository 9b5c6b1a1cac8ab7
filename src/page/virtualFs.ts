/**
 * The files a live page has: the data files the notebook read when it was exported (under `pageDataDir`), and
 * nasbook's own files the library opens (its package.json, the wasm training kernels, under `pageRoot`). Read-only:
 * `node:fs` in the page (shims/fs.ts) reads from here, and anything else is a clear error.
 *
 * gzip files (MNIST) are inflated when the page starts (the browser's DecompressionStream is asynchronous, Node's
 * gunzipSync is not): `gunzipSync` of the bytes `readFileSync` returned for such a file gives the inflated bytes.
 */
import { pageBytes, type PageBytes } from "./shims/bytes.js";

const files = new Map<string, PageBytes>();
const inflated = new WeakMap<Uint8Array, PageBytes>();

/** Adds a file (an absolute path). */
export function addFile(path: string, bytes: Uint8Array): void {
  files.set(path, pageBytes(bytes));
}

/** Records what a gzip file's bytes inflate to (see the file comment). */
export function addInflated(path: string, content: Uint8Array): void {
  const raw = files.get(path);
  if (raw) inflated.set(raw, pageBytes(content));
}

export function fileBytes(path: string): PageBytes | undefined {
  return files.get(path);
}

/** The inflated bytes of an embedded gzip file, given its bytes (those readFileSync returned, or a copy of them). */
export function inflatedBytes(gz: Uint8Array): PageBytes | undefined {
  const same = inflated.get(gz);
  if (same) return same;
  // A loader may copy the bytes (to check a checksum, to slice a header): find the embedded file with equal bytes.
  for (const raw of files.values()) {
    const out = inflated.get(raw);
    if (out && raw.length === gz.length && raw.every((b, i) => b === gz[i])) return out;
  }
  return undefined;
}

/** True for a directory: some file lies under it. */
export function isDirectory(path: string): boolean {
  const prefix = path.endsWith("/") ? path : `${path}/`;
  for (const p of files.keys()) if (p.startsWith(prefix)) return true;
  return false;
}

/** The names directly under a directory. */
export function directoryEntries(path: string): string[] {
  const prefix = path.endsWith("/") ? path : `${path}/`;
  const names = new Set<string>();
  for (const p of files.keys()) if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split("/")[0]!);
  return [...names].sort();
}

/** Every file's path (the page lists them when a read misses). */
export function filePaths(): string[] {
  return [...files.keys()].sort();
}
