/**
 * The search's checkpoint file: JSON lines (a header, then batch and trial records) appended as the search goes,
 * read back to resume by replay (see search.ts). What this file guarantees:
 * - one writer: `<file>.lock` holds the writer's pid; a path held by a live process is refused naming that pid,
 *   a lock left by a dead process is taken over;
 * - nothing it did not write is changed: the header is checked before anything, and the only bytes ever removed
 *   are an unterminated, unparsable last line (a record torn by a kill) of a checkpoint that passed the header
 *   check and whose lock this process holds;
 * - a damaged line anywhere else is refused with file:line and the fix, never truncated;
 * - every record carries a checksum of its content (version 3 on), so damage that still parses (a digit of a
 *   metric, a letter of the objective, a flipped bit) is refused too, instead of resuming a different history;
 * - each record is one `write` of a whole line, and an append after a last line that lost its newline starts
 *   with one, so records never merge.
 */
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { CheckpointError } from "./errors.js";
import type { TrialResult } from "./estimate/types.js";
import { decodeResult, encodeResult } from "./exec/resultCodec.js";
import { describeFsError } from "./exec/fileWrite.js";
import { sha256Hex } from "./hash.js";

export interface CheckpointHeader {
  type: "header";
  /** 3: records carry checksums; 2 added the fingerprint and evaluation budget. Older versions are read as they are. */
  version: 1 | 2 | 3;
  space: string;
  strategy: string;
  evaluator: string;
  objective: string;
  seed: number;
  parallel: number;
  /** The evaluator's fingerprint (null if it has none); version 2 on. */
  fingerprint?: Record<string, unknown> | null;
  /** The evaluation budget passed to every trial (null if none); version 2 on. */
  evalBudget?: Record<string, unknown> | null;
}
export interface BatchRecord { type: "batch"; batch: number; size: number }
export interface TrialRecord {
  type: "trial"; index: number; batch: number; arch: string; seed: number; result: TrialResult; elapsed: number;
  /** Whether the result came from the trial store, and its trial key. */
  cached?: boolean; trialKey?: string;
}

export interface SavedSearch {
  header: CheckpointHeader;
  batches: Map<number, number>;
  trials: Map<number, TrialRecord>;
}

export interface Checkpoint {
  /** What the file held when opened (undefined for a new checkpoint). */
  saved: SavedSearch | undefined;
  append(rec: BatchRecord | TrialRecord): void;
  /** Releases the lock. */
  close(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by someone else
  }
}

const held = new Set<string>();
process.once("exit", () => {
  for (const lock of held) try { unlinkSync(lock); } catch { /* already gone */ }
});

/** Takes `<path>.lock` (pid inside), taking over a lock whose process is dead; refuses one held by a live process. */
function lock(path: string): string {
  const lockPath = `${path}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, "wx");
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      held.add(lockPath);
      return lockPath;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new CheckpointError(`cannot lock ${path} (${lockPath}): ${(e as Error).message}`);
    }
    let pid = NaN;
    try {
      pid = Number.parseInt(readFileSync(lockPath, "utf8"), 10);
    } catch { /* removed meanwhile: retry */ }
    if (Number.isInteger(pid) && pid > 0 && (pid === process.pid ? held.has(lockPath) : alive(pid))) {
      throw new CheckpointError(
        `${path} is in use by another search (process ${pid}, lock ${lockPath}); wait for it to finish or stop it, or use another checkpoint path`,
      );
    }
    try { unlinkSync(lockPath); } catch { /* another process took it over first; the retry sees its lock */ }
  }
  throw new CheckpointError(`cannot lock ${path}: ${lockPath} keeps changing hands; another search is starting on it`);
}

function describe(v: unknown): string {
  return v === undefined ? "unset" : JSON.stringify(v);
}

/** The first place two values differ, as `path: a vs b` (e.g. `train.epochs: 1 vs 50`). */
export function firstDifference(a: unknown, b: unknown, path = ""): string | undefined {
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      if (d) return d;
    }
    return undefined;
  }
  return JSON.stringify(a) === JSON.stringify(b) ? undefined : `${path || "value"}: ${describe(a)} vs ${describe(b)}`;
}

function refuseMismatch(path: string, saved: CheckpointHeader, header: CheckpointHeader): void {
  for (const k of Object.keys(header) as (keyof CheckpointHeader)[]) {
    // A version-1 checkpoint has no fingerprint or evalBudget: nothing to compare them with.
    if ((k === "fingerprint" || k === "evalBudget" || k === "version") && !(k in saved)) continue;
    if (k === "version") continue;
    if (k === "fingerprint" || k === "evalBudget") {
      const d = firstDifference(saved[k] ?? null, header[k] ?? null);
      if (d) {
        const what = k === "fingerprint" ? "evaluator fingerprint" : "evaluation budget";
        throw new CheckpointError(
          `${path} was written with another ${what} (${d}, checkpoint vs this search). ` +
            "Resume with the same evaluator settings, or delete the file to start afresh.",
        );
      }
      continue;
    }
    if (saved[k] !== header[k]) {
      throw new CheckpointError(
        `${path} was written by a search with ${k} = ${JSON.stringify(saved[k])}, this one has ` +
          `${JSON.stringify(header[k])}. Resume with the same configuration, or delete the file to start afresh.`,
      );
    }
  }
}

/** The version this code writes: every record with its checksum. */
export const CHECKPOINT_VERSION = 3;

/** A record's checksum: the first 16 hex digits of the sha256 of its JSON without the checksum. */
function checksum(recordJson: string): string {
  return sha256Hex(recordJson).slice(0, 16);
}

/** The line written for a record: its JSON with its checksum as a last field, `sum`. */
function lineOf(rec: object): string {
  const json = JSON.stringify(rec);
  return `${json.slice(0, -1)},"sum":"${checksum(json)}"}`;
}

/** `notJson`: the line does not parse at all (what a write torn by a kill leaves), as opposed to a wrong record. */
type Parsed = { kind: "record"; rec: CheckpointHeader | BatchRecord | TrialRecord } | { kind: "bad"; why: string; notJson?: boolean };

/**
 * Parses a line. A record with a checksum must match it. One without is damage in a version-3 file (`sums`
 * "required", known once its header is read) and for a version-3 header; in older files it is an older record.
 */
function parseLine(line: string, sums: "required" | "optional"): Parsed {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (e) {
    return { kind: "bad", why: `not JSON (${(e as Error).message})`, notJson: true };
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return { kind: "bad", why: "not a checkpoint record (header, batch or trial)" };
  const { sum, ...rec } = parsed as Record<string, unknown>;
  if ("sum" in parsed) {
    if (sum !== checksum(JSON.stringify(rec))) return { kind: "bad", why: "its checksum does not match its content (the line was altered or damaged)" };
  } else if (sums === "required" || (rec.type === "header" && typeof rec.version === "number" && rec.version >= CHECKPOINT_VERSION)) {
    return { kind: "bad", why: "it has no checksum, which every record of a version-3 checkpoint has (the line was altered or damaged)" };
  }
  if (rec.type === "header" && typeof rec.version === "number") return { kind: "record", rec: rec as unknown as CheckpointHeader };
  if (rec.type === "batch" && typeof rec.batch === "number" && typeof rec.size === "number") return { kind: "record", rec: rec as unknown as BatchRecord };
  if (rec.type === "trial" && typeof rec.index === "number" && typeof rec.arch === "string") {
    const result = decodeResult(rec.result);
    if (!result) return { kind: "bad", why: "a trial record without a valid result" };
    return { kind: "record", rec: { ...(rec as unknown as TrialRecord), result } };
  }
  return { kind: "bad", why: "not a checkpoint record (header, batch or trial)" };
}

/**
 * Opens (and locks) a checkpoint for a search with `header`: reads what it holds, checks it belongs to this
 * search, and returns an appender. Throws CheckpointError for a path that cannot be one, is in use, is damaged,
 * or belongs to another configuration.
 */
export function openCheckpoint(path: string, header: CheckpointHeader): Checkpoint {
  if (existsSync(path) && statSync(path).isDirectory()) throw new CheckpointError(`checkpoint ${path} is a directory; give a file path, e.g. ${path}/search.jsonl`);
  const parent = dirname(path);
  if (!existsSync(parent)) throw new CheckpointError(`checkpoint ${path}: directory ${parent} does not exist; create it (mkdir -p ${parent}) or choose another path`);
  if (!statSync(parent).isDirectory()) throw new CheckpointError(`checkpoint ${path}: ${parent} is not a directory`);
  const lockPath = lock(path);
  const release = () => {
    if (held.delete(lockPath)) try { unlinkSync(lockPath); } catch { /* gone */ }
  };
  let fd: number | undefined;
  try {
    fd = openSync(path, "a+");
    const file = fd;
    const text = readFileSync(path, "utf8");
    const lines = text.split("\n");
    // `lines` ends with the bytes after the last newline: "" for a file that ends with one.
    const tail = lines.length - 1;
    let saved: SavedSearch | undefined;
    let tornBytes = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.trim() === "") continue;
      // The header says whether records carry checksums; a header line itself is checked when it has one.
      const p = parseLine(line, saved && saved.header.version >= 3 ? "required" : "optional");
      if (p.kind === "bad") {
        if (!saved) {
          throw new CheckpointError(`${path} has no header line (${path}:${i + 1} is ${p.why}): it is not a nasbook checkpoint, or its header is damaged. Delete it or choose another path.`);
        }
        // Torn by a kill mid-write (an unterminated line that is not even JSON): dropped below.
        if (i === tail && p.notJson) { tornBytes = Buffer.byteLength(line); break; }
        throw new CheckpointError(
          `${path}:${i + 1} is damaged (${p.why}); nothing was changed. Fix or delete that line (the records around it are kept), ` +
            "or delete the file to start afresh.",
        );
      }
      const rec = p.rec;
      if (!saved) {
        if (rec.type !== "header") throw new CheckpointError(`${path} has no header line (${path}:${i + 1} is a ${rec.type} record): it is not a nasbook checkpoint. Delete it or choose another path.`);
        refuseMismatch(path, rec, header);
        saved = { header: rec, batches: new Map(), trials: new Map() };
      } else if (rec.type === "batch") saved.batches.set(rec.batch, rec.size);
      else if (rec.type === "trial") saved.trials.set(rec.index, rec);
    }
    if (tornBytes > 0) ftruncateSync(file, Buffer.byteLength(text) - tornBytes);
    // A last line that lost its newline (or whitespace without one) must not merge with the next record.
    let needNewline = tornBytes === 0 && text.length > 0 && !text.endsWith("\n");
    const write = (rec: CheckpointHeader | BatchRecord | TrialRecord) => {
      const out = rec.type === "trial" ? { ...rec, result: encodeResult(rec.result) } : rec;
      try {
        // A short write (a disk filling up) is continued, never left as a line that the next record merges into.
        const bytes = Buffer.from((needNewline ? "\n" : "") + lineOf(out) + "\n");
        for (let off = 0; off < bytes.length;) off += writeSync(file, bytes, off, bytes.length - off);
      } catch (e) {
        // A full disk mid-line leaves a torn last line, which a resume drops; the search stops here with one line.
        throw new CheckpointError(describeFsError(e, path, "the checkpoint"));
      }
      needNewline = false;
    };
    if (!saved) write(header);
    return {
      saved,
      append: write,
      close() {
        try { closeSync(file); } catch { /* closed */ }
        release();
      },
    };
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    release();
    throw e;
  }
}
