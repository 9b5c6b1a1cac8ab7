/**
 * Jupyter's is_complete for TypeScript: "complete" when the code parses, "incomplete" when the parser
 * ran out of input (an open brace, string template or comment: the console should offer another line),
 * and "invalid" for any other syntax error (more lines cannot fix it).
 */
import ts from "typescript";

/** Jupyter's is_complete statuses. */
export type Completeness = "complete" | "incomplete" | "invalid";

/** Whether `code` is a complete cell, needs more lines, or cannot become valid by adding lines. */
export function isComplete(code: string): Completeness {
  const errors = (
    ts.transpileModule(code, {
      reportDiagnostics: true,
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
    }).diagnostics ?? []
  ).filter((d) => d.category === ts.DiagnosticCategory.Error && d.start !== undefined);
  if (!errors.length) return "complete";
  const end = code.trimEnd().length;
  // Errors the parser reports at the very end of the input mean "I expected more".
  const atEnd = errors.every((d) => d.start! >= end || d.code === 1160 /* unterminated template */ || d.code === 1010 /* unterminated comment */);
  return atEnd ? "incomplete" : "invalid";
}
