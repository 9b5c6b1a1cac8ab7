/**
 * The cell compiler: type-checks each cell against the names the other cells define, so types flow
 * between cells, and finds the free names a cell reads from other cells (the edges of the cell graph).
 *
 * Each cell is a virtual module `<cwd>/__nasbook_cell_<id>.ts`. To its source we append (after the cell
 * text, so positions and line numbers stay the user's) `import { a, b } from "./__nasbook_cell_<k>"` for every
 * name another cell defines and `export { ... }` for its own names. One TypeScript LanguageService holds all
 * cells, so re-checking a cell reuses the parsed library and only re-checks what changed. A name read from
 * another cell is an identifier whose symbol is one of those appended imports: the checker, not a regex,
 * decides what is free, and type-only uses (`let x: Space`) are not runtime edges.
 */
import { basename, dirname, join, resolve } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { declaredNames, parseCell, transpileCell, type DeclaredNames } from "./transpile.js";
import { exportedFiles } from "./packageExports.js";

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
}

/** A completion answer in cell coordinates. */
export interface CellCompletions {
  readonly matches: string[];
  readonly start: number;
  readonly end: number;
}

/** Names every cell sees without defining them (see `globalsDeclaration`). */
export const injectedNames = ["nas", "signal", "invalidation", "display"] as const;

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

function globalsDeclaration(): string {
  return [
    `declare global {`,
    `  /** The nasbook library (same as \`import * as nas from "nasbook"\`). */`,
    `  const nas: typeof import(${JSON.stringify(libraryEntry)});`,
    `  /** Aborts when this cell is invalidated: an input changed, it was re-run or deleted, or the kernel was interrupted. */`,
    `  const signal: AbortSignal;`,
    `  /** Resolves when this cell is invalidated (Observable's \`invalidation\`). */`,
    `  const invalidation: Promise<void>;`,
    `  /** Shows extra output below the cell (MIME bundles render richly). */`,
    `  function display(...values: unknown[]): void;`,
    `  /** What other cells see of a variable: each value of a stream, the result of a promise. */`,
    `  type NasbookSeen<T> = T extends AsyncIterable<infer U> ? U : T extends Generator<infer U, any, any> ? U : Awaited<T>;`,
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

interface VirtualFile {
  text: string;
  version: number;
}

/** Type checker and analyser for the cells of one notebook. */
export class CellCompiler {
  readonly cwd: string;
  private readonly files = new Map<string, VirtualFile>();
  private readonly declared = new Map<string, DeclaredNames>();
  // Importing only the names a cell mentions keeps other cells' virtual files unchanged when a cell is
  // added, so TypeScript re-checks one file instead of all (about 10x faster per new cell).
  private readonly sources = new Map<string, { code: string; exportedByModifier: Set<string>; mentioned: Set<string> }>();
  private readonly order: string[] = [];
  private readonly service: ts.LanguageService;
  private readonly options: ts.CompilerOptions;
  private readonly globalsFile: string;
  private readonly scratchFile: string;

  constructor(opts: { cwd?: string } = {}) {
    this.cwd = resolve(opts.cwd ?? process.cwd());
    this.globalsFile = join(this.cwd, "__nasbook_globals.d.ts");
    this.scratchFile = join(this.cwd, "__nasbook_scratch.ts");
    this.files.set(this.globalsFile, { text: globalsDeclaration(), version: 1 });
    this.options = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      allowImportingTsExtensions: true,
      noEmit: true,
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
    const host: ts.LanguageServiceHost = {
      getCompilationSettings: () => this.options,
      getScriptFileNames: () => [...this.files.keys()],
      getScriptVersion: (f) => String(this.files.get(f)?.version ?? 0),
      getScriptSnapshot: (f) => {
        const v = this.files.get(f);
        if (v) return ts.ScriptSnapshot.fromString(v.text);
        const text = ts.sys.readFile(f);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => this.cwd,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: (f) => this.files.has(f) || ts.sys.fileExists(f),
      readFile: (f, enc) => this.files.get(f)?.text ?? ts.sys.readFile(f, enc),
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
      realpath: ts.sys.realpath,
      useCaseSensitiveFileNames: () => ts.sys.useCaseSensitiveFileNames,
      // A notebook outside this package still finds the packages installed with nasbook.
      resolveModuleNameLiterals: (literals, containingFile, _ref, options) =>
        literals.map((lit) => {
          const first = ts.resolveModuleName(lit.text, containingFile, options, host);
          if (first.resolvedModule || lit.text.startsWith(".") || lit.text.startsWith("/")) return first;
          const second = ts.resolveModuleName(lit.text, fallbackFile, options, host);
          return second.resolvedModule ? second : first;
        }),
    };
    this.service = ts.createLanguageService(host, ts.createDocumentRegistry());
  }

  /** Virtual file name of a cell. */
  fileOf(id: string): string {
    return join(this.cwd, `__nasbook_cell_${safeId(id)}.ts`);
  }

  /** The text checked for cell `id`: its code, then imports of other cells' names, then its exports. */
  private virtualText(
    id: string | undefined,
    code: string,
    own: DeclaredNames,
    ownExportsFromModifiers: Set<string>,
    mentioned?: Set<string>,
  ): string {
    const mine = new Set([...own.values, ...own.types]);
    const seen = new Set<string>();
    const lines: string[] = [];
    for (const other of this.order) {
      if (other === id) continue;
      const d = this.declared.get(other)!;
      const names = [...d.values, ...d.types].filter((n) => !mine.has(n) && !seen.has(n) && (!mentioned || mentioned.has(n)));
      names.forEach((n) => seen.add(n));
      if (!names.length) continue;
      // Variables are seen as the runtime sees them: a stream's values, a promise's result.
      const variables = new Set(d.variables);
      const specifiers = names.map((n) => (variables.has(n) ? `${n} as __nasbook_v_${n}` : n));
      lines.push(`import { ${specifiers.join(", ")} } from ${JSON.stringify(`./__nasbook_cell_${safeId(other)}`)};`);
      for (const n of names) if (variables.has(n)) lines.push(`declare const ${n}: NasbookSeen<typeof __nasbook_v_${n}>;`);
    }
    const exported = [...mine].filter((n) => !ownExportsFromModifiers.has(n));
    lines.push(`export { ${exported.join(", ")} };`);
    // The leading newline closes an unterminated line comment at the end of the cell.
    return `${code}\n;${lines.join("\n")}\n`;
  }

  private setFile(file: string, text: string): void {
    const prev = this.files.get(file);
    if (prev?.text === text) return;
    this.files.set(file, { text, version: (prev?.version ?? 0) + 1 });
  }

  /**
   * Compiles cell `id` (new or changed) and keeps it as the cell's current version, so that other cells see
   * its names and types. Errors are returned, not thrown.
   */
  compile(id: string, code: string): CompiledCell {
    const source = parseCell(code);
    const own = declaredNames(source);
    const exportedByModifier = exportedNames(source);
    const file = this.fileOf(id);
    if (!this.declared.has(id)) this.order.push(id);
    this.declared.set(id, own);
    const mentioned = identifierTexts(source);
    this.sources.set(id, { code, exportedByModifier, mentioned });
    this.setFile(file, this.virtualText(id, code, own, exportedByModifier, mentioned));
    // Other cells import from this one: their appended imports may need to change.
    this.refreshOthers(id);

    const program = this.service.getProgram()!;
    const sf = program.getSourceFile(file)!;
    const diagnostics = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    const errors = diagnostics
      .filter((d) => d.category === ts.DiagnosticCategory.Error && !ignoredCodes.has(d.code))
      .filter((d) => d.start === undefined || d.start < code.length)
      .map((d) => toCellDiagnostic(d, sf));
    const references = freeReferences(sf, program.getTypeChecker(), code.length);
    const { body, hasValue, displayName } = transpileCell(code);
    return { id, code, defines: own.values, typeNames: own.types, references, body, hasValue, displayName, errors };
  }

  private refreshOthers(changed: string): void {
    for (const other of this.order) {
      if (other === changed) continue;
      const c = this.sources.get(other)!;
      this.setFile(this.fileOf(other), this.virtualText(other, c.code, this.declared.get(other)!, c.exportedByModifier, c.mentioned));
    }
  }

  /** Forgets cell `id`: its names disappear from other cells' type checking. */
  remove(id: string): void {
    if (!this.declared.has(id)) return;
    this.declared.delete(id);
    this.sources.delete(id);
    this.order.splice(this.order.indexOf(id), 1);
    this.files.delete(this.fileOf(id));
    this.refreshOthers(id);
  }

  /** The scratch file holding `code` as if it were cell `id` (or a new cell), for completion and inspection. */
  private scratch(code: string, id?: string): string {
    const source = parseCell(code);
    this.setFile(this.scratchFile, this.virtualText(id, code, declaredNames(source), exportedNames(source)));
    return this.scratchFile;
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
      if (symbol && decl && decl.getSourceFile() === sf && decl.pos >= codeLength) {
        found.add(symbol.name);
      }
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(sf, visit);
  return [...found].sort();
}
