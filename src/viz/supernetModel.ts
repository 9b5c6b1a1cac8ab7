/**
 * The data behind the supernet figure: which nodes and edges a cell has, each candidate op's strength on each
 * edge, and which ops the derived architecture keeps. Pure data, tested without drawing.
 *
 * Strength is the op's softmax weight (DARTS: Liu, Simonyan & Yang 2019, "DARTS: Differentiable Architecture
 * Search") or its sampling probability (GDAS, SNAS, ENAS). Derivation follows DARTS: each edge keeps its strongest
 * op (excluding "none"), and each node keeps its `keepPerNode` strongest incoming edges; NB201 cells keep every
 * edge and may pick "none" (Dong & Yang 2020, "NAS-Bench-201", which derives by argmax over all ops).
 */
import type { ArchGraph, GraphNode } from "../space/types.js";
import type { StrategySnapshot } from "../strategy/types.js";
import { NasbookError } from "../errors.js";

/** Per-edge op weights, as in `StrategySnapshot.alphas`. `edge` is "to<-from" or "from->to", optionally "cell:"-prefixed. */
export type AlphaEdge = NonNullable<StrategySnapshot["alphas"]>[number];

/** What to draw: a discrete architecture graph, per-edge op weights, or both (weights on the architecture's cell). */
export type SupernetSource = ArchGraph | { graph?: ArchGraph; alphas?: readonly AlphaEdge[] };

export interface SupernetModelOptions {
  /** How to read `weights`: raw logits (softmaxed) or probabilities. "auto": probabilities iff all >= 0 and sum to 1. */
  alphaKind?: "auto" | "logits" | "probabilities";
  /**
   * How to derive the architecture from weights when no graph is given. Default: cells with two or more input nodes
   * (DARTS) exclude none/zero and keep the 2 strongest incoming edges per node; other cells (NB201) take the argmax
   * op of every edge, "none" included.
   */
  derive?: { exclude?: readonly string[]; keepPerNode?: number };
  /** For weights without a graph: "concat" adds an output node fed by every non-input node (DARTS cells). */
  combine?: "sum" | "concat";
}

export interface StrandModel {
  op: string;
  /** Probability of the op on its edge (1 for an op of a discrete graph). */
  weight: number;
  derived: boolean;
}

export interface EdgeModel {
  from: string;
  to: string;
  /** Candidate ops; empty for a plain connection (e.g. the concat into a DARTS cell output). */
  strands: StrandModel[];
  /** The derived op on this edge, if the derived architecture keeps the edge. */
  derivedOp?: string;
}

export interface PanelModel {
  name: string;
  opsOn: "edges" | "nodes";
  nodes: GraphNode[];
  edges: EdgeModel[];
}

export interface SupernetModel {
  panels: PanelModel[];
  ops: string[];
}

const EDGE_PATTERN = /^(?:([^:<>]+):)?\s*(.+?)\s*(<-|->)\s*(.+?)\s*$/;

/** Parses "to<-from" / "from->to", optionally prefixed by "cell:". */
export function parseAlphaEdge(edge: string): { cell: string; from: string; to: string } {
  const m = EDGE_PATTERN.exec(edge);
  if (!m) {
    throw new NasbookError(
      `alpha edge ${JSON.stringify(edge)} is not of the form "to<-from" or "from->to" (optionally prefixed "cell:", e.g. "normal:2<-0")`,
    );
  }
  const [, cell = "", a = "", arrow, b = ""] = m;
  return arrow === "<-" ? { cell, from: b, to: a } : { cell, from: a, to: b };
}

/** Softmax, stable for large logits. */
export function softmax(xs: readonly number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** Op probabilities of one alpha edge, per `alphaKind`. */
export function edgeProbabilities(a: AlphaEdge, kind: SupernetModelOptions["alphaKind"] = "auto"): number[] {
  if (a.ops.length === 0 || a.ops.length !== a.weights.length) {
    throw new NasbookError(
      `alpha edge ${a.edge} has ${a.ops.length} ops but ${a.weights.length} weights; give one weight per op`,
    );
  }
  if (!a.weights.every(Number.isFinite)) throw new NasbookError(`alpha edge ${a.edge} has a non-finite weight: ${a.weights.join(", ")}`);
  const sum = a.weights.reduce((s, w) => s + w, 0);
  const isProb = a.weights.every((w) => w >= 0) && Math.abs(sum - 1) < 1e-6;
  if (kind === "probabilities") {
    if (!isProb) throw new NasbookError(`alpha edge ${a.edge}: weights ${a.weights.join(", ")} are not probabilities; pass alphaKind: "logits"`);
    return [...a.weights];
  }
  return kind === "logits" || !isProb ? softmax(a.weights) : [...a.weights];
}

const key = (cell: string, from: string, to: string): string => `${cell}\u0000${from}\u0000${to}`;

/** Builds the figure's data; see the module comment. */
export function supernetModel(source: SupernetSource, options: SupernetModelOptions = {}): SupernetModel {
  const graph = "nodes" in source ? source : source.graph;
  const alphas = "nodes" in source ? [] : (source.alphas ?? []);
  if (graph === undefined && alphas.length === 0) {
    throw new NasbookError("supernet figure needs an ArchGraph, alpha weights (StrategySnapshot.alphas), or both; got neither");
  }

  // Weights by (cell, from, to).
  const weights = new Map<string, { ops: string[]; probs: number[] }>();
  const alphaCells = new Map<string, { from: string; to: string }[]>();
  for (const a of alphas) {
    const e = parseAlphaEdge(a.edge);
    const k = key(e.cell, e.from, e.to);
    if (weights.has(k)) throw new NasbookError(`alpha edge ${a.edge} appears twice; give each edge once`);
    weights.set(k, { ops: [...a.ops], probs: edgeProbabilities(a, options.alphaKind) });
    if (!alphaCells.has(e.cell)) alphaCells.set(e.cell, []);
    alphaCells.get(e.cell)!.push(e);
  }

  const panels: PanelModel[] = [];
  const graphCells = new Map<string, ArchGraph>();
  if (graph !== undefined) {
    if (graph.nodes.length > 0) graphCells.set("", graph);
    for (const [name, sub] of Object.entries(graph.subgraphs ?? {})) graphCells.set(name, sub);
  }
  const cellNames = [...graphCells.keys(), ...[...alphaCells.keys()].filter((c) => !graphCells.has(c))];
  for (const cell of cellNames) {
    const g = graphCells.get(cell);
    const cellAlphas = alphaCells.get(cell) ?? [];
    panels.push(
      g !== undefined
        ? panelFromGraph(cell, g, cellAlphas, weights)
        : panelFromAlphas(cell, cellAlphas, weights, options),
    );
  }
  const ops: string[] = [];
  for (const p of panels) for (const e of p.edges) for (const s of e.strands) if (!ops.includes(s.op)) ops.push(s.op);
  for (const p of panels) for (const n of p.nodes) if (n.op !== undefined && !n.op.startsWith("subgraph:") && !ops.includes(n.op)) ops.push(n.op);
  return { panels, ops };
}

/** A cell given as a graph: its edges are the derived architecture; weights, where given, add the other candidates. */
function panelFromGraph(
  cell: string,
  g: ArchGraph,
  cellAlphas: { from: string; to: string }[],
  weights: Map<string, { ops: string[]; probs: number[] }>,
): PanelModel {
  const nodes = g.nodes.map((n) => ({ ...n }));
  const ids = new Set(nodes.map((n) => n.id));
  const edges: EdgeModel[] = [];
  const seen = new Set<string>();
  for (const e of g.edges) {
    if (!ids.has(e.from) || !ids.has(e.to)) {
      throw new NasbookError(`graph ${g.space}${cell ? ` cell ${cell}` : ""}: edge ${e.from} -> ${e.to} names a node that is not in nodes`);
    }
    const w = weights.get(key(cell, e.from, e.to));
    seen.add(key(cell, e.from, e.to));
    if (w === undefined) {
      edges.push({ from: e.from, to: e.to, strands: e.op === undefined ? [] : [{ op: e.op, weight: 1, derived: true }], derivedOp: e.op });
    } else {
      if (e.op !== undefined && !w.ops.includes(e.op)) {
        throw new NasbookError(`edge ${e.from} -> ${e.to} has op ${e.op}, which is not among its weighted ops (${w.ops.join(", ")})`);
      }
      edges.push({
        from: e.from,
        to: e.to,
        strands: w.ops.map((op, i) => ({ op, weight: w.probs[i]!, derived: op === e.op })),
        derivedOp: e.op,
      });
    }
  }
  // Supernet edges the derived architecture dropped (DARTS keeps 2 of each node's inputs).
  for (const a of cellAlphas) {
    const k = key(cell, a.from, a.to);
    if (seen.has(k)) continue;
    for (const id of [a.from, a.to]) if (!ids.has(id)) { ids.add(id); nodes.push({ id, role: "hidden" }); }
    const w = weights.get(k)!;
    edges.push({ from: a.from, to: a.to, strands: w.ops.map((op, i) => ({ op, weight: w.probs[i]! , derived: false })) });
  }
  return { name: cell || g.space, opsOn: g.opsOn, nodes, edges };
}

/** A cell given only by weights: nodes from edge endpoints, roles from degrees, architecture derived by rule. */
function panelFromAlphas(
  cell: string,
  cellAlphas: { from: string; to: string }[],
  weights: Map<string, { ops: string[]; probs: number[] }>,
  options: SupernetModelOptions,
): PanelModel {
  const order: string[] = [];
  for (const e of cellAlphas) for (const id of [e.from, e.to]) if (!order.includes(id)) order.push(id);
  const hasIn = new Set(cellAlphas.map((e) => e.to));
  const hasOut = new Set(cellAlphas.map((e) => e.from));
  const inputs = order.filter((n) => !hasIn.has(n));
  const concat = options.combine === "concat";
  const nodes: GraphNode[] = order.map((id) => ({
    id,
    role: !hasIn.has(id) ? "input" : !concat && !hasOut.has(id) ? "output" : "hidden",
  }));
  const edges: EdgeModel[] = cellAlphas.map((e) => {
    const w = weights.get(key(cell, e.from, e.to))!;
    return { from: e.from, to: e.to, strands: w.ops.map((op, i) => ({ op, weight: w.probs[i]!, derived: false })) };
  });

  const darts = inputs.length >= 2;
  const exclude = new Set(options.derive?.exclude ?? (darts ? ["none", "zero"] : []));
  const keep = options.derive?.keepPerNode ?? (darts ? 2 : Infinity);
  const best = edges.map((e) => {
    let bi = -1;
    e.strands.forEach((s, i) => {
      if (!exclude.has(s.op) && (bi < 0 || s.weight > e.strands[bi]!.weight)) bi = i;
    });
    return bi;
  });
  for (const target of order) {
    const incoming = edges.map((e, i) => i).filter((i) => edges[i]!.to === target && best[i]! >= 0);
    incoming.sort((a, b) => edges[b]!.strands[best[b]!]!.weight - edges[a]!.strands[best[a]!]!.weight || a - b);
    for (const i of incoming.slice(0, keep)) {
      const s = edges[i]!.strands[best[i]!]!;
      s.derived = true;
      edges[i]!.derivedOp = s.op;
    }
  }
  if (concat) {
    let out = "output";
    while (order.includes(out)) out += "'";
    nodes.push({ id: out, role: "output" });
    for (const n of nodes) if (n.role === "hidden") edges.push({ from: n.id, to: out, strands: [] });
  }
  return { name: cell || "cell", opsOn: "edges", nodes, edges };
}
