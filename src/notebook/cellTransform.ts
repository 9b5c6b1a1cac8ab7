/**
 * The TypeScript transforms of a cell, applied by the checker's one emit (no re-parse, no string splicing):
 *
 * - `cellBody`: the cell becomes the body of an async function. A cell is re-run many times with new inputs, which
 *   an ES module cannot be, so `import` statements become `await __nasbook_import(...)` (ESM and CommonJS packages
 *   both load, anywhere), `import("x")` calls the same function, export modifiers go, every loop body starts with a
 *   call of the loop guard (an interrupt then stops a synchronous loop), and the cell ends by returning
 *   `{ names: { ...its names }, value: <trailing expression>, hasValue }`. The cross-cell declarations the checker
 *   appends after the cell's own text are dropped.
 * - `widenedDeclarations`: a cell's declaration file as other cells see it, with `declare const x = 1` widened to
 *   `declare const x: number` (cells re-run with other values; a dependent should check against "a number").
 */
import ts from "typescript";
import { trailingValue } from "./analysis.js";

import { importFunctionName, loopGuardName } from "./cellScope.js";

export { importFunctionName, loopGuardName };

export interface CellBodyOptions {
  /** Length of the cell's own text in the checked file (statements after it are the checker's additions). */
  readonly codeLength: number;
  /** The runtime names the cell declares (returned in `names`). */
  readonly names: readonly string[];
}

function isTypeOnlyImport(st: ts.ImportDeclaration): boolean {
  return st.importClause?.isTypeOnly === true;
}

/** `import ... from "m"` as `const { ... } = await __nasbook_import("m")` (or several statements). */
function importStatements(f: ts.NodeFactory, st: ts.ImportDeclaration): ts.Statement[] {
  const spec = (st.moduleSpecifier as ts.StringLiteral).text;
  const load = (): ts.Expression =>
    f.createAwaitExpression(f.createCallExpression(f.createIdentifier(importFunctionName), undefined, [f.createStringLiteral(spec)]));
  const clause = st.importClause;
  if (!clause) return [f.createExpressionStatement(load())];
  if (clause.isTypeOnly) return [];
  const constant = (name: ts.BindingName, init: ts.Expression): ts.Statement =>
    f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(name, undefined, undefined, init)], ts.NodeFlags.Const));
  const nb = clause.namedBindings;
  if (nb && ts.isNamespaceImport(nb)) {
    const out = [constant(f.createIdentifier(nb.name.text), load())];
    if (clause.name) out.push(constant(f.createIdentifier(clause.name.text), f.createPropertyAccessExpression(f.createIdentifier(nb.name.text), "default")));
    return out;
  }
  const elements: ts.BindingElement[] = [];
  if (clause.name) elements.push(f.createBindingElement(undefined, "default", f.createIdentifier(clause.name.text)));
  if (nb && ts.isNamedImports(nb)) {
    for (const el of nb.elements) {
      if (el.isTypeOnly) continue;
      const imported = (el.propertyName ?? el.name).text;
      elements.push(f.createBindingElement(undefined, imported === el.name.text ? undefined : f.createStringLiteral(imported), f.createIdentifier(el.name.text)));
    }
  }
  if (!elements.length) return [f.createExpressionStatement(load())];
  return [constant(f.createObjectBindingPattern(elements), load())];
}

function withoutExportModifiers<T extends ts.Node>(f: ts.NodeFactory, node: T): T | ts.Statement {
  if (!ts.canHaveModifiers(node)) return node;
  const mods = ts.getModifiers(node);
  if (!mods?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword || m.kind === ts.SyntaxKind.DefaultKeyword)) return node;
  const kept = ts.getModifiers(node)!.filter((m) => m.kind !== ts.SyntaxKind.ExportKeyword && m.kind !== ts.SyntaxKind.DefaultKeyword);
  // `export default function () {}` (no name) is not a statement without `export default`: make it an expression.
  if (ts.isFunctionDeclaration(node) && !node.name) {
    return f.createExpressionStatement(f.createParenthesizedExpression(
      f.createFunctionExpression(kept as ts.Modifier[], node.asteriskToken, undefined, node.typeParameters, node.parameters, node.type, node.body ?? f.createBlock([])),
    ));
  }
  if (ts.isClassDeclaration(node) && !node.name) {
    return f.createExpressionStatement(f.createParenthesizedExpression(
      f.createClassExpression(kept as ts.ModifierLike[], undefined, node.typeParameters, node.heritageClauses, node.members),
    ));
  }
  return f.replaceModifiers(node as unknown as ts.HasModifiers, kept) as unknown as T;
}

function returnNames(f: ts.NodeFactory, names: readonly string[], value: ts.Expression | undefined): ts.Statement {
  return f.createReturnStatement(f.createObjectLiteralExpression([
    f.createPropertyAssignment("names", f.createObjectLiteralExpression(names.map((n) => f.createShorthandPropertyAssignment(n)))),
    f.createPropertyAssignment("value", value ? f.createParenthesizedExpression(value) : f.createIdentifier("undefined")),
    f.createPropertyAssignment("hasValue", value ? f.createTrue() : f.createFalse()),
  ]));
}

const loopKinds = new Set([
  ts.SyntaxKind.WhileStatement, ts.SyntaxKind.DoStatement, ts.SyntaxKind.ForStatement,
  ts.SyntaxKind.ForInStatement, ts.SyntaxKind.ForOfStatement,
]);

/** Loop guards (and `import()` through the import function) in any code: what user expressions get. */
export function loopGuards(): ts.TransformerFactory<ts.SourceFile> {
  return (context) => (sf) => ts.visitEachChild(sf, guardVisitor(context), context);
}

function guardVisitor(context: ts.TransformationContext): (node: ts.Node) => ts.Node {
  const f = context.factory;
  const guard = (): ts.Statement => f.createExpressionStatement(f.createCallExpression(f.createIdentifier(loopGuardName), undefined, []));
  const deep = (node: ts.Node): ts.Node => {
    if (loopKinds.has(node.kind)) {
      const loop = ts.visitEachChild(node, deep, context) as ts.IterationStatement;
      const body = loop.statement;
      const guarded = ts.isBlock(body) ? f.updateBlock(body, [guard(), ...body.statements]) : f.createBlock([guard(), body], true);
      if (ts.isWhileStatement(loop)) return f.updateWhileStatement(loop, loop.expression, guarded);
      if (ts.isDoStatement(loop)) return f.updateDoStatement(loop, guarded, loop.expression);
      if (ts.isForStatement(loop)) return f.updateForStatement(loop, loop.initializer, loop.condition, loop.incrementor, guarded);
      if (ts.isForInStatement(loop)) return f.updateForInStatement(loop, loop.initializer, loop.expression, guarded);
      if (ts.isForOfStatement(loop)) return f.updateForOfStatement(loop, loop.awaitModifier, loop.initializer, loop.expression, guarded);
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      return f.createCallExpression(f.createIdentifier(importFunctionName), undefined, ts.visitNodes(node.arguments, deep, ts.isExpression));
    }
    return ts.visitEachChild(node, deep, context);
  };
  return deep;
}

/** The cell-body transform (see the file comment). */
export function cellBody(opts: CellBodyOptions): ts.TransformerFactory<ts.SourceFile> {
  return (context) => {
    const f = context.factory;
    // Everywhere in the cell, functions included: loop guards and dynamic imports.
    const deep = guardVisitor(context);
    return (sf) => {
      // The cell's statements (its last one may end with the `;` the checker appends right after the text).
      const own = sf.statements.filter((st) => st.getStart(sf) < opts.codeLength);
      const last = own[own.length - 1];
      const value = trailingValue(last);
      const trailing = value === undefined ? undefined : last;
      const out: ts.Statement[] = [];
      for (const st of own) {
        if (ts.isImportDeclaration(st)) {
          if (!isTypeOnlyImport(st)) out.push(...importStatements(f, st));
          continue;
        }
        if (ts.isExportDeclaration(st)) continue;
        if (st === trailing) {
          out.push(returnNames(f, opts.names, deep(value!) as ts.Expression));
          continue;
        }
        if (ts.isExportAssignment(st)) {
          out.push(f.createExpressionStatement(deep(st.expression) as ts.Expression));
          continue;
        }
        out.push(deep(withoutExportModifiers(f, st)) as ts.Statement);
      }
      if (!trailing) out.push(returnNames(f, opts.names, undefined));
      return f.updateSourceFile(sf, out);
    };
  };
}

/** Removes what the module transform adds back at the top level (`export {}` keeps a file a module). */
export const dropModuleMarkers: ts.TransformerFactory<ts.SourceFile> = (context) => (sf) =>
  context.factory.updateSourceFile(sf, sf.statements.filter((st) => !ts.isExportDeclaration(st)));

function literalKeyword(f: ts.NodeFactory, init: ts.Expression): ts.TypeNode | undefined {
  const keyword = (k: ts.KeywordTypeSyntaxKind): ts.TypeNode => f.createKeywordTypeNode(k);
  if (ts.isNumericLiteral(init)) return keyword(ts.SyntaxKind.NumberKeyword);
  if (ts.isPrefixUnaryExpression(init) && ts.isNumericLiteral(init.operand)) return keyword(ts.SyntaxKind.NumberKeyword);
  if (ts.isBigIntLiteral(init) || (ts.isPrefixUnaryExpression(init) && ts.isBigIntLiteral(init.operand))) return keyword(ts.SyntaxKind.BigIntKeyword);
  if (ts.isStringLiteral(init) || ts.isNoSubstitutionTemplateLiteral(init)) return keyword(ts.SyntaxKind.StringKeyword);
  if (init.kind === ts.SyntaxKind.TrueKeyword || init.kind === ts.SyntaxKind.FalseKeyword) return keyword(ts.SyntaxKind.BooleanKeyword);
  return undefined;
}

/** The declaration transform (see the file comment). */
export const widenedDeclarations: ts.TransformerFactory<ts.SourceFile | ts.Bundle> = (context) => (node) => {
  if (!ts.isSourceFile(node)) return node;
  const f = context.factory;
  const statements = node.statements.map((st) => {
    if (!ts.isVariableStatement(st)) return st;
    let changed = false;
    const declarations = st.declarationList.declarations.map((d) => {
      if (d.type || !d.initializer) return d;
      const type = literalKeyword(f, d.initializer);
      if (!type) return d;
      changed = true;
      return f.updateVariableDeclaration(d, d.name, d.exclamationToken, type, undefined);
    });
    return changed ? f.updateVariableStatement(st, st.modifiers, f.updateVariableDeclarationList(st.declarationList, declarations)) : st;
  });
  return f.updateSourceFile(node, statements);
};

/**
 * Generated line -> source line (both 1-based) from a source map's `mappings`: which line of the cell each line of
 * the compiled body came from, for stack traces. Lines without a mapping take the previous line's.
 */
export function lineMapFromSourceMap(mappings: string): number[] {
  const out: number[] = [0];
  let sourceLine = 0;
  let last = 1;
  const lines = mappings.split(";");
  for (const line of lines) {
    let first: number | undefined;
    for (const segment of line.split(",")) {
      if (!segment) continue;
      const fields = decodeVlq(segment);
      if (fields.length >= 4) {
        sourceLine += fields[2]!;
        first ??= sourceLine + 1;
      }
    }
    if (first !== undefined) last = first;
    out.push(last);
  }
  return out;
}

const base64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = base64.indexOf(ch);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return values;
}
