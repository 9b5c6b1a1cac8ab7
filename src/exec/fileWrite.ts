/**
 * Writing files so that a failure is one clear line and leaves nothing behind: directories made without Node's
 * recursive mkdir (which spins forever at 100% CPU on a path like /proc/x, where mkdir answers ENOENT under a
 * parent that exists), whole files written to a temporary name and renamed into place (removed if anything fails),
 * and file-system errors turned into one line that names the path and the fix (a full disk, a directory given
 * as a file, no permission).
 */
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { NasbookError } from "../errors.js";

/** A file or directory that cannot be written: the message is one line naming the path and the fix. */
export class FileWriteError extends NasbookError {}

/** One line for a failed file-system call on `path` (`what`: "the executed notebook", "the trial store"...). */
export function describeFsError(e: unknown, path: string, what: string): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOSPC": return `no space left on the device holding ${path} (writing ${what}); free some space or choose a path on another disk`;
    case "EDQUOT": return `disk quota exceeded writing ${what} to ${path}; free some space or choose another path`;
    case "EISDIR": return `${path} is a directory; give a file path for ${what}, e.g. ${join(path, "out")}`;
    case "ENOTDIR": return `a part of ${path} is a file, not a directory; choose another path for ${what}`;
    case "EACCES":
    case "EPERM": return `no permission to write ${what} to ${path}; choose a path you can write to`;
    case "EROFS": return `${path} is on a read-only file system; choose another path for ${what}`;
    case "ENOENT": return `cannot create ${what} at ${path}: a directory on the way cannot be created there; choose another path`;
    case "ENAMETOOLONG": return `the path ${path} is too long for ${what}; choose a shorter one`;
    case "EMFILE":
    case "ENFILE": return `too many open files writing ${what} to ${path}; close some programs and retry`;
    default: return `cannot write ${what} to ${path}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`;
  }
}

/**
 * Creates `dir` and its missing parents (like mkdir -p), one level at a time; a level that cannot be created is
 * a FileWriteError, never a retry loop.
 */
export function makeDirectory(dir: string, what: string): void {
  const target = resolve(dir);
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) throw new FileWriteError(`${target} is a file, not a directory; give a directory for ${what}`);
    return;
  }
  const missing: string[] = [];
  for (let d = target; !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.unshift(d);
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST" && statSync(d).isDirectory()) continue; // made meanwhile
      throw new FileWriteError(describeFsError(e, d, what));
    }
  }
}

/**
 * Writes `data` to `path` whole or not at all: to a temporary file beside it, flushed, then renamed over `path`
 * (through a symlink to the file it names). On any failure the temporary file is removed and a FileWriteError (one
 * line) is thrown; `path` is unchanged. A path that is not a regular file (/dev/stdout, a pipe) is written directly.
 */
export function writeFileWhole(path: string, data: string | Uint8Array, what: string): void {
  let target = resolve(path);
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  if (existsSync(target)) {
    target = realpathSync(target);
    const st = statSync(target);
    if (st.isDirectory()) throw new FileWriteError(describeFsError(Object.assign(new Error("is a directory"), { code: "EISDIR" }), target, what));
    if (!st.isFile()) {
      try {
        writeFileSync(target, bytes);
      } catch (e) {
        throw new FileWriteError(describeFsError(e, target, what));
      }
      return;
    }
  }
  makeDirectory(dirname(target), what);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "wx", 0o644);
    for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) try { closeSync(fd); } catch { /* already closed */ }
    try { unlinkSync(tmp); } catch { /* never created, or renamed */ }
    throw new FileWriteError(describeFsError(e, target, what));
  }
}
