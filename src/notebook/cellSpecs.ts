/**
 * What a compile step asks of the dataflow: the cell specs (run a compiled cell with its inputs, or fail with the
 * cell's compile error or graph problem) and the name variables readers need. Made from the compile side's state
 * (the checked cells and the name index) as plain data, so the Node notebook applies it at once (notebook.ts) and a
 * live page applies the same steps, recorded at export time (livePlan.ts), to the same dataflow core (Dataflow.apply).
 */
import { cellLabel } from "./cellLabel.js";
import { CellCompileError, CircularDefinitionError, DuplicateDefinitionError, UndefinedNameError } from "./cellErrors.js";
import type { CellCompiler } from "./cellCompiler.js";
import type { CheckedCell } from "./checker.js";
import type { CellSpec, CompiledCell, DataflowChange } from "./dataflow.js";
import { describeProblem } from "./graph.js";

const signalWords = /\b(signal|eval|arguments)\b/;

/** What the run side needs of a checked cell. */
export function compiledCell(c: CheckedCell): CompiledCell {
  const a = c.analysis;
  return {
    id: c.id,
    body: c.body,
    lineMap: c.lineMap,
    values: a.values,
    references: c.references,
    hasValue: a.hasValue,
    displayName: a.displayName,
    usesLibrary: a.usesLibrary,
    readsSignal: signalWords.test(a.code),
  };
}

/** The error cell `id` fails with before running (compile errors, graph problems), if any. */
export function specError(compiler: CellCompiler, id: string): unknown {
  const c = compiler.cell(id);
  if (!c) return undefined;
  if (c.errors.length) return new CellCompileError(c.errors);
  const problems = compiler.index.problems.get(id) ?? [];
  if (!problems.length) return undefined;
  const label = (cell: string): string => cellLabel(compiler.cell(cell)?.analysis.code);
  const message = problems.map((p) => describeProblem(p, label)).join("; ");
  const kind = problems[0]!.kind;
  if (kind === "cycle") return new CircularDefinitionError(message);
  if (kind === "duplicate") return new DuplicateDefinitionError(message);
  return new UndefinedNameError(message);
}

/** The dataflow change that brings `cells` and `names` (changed by a compile step) in line with the compiler. */
export function dataflowChange(compiler: CellCompiler, cells: ReadonlySet<string>, names: ReadonlySet<string>): DataflowChange {
  const index = compiler.index;
  const specs: CellSpec[] = [];
  for (const id of cells) {
    const c = compiler.cell(id);
    if (!c) continue;
    const error = specError(compiler, id);
    if (error !== undefined) {
      specs.push({ kind: "fail", id, error });
      continue;
    }
    const inputs = new Map<string, string>();
    for (const n of c.references) {
      const owner = index.owner(n);
      if (owner !== undefined) inputs.set(n, owner);
    }
    specs.push({ kind: "run", cell: compiledCell(c), inputs });
  }
  const exposures: [string, string | undefined][] = [];
  for (const n of names) exposures.push([n, index.isRead(n) ? index.owner(n) : undefined]);
  // Readers of a name need its variable before they are defined.
  for (const s of specs) {
    if (s.kind !== "run") continue;
    for (const [n, owner] of s.inputs) exposures.push([n, owner]);
  }
  return { exposures, specs };
}
