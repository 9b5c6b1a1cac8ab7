/**
 * Data files in the data directory: found there, or downloaded from public mirrors into it and checked
 * against published checksums. Offline, the error lists each missing file, where to put it and where to get it.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { DataFileError } from "../errors.js";
import { dataPath } from "./dir.js";

export interface RemoteFile {
  /** Path inside the data directory, e.g. `mnist/train-images-idx3-ubyte.gz`. */
  path: string;
  /** Mirrors to try in order. */
  urls: readonly string[];
  md5?: string;
  sha256?: string;
}

export interface FetchOptions {
  /** Data directory (default: `dataDir()`, i.e. --data, NASBOOK_DATA or ~/.cache/nasbook/data). */
  dataDir?: string;
  /** Try the mirrors for missing files (default true). */
  download?: boolean;
  /** The fetch to use (default: global fetch); tests pass a fake one. */
  fetch?: (url: string, init?: { signal?: AbortSignal }) => Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;
  /** Progress messages (default: console.log). */
  log?: (message: string) => void;
}

function checksumProblem(file: RemoteFile, bytes: Uint8Array): string | undefined {
  if (file.sha256) {
    const got = createHash("sha256").update(bytes).digest("hex");
    if (got !== file.sha256) return `sha256 ${got}, expected ${file.sha256}`;
  }
  if (file.md5) {
    const got = createHash("md5").update(bytes).digest("hex");
    if (got !== file.md5) return `md5 ${got}, expected ${file.md5}`;
  }
  return undefined;
}

/** Reads a data file if present (checking its checksum), else downloads it; returns undefined if unobtainable. */
export async function tryFetchFile(file: RemoteFile, opts: FetchOptions = {}): Promise<{ bytes?: Uint8Array; problems: string[] }> {
  const path = dataPath(file.path, opts.dataDir);
  if (existsSync(path)) {
    const bytes = new Uint8Array(readFileSync(path));
    const bad = checksumProblem(file, bytes);
    if (bad) throw new DataFileError(`${path} is corrupt (${bad}); delete it and let nasbook download it again, or replace it with a good copy from ${file.urls[0] ?? "the dataset's site"}`);
    return { bytes, problems: [] };
  }
  const problems: string[] = [];
  if (opts.download === false) return { problems: ["downloads disabled"] };
  const doFetch = opts.fetch ?? ((url: string, init?: { signal?: AbortSignal }) => fetch(url, init));
  const log = opts.log ?? ((m: string) => console.log(m));
  for (const url of file.urls) {
    try {
      log(`downloading ${url} -> ${path}`);
      const res = await doFetch(url, { signal: AbortSignal.timeout(300_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      const bad = checksumProblem(file, bytes);
      if (bad) throw new Error(`checksum mismatch: ${bad}`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(`${path}.part`, bytes);
      renameSync(`${path}.part`, path);
      return { bytes, problems };
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      problems.push(`${url}: ${err.message}${err.cause?.code ? ` (${err.cause.code})` : ""}`);
    }
  }
  return { problems };
}

/** An error listing each missing file, its destination and its mirrors. */
export function missingFilesError(what: string, missing: readonly { file: RemoteFile; problems: string[] }[], dataDir?: string): DataFileError {
  const lines = missing.map(
    ({ file, problems }) =>
      `  ${dataPath(file.path, dataDir)}  (from ${file.urls.join(" or ")}${file.md5 ? `, md5 ${file.md5}` : ""})` +
      (problems.length ? `\n    tried: ${problems.join("; ")}` : ""),
  );
  return new DataFileError(
    `${what}: missing file(s) and no download possible. Put them here (or set NASBOOK_DATA / --data to a directory holding them):\n${lines.join("\n")}`,
  );
}
