/** DAGs over node indices: topological order, longest-path depths, and the nodes live between sources and sinks. */
import { InvalidArchError } from "../errors.js";

/** A directed edge between node indices, optionally labelled (an op on the edge). */
export type IndexEdge = readonly [from: number, to: number, label?: string];

/** Kahn's algorithm, smallest index first; throws an `InvalidArchError` naming a node on a cycle. */
export function topologicalOrder(n: number, edges: readonly IndexEdge[]): number[] {
  const indeg = new Array<number>(n).fill(0);
  const out: number[][] = Array.from({ length: n }, () => []);
  for (const [f, t] of edges) {
    out[f]!.push(t);
    indeg[t]!++;
  }
  const ready: number[] = [];
  for (let v = 0; v < n; v++) if (indeg[v] === 0) ready.push(v);
  const order: number[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const v = ready.shift()!;
    order.push(v);
    for (const w of out[v]!) if (--indeg[w]! === 0) ready.push(w);
  }
  if (order.length < n) {
    const stuck = indeg.findIndex((d) => d > 0);
    throw new InvalidArchError(`graph has a cycle through node ${stuck}; an architecture must be a DAG`);
  }
  return order;
}

/** Longest-path depth of every node from the sources (nodes without inputs have depth 0). */
export function depths(n: number, edges: readonly IndexEdge[]): number[] {
  const d = new Array<number>(n).fill(0);
  const into: number[][] = Array.from({ length: n }, () => []);
  for (const [f, t] of edges) into[t]!.push(f);
  for (const v of topologicalOrder(n, edges)) for (const u of into[v]!) d[v] = Math.max(d[v]!, d[u]! + 1);
  return d;
}

/** Which nodes lie on some path from one of `sources` to one of `sinks` (sources and sinks included if connected). */
export function liveNodes(n: number, edges: readonly IndexEdge[], sources: readonly number[], sinks: readonly number[]): boolean[] {
  const fwd = reach(n, edges, sources, false);
  const bwd = reach(n, edges, sinks, true);
  return fwd.map((f, i) => f && bwd[i]!);
}

function reach(n: number, edges: readonly IndexEdge[], start: readonly number[], reverse: boolean): boolean[] {
  const adj: number[][] = Array.from({ length: n }, () => []);
  for (const [f, t] of edges) (reverse ? adj[t]! : adj[f]!).push(reverse ? f : t);
  const seen = new Array<boolean>(n).fill(false);
  const stack = [...start];
  for (const s of start) seen[s] = true;
  while (stack.length > 0) {
    const v = stack.pop()!;
    for (const w of adj[v]!) {
      if (!seen[w]) {
        seen[w] = true;
        stack.push(w);
      }
    }
  }
  return seen;
}
