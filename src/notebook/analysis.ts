/**
 * Step 1 of a cell's life: what its text declares, imports and mentions, from ONE parse and nothing else (no type
 * checker, no other cell). Pure: the same text always gives the same analysis. Everything later in the pipeline
 * (the name index, the checker, the emitted JavaScript) starts from the tree parsed here.
 */
import ts from "typescript";

/** One name a cell binds with an `import` declaration: what two cells must share to import "the same thing". */
export interface ImportBinding {
  readonly local: string;
  readonly module: string;
  /** The export it binds: a name, "default", or "*" for a namespace import. */
  readonly imported: string;
  readonly typeOnly: boolean;
}

/** What a cell declares, imports and mentions. */
export interface CellAnalysis {
  readonly code: string;
  /** The parsed cell (TypeScript module syntax); later steps reuse it instead of parsing again. */
  readonly source: ts.SourceFile;
  /** Runtime names it declares at top level: const/let/var, function, class, enum, value imports. */
  readonly values: readonly string[];
  /** Names that exist only for the type checker: interface, type alias, namespace, const enum, type-only imports. */
  readonly types: readonly string[];
  /** The values declared by const/let/var (their runtime value may be a stream or a promise). */
  readonly variables: readonly string[];
  /** Import bindings, by local name (values and types). */
  readonly imports: ReadonlyMap<string, ImportBinding>;
  /** Names the cell's `// @redefine a, b` directive lets it take over from the cell that defines them. */
  readonly redefines: readonly string[];
  /** Every identifier spelled in the cell: a superset of the names it can read from other cells. */
  readonly mentioned: ReadonlySet<string>;
  /** Module specifiers imported statically or with `import("literal")`. */
  readonly modules: readonly string[];
  /** True when the cell ends with an expression statement, whose value it shows. */
  readonly hasValue: boolean;
  /** Without a trailing expression: the variable of a last statement `const x = ...` declaring exactly one. */
  readonly displayName: string | undefined;
  /** True when it mentions the library's name (`nas`) without declaring it: running it needs the library. */
  readonly usesLibrary: boolean;
}

/** Parses cell source as a TypeScript module. */
export function parseCell(code: string, fileName = "cell.ts"): ts.SourceFile {
  return ts.createSourceFile(fileName, code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
}

function bindingNames(name: ts.BindingName, out: string[]): void {
  if (ts.isIdentifier(name)) out.push(name.text);
  else for (const el of name.elements) if (!ts.isOmittedExpression(el)) bindingNames(el.name, out);
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
}

/** The statement whose value a cell shows: a trailing expression statement, or a trailing `export default <expr>`. */
export function trailingValue(last: ts.Statement | undefined): ts.Expression | undefined {
  if (!last) return undefined;
  if (ts.isExpressionStatement(last)) return last.expression;
  if (ts.isExportAssignment(last) && !last.isExportEquals) return last.expression;
  return undefined;
}

/** `// @redefine a, b c` lines among the comments before the first statement. */
const redefineLine = /^\s*\/\/\s*@redefine\b(.*)$/;

function redefineDirective(source: ts.SourceFile): string[] {
  const first = source.statements[0];
  const head = source.text.slice(0, first ? first.getStart(source) : source.text.length);
  const names: string[] = [];
  for (const line of head.split("\n")) {
    const m = redefineLine.exec(line);
    if (!m) continue;
    for (const n of m[1]!.split(/[\s,]+/)) if (n) names.push(n);
  }
  return names;
}

/** Whether a namespace declares anything that exists at run time (TypeScript emits an object for it then). */
function instantiated(ns: ts.ModuleDeclaration): boolean {
  const body = ns.body;
  if (!body) return false;
  if (ts.isModuleDeclaration(body)) return instantiated(body);
  if (!ts.isModuleBlock(body)) return false;
  return body.statements.some((st) => {
    if (ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) return false;
    if (hasModifier(st, ts.SyntaxKind.DeclareKeyword)) return false;
    if (ts.isEnumDeclaration(st)) return !hasModifier(st, ts.SyntaxKind.ConstKeyword);
    if (ts.isModuleDeclaration(st)) return instantiated(st);
    if (ts.isImportEqualsDeclaration(st)) return false;
    return true;
  });
}

/** The names a list of top-level statements declares (see CellAnalysis). */
export function declaredNames(statements: readonly ts.Statement[]): {
  values: string[];
  types: string[];
  variables: string[];
  imports: Map<string, ImportBinding>;
} {
  const values: string[] = [];
  const types: string[] = [];
  const variables: string[] = [];
  const imports = new Map<string, ImportBinding>();
  for (const st of statements) {
    if (ts.isVariableStatement(st)) {
      if (hasModifier(st, ts.SyntaxKind.DeclareKeyword)) continue;
      for (const d of st.declarationList.declarations) bindingNames(d.name, variables);
      for (const d of st.declarationList.declarations) bindingNames(d.name, values);
    } else if (ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) {
      if (st.name && !hasModifier(st, ts.SyntaxKind.DeclareKeyword)) values.push(st.name.text);
    } else if (ts.isEnumDeclaration(st)) {
      if (hasModifier(st, ts.SyntaxKind.ConstKeyword) || hasModifier(st, ts.SyntaxKind.DeclareKeyword)) types.push(st.name.text);
      else values.push(st.name.text);
    } else if (ts.isModuleDeclaration(st) && ts.isIdentifier(st.name)) {
      // A namespace with values in it exists at run time (an object); one of types only does not.
      (instantiated(st) && !hasModifier(st, ts.SyntaxKind.DeclareKeyword) ? values : types).push(st.name.text);
    } else if (ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) {
      types.push(st.name.text);
    } else if (ts.isImportDeclaration(st) && st.importClause && ts.isStringLiteral(st.moduleSpecifier)) {
      const module = st.moduleSpecifier.text;
      const clause = st.importClause;
      const add = (local: string, imported: string, typeOnly: boolean): void => {
        (typeOnly ? types : values).push(local);
        imports.set(local, { local, module, imported, typeOnly });
      };
      if (clause.name) add(clause.name.text, "default", clause.isTypeOnly);
      const nb = clause.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) add(nb.name.text, "*", clause.isTypeOnly);
      if (nb && ts.isNamedImports(nb)) {
        for (const el of nb.elements) add(el.name.text, (el.propertyName ?? el.name).text, clause.isTypeOnly || el.isTypeOnly);
      }
    }
  }
  return { values: [...new Set(values)], types: [...new Set(types)], variables: [...new Set(variables)], imports };
}

/**
 * Analyses a cell (see CellAnalysis). `fileName`: the name its tree is parsed under (the checker extends the tree of
 * a cell parsed under its check file's name instead of parsing again); `libraryName`: how cells call the library.
 */
export function analyseCell(code: string, opts: { fileName?: string; libraryName?: string } = {}): CellAnalysis {
  const libraryName = opts.libraryName ?? "nas";
  const source = parseCell(code, opts.fileName);
  const declared = declaredNames(source.statements);
  const mentioned = new Set<string>();
  const modules: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) mentioned.add(node.text);
    else if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) modules.push(node.moduleSpecifier.text);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) modules.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const last = source.statements[source.statements.length - 1];
  const trailing = trailingValue(last);
  let displayName: string | undefined;
  if (!trailing && last && ts.isVariableStatement(last) && !hasModifier(last, ts.SyntaxKind.DeclareKeyword)) {
    const names: string[] = [];
    for (const d of last.declarationList.declarations) bindingNames(d.name, names);
    if (names.length === 1 && last.declarationList.declarations[0]!.name.kind === ts.SyntaxKind.Identifier) displayName = names[0];
  }
  const usesLibrary = mentioned.has(libraryName) && !declared.values.includes(libraryName);
  return {
    code,
    source,
    values: declared.values,
    types: declared.types,
    variables: declared.variables,
    imports: declared.imports,
    redefines: redefineDirective(source),
    mentioned,
    modules: [...new Set(modules)],
    hasValue: trailing !== undefined,
    displayName,
    usesLibrary,
  };
}

/** True when two import bindings import the same thing under the same name (shared by cells, never a conflict). */
export function sameImport(a: ImportBinding | undefined, b: ImportBinding | undefined): boolean {
  return a !== undefined && b !== undefined && a.local === b.local && a.module === b.module && a.imported === b.imported && a.typeOnly === b.typeOnly;
}
