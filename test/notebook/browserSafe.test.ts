// The part of the pipeline that runs compiled cells (the dataflow, the running-cell registry, the output router)
// must run in a browser page as it is: its imports, followed through every module, reach no Node built-in and not
// the TypeScript compiler. Type-only imports are erased and do not count.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const src = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "src");

/** Every module specifier `file` imports at run time (static imports and re-exports, not `import type`). */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?([^;]*?)\s+from\s+"([^"]+)"/gm)) {
    if (m[2]) continue; // import type / export type
    const clause = m[3]!;
    // `import { type A, type B }` imports nothing at run time.
    const named = /^\{([^}]*)\}$/.exec(clause.trim());
    if (named && named[1]!.split(",").every((s) => s.trim() === "" || s.trim().startsWith("type "))) continue;
    out.push(m[4]!);
  }
  for (const m of text.matchAll(/^\s*import\s+"([^"]+)"/gm)) out.push(m[1]!);
  return out;
}

/** The modules reachable from `entry` at run time; bare specifiers (packages) are listed, not followed. */
function closure(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    for (const spec of runtimeImports(file)) {
      if (spec.startsWith(".")) visit(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
      else packages.add(spec);
    }
  };
  visit(entry);
  return { files: [...files], packages: [...packages] };
}

describe("the run side of the cell pipeline is browser-safe", () => {
  it.each(["notebook/dataflow.ts", "notebook/outputRouter.ts", "notebook/runningCell.ts", "eventLoop.ts"])("%s imports no Node built-in and not TypeScript", (entry) => {
    const { files, packages } = closure(join(src, entry));
    expect(files.length).toBeGreaterThan(0);
    const forbidden = packages.filter((p) => p.startsWith("node:") || p === "typescript" || ["fs", "path", "os", "vm", "util", "crypto", "stream", "async_hooks"].includes(p));
    expect(forbidden, `${entry} reaches ${forbidden.join(", ")} through ${files.map((f) => f.slice(src.length + 1)).join(", ")}`).toEqual([]);
  });
});
