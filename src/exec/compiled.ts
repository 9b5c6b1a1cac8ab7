/**
 * The compiled twin of one of nasbook's own source files: `<clone>/src/a/b.ts` ↔ `<clone>/dist/src/a/b.js`, used
 * when dist/ is current (the same rule as bin/nasbook.js: the twin is newer than every .ts under src/). A pool
 * thread or a worker then loads plain JavaScript instead of compiling TypeScript through tsx, which made a thread
 * start about twice as slow (each thread registers tsx and transpiles every module it imports).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { compiledDir, sourceDir } from "../packageLocation.js";

let newest: number | undefined;

/** Newest modification time (ms) of the .ts files under `dir` (0 if none or no such directory). */
function newestSource(dir: string): number {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) t = Math.max(t, newestSource(path));
    else if (entry.name.endsWith(".ts")) t = Math.max(t, statSync(path).mtimeMs);
  }
  return t;
}

/**
 * The file URL of the compiled twin of `url` (a .ts file under this package's src/) when that twin exists and is
 * newer than every source file, else undefined (not ours, not TypeScript, dist missing or stale, or
 * NASBOOK_FROM_SOURCE=1).
 */
export function compiledTwin(url: string | URL): string | undefined {
  if (process.env.NASBOOK_FROM_SOURCE === "1") return undefined;
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch {
    return undefined; // not a file URL
  }
  if (!path.endsWith(".ts") || path.endsWith(".d.ts")) return undefined;
  const rel = relative(sourceDir, path);
  if (rel.startsWith("..") || rel.startsWith(sep)) return undefined;
  const twin = join(compiledDir, rel.replace(/\.ts$/, ".js"));
  if (!existsSync(twin)) return undefined;
  newest ??= newestSource(sourceDir); // once per process: a source edited later is picked up by the next process
  return statSync(twin).mtimeMs >= newest ? pathToFileURL(twin).href : undefined;
}
