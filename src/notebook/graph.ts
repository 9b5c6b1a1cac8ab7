/**
 * The rules of the cell graph as pure functions (after marimo's dataflow: definitions, edges and cycles computed
 * from what each cell defines and reads, with no runtime involved). `buildGraph` computes the whole graph from the
 * cells; `NameIndex` (names.ts) keeps the same graph up to date one change at a time, and tests hold the two
 * against each other. The rules:
 *
 * - A name is defined by one cell. Identical imports (same local name, module, export and type-only-ness) in
 *   several cells are one shared definition, never a conflict.
 * - A later cell defining a name another cell already defines is a duplicate: that later cell fails, naming the
 *   first one, which keeps working (nothing is deleted because of a mistake elsewhere).
 * - A cell that starts with `// @redefine x` may define `x` although another cell does: it takes `x` over. Among
 *   the first definer and the cells redefining a name, the one executed last is in effect ("owns" the name).
 * - A cell reading a name depends on the name's owner; reading a name nobody defines, or reading in a circle, is a
 *   problem of the cells involved.
 */
import type { ImportBinding } from "./analysis.js";
import { sameImport } from "./analysis.js";

/** What the graph needs to know of one cell. */
export interface CellDefinition {
  readonly id: string;
  /** Every name the cell declares at top level: runtime values and type-only names. */
  readonly defines: readonly string[];
  /** Runtime names the cell reads from other cells (free references, found by the checker). */
  readonly references: readonly string[];
  /** Its import bindings by local name (imports identical across cells are shared). */
  readonly imports?: ReadonlyMap<string, ImportBinding>;
  /** Names its `// @redefine` directive takes over. */
  readonly redefines?: readonly string[];
  /** When it was last executed (larger is later): decides who owns a redefined name. */
  readonly ran?: number;
}

/** Why a cell cannot run, independently of its own code. */
export type GraphProblem =
  /** `cells`: the cell that owns `name`, then this cell (which defines it again). */
  | { readonly kind: "duplicate"; readonly name: string; readonly cells: readonly string[] }
  | { readonly kind: "cycle"; readonly cells: readonly string[] }
  | { readonly kind: "undefined"; readonly names: readonly string[] };

/** The analysed graph: who defines what, who owns each name, the edges between cells, the problems of each cell. */
export interface CellGraph {
  readonly cells: ReadonlyMap<string, CellDefinition>;
  /** name -> ids of the cells defining it, in notebook order (first execution). */
  readonly definers: ReadonlyMap<string, readonly string[]>;
  /** name -> the cell whose definition is in effect. */
  readonly owners: ReadonlyMap<string, string>;
  /** cell -> cells whose names it reads. */
  readonly upstream: ReadonlyMap<string, ReadonlySet<string>>;
  /** cell -> cells that read its names. */
  readonly downstream: ReadonlyMap<string, ReadonlySet<string>>;
  /** cell -> problems that stop it from running (absent when it has none). */
  readonly problems: ReadonlyMap<string, readonly GraphProblem[]>;
}

/** How one name resolves among its definers: its owner and the cells that define it again without the right to. */
export interface NameResolution {
  readonly owner: string | undefined;
  readonly duplicates: readonly string[];
}

/**
 * The owner and the duplicate definers of a name defined by `ids` (in notebook order). The one rule, used by the
 * reference graph and by the incremental index alike.
 */
export function resolveName(name: string, ids: readonly string[], cell: (id: string) => CellDefinition): NameResolution {
  if (ids.length === 0) return { owner: undefined, duplicates: [] };
  if (ids.length === 1) return { owner: ids[0], duplicates: [] };
  const plain: string[] = [];
  const redefiners: string[] = [];
  for (const id of ids) (cell(id).redefines?.includes(name) ? redefiners : plain).push(id);
  const base = plain[0];
  const baseImport = base === undefined ? undefined : cell(base).imports?.get(name);
  const duplicates = plain.slice(1).filter((id) => !sameImport(baseImport, cell(id).imports?.get(name)));
  let owner = base;
  for (const id of redefiners) if (owner === undefined || (cell(id).ran ?? 0) > (cell(owner).ran ?? 0)) owner = id;
  return { owner, duplicates };
}

/** The names a cell reads from other cells (a name the cell defines itself is no edge). */
export function readsOf(c: CellDefinition | undefined): Set<string> {
  if (!c) return new Set();
  const own = new Set(c.defines);
  return new Set(c.references.filter((n) => !own.has(n)));
}

/** Builds the graph of `cells` (in notebook order; that order breaks ties in `topologicalOrder`). */
export function buildGraph(cells: readonly CellDefinition[]): CellGraph {
  const byId = new Map<string, CellDefinition>();
  for (const c of cells) {
    if (byId.has(c.id)) throw new Error(`cell id "${c.id}" appears twice; every cell needs its own id`);
    byId.set(c.id, c);
  }
  const definers = new Map<string, string[]>();
  for (const c of cells) {
    for (const name of new Set(c.defines)) {
      const list = definers.get(name) ?? [];
      list.push(c.id);
      definers.set(name, list);
    }
  }
  const owners = new Map<string, string>();
  const duplicatesOf = new Map<string, Array<{ name: string; owner: string }>>();
  for (const [name, ids] of definers) {
    const r = resolveName(name, ids, (id) => byId.get(id)!);
    if (r.owner !== undefined) owners.set(name, r.owner);
    for (const d of r.duplicates) {
      const list = duplicatesOf.get(d) ?? [];
      list.push({ name, owner: r.owner! });
      duplicatesOf.set(d, list);
    }
  }
  const upstream = new Map<string, Set<string>>();
  const downstream = new Map<string, Set<string>>();
  for (const c of cells) {
    upstream.set(c.id, new Set());
    downstream.set(c.id, new Set());
  }
  const problems = new Map<string, GraphProblem[]>();
  const addProblem = (id: string, p: GraphProblem): void => {
    const list = problems.get(id) ?? [];
    list.push(p);
    problems.set(id, list);
  };
  for (const c of cells) {
    const missing: string[] = [];
    for (const name of readsOf(c)) {
      const owner = owners.get(name);
      if (owner === undefined) {
        missing.push(name);
        continue;
      }
      upstream.get(c.id)!.add(owner);
      downstream.get(owner)!.add(c.id);
    }
    if (missing.length) addProblem(c.id, { kind: "undefined", names: missing.sort() });
  }
  for (const c of cells) {
    const dups = [...(duplicatesOf.get(c.id) ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of dups) addProblem(c.id, { kind: "duplicate", name: d.name, cells: [d.owner, c.id] });
  }
  for (const component of stronglyConnected(cells.map((c) => c.id), upstream)) {
    if (component.length > 1) for (const id of component) addProblem(id, { kind: "cycle", cells: component });
  }
  return { cells: byId, definers, owners, upstream, downstream, problems };
}

/** Tarjan's strongly connected components; each component lists its cells in notebook order. */
function stronglyConnected(ids: readonly string[], edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const position = new Map(ids.map((id, i) => [id, i]));
  return tarjanComponents(ids, (id) => edges.get(id) ?? []).map((c) => c.sort((a, b) => position.get(a)! - position.get(b)!));
}

/**
 * Strongly connected components of everything reachable from `roots` along `successors` (Tarjan), in the order
 * Tarjan closes them. Iterative, so that a 10,000-cell chain does not overflow the call stack.
 */
export function tarjanComponents(roots: Iterable<string>, successors: (id: string) => Iterable<string>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let counter = 0;
  for (const root of roots) {
    if (index.has(root)) continue;
    const work: Array<{ id: string; next: Iterator<string> }> = [];
    const open = (id: string): void => {
      index.set(id, counter);
      low.set(id, counter++);
      stack.push(id);
      onStack.add(id);
      work.push({ id, next: successors(id)[Symbol.iterator]() });
    };
    open(root);
    while (work.length) {
      const top = work[work.length - 1]!;
      const step = top.next.next();
      if (!step.done) {
        const w = step.value;
        if (!index.has(w)) open(w);
        else if (onStack.has(w)) low.set(top.id, Math.min(low.get(top.id)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1]!.id;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.id)!));
      }
      if (low.get(top.id) === index.get(top.id)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== top.id);
        out.push(component);
      }
    }
  }
  return out;
}

/**
 * The cells that re-run when `id` re-runs: its transitive dependents, in a topological order (ties broken
 * by notebook order), excluding `id` itself. Cells caught in a cycle are left out: they cannot run.
 */
export function dependentsOf(graph: CellGraph, id: string): string[] {
  const reached = new Set<string>();
  const queue = [id];
  while (queue.length) {
    for (const d of graph.downstream.get(queue.shift()!) ?? []) {
      if (!reached.has(d) && d !== id) {
        reached.add(d);
        queue.push(d);
      }
    }
  }
  return topologicalOrder(graph).filter((c) => reached.has(c));
}

/** All runnable cells in a topological order (ties broken by notebook order); cells in cycles are omitted. */
export function topologicalOrder(graph: CellGraph): string[] {
  const ids = [...graph.cells.keys()];
  const position = new Map(ids.map((id, i) => [id, i]));
  const cyclic = new Set(
    ids.filter((id) => (graph.problems.get(id) ?? []).some((p) => p.kind === "cycle")),
  );
  const indegree = new Map<string, number>();
  for (const id of ids) {
    if (cyclic.has(id)) continue;
    let n = 0;
    for (const u of graph.upstream.get(id) ?? []) if (!cyclic.has(u)) n++;
    indegree.set(id, n);
  }
  const order: string[] = [];
  const ready = ids.filter((id) => indegree.get(id) === 0);
  while (ready.length) {
    const id = ready.shift()!;
    order.push(id);
    const freed: string[] = [];
    for (const d of graph.downstream.get(id) ?? []) {
      if (cyclic.has(d)) continue;
      const n = indegree.get(d)! - 1;
      indegree.set(d, n);
      if (n === 0) freed.push(d);
    }
    // Keep notebook order among cells that become ready at the same time.
    ready.push(...freed);
    ready.sort((a, b) => position.get(a)! - position.get(b)!);
  }
  // Cells downstream of a cycle never reach indegree 0; they are still listed (they will show the error).
  const placed = new Set(order);
  for (const id of ids) if (!cyclic.has(id) && !placed.has(id)) order.push(id);
  return order;
}

/** A one-sentence message for a graph problem that names the problem and the fix. */
export function describeProblem(p: GraphProblem, label: (id: string) => string = (id) => id): string {
  switch (p.kind) {
    case "duplicate": {
      const [owner] = p.cells;
      return (
        `"${p.name}" is already defined by the cell ${label(owner!)}; a name is defined by one cell. Rename it in this ` +
        `cell, or remove it from the other, or start this cell with \`// @redefine ${p.name}\` to take it over (the cell ` +
        `executed last then defines it)`
      );
    }
    case "cycle":
      return `the cells ${p.cells.map(label).join(", ")} form a cycle (each reads names the other defines); move the shared definitions into one cell or break the dependency`;
    case "undefined":
      return `${p.names.map((n) => `"${n}"`).join(", ")} ${p.names.length === 1 ? "is" : "are"} not defined by any cell; define ${p.names.length === 1 ? "it" : "them"} in a cell or fix the spelling`;
  }
}
