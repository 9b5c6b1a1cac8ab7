/**
 * `node:fs` for a live page: reads from the page's embedded files (virtualFs.ts); writing, and reading any file
 * the notebook did not read when it was exported, is a clear error.
 */
import { unsupported } from "../unsupported.js";
import { directoryEntries, fileBytes, filePaths, isDirectory } from "../virtualFs.js";
import { pageDataDir } from "./process.js";
import { resolve } from "./path.js";
import type { PageBytes } from "./bytes.js";

function pathOf(p: unknown): string {
  if (typeof p === "string") return resolve(p);
  if (p instanceof URL) return decodeURIComponent(p.pathname);
  throw unsupported(`opening a file by descriptor or buffer (${String(p)})`);
}

/** An ENOENT-like error, naming what the page has instead. */
function missing(path: string): Error {
  const data = filePaths().filter((p) => p.startsWith(pageDataDir)).map((p) => p.slice(pageDataDir.length + 1));
  const err = new Error(
    `ENOENT: ${path} is not in this page: a live page holds only the files its notebook read when it was exported` +
      ` (${data.length ? `data: ${data.join(", ")}` : "no data files"}); export again after running the cell that reads it`,
  ) as Error & { code: string; path: string };
  err.code = "ENOENT";
  err.path = path;
  return err;
}

export function existsSync(p: unknown): boolean {
  const path = pathOf(p);
  return fileBytes(path) !== undefined || isDirectory(path);
}

export function readFileSync(p: unknown, options?: string | { encoding?: string | null }): PageBytes | string {
  const path = pathOf(p);
  const bytes = fileBytes(path);
  if (!bytes) throw missing(path);
  const encoding = typeof options === "string" ? options : options?.encoding ?? undefined;
  return encoding ? bytes.toString(encoding) : bytes;
}

export function statSync(p: unknown, options?: { throwIfNoEntry?: boolean }): { isDirectory(): boolean; isFile(): boolean; size: number; mtimeMs: number } | undefined {
  const path = pathOf(p);
  const bytes = fileBytes(path);
  const dir = !bytes && isDirectory(path);
  if (!bytes && !dir) {
    if (options?.throwIfNoEntry === false) return undefined;
    throw missing(path);
  }
  return { isDirectory: () => dir, isFile: () => !dir, size: bytes?.length ?? 0, mtimeMs: 0 };
}

export function readdirSync(p: unknown): string[] {
  const path = pathOf(p);
  if (!isDirectory(path)) throw missing(path);
  return directoryEntries(path);
}

export function realpathSync(p: unknown): string {
  return pathOf(p);
}

const writing = (name: string) => (p?: unknown): never => {
  throw unsupported(`writing files (${name} ${typeof p === "string" ? p : ""})`.replace(" )", ")"), "a page cannot write to your disk");
};

export const writeFileSync = writing("writeFileSync");
export const appendFileSync = writing("appendFileSync");
export const mkdirSync = writing("mkdirSync");
export const mkdtempSync = writing("mkdtempSync");
export const openSync = writing("openSync");
export const writeSync = writing("writeSync");
export const closeSync = writing("closeSync");
export const fsyncSync = writing("fsyncSync");
export const ftruncateSync = writing("ftruncateSync");
export const renameSync = writing("renameSync");
export const rmSync = writing("rmSync");
export const unlinkSync = writing("unlinkSync");
export const createWriteStream = writing("createWriteStream");
export const createReadStream = (p?: unknown): never => {
  throw unsupported(`streaming a file (${String(p)})`);
};

export const promises = {
  readFile: async (p: unknown, o?: string | { encoding?: string | null }) => readFileSync(p, o),
};

export default {
  existsSync, readFileSync, statSync, readdirSync, realpathSync, writeFileSync, appendFileSync, mkdirSync, mkdtempSync,
  openSync, writeSync, closeSync, fsyncSync, ftruncateSync, renameSync, rmSync, unlinkSync, createWriteStream,
  createReadStream, promises,
};
