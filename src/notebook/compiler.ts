/**
 * The cell compiler: type-checks each cell against the declarations of the cells it reads, so types flow
 * between cells at a cost that does not grow with the notebook, and finds the free names a cell reads from
 * other cells (the edges of the cell graph).
 *
 * A cell is checked as the virtual module `<cwd>/__nasbook_check.ts`: its source, then (after the cell text, so
 * positions and line numbers stay the user's) `import { a, b } from "./__nasbook_cell_<k>"` for every name it
 * mentions that another cell defines, `import * as nas from "<library>"` when it mentions `nas`, and `export
 * { ... }` for its own names. `./__nasbook_cell_<k>` is a generated declaration file (`.d.ts`) of cell k's exports,
 * written by TypeScript's declaration emit after k is checked; so checking a cell never re-checks the bodies of
 * the cells it reads, and the program only ever holds the lib files, the cell, and the declarations it imports
 * (the library's types only when the cell mentions `nas` or imports it). One LanguageService with fixed root
 * files keeps every parsed and bound lib file between checks.
 *
 * A cell is re-checked only when its code or the declarations it reads changed (its "inputs key"); when a cell's
 * declaration changes, exactly the cells mentioning its names are re-checked, transitively, which is how a
 * dependent's TS2304 ("cannot find name") heals once some cell defines the name. A name read from another cell
 * is an identifier whose symbol is one of the appended imports: the checker, not a regex, decides what is free,
 * and type-only uses (`let x: Space`) are not runtime edges.
 */
import { basename, dirname, join, resolve } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { declaredNames, parseCell, transpileCell, type DeclaredNames } from "./transpile.js";
import { exportedFiles } from "./packageExports.js";
import { interruptRequested } from "./interruptFlag.js";

/** A diagnostic in cell coordinates (1-based line and column). */
export interface CellDiagnostic {
  readonly line: number;
  readonly column: number;
  readonly code: number;
  readonly message: string;
}

/** A compiled cell: what it defines and reads, its JavaScript, and its type errors. */
export interface CompiledCell {
  readonly id: string;
  readonly code: string;
  /** Runtime names this cell defines (const/let/var/function/class/enum/import bindings). */
  readonly defines: readonly string[];
  /** Type-only names (interface, type alias) this cell defines; they flow to other cells' type checking. */
  readonly typeNames: readonly string[];
  /** Runtime names this cell reads that it does not define (free references). */
  readonly references: readonly string[];
  /** Body of an async function returning `{ names, value, hasValue }`. */
  readonly body: string;
  readonly hasValue: boolean;
  /** Without a trailing expression, the single variable the cell displays, if it declares exactly one. */
  readonly displayName: string | undefined;
  /** Syntax and type errors; a cell with errors does not run. */
  readonly errors: readonly CellDiagnostic[];
  /** True when the cell mentions `nas` (so running it needs the library loaded). */
  readonly usesLibrary: boolean;
}

/** What one change to the notebook's cells did to the type checking of the others. */
export interface CompileResult {
  /** The cell that was compiled (undefined for a removal). */
  readonly cell: CompiledCell | undefined;
  /** Other cells that were re-checked because declarations they read changed, in the order they were checked. */
  readonly rechecked: readonly CompiledCell[];
}

/** A completion answer in cell coordinates. */
export interface CellCompletions {
  readonly matches: string[];
  readonly start: number;
  readonly end: number;
}

/** Names every cell sees without defining them (see `globalsDeclaration`). */
export const injectedNames = ["nas", "signal", "invalidation", "display"] as const;
const injected: ReadonlySet<string> = new Set(injectedNames);

const here = dirname(fileURLToPath(import.meta.url));
const twoUp = resolve(here, "..", "..");
/** Whether this is the compiled package (dist/src/notebook) rather than the sources (src/notebook). */
export const isBuilt = basename(twoUp) === "dist";
/** The package root: the directory of nasbook's package.json. */
export const packageRoot = isBuilt ? dirname(twoUp) : twoUp;
/** Package `exports` conditions for the code running now: the sources in a clone, dist/ once built. */
export const exportConditions: readonly string[] = isBuilt ? ["import"] : ["source", "import"];
/** The library every cell sees as `nas`. */
export const libraryEntry = isBuilt ? join(twoUp, "src", "index.js") : join(packageRoot, "src", "index.ts");
/** What a cell's `import ... from "tslab"` loads: nasbook's tslab-compatible display API (tslabCompat.ts). */
export const tslabCompatEntry = join(here, isBuilt ? "tslabCompat.js" : "tslabCompat.ts");

// TS codes not meaningful for cells: "'await' at top level needs module/target settings" never applies to a
// cell because it runs inside an async function.
const ignoredCodes = new Set([1375, 1378, 1432, 2451 /* redeclare: reported by the cell graph */]);

// `nas` is not declared here but imported into each cell that mentions it: a namespace import gives both the
// value (`nas.search(...)`) and the types (`nas.ChainArch`), and cells that never mention it do not pay for
// loading the library's types.
function globalsDeclaration(): string {
  return [
    `declare global {`,
    `  /** Aborts when this cell is invalidated: an input changed, it was re-run or deleted, or the kernel was interrupted. */`,
    `  const signal: AbortSignal;`,
    `  /** Resolves when this cell is invalidated (Observable's \`invalidation\`). */`,
    `  const invalidation: Promise<void>;`,
    `  /** Shows extra output below the cell (MIME bundles render richly). */`,
    `  function display(...values: unknown[]): void;`,
    `  /** Clears what this cell printed and displayed so far (Jupyter's clear_output; wait: clear on next output). */`,
    `  function clearOutput(options?: { wait?: boolean }): void;`,
    `  /** What other cells see of a variable: each value of a stream, the result of a promise. */`,
    `  type NasbookSeen<T> = T extends object ? (T extends AsyncIterable<infer U> ? U : T extends Generator<infer U, any, any> ? U : Awaited<T>) : T;`,
    `}`,
    `export {};`,
  ].join("\n");
}

/** Where @types/node is: nasbook's own node_modules in a clone, the hoisted one of the project that installed it. */
function typesDirectory(): string {
  try {
    return dirname(dirname(createRequire(join(packageRoot, "package.json")).resolve("@types/node/package.json")));
  } catch {
    return join(packageRoot, "node_modules", "@types");
  }
}

function safeId(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`);
}

const declarationPrefix = "./__nasbook_cell_";
/** How many programs (one per set of imported modules) are kept for reuse. */
const keptPrograms = 3;

// Shared by every compiler in the process: the parsed (and bound) lib, @types and library files are kept once,
// so a second notebook (a test, `nasbook run` after a kernel) does not parse them again. They are acquired through
// one document registry (which the completion service shares) and then held here for good: a program that does
// not use the library does not hold its files, and the next one that does finds them parsed and bound.
const documentRegistry = ts.createDocumentRegistry();
const diskSnapshots = new Map<string, ts.IScriptSnapshot | undefined>();
const diskSources = new Map<string, ts.SourceFile | undefined>();
let libraryWarmed = false;

function diskSnapshot(f: string): ts.IScriptSnapshot | undefined {
  if (!diskSnapshots.has(f)) {
    const text = ts.sys.readFile(f);
    diskSnapshots.set(f, text === undefined ? undefined : ts.ScriptSnapshot.fromString(text));
  }
  return diskSnapshots.get(f);
}

/** True during the check of an executed cell: only that check stops on an interrupt (not a background warm-up). */
let interruptible = false;
const interrupted = (): boolean => interruptible && interruptRequested();

/** Raised inside a check when the kernel was interrupted (see `CellCompiler.update`). */
export class CheckInterrupted extends Error {
  constructor() {
    super("interrupted while type-checking");
    this.name = "CheckInterrupted";
  }
}

/** The type checker's cancellation token: polled between declarations, it stops a check on an interrupt. */
const interruptToken: ts.CancellationToken = {
  isCancellationRequested: interrupted,
  throwIfCancellationRequested: () => {
    if (interrupted()) throw new ts.OperationCanceledException();
  },
};

/**
 * A file on disk as a parsed source file, parsed once per process (per module format) with the options the program
 * asks for. Parsing the library's types takes seconds: an interrupt stops it between two files.
 */
function diskSource(fileName: string, options: ts.CompilerOptions, fileOptions: ts.CreateSourceFileOptions): ts.SourceFile | undefined {
  const key = `${fileName}\0${fileOptions.impliedNodeFormat ?? ""}`;
  let sf = diskSources.get(key);
  if (sf !== undefined || diskSources.has(key)) return sf;
  const snapshot = diskSnapshot(fileName);
  sf = snapshot && documentRegistry.acquireDocument(fileName, options, snapshot, "0", scriptKindOf(fileName), fileOptions);
  diskSources.set(key, sf);
  return sf;
}

function scriptKindOf(fileName: string): ts.ScriptKind {
  if (/\.json$/i.test(fileName)) return ts.ScriptKind.JSON;
  if (/\.[cm]?jsx?$/i.test(fileName)) return fileName.endsWith("x") ? ts.ScriptKind.JSX : ts.ScriptKind.JS;
  return fileName.endsWith("x") ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
}
// Virtual files of two notebooks in one directory share names; versions unique in the process keep the shared
// registry from handing one notebook's text to the other.
let nextVersion = 1;

interface VirtualFile {
  text: string;
  version: number;
}

/** One cell's source, parsed and transpiled once per distinct code, and the result of its last check. */
interface CellEntry {
  readonly id: string;
  readonly code: string;
  readonly source: ts.SourceFile;
  readonly own: DeclaredNames;
  readonly exportedByModifier: Set<string>;
  /** Every identifier the cell spells: the names it could read from other cells. */
  readonly mentioned: Set<string>;
  readonly usesLibrary: boolean;
  /** The modules it imports (the library for `nas`), as a key: checks importing the same ones share a program. */
  readonly modules: string;
  readonly transpiled: { body: string; hasValue: boolean; displayName: string | undefined };
  /** The inputs key of the last check (see `inputsKey`); undefined before the first. */
  key: string | undefined;
  result: CompiledCell | undefined;
  /** The cell's declaration file as others import it, and how often it changed. */
  declaration: string;
  declarationVersion: number;
}

/** Type checker and analyser for the cells of one notebook. */
export class CellCompiler {
  readonly cwd: string;
  private readonly files = new Map<string, VirtualFile>();
  private readonly entries = new Map<string, CellEntry>();
  /** cell -> its position in notebook order (increasing, not dense). */
  private readonly seq = new Map<string, number>();
  private nextSeq = 0;
  /** name -> ids of the cells defining it (values and types), in notebook order. */
  private readonly definers = new Map<string, string[]>();
  /** name -> ids of the cells spelling it (whose check may depend on its declaration). */
  private readonly mentionedBy = new Map<string, Set<string>>();
  /** The last code parsed by `declared` (identify, then update, parse the same code once). */
  private lastParsed: { code: string; source: ts.SourceFile } | undefined;
  /** For completion and inspection only (created on first use); checks build their programs directly. */
  private languageService: ts.LanguageService | undefined;
  private readonly serviceHost: ts.LanguageServiceHost;
  private readonly compilerHost: ts.CompilerHost;
  private readonly resolutionCache: ts.ModuleResolutionCache;
  /**
   * The last check's program for each set of modules a cell imports (none, the library, ...), most recent last: the
   * next check importing the same modules reuses its structure completely, so a plain cell after a `nas` cell does
   * not walk the library's thousand files, nor a `nas` cell after a plain one rebuild them.
   */
  private readonly programs = new Map<string, ts.Program>();
  private program: ts.Program | undefined;
  /** Parsed virtual files, by name, for the version parsed. */
  private readonly virtualSources = new Map<string, { version: number; source: ts.SourceFile }>();
  private readonly options: ts.CompilerOptions;
  private readonly globalsFile: string;
  private readonly checkFile: string;
  private projectVersion = 0;

  constructor(opts: { cwd?: string } = {}) {
    this.cwd = resolve(opts.cwd ?? process.cwd());
    this.globalsFile = join(this.cwd, "__nasbook_globals.d.ts");
    this.checkFile = join(this.cwd, "__nasbook_check.ts");
    this.setFile(this.globalsFile, globalsDeclaration());
    this.setFile(this.checkFile, "export {};\n");
    this.options = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      allowImportingTsExtensions: true,
      // Only declarations are emitted (in memory), for the cells that read this one.
      declaration: true,
      emitDeclarationOnly: true,
      strict: true,
      noImplicitAny: false, // cells are exploratory: `function f(x)` should run
      esModuleInterop: true,
      skipLibCheck: true,
      resolveJsonModule: true,
      lib: ["lib.es2023.d.ts"],
      types: ["node"],
      typeRoots: [typesDirectory()],
      // Only what the package exports type-checks, as at run time (see packageExports.ts).
      paths: {
        ...Object.fromEntries([...exportedFiles(packageRoot, isBuilt ? ["types"] : ["source"])].map(([s, f]) => [s, [f]])),
        tslab: [tslabCompatEntry],
      },
    };
    const fallbackFile = join(packageRoot, "__nasbook_resolve.ts");
    const resolutionCache = (this.resolutionCache = ts.createModuleResolutionCache(this.cwd, (f) => f, this.options));
    const moduleHost = {
      fileExists: (f: string) => this.files.has(f) || ts.sys.fileExists(f),
      readFile: (f: string) => this.files.get(f)?.text ?? ts.sys.readFile(f),
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
      realpath: ts.sys.realpath,
      getCurrentDirectory: () => this.cwd,
      useCaseSensitiveFileNames: ts.sys.useCaseSensitiveFileNames,
    } satisfies ts.ModuleResolutionHost;
    // A notebook outside this package still finds the packages installed with nasbook.
    const resolveModuleNameLiterals = (literals: readonly ts.StringLiteralLike[], containingFile: string, _ref: unknown, options: ts.CompilerOptions) =>
      literals.map((lit): ts.ResolvedModuleWithFailedLookupLocations => {
        if (lit.text.startsWith(declarationPrefix)) {
          // Other cells' declarations come and go: never cached.
          const file = join(this.cwd, `${lit.text.slice(2)}.d.ts`);
          return { resolvedModule: this.files.has(file) ? { resolvedFileName: file, extension: ts.Extension.Dts } : undefined };
        }
        const first = ts.resolveModuleName(lit.text, containingFile, options, moduleHost, resolutionCache);
        if (first.resolvedModule || lit.text.startsWith(".") || lit.text.startsWith("/")) return first;
        const second = ts.resolveModuleName(lit.text, fallbackFile, options, moduleHost, resolutionCache);
        return second.resolvedModule ? second : first;
      });
    // Checks: a compiler host handing out the virtual files (parsed once per version) and the process-wide parsed
    // files from disk, so a new program costs the files that changed, not a lookup through a language service.
    this.compilerHost = {
      ...moduleHost,
      getSourceFile: (fileName, languageVersionOrOptions) => {
        // Building a program that reads the library's files for the first time takes seconds: an interrupt
        // stops it between two files.
        if (interrupted()) throw new CheckInterrupted();
        const fileOptions = typeof languageVersionOrOptions === "object" ? languageVersionOrOptions : { languageVersion: languageVersionOrOptions };
        const v = this.files.get(fileName);
        if (!v) return diskSource(fileName, this.options, fileOptions);
        const parsed = this.virtualSources.get(fileName);
        if (parsed?.version === v.version) return parsed.source;
        const source = ts.createSourceFile(fileName, v.text, fileOptions, true);
        this.virtualSources.set(fileName, { version: v.version, source });
        return source;
      },
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      writeFile: () => undefined,
      getCanonicalFileName: (f) => (ts.sys.useCaseSensitiveFileNames ? f : f.toLowerCase()),
      useCaseSensitiveFileNames: () => ts.sys.useCaseSensitiveFileNames,
      getNewLine: () => "\n",
      // Without it, every new program re-reads and re-parses the package.json above each of its files.
      getModuleResolutionCache: () => resolutionCache,
      resolveModuleNameLiterals,
    };
    // `getModuleResolutionCache` is read by the service (it passes it on to its compiler host) but is not in the
    // public LanguageServiceHost type.
    const serviceHost: ts.LanguageServiceHost & { getModuleResolutionCache(): ts.ModuleResolutionCache } = {
      ...moduleHost,
      getCompilationSettings: () => this.options,
      getProjectVersion: () => String(this.projectVersion),
      getScriptFileNames: () => [this.globalsFile, this.checkFile],
      getScriptVersion: (f) => String(this.files.get(f)?.version ?? 0),
      getScriptSnapshot: (f) => {
        const v = this.files.get(f);
        if (v) return ts.ScriptSnapshot.fromString(v.text);
        return diskSnapshot(f);
      },
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      readDirectory: ts.sys.readDirectory,
      useCaseSensitiveFileNames: () => ts.sys.useCaseSensitiveFileNames,
      getModuleResolutionCache: () => resolutionCache,
      resolveModuleNameLiterals,
    };
    this.serviceHost = serviceHost;
  }

  /** The language service for completion and inspection (sharing the parsed files through the registry). */
  private get service(): ts.LanguageService {
    return (this.languageService ??= ts.createLanguageService(this.serviceHost, documentRegistry));
  }

  /** A program for the current check file (reusing the last one's structure), interruptible while it parses. */
  private newProgram(modules = ""): ts.Program {
    const oldProgram = this.programs.get(modules) ?? this.program;
    const program = ts.createProgram({ rootNames: [this.globalsFile, this.checkFile], options: this.options, host: this.compilerHost, oldProgram });
    this.program = program;
    this.programs.delete(modules);
    this.programs.set(modules, program);
    if (this.programs.size > keptPrograms) this.programs.delete(this.programs.keys().next().value!);
    return program;
  }

  /**
   * Builds the program of a cell that reads nothing (lib files and Node's types), so that the first cell a user
   * runs does not pay for parsing and binding them.
   */
  warmUp(): void {
    this.setFile(this.checkFile, "export {};\n");
    const program = this.newProgram();
    program.getSemanticDiagnostics(program.getSourceFile(this.checkFile));
  }

  /**
   * Parses the library's type files (what `nas` and `import ... from "nasbook"` need: tfjs, d3, ...) into the
   * shared registry a few at a time, yielding to the event loop between slices, so the first cell that mentions
   * `nas` does not block the kernel for seconds parsing them; with `idle`, it parses only while `idle()` is true. The registry keeps them from then on. Resolves
   * when done, when `signal` aborts, or at once when they are already there.
   */
  async warmLibrary(opts: { signal?: AbortSignal; sliceMs?: number; idle?: () => boolean } = {}): Promise<void> {
    const sliceMs = opts.sliceMs ?? 8;
    if (libraryWarmed) return;
    libraryWarmed = true;
    // The checks' own resolution cache: the first `nas` check then finds every module of the library resolved.
    const host = this.compilerHost;
    const cache = this.resolutionCache;
    const seen = new Set<string>([libraryEntry]);
    const queue = [libraryEntry];
    const enqueue = (file: string | undefined): void => {
      if (file && !seen.has(file) && /\.(d\.)?[cm]?ts$/.test(file)) {
        seen.add(file);
        queue.push(file);
      }
    };
    while (queue.length) {
      if (opts.signal?.aborted) {
        // Stopped (the notebook was disposed): the next notebook starts over, finding the parsed files cached.
        libraryWarmed = false;
        return;
      }
      // Requests come first: parse only while nothing executes.
      if (opts.idle && !opts.idle()) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const sliceEnd = performance.now() + sliceMs;
      while (queue.length && performance.now() < sliceEnd) {
        const file = queue.shift()!;
        // With the module format a program computes for the file, so that the program finds this tree.
        const impliedNodeFormat = ts.getImpliedNodeFormatForFile(file, cache.getPackageJsonInfoCache(), host, this.options);
        if (!diskSource(file, this.options, { languageVersion: this.options.target!, impliedNodeFormat })) continue;
        const snapshot = diskSnapshot(file)!;
        const text = snapshot.getText(0, snapshot.getLength());
        const info = ts.preProcessFile(text, true, true);
        for (const ref of info.importedFiles) enqueue(ts.resolveModuleName(ref.fileName, file, this.options, host, cache).resolvedModule?.resolvedFileName);
        for (const ref of info.referencedFiles) enqueue(resolve(dirname(file), ref.fileName));
        for (const ref of info.typeReferenceDirectives) {
          enqueue(ts.resolveTypeReferenceDirective(ref.fileName, file, this.options, host).resolvedTypeReferenceDirective?.resolvedFileName);
        }
      }
      await new Promise((r) => setImmediate(r));
    }
  }

  /** How many files the last checked program held (lib files, the cell, and the declarations it read). */
  programSize(): number {
    return this.program?.getSourceFiles().length ?? 0;
  }

  /** Virtual file name of cell `id`'s declarations. */
  fileOf(id: string): string {
    return join(this.cwd, `__nasbook_cell_${safeId(id)}.d.ts`);
  }

  /** The first cell other than `id` defining `name` (the one whose declaration `id` is checked against). */
  private definerFor(name: string, id: string | undefined): string | undefined {
    const ids = this.definers.get(name);
    if (!ids) return undefined;
    return ids[0] === id ? ids[1] : ids[0];
  }

  /** What a cell's check depends on besides its code: which cell's declaration (and version) each name it reads comes from. */
  private inputsKey(e: CellEntry): string {
    const own = new Set([...e.own.values, ...e.own.types]);
    const parts: string[] = [];
    for (const n of e.mentioned) {
      if (own.has(n)) continue;
      const from = this.definerFor(n, e.id);
      if (from !== undefined) parts.push(`${n}=${from}@${this.entries.get(from)!.declarationVersion}`);
    }
    return parts.sort().join(" ");
  }

  /** The text checked for a cell: its code, then imports of other cells' declarations, then its exports. */
  private virtualText(id: string | undefined, code: string, own: DeclaredNames, ownExportsFromModifiers: Set<string>, mentioned?: Set<string>): string {
    const mine = new Set([...own.values, ...own.types]);
    const byCell = new Map<string, string[]>();
    // Without `mentioned` (completion), every name of every other cell is in scope.
    for (const n of mentioned ?? this.definers.keys()) {
      if (mine.has(n)) continue;
      const from = this.definerFor(n, id);
      if (from === undefined) continue;
      const list = byCell.get(from) ?? [];
      list.push(n);
      byCell.set(from, list);
    }
    const lines: string[] = [];
    for (const [from, names] of byCell) {
      // Variables are seen as the runtime sees them: a stream's values, a promise's result.
      const variables = new Set(this.entries.get(from)!.own.variables);
      const specifiers = names.sort().map((n) => (variables.has(n) ? `${n} as __nasbook_v_${n}` : n));
      lines.push(`import { ${specifiers.join(", ")} } from ${JSON.stringify(`${declarationPrefix}${safeId(from)}`)};`);
      for (const n of names) if (variables.has(n)) lines.push(`declare const ${n}: NasbookSeen<typeof __nasbook_v_${n}>;`);
    }
    if ((!mentioned || mentioned.has("nas")) && !mine.has("nas")) lines.push(`import * as nas from ${JSON.stringify(libraryEntry)};`);
    const exported = [...mine].filter((n) => !ownExportsFromModifiers.has(n));
    lines.push(`export { ${exported.join(", ")} };`);
    // The leading newline closes an unterminated line comment at the end of the cell.
    return `${code}\n;${lines.join("\n")}\n`;
  }

  private setFile(file: string, text: string): void {
    const prev = this.files.get(file);
    if (prev?.text === text) return;
    this.files.set(file, { text, version: nextVersion++ });
    this.projectVersion++;
  }

  private deleteFile(file: string): void {
    if (this.files.delete(file)) this.projectVersion++;
  }

  /** Moves cell `id` in the definer and mention indexes from entry `before` to entry `after` (either may be absent). */
  private reindex(id: string, before: CellEntry | undefined, after: CellEntry | undefined): void {
    const namesBefore = new Set(before ? [...before.own.values, ...before.own.types] : []);
    const namesAfter = new Set(after ? [...after.own.values, ...after.own.types] : []);
    for (const n of namesBefore) {
      if (namesAfter.has(n)) continue;
      const list = this.definers.get(n)!;
      list.splice(list.indexOf(id), 1);
      if (list.length === 0) this.definers.delete(n);
    }
    const at = this.seq.get(id)!;
    for (const n of namesAfter) {
      if (namesBefore.has(n)) continue;
      const list = this.definers.get(n);
      if (!list) {
        this.definers.set(n, [id]);
        continue;
      }
      let i = list.length;
      while (i > 0 && this.seq.get(list[i - 1]!)! > at) i--;
      list.splice(i, 0, id);
    }
    if (before?.mentioned === after?.mentioned) return;
    for (const n of before?.mentioned ?? []) {
      if (after?.mentioned.has(n)) continue;
      const set = this.mentionedBy.get(n)!;
      set.delete(id);
      if (set.size === 0) this.mentionedBy.delete(n);
    }
    for (const n of after?.mentioned ?? []) {
      if (before?.mentioned.has(n)) continue;
      let set = this.mentionedBy.get(n);
      if (!set) this.mentionedBy.set(n, (set = new Set()));
      set.add(id);
    }
  }

  /** The names `code` declares (parsed once: a following `update` with the same code reuses the tree). */
  declared(code: string): DeclaredNames {
    return declaredNames(this.parse(code));
  }

  private parse(code: string): ts.SourceFile {
    if (this.lastParsed?.code === code) return this.lastParsed.source;
    const source = parseCell(code);
    this.lastParsed = { code, source };
    return source;
  }

  private entryFor(id: string, code: string): CellEntry {
    const previous = this.entries.get(id);
    if (previous?.code === code) return previous;
    // Parsed once per distinct code: names, exports, identifiers and the transpiled body all come from this tree.
    const source = this.parse(code);
    const own = declaredNames(source);
    const mentioned = identifierTexts(source);
    const { body, hasValue, displayName } = transpileCell(source);
    const usesLibrary = mentioned.has("nas") && !own.values.includes("nas");
    const modules = [...new Set([...moduleSpecifiers(source), ...(usesLibrary ? [libraryEntry] : [])])].sort().join("\n");
    return {
      id, code, source, own, exportedByModifier: exportedNames(source), mentioned, usesLibrary, modules,
      transpiled: { body, hasValue, displayName },
      key: undefined, result: undefined,
      declaration: previous?.declaration ?? "", declarationVersion: previous?.declarationVersion ?? 0,
    };
  }

  /** Checks one cell against the current declarations of the others; updates its own declaration. Returns true if that changed. */
  private check(e: CellEntry): boolean {
    const text = this.virtualText(e.id, e.code, e.own, e.exportedByModifier, e.mentioned);
    this.setFile(this.checkFile, text);
    const program = this.newProgram(e.modules);
    const sf = program.getSourceFile(this.checkFile)!;
    const codeLength = e.code.length;
    const diagnostics = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf, interruptToken)];
    const errors = diagnostics
      .filter((d) => d.category === ts.DiagnosticCategory.Error && !ignoredCodes.has(d.code))
      .filter((d) => d.start === undefined || d.start < codeLength)
      .map((d) => toCellDiagnostic(d, sf));
    const references = freeReferences(sf, program.getTypeChecker(), codeLength);
    let declaration = "export {};\n";
    program.emit(sf, (_name, dts) => (declaration = widenLiteralConstants(dts)), interruptToken, true);
    e.key = this.inputsKey(e);
    e.result = {
      id: e.id, code: e.code, defines: e.own.values, typeNames: e.own.types, references,
      ...e.transpiled, errors, usesLibrary: e.usesLibrary,
    };
    if (declaration === e.declaration && this.files.has(this.fileOf(e.id))) return false;
    e.declaration = declaration;
    e.declarationVersion++;
    this.setFile(this.fileOf(e.id), declaration);
    return true;
  }

  /**
   * Re-checks, transitively, the cells whose inputs key changed because the names in `changed` got a new
   * definer or declaration. A cell is re-checked at most twice per change (declarations in a cycle settle).
   */
  private propagate(changed: Set<string>, skip: string | undefined): CompiledCell[] {
    const rechecked: CompiledCell[] = [];
    const count = new Map<string, number>();
    let pending = changed;
    while (pending.size) {
      const next = new Set<string>();
      // The cells spelling a changed name, in notebook order: found through the index, not by visiting every cell.
      const affected = new Set<string>();
      for (const n of pending) for (const id of this.mentionedBy.get(n) ?? []) if (id !== skip) affected.add(id);
      for (const id of [...affected].sort((a, b) => this.seq.get(a)! - this.seq.get(b)!)) {
        const e = this.entries.get(id)!;
        if (this.inputsKey(e) === e.key || (count.get(id) ?? 0) >= 2) continue;
        count.set(id, (count.get(id) ?? 0) + 1);
        if (this.check(e)) for (const n of [...e.own.values, ...e.own.types]) next.add(n);
        rechecked.push(e.result!);
      }
      pending = next;
    }
    return rechecked;
  }

  /**
   * Compiles cell `id` (new or changed) and keeps it as the cell's current version, so that other cells see its
   * names and types; re-checks the cells whose view of its declarations changed. Errors are returned, not thrown.
   */
  update(id: string, code: string): CompileResult {
    const previous = this.entries.get(id);
    const e = this.entryFor(id, code);
    if (!previous) this.seq.set(id, this.nextSeq++);
    this.entries.set(id, e);
    if (previous !== e) this.reindex(id, previous, e);
    const oldNames = previous ? [...previous.own.values, ...previous.own.types] : [];
    const newNames = [...e.own.values, ...e.own.types];
    const namesChanged = oldNames.length !== newNames.length || oldNames.some((n, i) => n !== newNames[i]);
    // Unchanged code whose inputs did not change: nothing to parse, transpile or check.
    let declarationChanged = false;
    if (!e.result || e.key !== this.inputsKey(e)) {
      interruptible = true;
      try {
        declarationChanged = this.check(e);
      } catch (err) {
        if (!(err instanceof CheckInterrupted || err instanceof ts.OperationCanceledException)) throw err;
        // As if this version had never been sent: the cell keeps its previous code, names and declaration.
        this.reindex(id, e, previous);
        if (previous) this.entries.set(id, previous);
        else {
          this.entries.delete(id);
          this.seq.delete(id);
        }
        throw new CheckInterrupted();
      } finally {
        interruptible = false;
      }
    }
    const changed = new Set<string>();
    if (namesChanged || declarationChanged) for (const n of [...oldNames, ...newNames]) changed.add(n);
    return { cell: e.result!, rechecked: this.propagate(changed, id) };
  }

  /** Compiles cell `id` (see `update`), without reporting the cells it re-checked. */
  compile(id: string, code: string): CompiledCell {
    return this.update(id, code).cell!;
  }

  /** Forgets cell `id`: its names disappear from other cells' type checking (returned: the cells re-checked). */
  remove(id: string): CompileResult {
    const e = this.entries.get(id);
    if (!e) return { cell: undefined, rechecked: [] };
    this.reindex(id, e, undefined);
    this.entries.delete(id);
    this.seq.delete(id);
    this.deleteFile(this.fileOf(id));
    return { cell: undefined, rechecked: this.propagate(new Set([...e.own.values, ...e.own.types]), undefined) };
  }

  /** The check file holding `code` as if it were cell `id` (or a new cell), for completion and inspection. */
  private scratch(code: string, id?: string): string {
    const source = parseCell(code);
    this.setFile(this.checkFile, this.virtualText(id, code, declaredNames(source), exportedNames(source)));
    return this.checkFile;
  }
  /** Completions at `cursor` (a UTF-16 offset) in `code`, seeing every other cell's names. */
  complete(code: string, cursor: number, id?: string): CellCompletions {
    const file = this.scratch(code, id);
    const info = this.service.getCompletionsAtPosition(file, cursor, { includeCompletionsWithInsertText: false });
    let start = cursor;
    while (start > 0 && /[\w$]/.test(code[start - 1]!)) start--;
    const prefix = code.slice(start, cursor);
    const matches = (info?.entries ?? [])
      .map((e) => e.name)
      .filter((n) => n.startsWith(prefix) && !n.startsWith("__nasbook"));
    matches.sort((a, b) => a.localeCompare(b));
    return { matches: [...new Set(matches)], start, end: cursor };
  }

  /** Type and documentation of the symbol at `cursor`, as plain text, or undefined if there is none. */
  inspect(code: string, cursor: number, id?: string): string | undefined {
    const file = this.scratch(code, id);
    let info = this.service.getQuickInfoAtPosition(file, cursor);
    // Jupyter sends the cursor just after the word; TypeScript wants it on the word.
    if (!info && cursor > 0) info = this.service.getQuickInfoAtPosition(file, cursor - 1);
    if (!info) return undefined;
    const signature = ts.displayPartsToString(info.displayParts);
    const doc = ts.displayPartsToString(info.documentation);
    const tags = (info.tags ?? []).map((t) => `@${t.name} ${ts.displayPartsToString(t.text)}`.trim());
    return [signature, doc, ...tags].filter((s) => s.length > 0).join("\n\n");
  }
}

/** The module specifiers a cell imports, statically or with `import("...")` of a string literal. */
function moduleSpecifiers(source: ts.SourceFile): string[] {
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) out.push(node.moduleSpecifier.text);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) out.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** Every identifier spelled in a cell (a superset of the names it can read from other cells). */
function identifierTexts(source: ts.SourceFile): Set<string> {
  const out = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) out.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** Names a cell exports itself (`export const x`), which the appended `export { ... }` must not repeat. */
function exportedNames(source: ts.SourceFile): Set<string> {
  const out = new Set<string>();
  for (const st of source.statements) {
    if (ts.canHaveModifiers(st) && (ts.getModifiers(st) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
      const d = declaredNames({ statements: [st] } as unknown as ts.SourceFile);
      [...d.values, ...d.types].forEach((n) => out.add(n));
    }
  }
  return out;
}

function toCellDiagnostic(d: ts.Diagnostic, sf: ts.SourceFile): CellDiagnostic {
  const pos = d.start ?? 0;
  const { line, character } = sf.getLineAndCharacterOfPosition(pos);
  return { line: line + 1, column: character + 1, code: d.code, message: ts.flattenDiagnosticMessageText(d.messageText, "\n") };
}

function insideTypeNode(node: ts.Node): boolean {
  for (let p: ts.Node | undefined = node.parent; p && !ts.isSourceFile(p); p = p.parent) {
    // `class A extends B` reads the value B; `implements B` and interface heritage are type uses.
    if (ts.isHeritageClause(p)) return p.token === ts.SyntaxKind.ImplementsKeyword || ts.isInterfaceDeclaration(p.parent);
    if (ts.isExpressionWithTypeArguments(p) && ts.isHeritageClause(p.parent)) continue;
    if (ts.isTypeNode(p) || ts.isInterfaceDeclaration(p) || ts.isTypeAliasDeclaration(p)) return true;
    if (ts.isStatement(p)) return false;
  }
  return false;
}

/** Names read from other cells: identifiers whose symbol is declared in the appended cross-cell part. */
function freeReferences(sf: ts.SourceFile, checker: ts.TypeChecker, codeLength: number): string[] {
  const found = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (node.pos >= codeLength) return;
    if (ts.isIdentifier(node) && !insideTypeNode(node)) {
      const symbol = ts.isShorthandPropertyAssignment(node.parent) && node.parent.name === node
        ? checker.getShorthandAssignmentValueSymbol(node.parent)
        : checker.getSymbolAtLocation(node);
      const decl = symbol?.declarations?.[0];
      if (symbol && decl && decl.getSourceFile() === sf && decl.pos >= codeLength && !injected.has(symbol.name)) {
        found.add(symbol.name);
      }
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(sf, visit);
  return [...found].sort();
}

/**
 * A cell's declaration as other cells read it: `export declare const x = 1` becomes `export declare const x:
 * number`. Cells are re-run with other values, so a dependent should type-check against "a number", not against
 * this run's literal (and redefining `const x = 2` then changes no dependent's inputs).
 */
function widenLiteralConstants(dts: string): string {
  const file = parseCell(dts, "cell.d.ts");
  const edits: Array<{ start: number; end: number; text: string }> = [];
  for (const st of file.statements) {
    if (!ts.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) {
      if (d.type || !d.initializer) continue;
      const widened = literalTypeName(d.initializer);
      if (widened) edits.push({ start: d.name.end, end: d.initializer.end, text: `: ${widened}` });
    }
  }
  let out = dts;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

function literalTypeName(init: ts.Expression): string | undefined {
  if (ts.isNumericLiteral(init)) return "number";
  if (ts.isPrefixUnaryExpression(init) && ts.isNumericLiteral(init.operand)) return "number";
  if (ts.isPrefixUnaryExpression(init) && ts.isBigIntLiteral(init.operand)) return "bigint";
  if (ts.isBigIntLiteral(init)) return "bigint";
  if (ts.isStringLiteral(init) || ts.isNoSubstitutionTemplateLiteral(init)) return "string";
  if (init.kind === ts.SyntaxKind.TrueKeyword || init.kind === ts.SyntaxKind.FalseKeyword) return "boolean";
  return undefined;
}
