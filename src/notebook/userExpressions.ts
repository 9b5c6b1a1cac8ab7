/**
 * Jupyter's `user_expressions`: expressions a client asks the kernel to evaluate after an execution (against the
 * notebook's current names), answered in the execute_reply as MIME bundles or errors, each independently.
 *
 * They get the protections of cells: they run as the running cell "user_expressions" (so `process.exit()` fails the
 * expression instead of ending the kernel), their loops carry the loop guard (an interrupt stops `while (true) {}`),
 * and their first call goes through the host's interruptible call (SIGINT breaks synchronous code).
 */
import ts from "typescript";
import { reportError } from "./cellErrors.js";
import { importFunctionName, loopGuardName, loopGuards } from "./cellTransform.js";
import { InterruptedError } from "./cellErrors.js";
import { toMimeBundle } from "./mime.js";
import type { RunningCells } from "./runningCell.js";

/** What an expression can see: the notebook's names (resolved lazily) and the library as `nas`. */
export interface ExpressionScope {
  readonly names: readonly string[];
  value(name: string): Promise<unknown>;
  readonly library: unknown;
}

/** How expressions run: the host's protections (see the file comment). */
export interface ExpressionHost {
  readonly running: RunningCells;
  compile(source: string, filename: string): unknown;
  callInterruptibly?<T>(fn: object, f: () => T): T;
  interruptRequested?(): boolean;
}

/** The id under which expressions run (what a fault or `process.exit` names). */
export const userExpressionsCell = "user_expressions";

/** Evaluates one TypeScript expression against `scope` (no type-check: a client's probe, not a cell). */
export async function evaluateExpression(expression: string, scope: ExpressionScope, host: ExpressionHost): Promise<unknown> {
  const js = ts.transpileModule(`(${expression}\n)`, {
    compilerOptions: { target: ts.ScriptTarget.ES2022 },
    reportDiagnostics: false,
    transformers: { before: [loopGuards()] },
  }).outputText.trim();
  const used = scope.names.filter((n) => n !== "nas" && new RegExp(`(^|[^\\w$.])${n.replace(/\$/g, "\\$")}($|[^\\w$])`).test(expression));
  // A name still computing (a stream between values) must not hold up the reply forever.
  const values = await Promise.all(used.map((n) => Promise.race([
    scope.value(n),
    new Promise((_, reject) => setTimeout(() => reject(new Error(`"${n}" is still computing; try again when it has settled`)), 5_000).unref()),
  ])));
  const fn = host.compile(
    `(function (${importFunctionName}, ${loopGuardName}, nas, ${used.join(", ")}) { return ${js.replace(/;$/, "")}; })`,
    "user_expression",
  ) as (...args: unknown[]) => unknown;
  const guard = (): void => {
    if (host.interruptRequested?.()) throw new InterruptedError();
  };
  const noImport = (): never => {
    throw new Error("import() is not available in user_expressions");
  };
  const call = (): unknown => fn(noImport, guard, scope.library, ...values);
  return host.running.run(userExpressionsCell, () => (host.callInterruptibly ? host.callInterruptibly(fn, call) : call()));
}

/** The execute_reply's `user_expressions` for the request's `user_expressions` content. */
export async function evaluateUserExpressions(requested: unknown, scope: ExpressionScope, host: ExpressionHost): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  if (requested === null || typeof requested !== "object") return out;
  for (const [key, expression] of Object.entries(requested as Record<string, unknown>)) {
    try {
      if (typeof expression !== "string") throw new TypeError(`user expression "${key}" must be a string`);
      const value = await evaluateExpression(expression, scope, host);
      out[key] = { status: "ok", data: toMimeBundle(value) ?? { "text/plain": String(value) }, metadata: {} };
    } catch (err) {
      out[key] = { status: "error", ...reportError(err) };
    }
  }
  return out;
}
