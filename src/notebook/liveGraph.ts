/**
 * The cell graph kept up to date one cell at a time. It holds what `buildGraph` (graph.ts) computes from all the
 * cells, but an execution costs what it touches — the changed cell, the readers of names it gained or lost, and,
 * when an edge changed, the cells downstream of it (where a cycle can form or break) — not the size of the
 * notebook. `buildGraph` stays the reference: the tests check that both agree after every change.
 */
import { tarjanComponents, type CellDefinition, type CellGraph, type GraphProblem } from "./graph.js";

/** What one `set` or `remove` changed. */
export interface GraphChange {
  /** Cells whose problems changed (duplicate, cycle or undefined name), besides the cell set or removed. */
  readonly cells: ReadonlySet<string>;
  /** Names whose definers changed, or that a cell started or stopped reading. */
  readonly names: ReadonlySet<string>;
}

const noChange: GraphChange = { cells: new Set(), names: new Set() };

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The names a cell reads from other cells (a reference to a name the cell defines itself is no edge). */
function readsOf(c: CellDefinition | undefined): Set<string> {
  if (!c) return new Set();
  const own = new Set(c.defines);
  return new Set(c.references.filter((n) => !own.has(n)));
}

/** A cell graph maintained incrementally; notebook order is the order cells were first `set`. */
export class LiveGraph implements CellGraph {
  readonly cells = new Map<string, CellDefinition>();
  readonly definers = new Map<string, string[]>();
  readonly upstream = new Map<string, Set<string>>();
  readonly downstream = new Map<string, Set<string>>();
  readonly problems = new Map<string, GraphProblem[]>();
  /** name -> cells reading it (cells defining it themselves do not count). */
  private readonly readers = new Map<string, Set<string>>();
  /** cell -> its position in notebook order (increasing, not dense). */
  private readonly seq = new Map<string, number>();
  private nextSeq = 0;
  /** cell -> the members of the cycle it is in (itself included), in notebook order; absent when none. */
  private readonly cycles = new Map<string, readonly string[]>();
  /** Problems as last computed, serialised: to report only real changes. */
  private readonly problemKeys = new Map<string, string>();

  /** Adds cell `c` or replaces the cell with its id; returns what changed for the other cells and names. */
  set(c: CellDefinition): GraphChange {
    const old = this.cells.get(c.id);
    this.cells.set(c.id, c);
    if (old && sameList(old.defines, c.defines) && sameList(old.references, c.references)) return noChange;
    if (!old) {
      this.seq.set(c.id, this.nextSeq++);
      this.upstream.set(c.id, new Set());
      this.downstream.set(c.id, new Set());
    }
    const names = new Set<string>();
    // Definers: names the cell stopped or started defining.
    const defsBefore = new Set(old?.defines ?? []);
    const defsAfter = new Set(c.defines);
    const definersChanged = new Set<string>();
    for (const n of defsBefore) if (!defsAfter.has(n)) this.removeDefiner(n, c.id), definersChanged.add(n);
    for (const n of defsAfter) if (!defsBefore.has(n)) this.addDefiner(n, c.id), definersChanged.add(n);
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
    for (const n of definersChanged) names.add(n);
    // Edges: this cell's, and those of the readers of names whose definers changed.
    const edgeCells = new Set<string>([c.id]);
    for (const n of definersChanged) for (const r of this.readers.get(n) ?? []) edgeCells.add(r);
    const candidates = new Set<string>(edgeCells);
    let edgesChanged = false;
    for (const id of edgeCells) if (this.recomputeUpstream(id)) edgesChanged = true;
    // Duplicates: every cell defining a name whose definers changed.
    for (const n of definersChanged) for (const d of this.definers.get(n) ?? []) candidates.add(d);
    if (edgesChanged) for (const id of this.recomputeCycles(edgeCells)) candidates.add(id);
    return { cells: this.refreshProblems(candidates, c.id), names };
  }

  /** Removes cell `id` (its names disappear; cells reading them get undefined-name problems). */
  remove(id: string): GraphChange {
    if (!this.cells.has(id)) return noChange;
    const change = this.set({ id, defines: [], references: [] });
    // Without names and references it has no edges left: forget it.
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

  /** Where cell `id` is in notebook order (a number that only compares; Infinity for an unknown cell). */
  position(id: string): number {
    return this.seq.get(id) ?? Infinity;
  }

  /** True when some cell reads `name` (besides cells defining it themselves). */
  isRead(name: string): boolean {
    return this.readers.has(name);
  }

  private order(a: string, b: string): number {
    return this.seq.get(a)! - this.seq.get(b)!;
  }

  private addDefiner(name: string, id: string): void {
    const list = this.definers.get(name);
    if (!list) {
      this.definers.set(name, [id]);
      return;
    }
    // Kept in notebook order (usually one entry; a duplicate definition makes two).
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
    for (const n of readsOf(this.cells.get(id))) for (const d of this.definers.get(n) ?? []) next.add(d);
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
    for (const component of this.components(seeds)) {
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

  /** Strongly connected components of everything downstream of `roots` (iterative Tarjan). */
  private components(roots: Iterable<string>): string[][] {
    return tarjanComponents([...roots].filter((r) => this.cells.has(r)), (id) => this.downstream.get(id)!.values());
  }

  /** Recomputes the problems of `ids`; returns those whose problems changed (always `self`, when it exists). */
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
    const missing = [...readsOf(c)].filter((n) => !this.definers.has(n));
    if (missing.length) out.push({ kind: "undefined", names: missing.sort() });
    const duplicates: Array<{ name: string; cells: string[]; key: [number, number] }> = [];
    for (const name of new Set(c.defines)) {
      const ids = this.definers.get(name)!;
      if (ids.length < 2) continue;
      // buildGraph meets names in notebook order of their first definer, then in that cell's order.
      const first = ids[0]!;
      duplicates.push({ name, cells: [...ids], key: [this.seq.get(first)!, this.cells.get(first)!.defines.indexOf(name)] });
    }
    duplicates.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1]);
    for (const d of duplicates) out.push({ kind: "duplicate", name: d.name, cells: d.cells });
    const cycle = this.cycles.get(c.id);
    if (cycle) out.push({ kind: "cycle", cells: [...cycle] });
    return out;
  }
}
