/**
 * THE name index of a notebook: which cell defines each name, which definition is in effect (the owner), who reads
 * and who merely spells each name, the edges between cells and each cell's graph problems. The type checker asks it
 * whose declarations a cell is checked against; the dataflow adapter asks it which cell feeds each input. Nothing
 * else keeps a copy.
 *
 * Kept up to date one change at a time: a change costs what it touches (the changed cell's names, the readers of
 * names whose owner changed and, when an edge changed, the cells downstream of it, where a cycle can form or break),
 * not the size of the notebook. The rules are graph.ts's; `buildGraph` stays the reference and the tests check that
 * both agree after every change.
 */
import type { ImportBinding } from "./analysis.js";
import { readsOf, resolveName, tarjanComponents, type CellDefinition, type CellGraph, type GraphProblem } from "./graph.js";

/** What one change did to the rest of the notebook. */
export interface NameChange {
  /** Other cells whose graph problems changed, or whose inputs now come from another cell. */
  readonly cells: ReadonlySet<string>;
  /** Names whose owner changed, that a cell started or stopped reading, or that appeared or disappeared. */
  readonly names: ReadonlySet<string>;
}

/** A cell's declarations as the index takes them (references come later, from the checker). */
export interface CellDeclarations {
  readonly id: string;
  readonly defines: readonly string[];
  readonly imports?: ReadonlyMap<string, ImportBinding>;
  readonly redefines?: readonly string[];
  /** Every identifier the cell spells (the cells the checker re-checks when a name's declaration changes). */
  readonly mentioned?: ReadonlySet<string>;
}

const noChange: NameChange = { cells: new Set(), names: new Set() };

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** The notebook's name index (see the file comment). Notebook order is the order cells were first set. */
export class NameIndex implements CellGraph {
  readonly cells = new Map<string, CellDefinition>();
  readonly definers = new Map<string, string[]>();
  readonly owners = new Map<string, string>();
  readonly upstream = new Map<string, Set<string>>();
  readonly downstream = new Map<string, Set<string>>();
  readonly problems = new Map<string, GraphProblem[]>();
  /** name -> cells reading it at run time (cells defining it themselves do not count). */
  private readonly readers = new Map<string, Set<string>>();
  /** name -> cells spelling it (whose type check may depend on its declaration). */
  private readonly mentions = new Map<string, Set<string>>();
  private readonly mentionedBy = new Map<string, ReadonlySet<string>>();
  /** name -> cells defining it again without the right to (a duplicate problem each). */
  private readonly duplicates = new Map<string, readonly string[]>();
  /** cell -> its position in notebook order (increasing, not dense). */
  private readonly seq = new Map<string, number>();
  private nextSeq = 0;
  private clock = 0;
  /** cell -> the members of the cycle it is in (itself included), in notebook order; absent when none. */
  private readonly cycles = new Map<string, readonly string[]>();
  /** Problems as last computed, serialised: to report only real changes. */
  private readonly problemKeys = new Map<string, string>();

  /** The cell whose definition of `name` is in effect, or undefined. */
  owner(name: string): string | undefined {
    return this.owners.get(name);
  }

  /** Cells spelling `name` (candidates for a re-check when its declaration or owner changes). */
  mentioning(name: string): ReadonlySet<string> {
    return this.mentions.get(name) ?? noChange.cells;
  }

  /** Where cell `id` is in notebook order (a number that only compares; Infinity for an unknown cell). */
  position(id: string): number {
    return this.seq.get(id) ?? Infinity;
  }

  /** True when some cell reads `name` at run time (besides cells defining it themselves). */
  isRead(name: string): boolean {
    return this.readers.has(name);
  }

  /**
   * Sets cell `c`'s declarations (a new cell, or a new version of one): the cell counts as executed now, which
   * matters when it redefines a name. Its references are kept until `setReferences` gives new ones.
   */
  declare(c: CellDeclarations): NameChange {
    const old = this.cells.get(c.id);
    const next: CellDefinition = {
      id: c.id, defines: [...c.defines], references: old?.references ?? [], imports: c.imports, redefines: c.redefines, ran: ++this.clock,
    };
    this.indexMentions(c.id, c.mentioned);
    return this.replace(old, next);
  }

  /** Sets the runtime names cell `id` reads from other cells (what its type check found). */
  setReferences(id: string, references: readonly string[]): NameChange {
    const old = this.cells.get(id);
    if (!old || sameList(old.references, references)) return noChange;
    return this.replace(old, { ...old, references: [...references] });
  }

  /** Removes cell `id`: its names disappear (or pass to the next definer); cells reading them get problems. */
  remove(id: string): NameChange {
    const old = this.cells.get(id);
    if (!old) return noChange;
    const change = this.replace(old, { id, defines: [], references: [], ran: old.ran });
    this.indexMentions(id, undefined);
    this.cells.delete(id);
    this.upstream.delete(id);
    this.downstream.delete(id);
    this.problems.delete(id);
    this.problemKeys.delete(id);
    this.cycles.delete(id);
    this.seq.delete(id);
    const cells = new Set(change.cells);
    cells.delete(id);
    return { cells, names: change.names };
  }

  private indexMentions(id: string, mentioned: ReadonlySet<string> | undefined): void {
    const before = this.mentionedBy.get(id);
    if (before === mentioned) return;
    for (const n of before ?? []) {
      if (mentioned?.has(n)) continue;
      const set = this.mentions.get(n)!;
      set.delete(id);
      if (set.size === 0) this.mentions.delete(n);
    }
    for (const n of mentioned ?? []) {
      if (before?.has(n)) continue;
      let set = this.mentions.get(n);
      if (!set) this.mentions.set(n, (set = new Set()));
      set.add(id);
    }
    if (mentioned) this.mentionedBy.set(id, mentioned);
    else this.mentionedBy.delete(id);
  }

  private order(a: string, b: string): number {
    return this.seq.get(a)! - this.seq.get(b)!;
  }

  private replace(old: CellDefinition | undefined, c: CellDefinition): NameChange {
    this.cells.set(c.id, c);
    if (!old) {
      this.seq.set(c.id, this.nextSeq++);
      this.upstream.set(c.id, new Set());
      this.downstream.set(c.id, new Set());
    }
    const names = new Set<string>();
    // Definers: names the cell stopped or started defining.
    const defsBefore = new Set(old?.defines ?? []);
    const defsAfter = new Set(c.defines);
    for (const n of defsBefore) if (!defsAfter.has(n)) this.removeDefiner(n, c.id);
    for (const n of defsAfter) if (!defsBefore.has(n)) this.addDefiner(n, c.id);
    // Who owns each name the cell defined or defines (a new version may also change who owns a redefined name).
    const ownersChanged = new Set<string>();
    const candidates = new Set<string>([c.id]);
    for (const n of new Set([...defsBefore, ...defsAfter])) {
      const ids = this.definers.get(n) ?? [];
      const r = resolveName(n, ids, (id) => this.cells.get(id)!);
      const before = this.owners.get(n);
      if (r.owner === undefined) this.owners.delete(n);
      else this.owners.set(n, r.owner);
      if (before !== r.owner) ownersChanged.add(n);
      const dupsBefore = this.duplicates.get(n) ?? [];
      if (!sameList(dupsBefore, r.duplicates)) {
        for (const d of [...dupsBefore, ...r.duplicates]) candidates.add(d);
        names.add(n);
      }
      if (r.duplicates.length) this.duplicates.set(n, r.duplicates);
      else this.duplicates.delete(n);
      if (before !== r.owner) for (const d of ids) candidates.add(d);
    }
    // Readers: names the cell stopped or started reading.
    const readsBefore = readsOf(old);
    const readsAfter = readsOf(c);
    for (const n of readsBefore) {
      if (readsAfter.has(n)) continue;
      const set = this.readers.get(n)!;
      set.delete(c.id);
      if (set.size === 0) this.readers.delete(n);
      names.add(n);
    }
    for (const n of readsAfter) {
      if (readsBefore.has(n)) continue;
      let set = this.readers.get(n);
      if (!set) this.readers.set(n, (set = new Set()));
      set.add(c.id);
      names.add(n);
    }
    for (const n of ownersChanged) names.add(n);
    // Edges: this cell's, and those of the readers of names whose owner changed.
    const edgeCells = new Set<string>([c.id]);
    const inputsChanged = new Set<string>();
    for (const n of ownersChanged) {
      for (const r of this.readers.get(n) ?? []) {
        edgeCells.add(r);
        inputsChanged.add(r);
      }
    }
    for (const id of edgeCells) candidates.add(id);
    let edgesChanged = false;
    for (const id of edgeCells) if (this.recomputeUpstream(id)) edgesChanged = true;
    if (edgesChanged) for (const id of this.recomputeCycles(edgeCells)) candidates.add(id);
    const cells = this.refreshProblems(candidates, c.id);
    for (const id of inputsChanged) if (id !== c.id) cells.add(id);
    return { cells, names };
  }

  private addDefiner(name: string, id: string): void {
    const list = this.definers.get(name);
    if (!list) {
      this.definers.set(name, [id]);
      return;
    }
    // Kept in notebook order (usually one entry).
    let i = list.length;
    while (i > 0 && this.order(list[i - 1]!, id) > 0) i--;
    list.splice(i, 0, id);
  }

  private removeDefiner(name: string, id: string): void {
    const list = this.definers.get(name)!;
    list.splice(list.indexOf(id), 1);
    if (list.length === 0) this.definers.delete(name);
  }

  /** Recomputes the cells `id` reads from; returns true when that set changed. */
  private recomputeUpstream(id: string): boolean {
    const next = new Set<string>();
    for (const n of readsOf(this.cells.get(id))) {
      const owner = this.owners.get(n);
      if (owner !== undefined) next.add(owner);
    }
    const before = this.upstream.get(id)!;
    let changed = before.size !== next.size;
    for (const u of before) {
      if (next.has(u)) continue;
      changed = true;
      this.downstream.get(u)?.delete(id);
    }
    for (const u of next) if (!before.has(u)) this.downstream.get(u)!.add(id);
    this.upstream.set(id, next);
    return changed;
  }

  /**
   * Recomputes cycle membership where it can have changed: a new cycle goes through a cell whose edges changed,
   * and a broken one contained such a cell; both lie in the downstream closure of those cells and of the cycles
   * they were in. Tarjan's algorithm on that closure (it is closed under downstream edges, so its strongly
   * connected components are the graph's). Returns the cells whose cycle changed.
   */
  private recomputeCycles(edgeCells: ReadonlySet<string>): Set<string> {
    const seeds = new Set<string>();
    for (const id of edgeCells) {
      seeds.add(id);
      for (const m of this.cycles.get(id) ?? []) seeds.add(m);
    }
    const changed = new Set<string>();
    const roots = [...seeds].filter((r) => this.cells.has(r));
    for (const component of tarjanComponents(roots, (id) => this.downstream.get(id)!.values())) {
      const members = component.length > 1 ? component.sort((a, b) => this.order(a, b)) : undefined;
      for (const id of component) {
        const before = this.cycles.get(id);
        if (members) this.cycles.set(id, members);
        else this.cycles.delete(id);
        if ((before ?? []).join("\n") !== (members ?? []).join("\n")) changed.add(id);
      }
    }
    return changed;
  }

  /** Recomputes the problems of `ids`; returns those whose problems changed (never `self`). */
  private refreshProblems(ids: Iterable<string>, self: string): Set<string> {
    const changed = new Set<string>();
    for (const id of ids) {
      const c = this.cells.get(id);
      if (!c) continue;
      const problems = this.problemsOf(c);
      const key = JSON.stringify(problems);
      if (key === (this.problemKeys.get(id) ?? "[]")) continue;
      if (problems.length) {
        this.problems.set(id, problems);
        this.problemKeys.set(id, key);
      } else {
        this.problems.delete(id);
        this.problemKeys.delete(id);
      }
      if (id !== self) changed.add(id);
    }
    return changed;
  }

  /** A cell's problems, in the order `buildGraph` lists them: undefined names, duplicates, its cycle. */
  private problemsOf(c: CellDefinition): GraphProblem[] {
    const out: GraphProblem[] = [];
    const missing = [...readsOf(c)].filter((n) => !this.owners.has(n));
    if (missing.length) out.push({ kind: "undefined", names: missing.sort() });
    for (const name of [...new Set(c.defines)].sort()) {
      if (this.duplicates.get(name)?.includes(c.id)) out.push({ kind: "duplicate", name, cells: [this.owners.get(name)!, c.id] });
    }
    const cycle = this.cycles.get(c.id);
    if (cycle) out.push({ kind: "cycle", cells: [...cycle] });
    return out;
  }
}
