/**
 * The reproducibility manifest an executed notebook carries in `metadata.nasbook.manifest`: what ran it
 * (package versions, Node, the tfjs backend), with which seed, on which data (sha256 of every file read from the
 * data directory) and from which commit. It holds no timestamps or durations, so running the same notebook
 * twice on the same machine and commit writes the same manifest.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import { createRequire, syncBuiltinESMExports } from "node:module";
import os from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { backendInfo } from "../backend/index.js";
import type { TrialStoreUsage } from "./session.js";
import { packageRoot } from "../packageLocation.js";

/** One data file the notebook read. */
export interface DataFileRecord {
  /** Path relative to the data directory, with "/" separators. */
  path: string;
  sha256: string;
  bytes: number;
}

/** Where the seed came from: `nasbook run --seed N`, or the notebook's own parameters cell. */
export interface SeedRecord {
  seed: number | null;
  source: "--seed" | "notebook" | "none";
  /** The cell that defines `seed` (the parameters cell), if any. */
  cell?: string;
}

export interface RunManifest {
  nasbook: string;
  node: string;
  platform: string;
  /** Versions of the packages that shape results (missing optional packages are left out). */
  packages: Record<string, string>;
  /** The tfjs backend as chosen by `initBackend()`, or null if the notebook never initialised one. */
  backend: { name: string; threads: number; simd?: boolean; tfjs: string; reason: string } | null;
  seed: SeedRecord;
  data: DataFileRecord[];
  git: { commit: string; dirty: boolean } | null;
  /** sha256 of the notebook's code cells (their sources joined), so the manifest names what was run. */
  codeSha256: string;
  /** The notebook's trial store over this run: where, and how many trials of its searches came from it (null: none). */
  trialStore: TrialStoreUsage | null;
  /** Control values the run was given (`nasbook run --set name=value`). */
  set?: Record<string, string>;
}

/** Packages whose versions go into the manifest. */
export const manifestPackages = [
  "@tensorflow/tfjs",
  "@tensorflow/tfjs-core",
  "@tensorflow/tfjs-backend-wasm",
  "@tensorflow/tfjs-node",
  "@observablehq/runtime",
  "typescript",
  "plotly.js-dist-min",
  "d3-scale-chromatic",
  "d3-path",
] as const;

const requireHere = createRequire(join(packageRoot, "package.json"));

function packageVersion(name: string): string | undefined {
  try {
    return (requireHere(`${name}/package.json`) as { version?: string }).version;
  } catch {
    // Packages without "./package.json" in their exports map: read the file next to the resolved entry's package.
    try {
      const dir = join(packageRoot, "node_modules", ...name.split("/"));
      return (JSON.parse(fs.readFileSync(join(dir, "package.json"), "utf8")) as { version?: string }).version;
    } catch {
      return undefined;
    }
  }
}

/** The commit of the nasbook checkout and whether tracked files differ from it; null outside git. */
export function gitState(dir: string = packageRoot): { commit: string; dirty: boolean } | null {
  const head = spawnSync("git", ["rev-parse", "HEAD"], { cwd: dir, encoding: "utf8" });
  if (head.status !== 0 || !/^[0-9a-f]{40}$/.test(head.stdout.trim())) return null;
  const status = spawnSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: dir, encoding: "utf8" });
  return { commit: head.stdout.trim(), dirty: status.status === 0 ? status.stdout.trim() !== "" : true };
}

/** sha256 of a file, streamed in chunks (data files can be large). */
export function sha256File(path: string): { sha256: string; bytes: number } {
  const hash = createHash("sha256");
  const fd = fs.openSync(path, "r");
  const buf = Buffer.allocUnsafe(1 << 20);
  let bytes = 0;
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      bytes += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { sha256: hash.digest("hex"), bytes };
}

function pathOf(file: unknown): string | undefined {
  if (typeof file === "string") return file;
  if (file instanceof URL && file.protocol === "file:") return fileURLToPath(file);
  if (Buffer.isBuffer(file)) return file.toString("utf8");
  return undefined; // a file descriptor or handle: no path to record
}

/**
 * Records the files read under `dir` while active, by wrapping node:fs's read functions (and re-syncing the
 * named ESM exports, so `import { readFileSync } from "node:fs"` in already-loaded modules is covered too).
 * Returns a function that restores fs and gives the files, sorted.
 */
export function trackDataReads(dir: string): () => string[] {
  const root = resolve(dir);
  const seen = new Set<string>();
  const note = (file: unknown): void => {
    const p = pathOf(file);
    if (p === undefined) return;
    const abs = resolve(p);
    const rel = relative(root, abs);
    if (rel !== "" && !rel.startsWith("..") && !isAbsolute(rel)) seen.add(abs);
  };
  const mutableFs = fs as unknown as Record<string, unknown>;
  const mutablePromises = fs.promises as unknown as Record<string, unknown>;
  const originals = {
    readFileSync: fs.readFileSync,
    readFile: fs.readFile,
    createReadStream: fs.createReadStream,
    promisesReadFile: fs.promises.readFile,
  };
  const wrap = <F extends (...args: never[]) => unknown>(f: F): F =>
    function (this: unknown, ...args: Parameters<F>) {
      note(args[0]);
      return f.apply(this, args);
    } as F;
  mutableFs["readFileSync"] = wrap(originals.readFileSync);
  mutableFs["readFile"] = wrap(originals.readFile);
  mutableFs["createReadStream"] = wrap(originals.createReadStream);
  mutablePromises["readFile"] = wrap(originals.promisesReadFile);
  syncBuiltinESMExports();
  return () => {
    mutableFs["readFileSync"] = originals.readFileSync;
    mutableFs["readFile"] = originals.readFile;
    mutableFs["createReadStream"] = originals.createReadStream;
    mutablePromises["readFile"] = originals.promisesReadFile;
    syncBuiltinESMExports();
    return [...seen].sort();
  };
}

/** Records of data files (relative to `dir`), hashed now. */
export function dataRecords(files: readonly string[], dir: string): DataFileRecord[] {
  return files
    .filter((f) => fs.existsSync(f))
    .map((f) => ({ path: relative(resolve(dir), f).split(/[\\/]/).join("/"), ...sha256File(f) }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The manifest for a run: environment, backend (if one was initialised), seed, data files and git state. */
export function buildManifest(opts: { seed: SeedRecord; dataFiles: DataFileRecord[]; code: string; trialStore?: TrialStoreUsage; set?: Record<string, string> }): RunManifest {
  const packages: Record<string, string> = {};
  for (const name of manifestPackages) {
    const v = packageVersion(name);
    if (v !== undefined) packages[name] = v;
  }
  const b = backendInfo();
  return {
    nasbook: readOwnVersion(),
    node: process.version,
    platform: `${os.platform()}-${os.arch()}`,
    packages,
    backend: b ? { name: b.name, threads: b.threads, ...(b.simd === undefined ? {} : { simd: b.simd }), tfjs: b.tfjsVersion, reason: b.reason } : null,
    seed: opts.seed,
    data: opts.dataFiles,
    git: gitState(),
    codeSha256: createHash("sha256").update(opts.code).digest("hex"),
    trialStore: opts.trialStore ?? null,
    ...(opts.set ? { set: opts.set } : {}),
  };
}

function readOwnVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}
