/**
 * The compile side of a live page, done once at export time: every code cell of the executed notebook compiled in
 * notebook order, as `nasbook run` compiles them (same cell compiler, same rule for names, `// @redefine` included),
 * each step recorded as the dataflow operations it asks for (cellSpecs.ts) so the page applies exactly those.
 */
import type { LiveSpec, LiveStep } from "../page/payload.js";
import { cellLabel } from "./cellLabel.js";
import { CellCompiler } from "./cellCompiler.js";
import { dataflowChange, specError } from "./cellSpecs.js";
import { isBlank, joinSource, type CodeCell, type NotebookDocument } from "./ipynb.js";

function liveSpec(spec: ReturnType<typeof dataflowChange>["specs"][number]): LiveSpec {
  if (spec.kind === "run") return { kind: "run", cell: spec.cell, inputs: [...spec.inputs] };
  const e = spec.error;
  return { kind: "fail", id: spec.id, error: e instanceof Error ? { name: e.name, message: e.message } : { name: "Error", message: String(e) } };
}

/** The steps of `doc` (a notebook as `nasbook run` executed it: its seed already in place). */
export function livePlan(doc: NotebookDocument, opts: { cwd?: string } = {}): LiveStep[] {
  const compiler = new CellCompiler({ cwd: opts.cwd });
  const steps: LiveStep[] = [];
  let count = 0;
  for (const cell of doc.cells) {
    if (cell.cell_type !== "code" || isBlank(cell)) continue;
    const id = (cell as CodeCell).id;
    const code = joinSource(cell.source);
    count++;
    const { cell: result, rechecked, change } = compiler.compile(id, code);
    const { exposures, specs } = dataflowChange(compiler, new Set([id, ...change.cells, ...rechecked]), change.names);
    steps.push({
      cellId: id,
      label: cellLabel(code),
      count,
      live: result!.readsOthers || result!.errors.length > 0 || specError(compiler, id) !== undefined,
      rerun: [id, ...rechecked],
      exposures: exposures.map(([n, owner]) => [n, owner ?? null] as const),
      specs: specs.map(liveSpec),
    });
  }
  return steps;
}
