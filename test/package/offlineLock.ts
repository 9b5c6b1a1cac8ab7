/**
 * A package-lock.json for a project that depends only on a nasbook tarball: nasbook's runtime dependencies at the
 * versions the repo's lock pins (so `npm install --offline` finds every tarball in the cache `npm ci` filled),
 * without dev-only and optional packages (tfjs-node cannot install offline, and is optional for users too).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  [key: string]: unknown;
}

export function offlineLockfile(repoLock: string, tarball: string): Record<string, unknown> {
  const lock = JSON.parse(readFileSync(repoLock, "utf8")) as { packages: Record<string, LockEntry> };
  const root = lock.packages[""]!;
  const integrity = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
  const packages: Record<string, unknown> = {
    "": { name: "user-project", version: "1.0.0", dependencies: { nasbook: `file:${tarball}` } },
    "node_modules/nasbook": {
      version: root.version, resolved: `file:${tarball}`, integrity, license: root["license"], bin: root["bin"], engines: root["engines"],
      dependencies: root["dependencies"], optionalDependencies: root["optionalDependencies"],
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === "" || entry.dev || entry.optional || entry.devOptional) continue;
    packages[path] = entry;
  }
  return { name: "user-project", version: "1.0.0", lockfileVersion: 3, requires: true, packages };
}
