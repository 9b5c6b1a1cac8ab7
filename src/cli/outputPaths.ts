/**
 * The paths a command reads and writes, checked before anything is read or written: an output that is one of the
 * inputs (`nasbook export nb.ipynb --html --out nb.ipynb`), another output (`--out X --html X`), or the
 * checkpoint (`--history F --checkpoint F`, which wiped the checkpoint so that every resume started afresh) is
 * refused with one line naming both flags; an output that is a directory is refused too. Paths are compared as
 * the files they name (symlinks followed, hard links by device and inode), not as strings.
 */
import { existsSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { NasbookError } from "../errors.js";

/** Two of a command's paths are the same file, or an output cannot be one. One line, with the fix. */
export class OutputPathError extends NasbookError {}

/** One path of a command: what names it (a flag, or "the notebook"), and whether the command reads it, writes it, or both. */
export interface CommandPath {
  path: string | undefined;
  /** As the user knows it: "--out", "--html", "the notebook". */
  name: string;
  role: "input" | "output" | "input and output";
  /** An output that is a directory (a trial store) rather than a file. */
  directory?: boolean;
}

/** What identifies the file a path names: its inode when it exists, else its resolved path (parents resolved). */
function identity(path: string): string {
  const abs = resolve(path);
  if (existsSync(abs)) {
    const st = statSync(abs);
    return `inode ${st.dev}:${st.ino}`;
  }
  // A file not yet there: resolve symlinks in the parts that exist, so dir/../x and a linked directory compare equal.
  let dir = dirname(abs);
  const rest = [basename(abs)];
  while (!existsSync(dir) && dirname(dir) !== dir) {
    rest.unshift(basename(dir));
    dir = dirname(dir);
  }
  return `path ${join(realpathSync(dir), ...rest)}`;
}

const writes = (p: CommandPath) => p.role !== "input";

/** Refuses (OutputPathError, one line) outputs that clash with an input, another output, or are directories. */
export function checkCommandPaths(command: string, paths: CommandPath[]): void {
  const given = paths.filter((p): p is CommandPath & { path: string } => p.path !== undefined && p.path !== "");
  for (const p of given) {
    if (!writes(p) || p.directory) continue;
    const abs = resolve(p.path);
    if (existsSync(abs) && statSync(abs).isDirectory()) {
      throw new OutputPathError(`nasbook ${command}: ${p.name} ${p.path} is a directory; give a file path, e.g. ${join(p.path, `out${extname(p.path) || ""}`)}`);
    }
  }
  const ids = given.map((p) => identity(p.path));
  for (let i = 0; i < given.length; i++) {
    for (let j = i + 1; j < given.length; j++) {
      if (ids[i] !== ids[j]) continue;
      const [a, b] = [given[i]!, given[j]!];
      if (!writes(a) && !writes(b)) continue; // two inputs may be one file
      const [out, other] = writes(b) && !writes(a) ? [b, a] : [a, b];
      const what = other.role === "input" ? "an input" : other.role === "input and output" ? "read and written" : "another output";
      throw new OutputPathError(
        `nasbook ${command}: ${out.name} ${out.path} is the same file as ${other.name} (${what}); writing it would destroy ` +
          `${other.role === "output" ? "the other output" : "what is read from it"}. Nothing was written: give them different paths`,
      );
    }
  }
}

/** `checkCommandPaths` for a command's main(): prints the refusal and returns exit code 2, or undefined if all is well. */
export function refuseClashingPaths(command: string, paths: CommandPath[]): number | undefined {
  try {
    checkCommandPaths(command, paths);
    return undefined;
  } catch (e) {
    if (!(e instanceof OutputPathError)) throw e;
    console.error(e.message);
    return 2;
  }
}

export { writeFileWhole as writeOutputFile, FileWriteError } from "../exec/fileWrite.js";
