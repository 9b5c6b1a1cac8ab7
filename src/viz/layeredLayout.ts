/**
 * Layered drawing of a directed graph (Sugiyama, Tagawa & Toda 1981, "Methods for visual understanding of
 * hierarchical system structures"): break cycles by reversing DFS back edges, assign layers by longest path
 * from the sources, then order each layer by barycenters of its neighbours. Deterministic: ties keep input order.
 */

export interface LayoutEdge {
  from: string;
  to: string;
}

export interface LayeredLayout {
  /** Layer (column) of each node; sources are layer 0 and every kept edge goes to a higher layer. */
  layer: Map<string, number>;
  /** Nodes of each layer, in drawing order. */
  layers: string[][];
  /** Position of each node within its layer. */
  order: Map<string, number>;
  /** Indices of edges reversed to break cycles (they point backwards in the drawing), and self-loops. */
  reversed: Set<number>;
}

/** Indices of the edges that close cycles, found by depth-first search in node order. */
export function backEdges(nodes: readonly string[], edges: readonly LayoutEdge[]): Set<number> {
  const out = new Map<string, number[]>();
  for (const n of nodes) out.set(n, []);
  edges.forEach((e, i) => out.get(e.from)?.push(i));
  const state = new Map<string, 1 | 2>(); // 1 = on the stack, 2 = done
  const back = new Set<number>();
  for (const root of nodes) {
    if (state.has(root)) continue;
    // Iterative DFS so deep chains (hundreds of cells) cannot overflow the stack.
    const stack: { node: string; next: number }[] = [{ node: root, next: 0 }];
    state.set(root, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const outs = out.get(top.node)!;
      if (top.next >= outs.length) {
        state.set(top.node, 2);
        stack.pop();
        continue;
      }
      const ei = outs[top.next++]!;
      const to = edges[ei]!.to;
      const s = state.get(to);
      if (s === 1) back.add(ei);
      else if (s === undefined) {
        state.set(to, 1);
        stack.push({ node: to, next: 0 });
      }
    }
  }
  return back;
}

/** Lays out `nodes` (every edge endpoint must be among them) in layers; see the module comment. */
export function layeredLayout(nodes: readonly string[], edges: readonly LayoutEdge[]): LayeredLayout {
  const known = new Set(nodes);
  for (const e of edges) {
    if (!known.has(e.from) || !known.has(e.to)) {
      throw new RangeError(`edge ${e.from} -> ${e.to} names a node that is not in the graph (nodes: ${nodes.join(", ")})`);
    }
  }
  const reversed = backEdges(nodes, edges);
  const dag: LayoutEdge[] = [];
  edges.forEach((e, i) => {
    if (e.from === e.to) reversed.add(i);
    else dag.push(reversed.has(i) ? { from: e.to, to: e.from } : e);
  });

  // Longest path layering over a Kahn topological order (queue in input order for determinism).
  const indeg = new Map<string, number>(nodes.map((n) => [n, 0]));
  const succ = new Map<string, string[]>(nodes.map((n) => [n, []]));
  const pred = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const e of dag) {
    indeg.set(e.to, indeg.get(e.to)! + 1);
    succ.get(e.from)!.push(e.to);
    pred.get(e.to)!.push(e.from);
  }
  const layer = new Map<string, number>(nodes.map((n) => [n, 0]));
  const queue = nodes.filter((n) => indeg.get(n) === 0);
  for (let qi = 0; qi < queue.length; qi++) {
    const u = queue[qi]!;
    for (const v of succ.get(u)!) {
      layer.set(v, Math.max(layer.get(v)!, layer.get(u)! + 1));
      indeg.set(v, indeg.get(v)! - 1);
      if (indeg.get(v) === 0) queue.push(v);
    }
  }

  const depth = Math.max(0, ...layer.values());
  const layers: string[][] = Array.from({ length: depth + 1 }, () => []);
  for (const n of nodes) layers[layer.get(n)!]!.push(n);
  const index = new Map(nodes.map((n, i) => [n, i]));
  const pos = (n: string): number => {
    const l = layers[layer.get(n)!]!;
    return (l.indexOf(n) + 0.5) / l.length;
  };
  const reorder = (l: string[], neighbours: Map<string, string[]>): void => {
    const key = new Map<string, number>();
    for (const n of l) {
      const ns = neighbours.get(n)!;
      key.set(n, ns.length === 0 ? pos(n) : ns.reduce((s, m) => s + pos(m), 0) / ns.length);
    }
    l.sort((a, b) => key.get(a)! - key.get(b)! || index.get(a)! - index.get(b)!);
  };
  for (let sweep = 0; sweep < 4; sweep++) {
    for (let i = 1; i < layers.length; i++) reorder(layers[i]!, pred);
    for (let i = layers.length - 2; i >= 0; i--) reorder(layers[i]!, succ);
  }
  const order = new Map<string, number>();
  for (const l of layers) l.forEach((n, i) => order.set(n, i));
  return { layer, layers, order, reversed };
}
