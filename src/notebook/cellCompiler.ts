/**
 * The compile side of the pipeline, in one place: a cell's text is analysed (analysis.ts), its declarations go into
 * the name index (names.ts), it is checked and emitted (checker.ts), and its references go back into the index;
 * the cells whose view of a changed name changed are re-checked. What comes out is the checked cells and what the
 * change did to the graph, which the dataflow then applies (notebook.ts). Node only (the TypeScript compiler); a live
 * page runs cells compiled here.
 */
import { analyseCell, type CellAnalysis } from "./analysis.js";
import { CellChecker, CheckInterrupted, type CellCompletions, type CheckedCell } from "./checker.js";
import { NameIndex, type NameChange } from "./names.js";

/** Changes of the name index accumulated over one compilation. */
export class ChangeSet {
  readonly cells = new Set<string>();
  readonly names = new Set<string>();
  add(c: NameChange): void {
    for (const id of c.cells) this.cells.add(id);
    for (const n of c.names) this.names.add(n);
  }
}

/** What compiling (or removing) cells did. */
export interface CompileOutcome {
  /** The compiled cell (undefined for a removal). */
  readonly cell: CheckedCell | undefined;
  /** Other cells re-checked because what they read changed, whose result changed (they must re-run). */
  readonly rechecked: readonly string[];
  /** Cells whose graph problems or inputs changed, and names whose owner or readers changed. */
  readonly change: ChangeSet;
}

function declarations(id: string, a: CellAnalysis) {
  return { id, defines: [...a.values, ...a.types], imports: a.imports, redefines: a.redefines, mentioned: a.mentioned };
}

/** The compile side of one notebook (see the file comment). */
export class CellCompiler {
  readonly index = new NameIndex();
  readonly checker: CellChecker;
  private readonly checked = new Map<string, CheckedCell>();
  /** code -> ids of the cells with that code, most recent last (for `identify`). */
  private readonly byCode = new Map<string, string[]>();
  private nextAnonymous = 1;

  constructor(opts: { cwd?: string; interruptRequested?: () => boolean } = {}) {
    this.checker = new CellChecker(this.index, opts);
  }

  get cwd(): string {
    return this.checker.cwd;
  }

  /** The last checked version of cell `id`. */
  cell(id: string): CheckedCell | undefined {
    return this.checked.get(id);
  }

  /**
   * The cell some code is when the client sends no cell id: the cell that last ran exactly this code (running it
   * again is re-running that cell), else a new cell. Names never decide: a second definition of a name is an
   * error naming both cells, whichever client sent it (see graph.ts).
   */
  identify(code: string): string {
    const same = this.byCode.get(code);
    if (same?.length) return same[same.length - 1]!;
    let id: string;
    do id = `c${this.nextAnonymous++}`;
    while (this.index.cells.has(id));
    return id;
  }

  /**
   * Compiles cell `id` (new or changed) and re-checks the cells it affects. Throws CheckInterrupted when
   * interrupted while type-checking: the cell then keeps its previous version.
   */
  compile(id: string, code: string): CompileOutcome {
    const previous = this.checked.get(id);
    // Unchanged code keeps its analysis: with unchanged inputs nothing is parsed or checked again.
    const analysis = previous?.analysis.code === code ? previous.analysis : analyseCell(code, { fileName: this.checker.checkFileName });
    const change = new ChangeSet();
    change.add(this.index.declare(declarations(id, analysis)));
    let result: CheckedCell;
    let declarationChanged: boolean;
    try {
      ({ cell: result, declarationChanged } = this.checker.check(id, analysis));
    } catch (err) {
      if (err instanceof CheckInterrupted) {
        if (previous) this.index.declare(declarations(id, previous.analysis));
        else this.index.remove(id);
      }
      throw err;
    }
    this.remember(id, result, previous);
    change.add(this.index.setReferences(id, result.references));
    const namesBefore = previous ? [...previous.analysis.values, ...previous.analysis.types] : [];
    const namesAfter = [...analysis.values, ...analysis.types];
    const propagate = new Set<string>(change.names);
    if (declarationChanged || namesBefore.join() !== namesAfter.join()) for (const n of [...namesBefore, ...namesAfter]) propagate.add(n);
    return { cell: result, rechecked: this.recheck(propagate, id, change), change };
  }

  /** Removes cells: their names pass to another definer or disappear; their readers are re-checked. */
  remove(ids: readonly string[]): CompileOutcome & { readonly removed: readonly string[] } {
    const change = new ChangeSet();
    const removed: string[] = [];
    const names = new Set<string>();
    for (const id of ids) {
      const c = this.checked.get(id);
      if (!c) continue;
      removed.push(id);
      change.add(this.index.remove(id));
      this.checker.remove(id);
      this.checked.delete(id);
      this.forgetCode(id, c.analysis.code);
      for (const n of [...c.analysis.values, ...c.analysis.types]) names.add(n);
    }
    for (const n of change.names) names.add(n);
    const rechecked = removed.length ? this.recheck(names, undefined, change) : [];
    for (const id of removed) change.cells.delete(id);
    return { cell: undefined, rechecked: rechecked.filter((c) => !removed.includes(c)), change, removed };
  }

  /** Re-checks the cells whose view of `names` changed, feeding their new references to the index. */
  private recheck(names: ReadonlySet<string>, skip: string | undefined, change: ChangeSet): string[] {
    const changed: string[] = [];
    this.checker.recheck(names, skip, (cell) => {
      const before = this.checked.get(cell.id);
      this.remember(cell.id, cell, before);
      change.add(this.index.setReferences(cell.id, cell.references));
      const same = before !== undefined && before.body === cell.body && before.references.join() === cell.references.join() &&
        JSON.stringify(before.errors) === JSON.stringify(cell.errors);
      if (!same) changed.push(cell.id);
    });
    return changed;
  }

  private remember(id: string, cell: CheckedCell, previous: CheckedCell | undefined): void {
    if (previous && previous.analysis.code !== cell.analysis.code) this.forgetCode(id, previous.analysis.code);
    const list = this.byCode.get(cell.analysis.code) ?? [];
    if (!list.includes(id)) list.push(id);
    this.byCode.set(cell.analysis.code, list);
    this.checked.set(id, cell);
  }

  private forgetCode(id: string, code: string): void {
    const list = this.byCode.get(code);
    if (!list) return;
    const i = list.indexOf(id);
    if (i >= 0) list.splice(i, 1);
    if (!list.length) this.byCode.delete(code);
  }

  /** Completions for `code` at `cursor`. */
  complete(code: string, cursor: number, cellId?: string): CellCompletions {
    return this.checker.complete(analyseCell(code, { fileName: "completion.ts" }), cursor, cellId);
  }

  /** Type and documentation at `cursor`, or undefined. */
  inspect(code: string, cursor: number, cellId?: string): string | undefined {
    return this.checker.inspect(analyseCell(code, { fileName: "inspection.ts" }), cursor, cellId);
  }
}
