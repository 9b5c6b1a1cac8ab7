/**
 * The data behind the supernet figure: which nodes and edges a cell has, each candidate op's strength on each
 * edge, and which ops the derived architecture keeps. Pure data, tested without drawing.
 *
 * Strength is the op's softmax weight (DARTS: Liu, Simonyan & Yang 2019, "DARTS: Differentiable Architecture
 * Search") or its sampling probability (GDAS, SNAS, ENAS). Derivation follows DARTS: each edge keeps its strongest
 * op (excluding "none"), and each node keeps its `keepPerNode` strongest incoming edges; NB201 cells keep every
 * edge and may pick "none" (Dong & Yang 2020, "NAS-Bench-201", which derives by argmax over all ops).
 */
import type { ArchGraph, GraphNode, PolicyRow } from "../space/types.js";
import { NasbookError } from "../errors.js";

/**
 * What to draw: a discrete architecture graph, probabilities over each edge's ops (a snapshot's `policy`: DARTS or
 * GDAS softmax(alpha), or a controller's policy over a cell's edges), or both (probabilities on the architecture's
 * cell). A `StrategySnapshot` is such a source as it is.
 */
export type SupernetSource = ArchGraph | { graph?: ArchGraph; policy?: readonly PolicyRow[] };

export interface SupernetModelOptions {
  /**
   * How to derive the architecture from weights when no graph is given. Default: cells with two or more input nodes
   * (DARTS) exclude none/zero and keep the 2 strongest incoming edges per node; other cells (NB201) take the argmax
   * op of every edge, "none" included.
   */
  derive?: { exclude?: readonly string[]; keepPerNode?: number };
  /**
   * For weights without a graph: "concat" adds an output node fed by every non-input node. Default: "concat" for
   * cells with two input nodes (DARTS), else "sum".
   */
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

// "to<-from" or "from->to", optionally "cell:"-prefixed; a controller's NB201 decisions read "edge to<-from".
const EDGE_PATTERN = /^(?:([^:<>]+):)?\s*(?:edge\s+)?(.+?)\s*(<-|->)\s*(.+?)\s*$/;

/** Parses an edge decision: "to<-from" / "from->to", optionally prefixed by "cell:" or "edge ". */
export function parseEdgeDecision(decision: string): { cell: string; from: string; to: string } {
  const m = EDGE_PATTERN.exec(decision);
  if (!m) {
    throw new NasbookError(
      `decision ${JSON.stringify(decision)} is not an edge of the form "to<-from" or "from->to" (optionally prefixed "cell:", e.g. "normal:2<-0"); ` +
        "the supernet figure draws probabilities over the ops of a cell's edges (viz.policyHeatmap draws any decisions)",
    );
  }
  const [, cell = "", a = "", arrow, b = ""] = m;
  return arrow === "<-" ? { cell, from: b, to: a } : { cell, from: a, to: b };
}

/** The probabilities of one row, checked: one per choice, each in [0, 1], summing to 1. */
export function rowProbabilities(row: PolicyRow): number[] {
  if (row.choices.length === 0 || row.choices.length !== row.probs.length) {
    throw new NasbookError(`decision ${row.decision} has ${row.choices.length} choices but ${row.probs.length} probabilities; give one probability per choice`);
  }
  const sum = row.probs.reduce((s, p) => s + p, 0);
  if (!row.probs.every((p) => Number.isFinite(p) && p >= 0 && p <= 1) || Math.abs(sum - 1) > 1e-3) {
    throw new NasbookError(`decision ${row.decision}: ${row.probs.join(", ")} are not probabilities (each in [0, 1], summing to 1); pass softmax(logits)`);
  }
  return [...row.probs];
}

const key = (cell: string, from: string, to: string): string => `${cell}\u0000${from}\u0000${to}`;

/** Builds the figure's data; see the module comment. */
export function supernetModel(source: SupernetSource, options: SupernetModelOptions = {}): SupernetModel {
  const graph = "nodes" in source ? source : source.graph;
  const policy = "nodes" in source ? [] : (source.policy ?? []);
  if (graph === undefined && policy.length === 0) {
    throw new NasbookError("supernet figure needs an ArchGraph, probabilities over each edge's ops (a snapshot's policy), or both; got neither");
  }

  // Weights by (cell, from, to).
  const weights = new Map<string, { ops: string[]; probs: number[] }>();
  const weightedCells = new Map<string, { from: string; to: string }[]>();
  for (const row of policy) {
    const e = parseEdgeDecision(row.decision);
    const k = key(e.cell, e.from, e.to);
    if (weights.has(k)) throw new NasbookError(`edge ${row.decision} appears twice; give each edge once`);
    weights.set(k, { ops: [...row.choices], probs: rowProbabilities(row) });
    if (!weightedCells.has(e.cell)) weightedCells.set(e.cell, []);
    weightedCells.get(e.cell)!.push(e);
  }

  const panels: PanelModel[] = [];
  const graphCells = new Map<string, ArchGraph>();
  if (graph !== undefined) {
    if (graph.nodes.length > 0) graphCells.set("", graph);
    for (const [name, sub] of Object.entries(graph.subgraphs ?? {})) graphCells.set(name, sub);
  }
  const cellNames = [...graphCells.keys(), ...[...weightedCells.keys()].filter((c) => !graphCells.has(c))];
  for (const cell of cellNames) {
    const g = graphCells.get(cell);
    const weightedEdges = weightedCells.get(cell) ?? [];
    panels.push(
      g !== undefined
        ? panelFromGraph(cell, g, weightedEdges, weights)
        : panelFromWeights(cell, weightedEdges, weights, options),
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
  weightedEdges: { from: string; to: string }[],
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
  for (const a of weightedEdges) {
    const k = key(cell, a.from, a.to);
    if (seen.has(k)) continue;
    for (const id of [a.from, a.to]) if (!ids.has(id)) { ids.add(id); nodes.push({ id, role: "hidden" }); }
    const w = weights.get(k)!;
    edges.push({ from: a.from, to: a.to, strands: w.ops.map((op, i) => ({ op, weight: w.probs[i]! , derived: false })) });
  }
  return { name: cell || g.space, opsOn: g.opsOn, nodes, edges };
}

/** A cell given only by weights: nodes from edge endpoints, roles from degrees, architecture derived by rule. */
function panelFromWeights(
  cell: string,
  weightedEdges: { from: string; to: string }[],
  weights: Map<string, { ops: string[]; probs: number[] }>,
  options: SupernetModelOptions,
): PanelModel {
  const order: string[] = [];
  for (const e of weightedEdges) for (const id of [e.from, e.to]) if (!order.includes(id)) order.push(id);
  const hasIn = new Set(weightedEdges.map((e) => e.to));
  const hasOut = new Set(weightedEdges.map((e) => e.from));
  const inputs = order.filter((n) => !hasIn.has(n));
  // A cell with two inputs (c_{k-2}, c_{k-1}) is a DARTS cell: its output concatenates the intermediate nodes.
  const darts = inputs.length >= 2;
  const concat = (options.combine ?? (darts ? "concat" : "sum")) === "concat";
  const nodes: GraphNode[] = order.map((id) => ({
    id,
    role: !hasIn.has(id) ? "input" : !concat && !hasOut.has(id) ? "output" : "hidden",
  }));
  const edges: EdgeModel[] = weightedEdges.map((e) => {
    const w = weights.get(key(cell, e.from, e.to))!;
    return { from: e.from, to: e.to, strands: w.ops.map((op, i) => ({ op, weight: w.probs[i]!, derived: false })) };
  });

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
