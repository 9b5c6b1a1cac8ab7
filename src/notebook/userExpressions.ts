/**
 * Jupyter's `user_expressions`: expressions a client asks the kernel to evaluate after an execution (against the
 * notebook's current names), answered in the execute_reply as MIME bundles or errors, each independently.
 */
import vm from "node:vm";
import ts from "typescript";
import { reportError } from "./cellErrors.js";
import { toMimeBundle } from "./mime.js";

/** What an expression can see: the notebook's names (resolved lazily) and the library as `nas`. */
export interface ExpressionScope {
  readonly names: readonly string[];
  value(name: string): Promise<unknown>;
  readonly library: unknown;
}

/** Evaluates one TypeScript expression against `scope` (no type-check: a client's probe, not a cell). */
export async function evaluateExpression(expression: string, scope: ExpressionScope): Promise<unknown> {
  const js = ts.transpileModule(`(${expression}\n)`, { compilerOptions: { target: ts.ScriptTarget.ES2022 }, reportDiagnostics: false }).outputText.trim();
  const used = scope.names.filter((n) => n !== "nas" && new RegExp(`(^|[^\\w$.])${n.replace(/\$/g, "\\$")}($|[^\\w$])`).test(expression));
  // A name still computing (a stream between values) must not hold up the reply forever.
  const values = await Promise.all(used.map((n) => Promise.race([
    scope.value(n),
    new Promise((_, reject) => setTimeout(() => reject(new Error(`"${n}" is still computing; try again when it has settled`)), 5_000).unref()),
  ])));
  const fn = vm.runInThisContext(`(function (nas, ${used.join(", ")}) { return ${js.replace(/;$/, "")}; })`, { filename: "user_expression" }) as (
    ...args: unknown[]
  ) => unknown;
  return fn(scope.library, ...values);
}

/** The execute_reply's `user_expressions` for the request's `user_expressions` content. */
export async function evaluateUserExpressions(requested: unknown, scope: ExpressionScope): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  if (requested === null || typeof requested !== "object") return out;
  for (const [key, expression] of Object.entries(requested as Record<string, unknown>)) {
    try {
      if (typeof expression !== "string") throw new TypeError(`user expression "${key}" must be a string`);
      const value = await evaluateExpression(expression, scope);
      out[key] = { status: "ok", data: toMimeBundle(value) ?? { "text/plain": String(value) }, metadata: {} };
    } catch (err) {
      out[key] = { status: "error", ...reportError(err) };
    }
  }
  return out;
}
