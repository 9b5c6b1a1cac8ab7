/**
 * `import` inside cells. Cells run as functions, so their import statements become calls to an import
 * function that resolves specifiers the way a module in the notebook's directory would, and falls back to the
 * packages installed with nasbook (so d3, tfjs and "nasbook" itself work from a notebook anywhere).
 */
import { createRequire, isBuiltin } from "node:module";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { exportConditions, packageRoot, tslabCompatEntry } from "../packageLocation.js";
import { PackageSubpathNotExportedError, resolveNasbookExport } from "./packageExports.js";

/** Resolves a cell's import specifier to something `import()` accepts. */
export function resolveCellImport(specifier: string, cwd: string): string {
  if (specifier === "nasbook" || specifier.startsWith("nasbook/")) {
    return pathToFileURL(resolveNasbookExport(specifier, packageRoot, exportConditions)).href;
  }
  if (specifier === "tslab") return pathToFileURL(tslabCompatEntry).href; // notebooks written for tslab run unchanged
  if (isBuiltin(specifier) || specifier.startsWith("node:")) return specifier;
  if (specifier.startsWith("file:")) return specifier;
  if (specifier.startsWith(".") || isAbsolute(specifier)) return pathToFileURL(resolve(cwd, specifier)).href;
  for (const base of [cwd, packageRoot]) {
    try {
      return pathToFileURL(createRequire(join(base, "__nasbook_import.js")).resolve(specifier)).href;
    } catch {
      // Not resolvable with CommonJS conditions from here (or not installed here): try the next base.
    }
  }
  // ESM-only packages without a "require" condition: let the ESM resolver find them from nasbook's location.
  return import.meta.resolve(specifier);
}

/** The import function cells call for their `import` statements. */
export function cellImporter(cwd: string): (specifier: string) => Promise<unknown> {
  return async (specifier: string) => {
    let target: string;
    try {
      target = resolveCellImport(specifier, cwd);
    } catch (err) {
      if (err instanceof PackageSubpathNotExportedError) throw err;
      throw new Error(
        `cannot find module "${specifier}" from ${cwd}: install it (npm install ${specifier}) or fix the path` +
          (err instanceof Error ? ` (${err.message})` : ""),
      );
    }
    return import(target);
  };
}
