// Tutorials teach the public API as a newcomer meets it: the library reached one way (`import * as nas from
// "nasbook"`, the line a script would use, so code copied out of a notebook runs as it is), and no type assertions
// (`as`, `!`): the library's types (typed trials, typed metrics, figures that take results as they are) make them
// unnecessary. Read with the TypeScript parser, so strings and comments never count.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const NOTEBOOKS = resolve("notebooks");
/** The tutorials this rule covers: 00-10. */
const TUTORIALS = readdirSync(NOTEBOOKS).filter((f) => /^(0[0-9]|10)-.*\.ipynb$/.test(f)).sort();

interface Cell { cell_type: string; id?: string; source: string | string[] }
const codeCells = (file: string): { id: string; source: string }[] =>
  (JSON.parse(readFileSync(join(NOTEBOOKS, file), "utf8")) as { cells: Cell[] }).cells
    .filter((c) => c.cell_type === "code")
    .map((c, i) => ({ id: c.id ?? String(i), source: Array.isArray(c.source) ? c.source.join("") : c.source }));

export interface StyleProblems {
  /** `x as T`, `x as const` and `<T>x`. */
  casts: string[];
  /** `x!`. */
  nonNull: string[];
  /** Imports from "nasbook" other than `import * as nas from "nasbook"`. */
  otherImports: string[];
  /** Whether the cell has `import * as nas from "nasbook"`. */
  namespaceImport: boolean;
}

/** What a cell's code does against the tutorial rules, found on its syntax tree. */
export function styleProblems(source: string): StyleProblems {
  const file = ts.createSourceFile("cell.ts", source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: StyleProblems = { casts: [], nonNull: [], otherImports: [], namespaceImport: false };
  const visit = (node: ts.Node): void => {
    if (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) found.casts.push(node.getText());
    if (ts.isNonNullExpression(node)) found.nonNull.push(node.getText());
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && node.moduleSpecifier.text.startsWith("nasbook")) {
      const bindings = node.importClause?.namedBindings;
      const isNas = node.moduleSpecifier.text === "nasbook" && bindings !== undefined && ts.isNamespaceImport(bindings) && bindings.name.text === "nas" && !node.importClause?.name;
      if (isNas) found.namespaceImport = true;
      else found.otherImports.push(node.getText());
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe("tutorial style", () => {
  it("finds casts, non-null assertions and other imports on the syntax tree, not in strings or comments", () => {
    const p = styleProblems('import * as nas from "nasbook";\nimport { search } from "nasbook";\n// x as T, y!\nconst s = "a as b!";\nconst n = (v as number)! + (w as const).length + <T>u;');
    expect(p.casts).toEqual(["v as number", "w as const", "<T>u"]);
    expect(p.nonNull).toEqual(["(v as number)!"]);
    expect(p.otherImports).toEqual(['import { search } from "nasbook";']);
    expect(p.namespaceImport).toBe(true);
  });

  it.each(TUTORIALS)("%s reaches the library one way (import * as nas) and needs no casts or non-null assertions", (file) => {
    const cells = codeCells(file).map((c) => ({ id: c.id, ...styleProblems(c.source) }));
    expect(cells.flatMap((c) => c.casts.map((x) => `${c.id}: ${x}`)), "casts").toEqual([]);
    expect(cells.flatMap((c) => c.nonNull.map((x) => `${c.id}: ${x}`)), "non-null assertions").toEqual([]);
    expect(cells.flatMap((c) => c.otherImports.map((x) => `${c.id}: ${x}`)), "imports other than `import * as nas from \"nasbook\"`").toEqual([]);
    expect(cells.filter((c) => c.namespaceImport).length, "cells with `import * as nas from \"nasbook\"`").toBe(1);
  });
});
