/** Canonical labelling of small labelled DAGs, so that isomorphic architectures get the same key. */
import { NasbookError } from "../errors.js";
import { depths, type IndexEdge } from "./dag.js";

/** A DAG with a label on every node and every edge; parallel edges are allowed. */
export interface LabelledDag {
  labels: readonly string[];
  edges: readonly IndexEdge[];
}

/** A canonical form: `order[p]` is the original node placed at canonical position `p`; `key` is the certificate. */
export interface CanonicalForm {
  order: number[];
  key: string;
  /**
   * Nodes of the individualisation search tree that were refined: the work done, counted rather than timed so a
   * test can bound it on any machine (polynomial in the nodes with twin and orbit pruning; exponential without).
   */
  searchNodes: number;
}

/** Options of canonicalForm. */
export interface CanonicalOptions {
  /**
   * Throw a CanonicalWorkError past this many search-tree nodes (default: no limit). Tests set it so a pruning that
   * stopped working fails at once, on any machine, instead of running for minutes.
   */
  maxSearchNodes?: number;
}

/** canonicalForm explored more of its search tree than `maxSearchNodes` allowed. */
export class CanonicalWorkError extends NasbookError {}

const pad = (x: number): string => x.toString().padStart(6, "0");

/**
 * Canonical labelling by colour refinement and individualisation (the scheme of nauty, McKay & Piperno 2014,
 * without its automorphism pruning beyond twins). Two labelled DAGs get the same `key` iff they are isomorphic
 * (node labels, edge labels and edge multiplicities preserved). Colours start from (depth, label), and every
 * step keeps the colour order, so the canonical order is always a topological order of the DAG. Exponential
 * only for highly symmetric graphs that are not made of twins; the spaces here have at most ~20 nodes.
 * Among nodes of equal depth, labels that sort first get the earlier positions: give fixed nodes (inputs)
 * labels that sort in the order you want them kept ("in0" < "in1").
 */
export function canonicalForm(g: LabelledDag, options: CanonicalOptions = {}): CanonicalForm {
  const n = g.labels.length;
  if (n === 0) return { order: [], key: "", searchNodes: 0 };
  const edges = g.edges.map(([f, t, l]) => [f, t, l ?? ""] as const);
  // Edge labels become single characters ranked by the label's sort order (an isomorphism invariant), so
  // signatures are short strings: one character per colour, two per labelled neighbour.
  const edgeLabelRank = new Map([...new Set(edges.map((e) => e[2]))].sort().map((l, i) => [l, String.fromCharCode(i)]));
  const ins: (readonly [number, string])[][] = Array.from({ length: n }, () => []);
  const outs: (readonly [number, string])[][] = Array.from({ length: n }, () => []);
  for (const [f, t, l] of edges) {
    const c = edgeLabelRank.get(l)!;
    outs[f]!.push([t, c]);
    ins[t]!.push([f, c]);
  }
  const dep = depths(n, g.edges);
  const initial = rank(g.labels.map((l, v) => `${pad(dep[v]!)}|${l}`));

  // Twins (same label, same labelled in- and out-neighbours by identity) are swapped by an automorphism that
  // fixes everything else, so branching on one of them is enough.
  const neighbourhood = (v: number): string =>
    `${g.labels[v]}|${ins[v]!.map(([u, l]) => `${u}:${l}`).sort().join(",")}|${outs[v]!.map(([u, l]) => `${u}:${l}`).sort().join(",")}`;
  const twinOf = Array.from({ length: n }, (_, v) => neighbourhood(v));

  const ch = String.fromCharCode;
  const refine = (colours: number[]): number[] => {
    let c = colours;
    let classes = new Set(c).size;
    for (;;) {
      const sig = c.map(
        (cv, v) =>
          `${ch(cv)}${ins[v]!.map(([u, l]) => l + ch(c[u]!)).sort().join("")}|${outs[v]!.map(([u, l]) => l + ch(c[u]!)).sort().join("")}`,
      );
      const next = rank(sig);
      const k = new Set(next).size;
      if (k === classes) return next;
      c = next;
      classes = k;
    }
  };

  const certificate = (colours: number[]): Omit<CanonicalForm, "searchNodes"> => {
    const order = new Array<number>(n);
    colours.forEach((c, v) => (order[c] = v));
    const labels = order.map((v) => g.labels[v]);
    const es = edges.map(([f, t, l]) => `${colours[f]}>${colours[t]}:${l}`).sort();
    return { order, key: `${labels.join(";")}#${es.join(",")}` };
  };

  // Search tree of individualisations; the canonical form is the smallest leaf certificate. Two leaves with the
  // same certificate reveal an automorphism; branches in the same orbit as an explored branch (under the
  // automorphisms found that fix the current prefix) have the same leaves and are skipped (McKay 1981).
  let best: Omit<CanonicalForm, "searchNodes"> | undefined;
  let searchNodes = 0;
  const automorphisms: number[][] = [];
  const sameOrbitAsExplored = (v: number, explored: readonly number[], fixed: readonly number[]): boolean => {
    const parent = Array.from({ length: n }, (_, i) => i);
    const find = (x: number): number => {
      while (parent[x] !== x) x = parent[x] = parent[parent[x]!]!;
      return x;
    };
    for (const g of automorphisms) {
      if (!fixed.every((f) => g[f] === f)) continue;
      g.forEach((y, x) => {
        parent[find(x)] = find(y);
      });
    }
    return explored.some((u) => find(u) === find(v));
  };
  const search = (colours: number[], fixed: number[]): void => {
    if (++searchNodes > (options.maxSearchNodes ?? Infinity)) {
      throw new CanonicalWorkError(`canonicalForm refined more than ${options.maxSearchNodes} search-tree nodes on a ${n}-node DAG`);
    }
    const c = refine(colours);
    const count = new Array<number>(n).fill(0);
    for (const x of c) count[x]!++;
    const cell = count.findIndex((k) => k > 1);
    if (cell < 0) {
      const leaf = certificate(c);
      if (best === undefined || leaf.key < best.key) best = leaf;
      else if (leaf.key === best.key) automorphisms.push(c.map((p) => best!.order[p]!));
      return;
    }
    const tried = new Set<string>();
    const explored: number[] = [];
    for (let v = 0; v < n; v++) {
      if (c[v] !== cell || tried.has(twinOf[v]!)) continue;
      if (explored.length > 0 && automorphisms.length > 0 && sameOrbitAsExplored(v, explored, fixed)) continue;
      tried.add(twinOf[v]!);
      explored.push(v);
      search(
        c.map((x, u) => 2 * x + (x === cell && u !== v ? 1 : 0)),
        [...fixed, v],
      );
    }
  };
  search(initial, []);
  return { ...best!, searchNodes };
}

/** Dense ranks (0..k-1) of strings in sorted order. */
function rank(values: readonly string[]): number[] {
  const sorted = [...new Set(values)].sort();
  const at = new Map(sorted.map((s, i) => [s, i]));
  return values.map((s) => at.get(s)!);
}
