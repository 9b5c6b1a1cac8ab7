/**
 * Step 3 of a cell's life: the incremental type checker. It checks each cell against the declarations of the cells
 * it reads, finds the names it reads from other cells (the edges of the graph: the checker, not a regex, decides
 * what is free, and type-only uses are no edges), and emits, in the same pass, the cell's JavaScript body and its
 * declaration file (cellTransform.ts). Which cell's declaration a name comes from is the name index's answer
 * (names.ts): the checker keeps no index of its own.
 *
 * A cell is checked as the virtual module `<cwd>/__nasbook_check.ts`: its text, then (after it, so positions stay
 * the user's) `import { a, b } from "./__nasbook_cell_<k>"` for every name it mentions that cell k owns, `import *
 * as nas from "<library>"` when it mentions `nas`, and `export { ... }` of its own names. The text is not parsed
 * again: the cell's one parse (analysis.ts) is extended incrementally by the appended lines. `__nasbook_cell_<k>` is
 * cell k's generated declaration file, so checking a cell never re-checks the cells it reads, and a program holds
 * only the lib files, the cell and the declarations it imports (the library's types only when it mentions `nas`).
 *
 * A cell is re-checked only when its code or the declarations it reads changed (its "inputs key"); when a cell's
 * declaration or a name's owner changes, exactly the cells spelling those names are re-checked, transitively
 * (`recheck`): that is how a reader's "cannot find name" heals once a cell defines the name.
 */
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import ts from "typescript";
import { isBuilt, libraryEntry, packageRoot, tslabCompatEntry } from "../packageLocation.js";
import type { CellAnalysis } from "./analysis.js";
import { cellLabel } from "./cellLabel.js";
import { cellBody, dropModuleMarkers, lineMapFromSourceMap, widenedDeclarations } from "./cellTransform.js";
import type { NameIndex } from "./names.js";
import { exportedFiles } from "./packageExports.js";
import { injectedNames } from "./cellScope.js";

/** A diagnostic in cell coordinates (1-based line and column). */
export interface CellDiagnostic {
  readonly line: number;
  readonly column: number;
  readonly code: number;
  readonly message: string;
}

/** A checked cell: what it reads, its type errors, its compiled body (when it has no errors). */
export interface CheckedCell {
  readonly id: string;
  readonly analysis: CellAnalysis;
  /** Runtime names this cell reads from other cells (free references), sorted. */
  readonly references: readonly string[];
  /** Syntax and type errors; a cell with errors does not run. */
  readonly errors: readonly CellDiagnostic[];
  /** Body of an async function returning `{ names, value, hasValue }` ("" when there are errors). */
  readonly body: string;
  /** Line of the body -> line of the cell (1-based; index 0 unused), for stack traces. */
  readonly lineMap: readonly number[];
  /** True when it mentions a name (a value or a type) that another cell defines: changes elsewhere can change it. */
  readonly readsOthers: boolean;
}

/** A completion answer in cell coordinates. */
export interface CellCompletions {
  readonly matches: string[];
  readonly start: number;
  readonly end: number;
}

/** Raised by `check` when the interrupt check said stop (nothing of the cell was kept). */
export class CheckInterrupted extends Error {
  constructor() {
    super("interrupted while type-checking");
    this.name = "CheckInterrupted";
  }
}

const injected: ReadonlySet<string> = new Set(injectedNames);

// TS codes not meaningful for cells: "'await' at top level needs module/target settings" never applies to a cell
// (it runs inside an async function).
const ignoredCodes = new Set([1375, 1378, 1432]);
// "Cannot assign to 'x' because it is a constant / an import / a function / a class / an enum".
const assignmentCodes = new Set([2588, 2632, 2630, 2629, 2628]);

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
    `  /** What other cells see of a variable: a control's value, each value of a stream, the result of a promise. */`,
    `  type NasbookSeen<T> = T extends object ? (T extends { readonly __nasbookControlValue: infer V } ? V : T extends AsyncIterable<infer U> ? U : T extends Generator<infer U, any, any> ? U : Awaited<T>) : T;`,
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

// Shared by every checker in the process: the parsed (and bound) lib, @types and library files are kept once, so a
// second notebook (a test, `nasbook run` after a kernel) does not parse them again.
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

function scriptKindOf(fileName: string): ts.ScriptKind {
  if (/\.json$/i.test(fileName)) return ts.ScriptKind.JSON;
  if (/\.[cm]?jsx?$/i.test(fileName)) return fileName.endsWith("x") ? ts.ScriptKind.JSX : ts.ScriptKind.JS;
  return fileName.endsWith("x") ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
}

function diskSource(fileName: string, options: ts.CompilerOptions, fileOptions: ts.CreateSourceFileOptions): ts.SourceFile | undefined {
  const key = `${fileName}\0${fileOptions.impliedNodeFormat ?? ""}`;
  let sf = diskSources.get(key);
  if (sf !== undefined || diskSources.has(key)) return sf;
  const snapshot = diskSnapshot(fileName);
  sf = snapshot && documentRegistry.acquireDocument(fileName, options, snapshot, "0", scriptKindOf(fileName), fileOptions);
  diskSources.set(key, sf);
  return sf;
}

// Virtual files of two notebooks in one directory share names; versions unique in the process keep the shared
// registry from handing one notebook's text to the other.
let nextVersion = 1;

interface VirtualFile {
  text: string;
  version: number;
  /** The parsed file when the checker made it itself (the cell's own parse, extended), else parsed on demand. */
  source?: ts.SourceFile;
}

/** One cell as the checker keeps it. */
interface CellEntry {
  readonly id: string;
  readonly analysis: CellAnalysis;
  /** The inputs key of the last check (see `inputsKey`); undefined before the first. */
  key: string | undefined;
  result: CheckedCell | undefined;
  /** The cell's tree as last checked (its analysis tree extended with the appended lines). */
  checked: ts.SourceFile | undefined;
  /** The cell's declaration file as others import it, and how often it changed. */
  declaration: string;
  declarationVersion: number;
}

/** What `check` did. */
export interface CheckOutcome {
  readonly cell: CheckedCell;
  /** True when the cell's declaration file changed (the cells spelling its names must be re-checked). */
  readonly declarationChanged: boolean;
}

/** The type checker of one notebook's cells. */
export class CellChecker {
  readonly cwd: string;
  private readonly files = new Map<string, VirtualFile>();
  private readonly entries = new Map<string, CellEntry>();
  private languageService: ts.LanguageService | undefined;
  private readonly serviceHost: ts.LanguageServiceHost;
  private readonly compilerHost: ts.CompilerHost;
  private readonly resolutionCache: ts.ModuleResolutionCache;
  private readonly programs = new Map<string, ts.Program>();
  private program: ts.Program | undefined;
  private readonly options: ts.CompilerOptions;
  private readonly globalsFile: string;
  private readonly checkFile: string;
  private projectVersion = 0;
  /** True while an executed cell is checked: only such a check stops on an interrupt (not a warm-up). */
  private interruptible = false;
  private readonly interruptRequested: () => boolean;
  private readonly cancel: ts.CancellationToken;

  constructor(private readonly index: NameIndex, opts: { cwd?: string; interruptRequested?: () => boolean } = {}) {
    this.cwd = resolve(opts.cwd ?? process.cwd());
    this.interruptRequested = opts.interruptRequested ?? (() => false);
    const interrupted = (): boolean => this.interruptible && this.interruptRequested();
    this.cancel = {
      isCancellationRequested: interrupted,
      throwIfCancellationRequested: () => {
        if (interrupted()) throw new ts.OperationCanceledException();
      },
    };
    this.globalsFile = join(this.cwd, "__nasbook_globals.d.ts");
    this.checkFile = join(this.cwd, "__nasbook_check.ts");
    this.setFile(this.globalsFile, globalsDeclaration());
    this.setFile(this.checkFile, "export {};\n");
    this.options = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      allowImportingTsExtensions: true,
      declaration: true,
      sourceMap: true,
      strict: true,
      noImplicitAny: false, // cells are exploratory: `function f(x)` should run
      esModuleInterop: true,
      skipLibCheck: true,
      resolveJsonModule: true,
      useDefineForClassFields: true,
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
    this.compilerHost = {
      ...moduleHost,
      getSourceFile: (fileName, languageVersionOrOptions) => {
        // Building a program that reads the library's files for the first time takes seconds: an interrupt stops it
        // between two files.
        if (interrupted()) throw new CheckInterrupted();
        const fileOptions = typeof languageVersionOrOptions === "object" ? languageVersionOrOptions : { languageVersion: languageVersionOrOptions };
        const v = this.files.get(fileName);
        if (!v) return diskSource(fileName, this.options, fileOptions);
        v.source ??= ts.createSourceFile(fileName, v.text, fileOptions, true);
        return v.source;
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

  /** The file name analyses should be parsed under, so that the checker can extend their tree (analyseCell). */
  get checkFileName(): string {
    return this.checkFile;
  }

  private get service(): ts.LanguageService {
    return (this.languageService ??= ts.createLanguageService(this.serviceHost, documentRegistry));
  }

  private newProgram(modules = ""): ts.Program {
    const oldProgram = this.programs.get(modules) ?? this.program;
    const program = ts.createProgram({ rootNames: [this.globalsFile, this.checkFile], options: this.options, host: this.compilerHost, oldProgram });
    this.program = program;
    this.programs.delete(modules);
    this.programs.set(modules, program);
    if (this.programs.size > keptPrograms) this.programs.delete(this.programs.keys().next().value!);
    return program;
  }

  /** Builds the program of a cell that reads nothing, so that the first cell a user runs does not pay for the lib files. */
  warmUp(): void {
    this.setFile(this.checkFile, "export {};\n");
    const program = this.newProgram();
    program.getSemanticDiagnostics(program.getSourceFile(this.checkFile));
  }

  /**
   * Parses the library's type files into the shared registry a few at a time, yielding to the event loop between
   * slices (only while `idle()`), so the first cell that mentions `nas` does not block the kernel for seconds.
   */
  async warmLibrary(opts: { signal?: AbortSignal; sliceMs?: number; idle?: () => boolean } = {}): Promise<void> {
    const sliceMs = opts.sliceMs ?? 8;
    if (libraryWarmed) return;
    libraryWarmed = true;
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
        libraryWarmed = false;
        return;
      }
      if (opts.idle && !opts.idle()) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const sliceEnd = performance.now() + sliceMs;
      while (queue.length && performance.now() < sliceEnd) {
        const file = queue.shift()!;
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

  /** The cell whose declaration `name` is read from, for cell `id` (undefined: none, or the cell itself). */
  private source(name: string, id: string | undefined): string | undefined {
    const owner = this.index.owner(name);
    return owner === id ? undefined : owner;
  }

  /** What a cell's check depends on besides its code: which cell's declaration (and version) each name it reads comes from. */
  private inputsKey(e: CellEntry): string {
    const own = ownNames(e.analysis);
    const parts: string[] = [];
    for (const n of e.analysis.mentioned) {
      if (own.has(n)) continue;
      const from = this.source(n, e.id);
      if (from !== undefined) parts.push(`${n}=${from}@${this.entries.get(from)?.declarationVersion ?? 0}`);
    }
    return parts.sort().join(" ");
  }

  /** The lines appended after a cell's text: imports of other cells' declarations, `nas`, its own exports. */
  private appendedText(id: string | undefined, a: CellAnalysis, everyName: boolean): string {
    const mine = ownNames(a);
    const byCell = new Map<string, string[]>();
    for (const n of everyName ? this.index.owners.keys() : a.mentioned) {
      if (mine.has(n)) continue;
      const from = this.source(n, id);
      if (from === undefined || !this.files.has(this.fileOf(from))) continue;
      const list = byCell.get(from) ?? [];
      list.push(n);
      byCell.set(from, list);
    }
    const lines: string[] = [];
    for (const [from, names] of byCell) {
      // Variables are seen as the runtime sees them: a stream's values, a promise's result.
      const variables = new Set(this.entries.get(from)?.analysis.variables ?? []);
      const specifiers = names.sort().map((n) => (variables.has(n) ? `${n} as __nasbook_v_${n}` : n));
      lines.push(`import { ${specifiers.join(", ")} } from ${JSON.stringify(`${declarationPrefix}${safeId(from)}`)};`);
      for (const n of names) if (variables.has(n)) lines.push(`declare const ${n}: NasbookSeen<typeof __nasbook_v_${n}>;`);
    }
    if ((everyName || a.mentioned.has("nas")) && !mine.has("nas")) lines.push(`import * as nas from ${JSON.stringify(libraryEntry)};`);
    lines.push(`export { ${[...mine].filter((n) => !exportedByModifier(a).has(n)).join(", ")} };`);
    // The leading newline closes an unterminated line comment at the end of the cell.
    return `\n;${lines.join("\n")}\n`;
  }

  /**
   * Checks cell `id` (a new cell or a new version) against the current declarations of the others, emits its body
   * and updates its declaration. Errors are returned in the result, not thrown; CheckInterrupted when interrupted
   * (the cell then keeps its previous version).
   */
  check(id: string, analysis: CellAnalysis): CheckOutcome {
    const previous = this.entries.get(id);
    if (previous?.analysis === analysis && previous.result && previous.key === this.inputsKey(previous)) {
      return { cell: previous.result, declarationChanged: false };
    }
    const e: CellEntry = {
      id, analysis, key: undefined, result: undefined, checked: undefined,
      declaration: previous?.declaration ?? "", declarationVersion: previous?.declarationVersion ?? 0,
    };
    this.interruptible = true;
    try {
      const changed = this.run(e);
      this.entries.set(id, e);
      return { cell: e.result!, declarationChanged: changed };
    } catch (err) {
      if (err instanceof CheckInterrupted || err instanceof ts.OperationCanceledException) throw new CheckInterrupted();
      throw err;
    } finally {
      this.interruptible = false;
    }
  }

  /**
   * Re-checks, transitively, the cells whose inputs key changed because the names in `changed` got a new owner or
   * declaration (`skip`: the cell just checked). A cell is re-checked at most twice per change (declarations in a
   * cycle settle). `onChecked` hears each result at once (the caller updates the index, which may change owners).
   */
  recheck(changed: ReadonlySet<string>, skip: string | undefined, onChecked: (cell: CheckedCell) => void): CheckedCell[] {
    const rechecked: CheckedCell[] = [];
    const count = new Map<string, number>();
    let pending: ReadonlySet<string> = changed;
    while (pending.size) {
      const next = new Set<string>();
      const affected = new Set<string>();
      for (const n of pending) for (const id of this.index.mentioning(n)) if (id !== skip) affected.add(id);
      for (const id of [...affected].sort((a, b) => this.index.position(a) - this.index.position(b))) {
        const e = this.entries.get(id);
        if (!e || this.inputsKey(e) === e.key || (count.get(id) ?? 0) >= 2) continue;
        count.set(id, (count.get(id) ?? 0) + 1);
        if (this.run(e)) for (const n of ownNames(e.analysis)) next.add(n);
        rechecked.push(e.result!);
        onChecked(e.result!);
      }
      pending = next;
    }
    return rechecked;
  }

  /** Forgets cell `id`: its declaration file disappears. */
  remove(id: string): void {
    if (!this.entries.delete(id)) return;
    this.deleteFile(this.fileOf(id));
  }

  /** The last result of cell `id`. */
  result(id: string): CheckedCell | undefined {
    return this.entries.get(id)?.result;
  }

  /** Checks entry `e` and emits its body and declaration; returns true when its declaration changed. */
  private run(e: CellEntry): boolean {
    const a = e.analysis;
    const appended = this.appendedText(e.id, a, false);
    const text = a.code + appended;
    const reusable = (sf: ts.SourceFile | undefined): sf is ts.SourceFile =>
      sf !== undefined && sf.fileName === this.checkFile && !extended.has(sf) && sf.text.startsWith(a.code);
    const before = [e.checked, a.source].find(reusable);
    let source: ts.SourceFile;
    if (before) {
      extended.add(before);
      // The cell's one parse, extended by the appended lines (the parser re-reads only the tail).
      const oldTail = before.text.length - a.code.length;
      source = ts.updateSourceFile(before, text, { span: { start: a.code.length, length: oldTail }, newLength: appended.length });
    } else {
      source = ts.createSourceFile(this.checkFile, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    }
    e.checked = source;
    this.setFile(this.checkFile, text, source);
    const program = this.newProgram(moduleKey(a));
    const sf = program.getSourceFile(this.checkFile)!;
    const codeLength = a.code.length;
    const diagnostics = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf, this.cancel)];
    const errors = diagnostics
      .filter((d) => d.category === ts.DiagnosticCategory.Error && !ignoredCodes.has(d.code))
      .filter((d) => d.start === undefined || d.start < codeLength)
      .map((d) => this.toCellDiagnostic(d, sf, e.id));
    const references = freeReferences(sf, program.getTypeChecker(), codeLength);
    let declaration = "export {};\n";
    let body = "";
    let map = "";
    program.emit(
      sf,
      (name, content) => {
        if (name.endsWith(".d.ts")) declaration = content;
        else if (name.endsWith(".map")) map = content;
        else if (name.endsWith(".js")) body = content;
      },
      this.cancel,
      errors.length > 0, // a cell with errors does not run: its declaration is all that is needed
      { before: [cellBody({ codeLength, names: a.values })], after: [dropModuleMarkers], afterDeclarations: [widenedDeclarations] },
    );
    body = body.replace(/\n\/\/# sourceMappingURL=.*\n?$/, "\n");
    const lineMap = map ? lineMapFromSourceMap((JSON.parse(map) as { mappings: string }).mappings) : [];
    e.key = this.inputsKey(e);
    const own = ownNames(a);
    const readsOthers = [...a.mentioned].some((n) => !own.has(n) && this.source(n, e.id) !== undefined);
    e.result = { id: e.id, analysis: a, references, errors, body: errors.length ? "" : body, lineMap, readsOthers };
    if (declaration === e.declaration && this.files.has(this.fileOf(e.id))) return false;
    e.declaration = declaration;
    e.declarationVersion++;
    this.setFile(this.fileOf(e.id), declaration);
    return true;
  }

  private toCellDiagnostic(d: ts.Diagnostic, sf: ts.SourceFile, id: string): CellDiagnostic {
    const pos = d.start ?? 0;
    const { line, character } = sf.getLineAndCharacterOfPosition(pos);
    let message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (assignmentCodes.has(d.code)) {
      const name = /'([^']+)'/.exec(message)?.[1];
      const owner = name === undefined ? undefined : this.source(name, id);
      if (name !== undefined && owner !== undefined) {
        const where = cellLabel(this.entries.get(owner)?.analysis.code);
        message =
          `Cannot assign to '${name}': it is defined by the cell ${where}, and a cell cannot change another cell's variables ` +
          `(each name has one defining cell, and the cells reading it re-run when that cell does). Keep the state in an ` +
          `object defined once, e.g. \`const state = { ${name}: ... }\` there and \`state.${name} = ...\` here, ` +
          `or move this assignment into that cell`;
      }
    }
    return { line: line + 1, column: character + 1, code: d.code, message };
  }

  /** The check file holding `code` as if it were cell `id` (or a new cell), for completion and inspection. */
  private scratch(analysis: CellAnalysis, id?: string): string {
    this.setFile(this.checkFile, analysis.code + this.appendedText(id, analysis, true));
    return this.checkFile;
  }

  /** Completions at `cursor` (a UTF-16 offset), seeing every other cell's names. */
  complete(analysis: CellAnalysis, cursor: number, id?: string): CellCompletions {
    const code = analysis.code;
    const file = this.scratch(analysis, id);
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
  inspect(analysis: CellAnalysis, cursor: number, id?: string): string | undefined {
    const file = this.scratch(analysis, id);
    let info = this.service.getQuickInfoAtPosition(file, cursor);
    // Jupyter sends the cursor just after the word; TypeScript wants it on the word.
    if (!info && cursor > 0) info = this.service.getQuickInfoAtPosition(file, cursor - 1);
    if (!info) return undefined;
    const signature = ts.displayPartsToString(info.displayParts);
    const doc = ts.displayPartsToString(info.documentation);
    const tags = (info.tags ?? []).map((t) => `@${t.name} ${ts.displayPartsToString(t.text)}`.trim());
    return [signature, doc, ...tags].filter((s) => s.length > 0).join("\n\n");
  }

  private setFile(file: string, text: string, source?: ts.SourceFile): void {
    const prev = this.files.get(file);
    if (prev?.text === text && (source === undefined || prev.source === source)) return;
    this.files.set(file, { text, version: nextVersion++, source });
    this.projectVersion++;
  }

  private deleteFile(file: string): void {
    if (this.files.delete(file)) this.projectVersion++;
  }
}

function ownNames(a: CellAnalysis): Set<string> {
  return new Set([...a.values, ...a.types]);
}

/** The modules a cell imports (the library for `nas`), as a key: checks importing the same ones share a program. */
function moduleKey(a: CellAnalysis): string {
  return [...new Set([...a.modules, ...(a.usesLibrary ? [libraryEntry] : [])])].sort().join("\n");
}

const exportedCache = new WeakMap<CellAnalysis, Set<string>>();

/** Trees already extended once: the incremental parser may reuse their nodes, so they are never extended again. */
const extended = new WeakSet<ts.SourceFile>();

/** Names a cell exports itself (`export const x`), which the appended `export { ... }` must not repeat. */
function exportedByModifier(a: CellAnalysis): Set<string> {
  let out = exportedCache.get(a);
  if (out) return out;
  out = new Set<string>();
  for (const st of a.source.statements) {
    if (ts.canHaveModifiers(st) && (ts.getModifiers(st) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
      for (const n of namesOfStatement(st)) out.add(n);
    }
  }
  exportedCache.set(a, out);
  return out;
}

function namesOfStatement(st: ts.Statement): string[] {
  if (ts.isVariableStatement(st)) {
    const out: string[] = [];
    const walk = (n: ts.BindingName): void => {
      if (ts.isIdentifier(n)) out.push(n.text);
      else for (const el of n.elements) if (!ts.isOmittedExpression(el)) walk(el.name);
    };
    for (const d of st.declarationList.declarations) walk(d.name);
    return out;
  }
  const name = (st as ts.Statement & { name?: ts.Node }).name;
  return name && ts.isIdentifier(name) ? [name.text] : [];
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
