/**
 * nasbook's own package.json `exports` map, applied the way Node applies any package's: a cell's
 * `import "nasbook/<subpath>"` works only for a subpath the map exports, so a notebook that runs here also runs
 * against the installed package. A clone runs the sources (condition "source"); a build runs dist/.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { NasbookError } from "../errors.js";

type ExportTarget = string | null | { readonly [condition: string]: ExportTarget };

/** Thrown for `import "nasbook/x"` when the exports map has no "./x". */
export class PackageSubpathNotExportedError extends NasbookError {}

function exportsMap(packageRoot: string): Record<string, ExportTarget> {
  const pkg = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { exports?: Record<string, ExportTarget> };
  return pkg.exports ?? {};
}

function pick(target: ExportTarget, conditions: readonly string[]): string | undefined {
  if (target === null) return undefined;
  if (typeof target === "string") return target;
  for (const [condition, inner] of Object.entries(target)) {
    if (condition !== "default" && !conditions.includes(condition)) continue;
    const found = pick(inner, conditions);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The subpaths nasbook exports ("nasbook", "nasbook/notebook", ...), each with its file for `conditions`. */
export function exportedFiles(packageRoot: string, conditions: readonly string[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const [key, target] of Object.entries(exportsMap(packageRoot))) {
    const file = pick(target, conditions);
    if (file !== undefined) files.set(key === "." ? "nasbook" : `nasbook/${key.slice(2)}`, join(packageRoot, file));
  }
  return files;
}

/** The file `import "<specifier>"` (nasbook or nasbook/<subpath>) loads, or a clear error naming what is exported. */
export function resolveNasbookExport(specifier: string, packageRoot: string, conditions: readonly string[]): string {
  const files = exportedFiles(packageRoot, conditions);
  const file = files.get(specifier);
  if (file !== undefined) return file;
  throw new PackageSubpathNotExportedError(
    `"${specifier}" is not exported by nasbook's package.json (exports: ${[...files.keys()].join(", ")}); ` +
      `import from "nasbook" instead, e.g. import * as nas from "nasbook" or import { search } from "nasbook"`,
  );
}
