#!/usr/bin/env node
// An installed package runs the compiled dist/. A clone runs dist/ when it is newer than every source file (after
// `npm install`, whose `prepare` builds it, or `npm run build`), and otherwise the TypeScript sources through tsx,
// so editing src/ needs no rebuild before the next run. NASBOOK_FROM_SOURCE=1 forces the sources.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const distCli = join(root, "dist", "src", "cli.js");

/** Newest modification time (ms) of the .ts files under `dir`, or 0 if there is none. */
function newestSource(dir) {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function distIsCurrent() {
  if (!existsSync(distCli)) return false;
  if (!existsSync(join(root, "src"))) return true; // an installed package ships dist only
  return statSync(distCli).mtimeMs >= Math.max(newestSource(join(root, "src")), newestSource(join(root, "kernel")));
}

async function load() {
  if (process.env.NASBOOK_FROM_SOURCE !== "1" && distIsCurrent()) {
    return Promise.all([import("../dist/src/cli.js"), import("../dist/src/errors.js")]);
  }
  try {
    const { register } = await import("tsx/esm/api");
    register();
  } catch {
    if (existsSync(distCli)) {
      console.error("nasbook: dist/ is older than src/ and tsx is not installed; running dist/ (rebuild: npm run build)");
      return Promise.all([import("../dist/src/cli.js"), import("../dist/src/errors.js")]);
    }
    throw new Error("nasbook: neither dist/ (npm run build) nor tsx (npm install) is available");
  }
  return Promise.all([import("../src/cli.ts"), import("../src/errors.ts")]);
}

const [{ cli }, { NasbookError }] = await load();
try {
  process.exitCode = await cli(process.argv.slice(2));
} catch (err) {
  // Errors of ours carry their fix in the message; a stack trace would only hide it.
  console.error(err instanceof NasbookError ? `${err.name}: ${err.message}` : err);
  process.exitCode = 1;
}
