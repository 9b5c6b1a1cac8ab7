/**
 * Where nasbook runs from: its package root, and whether this is the compiled package (`dist/src/...`) or the
 * TypeScript sources of a clone (`src/...`). The one place that answers "am I running from dist?".
 */
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const srcDir = dirname(fileURLToPath(import.meta.url)); // <root>/src or <root>/dist/src
const parent = resolve(srcDir, "..");
/** True in the compiled package (dist/src), false in a clone's sources (src). */
export const isBuilt = basename(parent) === "dist";
/** The directory of nasbook's package.json. */
export const packageRoot = isBuilt ? dirname(parent) : parent;
/** This file's tree: `<root>/src` in a clone, `<root>/dist/src` when built. */
export const runningSrcDir = srcDir;
/** The TypeScript sources of a clone (absent in an installed package). */
export const sourceDir = join(packageRoot, "src");
/** The compiled tree. */
export const compiledDir = join(packageRoot, "dist", "src");
/** Package `exports` conditions for the code running now: the sources in a clone, dist/ once built. */
export const exportConditions: readonly string[] = isBuilt ? ["import"] : ["source", "import"];
/** The library every cell sees as `nas`: the entry point of the tree running now. */
export const libraryEntry = join(srcDir, isBuilt ? "index.js" : "index.ts");
/** What a cell's `import ... from "tslab"` type-checks against: nasbook's tslab-compatible display API. */
export const tslabCompatEntry = join(srcDir, "notebook", isBuilt ? "tslabCompat.js" : "tslabCompat.ts");
