/**
 * The floors of src/ (ARCHITECTURE.md: "lower layers never import upper ones"): every relative import in src/ goes
 * to the same folder or a lower floor. The few known exceptions are listed with the reason they remain; a new
 * upward import fails here with the file, the import and the two floors.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const src = resolve(dirname(fileURLToPath(import.meta.url)), "../src");

/** Lower number = lower floor. Top-level files of src/ are named by file, folders by name. */
const FLOORS: Record<string, number> = {
  "rng.ts": 0, "errors.ts": 0, "hash.ts": 0, "recipe.ts": 0, "deepEqual.ts": 0, "memoize.ts": 0, "eventLoop.ts": 0, "packageLocation.ts": 0,
  "asyncChannel.ts": 0, "mimeSymbol.ts": 0,
  space: 1,
  data: 2, backend: 2,
  model: 3,
  predict: 4,
  estimate: 5,
  cost: 5.5, export: 5.5,
  strategy: 6,
  exec: 7,
  "checkpoint.ts": 7.5, "search.ts": 8, "latencyTable.ts": 8.5,
  viz: 9, ui: 9,
  notebook: 10,
  cli: 11, "cli.ts": 11,
  "index.ts": 12, page: 12.5, "internal.ts": 13,
};

/** Upward imports that remain, each with its reason (importer -> imported, paths relative to src/). */
const KNOWN: Record<string, string> = {
  "exec/progress.ts -> search.ts": "type-only: the progress display renders search events; the event types live with search()",
  "model/supernetSearch.ts -> strategy/types.ts": "type-only: the supernet search loop reports a StrategySnapshot",
  "model/liveSnapshots.ts -> strategy/types.ts": "type-only: live() turns search events into strategy snapshots",
  "estimate/nb201ZeroCostSpace.ts -> exec/types.ts": "scores the whole NB201 space through search() and a trial store (as latencyTable.ts does, above search.ts); to move up beside it",
  "estimate/nb201ZeroCostSpace.ts -> exec/store.ts": "scores the whole NB201 space through search() and a trial store (as latencyTable.ts does, above search.ts); to move up beside it",
  "estimate/nb201ZeroCostSpace.ts -> search.ts": "scores the whole NB201 space through search() and a trial store (as latencyTable.ts does, above search.ts); to move up beside it",
  "estimate/nb201ZeroCostSpace.ts -> strategy/types.ts": "scores the whole NB201 space through search() and a trial store (as latencyTable.ts does, above search.ts); to move up beside it",
  "notebook/liveExport.ts -> page/payload.ts": "the live export writes what the page reads (its payload format, virtual paths, module shims): one definition, two floors; to move into a shared lower module",
  "notebook/liveExport.ts -> page/shims/module.ts": "the live export writes what the page reads (its payload format, virtual paths, module shims): one definition, two floors; to move into a shared lower module",
  "notebook/liveExport.ts -> page/shims/process.ts": "the live export writes what the page reads (its payload format, virtual paths, module shims): one definition, two floors; to move into a shared lower module",
  "notebook/livePlan.ts -> page/payload.ts": "the live export writes what the page reads (its payload format, virtual paths, module shims): one definition, two floors; to move into a shared lower module",
};

function floorOf(path: string): { name: string; floor: number } {
  const top = path.split("/")[0]!;
  const floor = FLOORS[top];
  if (floor === undefined) throw new Error(`src/${path}: "${top}" has no floor in test/floors.test.ts — add it to FLOORS`);
  return { name: top, floor };
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

/** Relative specifiers of static imports, re-exports and dynamic import() calls. */
export function relativeImports(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) out.push(m[1]!);
  return out;
}

describe("floors of src/", () => {
  it("reads static imports, re-exports and dynamic imports", () => {
    const text = 'import type { A } from "../a.js";\nexport { b } from "./b.js";\nconst c = await import("../c/d.js");\nimport x from "node:fs";';
    expect(relativeImports(text)).toEqual(["../a.js", "./b.js", "../c/d.js"]);
  });

  it("no file imports from a higher floor (except the listed ones)", () => {
    const upward: string[] = [];
    const seen = new Set<string>();
    for (const file of tsFiles(src)) {
      const from = relative(src, file);
      const a = floorOf(from);
      for (const spec of relativeImports(readFileSync(file, "utf8"))) {
        const to = relative(src, resolve(dirname(file), spec)).replace(/\.js$/, ".ts");
        if (to.startsWith("..")) continue; // outside src/ (none today)
        const b = floorOf(to);
        if (b.name === a.name || b.floor < a.floor) continue;
        const pair = `${from} -> ${to}`;
        if (KNOWN[pair]) { seen.add(pair); continue; }
        upward.push(`${pair} (${a.name} is floor ${a.floor}, ${b.name} is floor ${b.floor})`);
      }
    }
    expect(upward).toEqual([]);
    // An exception that no longer exists is taken off the list, so the list stays true.
    expect(Object.keys(KNOWN).filter((k) => !seen.has(k))).toEqual([]);
  });
});
