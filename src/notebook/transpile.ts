/**
 * Turns a TypeScript cell into the body of an async JavaScript function, and finds the names it declares.
 *
 * Why a function body and not a module: a cell is re-run many times with different inputs, which ES modules
 * cannot do. So `import` statements become `await __nasbook_import(...)` (ESM and CommonJS packages both load,
 * and `import` works anywhere the cell runs), top-level declarations stay local, and the body ends by
 * returning `{ names: { ...declared }, value: <trailing expression>, hasValue }`.
 */
import ts from "typescript";

/** Names a cell declares at top level: runtime values, and types that only exist for the type checker. */
export interface DeclaredNames {
  readonly values: string[];
  readonly types: string[];
  /** The values declared by const/let/var (their runtime value may be a stream or a promise). */
  readonly variables: string[];
}

/** Name of the import function passed to every cell. */
export const importFunctionName = "__nasbook_import";

function bindingNames(name: ts.BindingName, out: string[]): void {
  if (ts.isIdentifier(name)) out.push(name.text);
  else for (const el of name.elements) if (!ts.isOmittedExpression(el)) bindingNames(el.name, out);
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
}

/** The top-level names a parsed cell declares (const/let/var, function, class, enum, namespace, imports, types). */
export function declaredNames(source: ts.SourceFile): DeclaredNames {
  const values: string[] = [];
  const types: string[] = [];
  const variables: string[] = [];
  for (const st of source.statements) {
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
      types.push(st.name.text);
    } else if (ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) {
      types.push(st.name.text);
    } else if (ts.isImportDeclaration(st) && st.importClause) {
      const clause = st.importClause;
      const bucket = clause.isTypeOnly ? types : values;
      if (clause.name) bucket.push(clause.name.text);
      const nb = clause.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) bucket.push(nb.name.text);
      if (nb && ts.isNamedImports(nb)) {
        for (const el of nb.elements) (el.isTypeOnly ? types : bucket).push(el.name.text);
      }
    }
  }
  return { values: [...new Set(values)], types: [...new Set(types)], variables: [...new Set(variables)] };
}

/** Parses cell source as a TypeScript module. */
export function parseCell(code: string, fileName = "cell.ts"): ts.SourceFile {
  return ts.createSourceFile(fileName, code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
}

/** The trailing expression statement of a cell, whose value the cell displays. */
export function trailingExpression(source: ts.SourceFile): ts.ExpressionStatement | undefined {
  const last = source.statements[source.statements.length - 1];
  return last && ts.isExpressionStatement(last) ? last : undefined;
}

function importReplacement(st: ts.ImportDeclaration, source: ts.SourceFile): string {
  const spec = JSON.stringify((st.moduleSpecifier as ts.StringLiteral).text);
  const load = `await ${importFunctionName}(${spec})`;
  const clause = st.importClause;
  if (!clause) return `${load};`;
  const parts: string[] = [];
  const nb = clause.namedBindings;
  if (nb && ts.isNamespaceImport(nb)) {
    const ns = nb.name.text;
    parts.push(`const ${ns} = ${load};`);
    if (clause.name) parts.push(`const ${clause.name.text} = ${ns}.default;`);
    return parts.join(" ");
  }
  const fields: string[] = [];
  if (clause.name) fields.push(`default: ${clause.name.text}`);
  if (nb && ts.isNamedImports(nb)) {
    for (const el of nb.elements) {
      if (el.isTypeOnly) continue;
      const imported = el.propertyName ? el.propertyName.getText(source) : el.name.text;
      fields.push(imported === el.name.text ? el.name.text : `${imported}: ${el.name.text}`);
    }
  }
  return fields.length ? `const { ${fields.join(", ")} } = ${load};` : `${load};`;
}

/**
 * Transpiles cell TypeScript to the body of an async function. Types are erased without type checking
 * (the compiler checks separately), so this never fails on type errors; syntax errors are reported by
 * the checker too.
 */
export function transpileCell(cell: string | ts.SourceFile): {
  body: string;
  declared: DeclaredNames;
  hasValue: boolean;
  /** The one variable a cell without a trailing expression displays (`const space = ...` shows the space). */
  displayName: string | undefined;
} {
  // The caller usually has the cell parsed already (the compiler parses each cell once).
  const source = typeof cell === "string" ? parseCell(cell) : cell;
  const emitted = ts.transpileModule(source.text, {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      // Keep every import: a cell's imports are definitions that other cells may use even if this one does not.
      verbatimModuleSyntax: true,
      useDefineForClassFields: true,
    },
    reportDiagnostics: false,
  }).outputText;
  const out = withDynamicImports(emitted);
  const js = parseCell(out, "cell.js");
  const declared = declaredNames(source);

  const edits: Array<{ start: number; end: number; text: string }> = [];
  const names = declared.values.join(", ");
  const trailing = trailingExpression(js);
  for (const st of js.statements) {
    if (ts.isImportDeclaration(st)) {
      edits.push({ start: st.getStart(js), end: st.end, text: importReplacement(st, js) });
    } else if (ts.isExportDeclaration(st)) {
      edits.push({ start: st.getStart(js), end: st.end, text: "" });
    } else if (ts.isExportAssignment(st)) {
      edits.push({ start: st.getStart(js), end: st.end, text: `${st.expression.getText(js)};` });
    } else if (ts.canHaveModifiers(st)) {
      for (const m of ts.getModifiers(st) ?? []) {
        if (m.kind === ts.SyntaxKind.ExportKeyword || m.kind === ts.SyntaxKind.DefaultKeyword) {
          edits.push({ start: m.getStart(js), end: m.end, text: "" });
        }
      }
    }
  }
  if (trailing) {
    edits.push({
      start: trailing.getStart(js),
      end: trailing.end,
      text: `return { names: { ${names} }, value: (${trailing.expression.getText(js)}), hasValue: true };`,
    });
  }
  edits.sort((a, b) => b.start - a.start);
  let body = out;
  for (const e of edits) body = body.slice(0, e.start) + e.text + body.slice(e.end);
  if (!trailing) body += `\nreturn { names: { ${names} }, value: undefined, hasValue: false };`;
  const variables: string[] = [];
  for (const st of source.statements) {
    if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) bindingNames(d.name, variables);
  }
  const displayName = !trailing && declared.values.length === 1 && variables.length === 1 ? variables[0] : undefined;
  return { body, declared, hasValue: trailing !== undefined, displayName };
}

/**
 * `import("x")` expressions call the cell's import function instead: a cell runs as a function compiled by
 * `vm`, which has no module loader of its own ("A dynamic import callback was not specified").
 */
function withDynamicImports(js: string): string {
  if (!js.includes("import")) return js;
  const starts: number[] = [];
  const file = parseCell(js, "cell.js");
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) starts.push(node.expression.getStart(file));
    ts.forEachChild(node, visit);
  };
  visit(file);
  let out = js;
  for (const at of starts.sort((a, b) => b - a)) out = out.slice(0, at) + importFunctionName + out.slice(at + "import".length);
  return out;
}
