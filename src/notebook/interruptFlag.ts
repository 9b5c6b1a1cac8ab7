/**
 * Interrupting synchronous cell code. JavaScript cannot be stopped from outside its thread except by terminating
 * it (which Node 20 does not survive once AsyncLocalStorage is in use), so every loop in a cell's compiled code
 * starts with a cheap guard that throws InterruptedError when
 *  - the process-wide interrupt flag is raised (a SharedArrayBuffer the kernel's watchdog thread sets the moment
 *    an interrupt arrives, even while this thread is busy), or
 *  - now and then, when the cell whose async context runs the loop has been interrupted (so a loop that awaits
 *    and ignores its `signal` stops too instead of running on in the background).
 * The flag is cleared by the kernel once its event loop has handled the interrupt.
 */
import ts from "typescript";
import { InterruptedError } from "./cellErrors.js";

const flag = new Int32Array(new SharedArrayBuffer(4));

/** The shared flag, for the thread that raises it. */
export const interruptFlagBuffer: SharedArrayBuffer = flag.buffer as SharedArrayBuffer;

/** Lowers the flag (the interrupt has been delivered to the running cells). */
export function clearInterruptFlag(): void {
  Atomics.store(flag, 0, 0);
}

/**
 * True while an interrupt waits for the main thread: for long synchronous work of the kernel's own that can poll,
 * such as a type-check (TypeScript's `HostCancellationToken.isCancellationRequested`).
 */
export function interruptRequested(): boolean {
  return Atomics.load(flag, 0) !== 0;
}

/** Raises the flag from this thread (tests; the kernel raises it from its watchdog thread). */
export function raiseInterruptFlag(): void {
  Atomics.store(flag, 0, 1);
}

/** The name of the guard compiled into loops (a global, so cell functions need no extra parameter). */
export const loopGuardName = "__nasbook_loop_guard";

const cellInterrupted = new Set<() => boolean>();
let iterations = 0;

function loopGuard(): void {
  if (Atomics.load(flag, 0) !== 0) throw new InterruptedError();
  // The per-cell check costs a map lookup: every 1024 iterations keeps tight loops fast.
  if ((++iterations & 1023) === 0) for (const interrupted of cellInterrupted) if (interrupted()) throw new InterruptedError();
}
(globalThis as Record<string, unknown>)[loopGuardName] = loopGuard;

/** Registers a notebook's "was the current cell interrupted?" check; returns the unregister function. */
export function watchCellInterrupts(interrupted: () => boolean): () => void {
  cellInterrupted.add(interrupted);
  return () => void cellInterrupted.delete(interrupted);
}

const loopKinds = new Set([
  ts.SyntaxKind.WhileStatement, ts.SyntaxKind.DoStatement, ts.SyntaxKind.ForStatement,
  ts.SyntaxKind.ForInStatement, ts.SyntaxKind.ForOfStatement,
]);

/** Puts the loop guard at the start of every loop body of a cell's compiled JavaScript body. */
export function guardLoops(body: string): string {
  if (!/\b(for|while|do)\b/.test(body)) return body;
  const prefix = "(async function () {\n";
  const sf = ts.createSourceFile("cell.js", `${prefix}${body}\n})`, ts.ScriptTarget.ES2022, false, ts.ScriptKind.JS);
  const edits: Array<{ at: number; text: string }> = [];
  const call = `${loopGuardName}();`;
  const visit = (node: ts.Node): void => {
    if (loopKinds.has(node.kind)) {
      const stmt = (node as ts.IterationStatement).statement;
      if (ts.isBlock(stmt)) edits.push({ at: stmt.getStart(sf) + 1, text: call });
      else {
        edits.push({ at: stmt.getStart(sf), text: `{${call}` });
        edits.push({ at: stmt.getEnd(), text: "}" });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  let out = body;
  for (const e of edits.sort((a, b) => b.at - a.at)) {
    const at = e.at - prefix.length;
    out = out.slice(0, at) + e.text + out.slice(at);
  }
  return out;
}
