/**
 * The cell graph as pure functions (after marimo's dataflow: definitions, edges and cycles computed from
 * what each cell defines and references, with no runtime involved). The runtime adapter turns the result
 * into @observablehq/runtime variables; tests pin the graph down with tables of cases.
 */

/** What the compiler learned about one cell: the runtime names it defines and the free names it reads. */
export interface CellDefinition {
  readonly id: string;
  readonly defines: readonly string[];
  readonly references: readonly string[];
}

/** Why a cell cannot run, independently of its own code. */
export type GraphProblem =
  | { readonly kind: "duplicate"; readonly name: string; readonly cells: readonly string[] }
  | { readonly kind: "cycle"; readonly cells: readonly string[] }
  | { readonly kind: "undefined"; readonly names: readonly string[] };

/** The analysed graph: who defines what, the edges between cells, and the problems of each cell. */
export interface CellGraph {
  readonly cells: ReadonlyMap<string, CellDefinition>;
  /** name -> ids of the cells defining it (more than one is a duplicate definition). */
  readonly definers: ReadonlyMap<string, readonly string[]>;
  /** cell -> cells whose names it reads. */
  readonly upstream: ReadonlyMap<string, ReadonlySet<string>>;
  /** cell -> cells that read its names. */
  readonly downstream: ReadonlyMap<string, ReadonlySet<string>>;
  /** cell -> problems that stop it from running (absent when it has none). */
  readonly problems: ReadonlyMap<string, readonly GraphProblem[]>;
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
    for (const name of new Set(c.references)) {
      if (c.defines.includes(name)) continue;
      const from = definers.get(name);
      if (!from) {
        missing.push(name);
        continue;
      }
      for (const d of from) {
        upstream.get(c.id)!.add(d);
        downstream.get(d)!.add(c.id);
      }
    }
    if (missing.length) addProblem(c.id, { kind: "undefined", names: missing.sort() });
  }
  for (const [name, ids] of definers) {
    if (ids.length > 1) for (const id of ids) addProblem(id, { kind: "duplicate", name, cells: ids });
  }
  for (const component of stronglyConnected(cells.map((c) => c.id), upstream)) {
    if (component.length > 1) for (const id of component) addProblem(id, { kind: "cycle", cells: component });
  }
  return { cells: byId, definers, upstream, downstream, problems };
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
    case "duplicate":
      return `"${p.name}" is defined by more than one cell (${p.cells.map(label).join(", ")}); a name may be defined by one cell only: rename it in one cell or delete one definition`;
    case "cycle":
      return `cells ${p.cells.map(label).join(", ")} form a cycle (each reads names the other defines); move the shared definitions into one cell or break the dependency`;
    case "undefined":
      return `${p.names.map((n) => `"${n}"`).join(", ")} ${p.names.length === 1 ? "is" : "are"} not defined by any cell; define ${p.names.length === 1 ? "it" : "them"} in a cell or fix the spelling`;
  }
}
