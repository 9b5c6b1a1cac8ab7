/**
 * Trial stores on this machine: in memory, and a directory on disk that any number of processes share.
 *
 * What is stored (`isStorable`): ok results always. Failures only when they are a property of the architecture
 * and the evaluator (an invalid architecture, a model above maxParams, an unparsable architecture): recomputing
 * them gives the same failure. Every other failure (a timeout, an abort, out of memory, a missing file, a crashed
 * worker) may not recur, so it is never stored and the trial is recomputed next time.
 *
 * The directory store writes one file per key, `<dir>/<key[0..2]>/<key>.json`, holding the result and the
 * sha256 of its JSON. A file is written to a temporary name and then hard-linked into place, so a reader never
 * sees a half-written file and the first writer wins (link fails with EEXIST for the second). A file whose
 * checksum or key does not match (a torn write by a crash of the disk, a hand edit) reads as a miss; the next
 * put replaces it. A write that fails (a full disk) removes its temporary file.
 *
 * With a shared key (`directoryStore(dir, { key })`, sharedKey.ts) the checksum is keyed: an HMAC over the result
 * and its trial key (signature.ts), so whoever can write to the directory without the key cannot plant a result,
 * nor move one to another trial. Unkeyed entries then read as misses and are replaced; a store opened without a
 * key leaves keyed entries alone (it cannot tell a good one from a bad one).
 */
import { randomBytes } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { link, mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { NasbookError } from "../errors.js";
import type { TrialResult } from "../estimate/types.js";
import { describeFsError, makeDirectory } from "./fileWrite.js";
import { decodeResult, encodeResult } from "./resultCodec.js";
import type { SharedKey } from "./sharedKey.js";
import { openResult, sealResult } from "./signature.js";
import { sha256Hex } from "./trialKey.js";
import type { TrialStore } from "./types.js";

/** A trial store location that cannot be used (a file where a directory should be, no permission). */
export class TrialStoreError extends NasbookError {}

/** Error names of failures that are deterministic in (architecture, evaluator): safe to store. */
const DETERMINISTIC_FAILURES = ["InvalidArchError", "UnknownOpError", "ArchParseError", "ModelTooLargeError"];

/** Whether a result may be stored (see the file comment): ok results, and deterministic failures. */
export function isStorable(r: TrialResult): boolean {
  if (r.status === "ok") return true;
  return DETERMINISTIC_FAILURES.some((name) => r.error?.startsWith(`${name}:`) === true);
}

/** A store in this process's memory. */
export function memoryStore(): TrialStore & { readonly size: number } {
  const results = new Map<string, TrialResult>();
  return {
    name: "memory",
    get size() {
      return results.size;
    },
    async get(key) {
      const r = results.get(key);
      return r && structuredClone(r);
    },
    async put(key, result) {
      if (!results.has(key)) results.set(key, structuredClone(result));
    },
  };
}

/** The default directory: `$NASBOOK_CACHE/trials`, else `~/.cache/nasbook/trials`. */
export function defaultTrialDir(): string {
  const env = process.env.NASBOOK_CACHE;
  return env && env.trim() !== "" ? join(resolve(env), "trials") : join(homedir(), ".cache", "nasbook", "trials");
}

const KEY = /^[0-9a-f]{16,128}$/;

/** v1: an unkeyed sha256 of the result; v2: an HMAC with the shared key over the result and its trial key. */
type Entry = { v: 1; key: string; sha256: string; result: unknown } | { v: 2; key: string; mac: string; result: unknown };

export interface DirectoryStoreOptions {
  /** Sign every entry with this key and believe only entries signed with it (see the file comment). */
  key?: SharedKey;
}

/** A store in a directory (created if missing), safe for several processes at once; see the file comment. */
export function directoryStore(dir: string = defaultTrialDir(), opts: DirectoryStoreOptions = {}): TrialStore & { readonly dir: string } {
  const root = resolve(dir);
  if (existsSync(root) && !statSync(root).isDirectory()) {
    throw new TrialStoreError(`trial store ${root} is a file, not a directory; give a directory path (or store: false)`);
  }
  try {
    makeDirectory(root, "the trial store");
  } catch (e) {
    throw new TrialStoreError(`${(e as Error).message} (or store: false)`);
  }
  const key = opts.key;
  const fileOf = (key: string) => {
    if (!KEY.test(key)) throw new TrialStoreError(`"${key}" is not a trial key (hex sha256)`);
    return join(root, key.slice(0, 2), `${key}.json`);
  };
  /** The entry's result if it verifies; "foreign" for a keyed entry read without a key (left alone). */
  const read = async (trialKey: string): Promise<TrialResult | "foreign" | undefined> => {
    let text: string;
    try {
      text = await readFile(fileOf(trialKey), "utf8");
    } catch {
      return undefined;
    }
    try {
      const e = JSON.parse(text) as Entry;
      if (e.key !== trialKey) return undefined;
      if (key) return e.v === 2 ? decodeResult(openResult(key, trialKey, { result: e.result, mac: e.mac })) : undefined;
      if (e.v === 2) return "foreign";
      return e.v === 1 && sha256Hex(JSON.stringify(e.result)) === e.sha256 ? decodeResult(e.result) : undefined;
    } catch {
      return undefined; // torn or garbage: a miss, recomputed and replaced
    }
  };
  return {
    name: `dir ${root}`,
    dir: root,
    async get(trialKey) {
      const r = await read(trialKey);
      return r === "foreign" ? undefined : r;
    },
    async put(trialKey, result) {
      const file = fileOf(trialKey);
      const encoded = encodeResult(result);
      const entry: Entry = key
        ? { v: 2, key: trialKey, mac: sealResult(key, trialKey, encoded).mac, result: encoded }
        : { v: 1, key: trialKey, sha256: sha256Hex(JSON.stringify(encoded)), result: encoded };
      const tmp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
      // Whatever fails (a full disk, the directory removed), the temporary file does not stay behind.
      try {
        await mkdir(join(root, trialKey.slice(0, 2))).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== "EEXIST") throw e;
        });
        await writeFile(tmp, JSON.stringify(entry) + "\n");
        try {
          await link(tmp, file); // atomic, and fails if another writer got there first
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
          // First writer wins, unless what is there is unreadable: then replace it (rename is atomic too).
          if ((await read(trialKey)) === undefined) await rename(tmp, file);
        }
      } catch (e) {
        throw new TrialStoreError(describeFsError(e, file, "a trial result"));
      } finally {
        await unlink(tmp).catch(() => undefined); // gone already after a rename
      }
    },
  };
}
