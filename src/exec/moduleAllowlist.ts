/**
 * What a `nasbook worker` may run: built-in spaces and evaluators (by name), nasbook's own recipe modules (the CLI's
 * synthetic task), and the modules or packages the worker was started with (`--module`). A job's recipe only
 * *names* one of these; the worker imports its own copy, never a path, URL or code that arrives in a job. A module
 * recipe that names anything else (`node:child_process`, a `data:` URL, a file the worker was not given) is refused
 * before anything is imported.
 */
import { existsSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { RecipeError } from "../errors.js";
import type { Recipe } from "./types.js";

/** nasbook's own modules that build spaces or evaluators from options, by path under the package root. */
const OWN_RECIPE_MODULES = ["src/cli/syntheticTask"];

/** This package's root (`<root>/src/exec/` from source, `<root>/dist/src/exec/` once built) and file extension. */
const here = fileURLToPath(import.meta.url);
const compiled = !here.endsWith(".ts");
const packageRoot = resolve(here, compiled ? "../../../.." : "../../..");

/** A job's module string as a file path, if it is one (a file URL, an absolute path, or one relative to `cwd`). */
function asPath(module: string, cwd: string): string | undefined {
  if (module.startsWith("file:")) {
    try {
      return fileURLToPath(module);
    } catch {
      return undefined;
    }
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(module)) return undefined; // node:, data:, http:, ...
  if (isAbsolute(module) || module.startsWith("./") || module.startsWith("../")) return resolve(cwd, module);
  return undefined; // a bare specifier: a package name
}

const real = (path: string) => (existsSync(path) ? realpathSync(path) : path);

/** Is `path` nasbook's own recipe module `rel` (in this clone's src/ or dist/, or any other clone's)? */
function ownModule(path: string): string | undefined {
  const p = path.replace(/\\/g, "/").replace(/\.[cm]?[jt]s$/, "");
  for (const rel of OWN_RECIPE_MODULES) {
    if (p.endsWith(`/${rel}`)) {
      // This worker's own copy: the compiled .js when running compiled, the .ts source otherwise.
      const local = compiled ? resolve(packageRoot, "dist", `${rel}.js`) : resolve(packageRoot, `${rel}.ts`);
      return pathToFileURL(local).href;
    }
  }
  return undefined;
}

/** The modules a worker was given, and the check every job's recipes go through. */
export interface ModuleAllowlist {
  /** The entries as given (for the start-up line and error messages). */
  readonly entries: readonly string[];
  /** The recipe with its module replaced by this worker's own copy; a RecipeError if it names no allowed module. */
  admit(recipe: unknown): Recipe;
}

/**
 * An allowlist from `--module` entries: file paths (resolved against `cwd`; they must exist) or package names.
 * Throws RecipeError for a path that does not exist.
 */
export function moduleAllowlist(entries: readonly string[], cwd = process.cwd()): ModuleAllowlist {
  const files = new Map<string, string>(); // real path -> file URL to import
  const packages = new Set<string>();
  for (const e of entries) {
    const explicitPath = e.startsWith("file:") || isAbsolute(e) || e.startsWith(".");
    const path = e.startsWith("file:") ? fileURLToPath(e) : explicitPath || existsSync(resolve(cwd, e)) ? resolve(cwd, e) : undefined;
    if (path === undefined) {
      // A package name: it must resolve from here, as the worker will import it from here.
      try {
        import.meta.resolve(e);
      } catch {
        throw new RecipeError(`--module ${e}: no such file, and no package of that name is installed where nasbook is; give a module's path or an installed package's name`);
      }
      packages.add(e);
      continue;
    }
    if (!existsSync(path) || !statSync(path).isFile()) throw new RecipeError(`--module ${e}: no such file (${path}); give the path of a module that exports your space or evaluator`);
    files.set(realpathSync(path), pathToFileURL(realpathSync(path)).href);
  }
  const allowed = () => ["built-in spaces and evaluators", ...entries].join(", ");
  return {
    entries: [...entries],
    admit(recipe: unknown): Recipe {
      const r = recipe as Partial<Recipe> | null;
      if (!r || typeof r !== "object") throw new RecipeError(`${JSON.stringify(recipe)} is not a recipe`);
      if (r.kind === "builtin") {
        if (typeof r.name !== "string") throw new RecipeError("a built-in recipe needs a name");
        return r as Recipe;
      }
      if (r.kind !== "module") throw new RecipeError(`recipe kind ${JSON.stringify(r.kind)} is neither "builtin" nor "module"`);
      const { module, export: name } = r;
      if (typeof module !== "string" || typeof name !== "string") throw new RecipeError("a module recipe needs a module and an export name");
      const path = asPath(module, cwd);
      const own = path !== undefined ? ownModule(path) : undefined;
      if (own) return { ...r, module: own } as Recipe;
      const file = path !== undefined ? files.get(real(path)) : undefined;
      if (file) return { ...r, module: file } as Recipe;
      if (path === undefined && packages.has(module)) return r as Recipe;
      throw new RecipeError(
        `this worker does not run module ${JSON.stringify(module.length > 120 ? `${module.slice(0, 117)}...` : module)}: a worker runs only ` +
          `what it was started with (${allowed()}); start it with --module PATH (or a package name) to allow one`,
      );
    },
  };
}
