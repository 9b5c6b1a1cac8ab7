/**
 * The DARTS cell space (Liu, Simonyan & Yang, "DARTS: Differentiable Architecture Search", ICLR 2019). A genotype is
 * a normal cell and a reduction cell. Each cell has two input nodes (0 = c_{k-2}, 1 = c_{k-1}) and 4 intermediate
 * nodes; intermediate node i (id i+2) sums exactly two edges from distinct earlier nodes, each carrying one op; the
 * cell output concatenates the intermediate nodes.
 *
 * `none` is one of the 8 candidate ops of the DARTS supernet (`DARTS_OPS`), but a derived genotype never uses it
 * (DARTS drops `none` when it picks the two strongest edges per node), so genotypes here are over the other 7
 * (`DARTS_GENOTYPE_OPS`) and a genotype naming `none` is rejected with that explanation.
 *
 * Arch string, as DARTS prints a Genotype (node i's two edges are entries 2i and 2i+1):
 * `normal=[(sep_conv_3x3,0),(sep_conv_3x3,1),...] reduce=[(max_pool_3x3,0),...]`. `parse` also accepts the
 * Python repr `Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=range(2, 6), reduce=[...], reduce_concat=range(2, 6))`.
 *
 * `key` is canonical under (a) the order of the two edges of a node and (b) relabelling intermediate nodes by any
 * isomorphism of the cell DAG (inputs c_{k-2}, c_{k-1} stay distinct; the output concat order is ignored, since it
 * only permutes channels). The two cells are canonicalised separately and are never swapped.
 */
import { InvalidArchError } from "../errors.js";
import type { Rng } from "../rng.js";
import { memoize } from "../memoize.js";
import { canonicalForm } from "./canonical.js";
import { checkChoices, crossoverChoices, keyedNeighbours, mutateOneDecision, type ChoiceCodec } from "./choices.js";
import type { IndexEdge } from "./dag.js";
import { hamming, oneHotChoices, writeOneHot } from "./encoding.js";
import { ParseCursor, requireString } from "./parse.js";
import { edgeOpPaths, encodePaths } from "./pathEncoding.js";
import { opIndexOf } from "./validate.js";
import type { ArchGraph, BuiltinSpace, Decision, EncodingKind, GraphEdge, GraphNode } from "./types.js";

/** The 8 candidate ops of the DARTS supernet, in DARTS' PRIMITIVES order. */
export const DARTS_OPS = [
  "none",
  "max_pool_3x3",
  "avg_pool_3x3",
  "skip_connect",
  "sep_conv_3x3",
  "sep_conv_5x5",
  "dil_conv_3x3",
  "dil_conv_5x5",
] as const;
export type DartsOp = (typeof DARTS_OPS)[number];
/** The ops a derived genotype may use: all but `none`. */
export const DARTS_GENOTYPE_OPS: readonly DartsOp[] = DARTS_OPS.filter((op) => op !== "none");

/** One edge into an intermediate node: `op` applied to node `from` (0 = c_{k-2}, 1 = c_{k-1}, i+2 = node i). */
export interface DartsEdge {
  op: DartsOp;
  from: number;
}
/** A DARTS genotype: 2 edges per intermediate node, node i's at positions 2i and 2i+1, for each cell. */
export interface DartsArch {
  normal: DartsEdge[];
  reduce: DartsEdge[];
}
export type DartsCellName = "normal" | "reduce";
const CELLS: readonly DartsCellName[] = ["normal", "reduce"];

export interface DartsOptions {
  /** Intermediate nodes per cell (DARTS: 4). */
  nodes?: number;
  /** Ops a genotype may use (a subset of DARTS_GENOTYPE_OPS, e.g. for small experiments). */
  ops?: readonly DartsOp[];
  /** Cells in the network of `toGraph` (DARTS: 8 while searching, 20 for evaluation); reductions at 1/3 and 2/3. */
  layers?: number;
  /** Longest path kept by the path encoding; the default (nodes) keeps every path, i.e. exact BANANAS encoding. */
  pathLength?: number;
}

export type DartsSpace = BuiltinSpace<DartsArch, DartsOptions>;

const FORM =
  "normal=[(OP,FROM),(OP,FROM),...] reduce=[(OP,FROM),...] with 2 edges per intermediate node, e.g. " +
  "normal=[(sep_conv_3x3,0),(sep_conv_3x3,1),(sep_conv_3x3,0),(sep_conv_3x3,1),(sep_conv_3x3,1),(skip_connect,0),(skip_connect,0),(dil_conv_3x3,2)] reduce=[...]";

/** The DARTS genotype space (Liu et al. 2019). */
export function dartsSpace(opts: DartsOptions = {}): DartsSpace {
  const o: Required<DartsOptions> = {
    nodes: opts.nodes ?? 4,
    ops: opts.ops ?? DARTS_GENOTYPE_OPS,
    layers: opts.layers ?? 8,
    pathLength: opts.pathLength ?? opts.nodes ?? 4,
  };
  const name = "darts";
  if (!Number.isInteger(o.nodes) || o.nodes < 1) throw new InvalidArchError(`darts: nodes must be a positive integer, got ${o.nodes}`);
  if (o.ops.length === 0 || new Set(o.ops).size !== o.ops.length) throw new InvalidArchError("darts: ops must be a non-empty list of distinct ops");
  for (const op of o.ops) {
    if (op === "none") throw new InvalidArchError(noneMessage());
    opIndexOf(op, DARTS_GENOTYPE_OPS, name);
  }
  if (!Number.isInteger(o.layers) || o.layers < 1) throw new InvalidArchError(`darts: layers must be a positive integer, got ${o.layers}`);
  const n = o.nodes;
  const K = o.ops.length;

  function noneMessage(): string {
    return `darts: "none" is the supernet's zero op and never appears in a derived genotype (DARTS drops it when it keeps the two strongest edges per node); use one of ${DARTS_GENOTYPE_OPS.join(", ")}`;
  }

  const decisions = (): Decision[] => {
    const ds: Decision[] = [];
    for (const cell of CELLS) {
      for (let i = 0; i < n; i++) {
        const inputs = Array.from({ length: i + 2 }, (_, j) => String(j));
        for (let e = 0; e < 2; e++) {
          ds.push({ kind: "categorical", name: `${cell}_node${i + 2}_in${e}`, choices: inputs });
          ds.push({ kind: "categorical", name: `${cell}_node${i + 2}_op${e}`, choices: o.ops });
        }
      }
    }
    return ds;
  };

  const validateCell = (cell: DartsCellName, edges: readonly DartsEdge[]): void => {
    if (!Array.isArray(edges) || edges.length !== 2 * n) {
      throw new InvalidArchError(`darts: the ${cell} cell needs ${2 * n} edges (2 per intermediate node), got ${Array.isArray(edges) ? edges.length : typeof edges}`);
    }
    edges.forEach((e, k) => {
      const node = Math.floor(k / 2) + 2;
      if (e?.op === "none") throw new InvalidArchError(noneMessage());
      opIndexOf(e?.op, o.ops, name);
      if (!Number.isInteger(e.from) || e.from < 0 || e.from >= node) {
        throw new InvalidArchError(`darts: ${cell} edge ${k} into node ${node} comes from ${e.from}; node ${node} can only take nodes 0..${node - 1}`);
      }
    });
    for (let i = 0; i < n; i++) {
      if (edges[2 * i]!.from === edges[2 * i + 1]!.from) {
        throw new InvalidArchError(`darts: ${cell} node ${i + 2} takes node ${edges[2 * i]!.from} twice; its two inputs must be distinct nodes (as DARTS derives them)`);
      }
    }
  };

  const validate = (a: DartsArch): void => {
    if (a === null || typeof a !== "object") throw new InvalidArchError(`darts: an arch is {normal: [{op, from}], reduce: [...]}, got ${JSON.stringify(a)}`);
    for (const cell of CELLS) validateCell(cell, a[cell]);
  };

  const toChoices = (a: DartsArch): number[] => {
    validate(a);
    return CELLS.flatMap((cell) => a[cell].flatMap((e) => [e.from, o.ops.indexOf(e.op)]));
  };

  const fromChoices = (c: readonly number[]): DartsArch => {
    checkChoices(name, decisions(), c);
    const cell = (off: number): DartsEdge[] =>
      Array.from({ length: 2 * n }, (_, k) => ({ op: o.ops[c[off + 2 * k + 1]!]!, from: c[off + 2 * k]! }));
    const a = { normal: cell(0), reduce: cell(4 * n) };
    validate(a);
    return a;
  };

  const formatCell = (edges: readonly DartsEdge[]): string => `[${edges.map((e) => `(${e.op},${e.from})`).join(",")}]`;
  const format = (a: DartsArch): string => {
    validate(a);
    return `normal=${formatCell(a.normal)} reduce=${formatCell(a.reduce)}`;
  };

  const parse = (s: string): DartsArch => {
    const cur = new ParseCursor(requireString(name, s, FORM), name, FORM);
    if (cur.atEnd()) cur.fail("empty string");
    const python = cur.eat("Genotype(");
    const cells: Partial<Record<DartsCellName, DartsEdge[]>> = {};
    const parseConcat = (cell: DartsCellName): void => {
      // Python repr: `normal_concat=range(2, 6)` or `[2, 3, 4, 5]`; only the DARTS convention is meaningful here.
      cur.expect(`${cell}_concat`);
      cur.expect("=");
      const got: number[] = [];
      if (cur.eat("range(")) {
        const lo = cur.int();
        cur.expect(",");
        const hi = cur.int();
        cur.expect(")");
        for (let i = lo; i < hi; i++) got.push(i);
      } else {
        cur.expect("[");
        do got.push(cur.int());
        while (cur.eat(","));
        cur.expect("]");
      }
      const want = Array.from({ length: n }, (_, i) => i + 2);
      if (got.join() !== want.join()) cur.fail(`${cell}_concat must be range(2, ${n + 2}) (the output concatenates every intermediate node)`);
    };
    for (const cell of CELLS) {
      if (python && cell === "reduce") cur.expect(",");
      cur.expect(cell);
      cur.expect("=");
      cur.expect("[");
      const edges: DartsEdge[] = [];
      if (!cur.eat("]")) {
        do {
          cur.expect("(");
          const quoted = cur.eat("'") || cur.eat('"');
          const op = cur.word("an op name");
          if (quoted && !cur.eat("'")) cur.expect('"');
          if (op === "none") throw new InvalidArchError(noneMessage());
          opIndexOf(op, o.ops, name);
          cur.expect(",");
          edges.push({ op: op as DartsOp, from: cur.int("an input node index") });
          cur.expect(")");
        } while (cur.eat(","));
        cur.expect("]");
      }
      if (edges.length !== 2 * n) cur.fail(`the ${cell} cell lists ${edges.length} edges, it needs ${2 * n} (2 per intermediate node)`);
      cells[cell] = edges;
      if (python) {
        cur.expect(",");
        parseConcat(cell);
      }
    }
    if (python) cur.expect(")");
    cur.end();
    const a = { normal: cells.normal!, reduce: cells.reduce! };
    validate(a);
    return a;
  };

  /** Node ids: 0, 1 inputs; 2..n+1 intermediate; n+2 output. */
  const cellEdges = (edges: readonly DartsEdge[]): IndexEdge[] => [
    ...edges.map((e, k) => [e.from, Math.floor(k / 2) + 2, e.op] as const),
    ...Array.from({ length: n }, (_, i) => [i + 2, n + 2, "concat"] as const),
  ];

  // Neighbours share one cell unchanged, so canonical cells are memoised by their string.
  const canonicalCellMemo = memoize((k: string): DartsEdge[] => canonicalCellOf(JSON.parse(k) as DartsEdge[]));
  const canonicalCell = (edges: readonly DartsEdge[]): DartsEdge[] => canonicalCellMemo(JSON.stringify(edges.map((e) => ({ op: e.op, from: e.from }))));
  const canonicalCellOf = (edges: readonly DartsEdge[]): DartsEdge[] => {
    // Labels sort in position order, so canonical positions keep c_{k-2} at 0 and c_{k-1} at 1.
    const labels = ["in0", "in1", ...Array<string>(n).fill("node"), "output"];
    const { order } = canonicalForm({ labels, edges: cellEdges(edges) });
    const position = new Map(order.map((v, p) => [v, p]));
    const out: DartsEdge[] = [];
    for (let p = 2; p < n + 2; p++) {
      const v = order[p]! - 2;
      const pair = [edges[2 * v]!, edges[2 * v + 1]!]
        .map((e) => ({ op: e.op, from: position.get(e.from)! }))
        .sort((x, y) => x.from - y.from || o.ops.indexOf(x.op) - o.ops.indexOf(y.op));
      out.push(...pair);
    }
    return out;
  };

  const canonical = (a: DartsArch): DartsArch => {
    validate(a);
    // Copies, so callers may edit the result without touching the memo.
    return { normal: canonicalCell(a.normal).map((e) => ({ ...e })), reduce: canonicalCell(a.reduce).map((e) => ({ ...e })) };
  };
  const key = (a: DartsArch): string => format(canonical(a));
  const codec: ChoiceCodec<DartsArch> = { decisions, toChoices, fromChoices, key };

  /** Uniform over genotypes: each node draws an ordered pair of distinct inputs, then two ops. */
  const sample = (rng: Rng): DartsArch => {
    const cell = (): DartsEdge[] =>
      Array.from({ length: n }, (_, i) => rng.sample(Array.from({ length: i + 2 }, (_, j) => j), 2)).flatMap(([x, y]) => [
        { op: rng.choice(o.ops), from: x! },
        { op: rng.choice(o.ops), from: y! },
      ]);
    const normal = cell();
    return { normal, reduce: cell() };
  };

  const cellGraph = (cell: DartsCellName, edges: readonly DartsEdge[]): ArchGraph => {
    const id = (v: number): string => (v === 0 ? "c_{k-2}" : v === 1 ? "c_{k-1}" : v === n + 2 ? "output" : String(v));
    const nodes: GraphNode[] = [
      { id: "c_{k-2}", role: "input", attrs: cell === "reduce" ? { stride: 2 } : {} },
      { id: "c_{k-1}", role: "input", attrs: cell === "reduce" ? { stride: 2 } : {} },
      ...Array.from({ length: n }, (_, i): GraphNode => ({ id: String(i + 2), role: "hidden" })),
      { id: "output", role: "output", op: "concat", attrs: { combine: "concat" } },
    ];
    const gEdges: GraphEdge[] = cellEdges(edges).map(([f, t, op]): GraphEdge =>
      t === n + 2
        ? { from: id(f), to: id(t) }
        : { from: id(f), to: id(t), op: op!, attrs: cell === "reduce" && f < 2 ? { stride: 2 } : {} },
    );
    return { space: name, opsOn: "edges", combine: "sum", nodes, edges: gEdges };
  };

  /** The network: a stem, `layers` cells each fed by the two previous cells, and a classifier. */
  const toGraph = (a: DartsArch): ArchGraph => {
    validate(a);
    const reductions = new Set([Math.floor(o.layers / 3), Math.floor((2 * o.layers) / 3)]);
    const nodes: GraphNode[] = [{ id: "stem", role: "input", op: "stem" }];
    const edges: GraphEdge[] = [];
    const ids = ["stem", "stem"];
    for (let k = 0; k < o.layers; k++) {
      const cell: DartsCellName = reductions.has(k) && o.layers >= 3 ? "reduce" : "normal";
      const id = `cell${k}`;
      nodes.push({ id, role: "hidden", op: `subgraph:${cell}` });
      edges.push({ from: ids[ids.length - 2]!, to: id, attrs: { input: "c_{k-2}" } });
      edges.push({ from: ids[ids.length - 1]!, to: id, attrs: { input: "c_{k-1}" } });
      ids.push(id);
    }
    nodes.push({ id: "classifier", role: "output", op: "classifier" });
    edges.push({ from: ids[ids.length - 1]!, to: "classifier" });
    return {
      space: name,
      opsOn: "nodes",
      combine: "sum",
      nodes,
      edges,
      subgraphs: { normal: cellGraph("normal", a.normal), reduce: cellGraph("reduce", a.reduce) },
    };
  };

  /** Edge slots (j -> i) of the full cell DAG, in supernet order: node 2 <- 0, 1; node 3 <- 0, 1, 2; ... */
  const slots: (readonly [number, number])[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < i + 2; j++) slots.push([j, i + 2]);
  const slotIndex = new Map(slots.map(([j, i], k) => [`${j}>${i}`, k]));

  const encode = (a: DartsArch, kind: EncodingKind): Float32Array => {
    validate(a);
    if (kind === "onehot") return oneHotChoices(decisions(), toChoices(a));
    if (kind === "adjacency") {
      // Per cell, one op one-hot per supernet edge slot (zero when the genotype does not keep that edge): the
      // layout of DARTS' architecture weights alpha, so a discrete genotype and a relaxed one align.
      const per = slots.length * K;
      const out = new Float32Array(2 * per);
      CELLS.forEach((cell, ci) =>
        a[cell].forEach((e, k) => writeOneHot(out, ci * per + slotIndex.get(`${e.from}>${Math.floor(k / 2) + 2}`)! * K, o.ops.indexOf(e.op), K)),
      );
      return out;
    }
    if (kind === "path") {
      const parts = CELLS.map((cell) => {
        const paths = edgeOpPaths(n + 3, cellEdges(a[cell]), [0, 1], n + 2, (e) => (e[2] === "concat" ? -1 : o.ops.indexOf(e[2] as DartsOp)));
        return encodePaths(paths, 2, K, o.pathLength);
      });
      const out = new Float32Array(parts[0]!.length * 2);
      out.set(parts[0]!, 0);
      out.set(parts[1]!, parts[0]!.length);
      return out;
    }
    throw new InvalidArchError(`darts: unknown encoding "${String(kind)}"; use "onehot", "adjacency" or "path"`);
  };

  const cellSize = (): bigint => {
    let s = 1n;
    for (let i = 0; i < n; i++) s *= BigInt((i + 2) * (i + 1) * K * K);
    return s;
  };

  return {
    recipe: { kind: "builtin" as const, name: "darts", options: { ...opts } },
    name,
    options: o,
    canonical,
    sample,
    key,
    format,
    parse,
    validate,
    /** Genotypes as written (ordered edge pairs): (prod_i (i+2)(i+1) K^2)^2 = 2.76e20 for DARTS. */
    size: () => cellSize() ** 2n,
    toGraph,
    mutate: (a: DartsArch, rng: Rng) => mutateOneDecision(codec, a, rng, name),
    neighbours: (a: DartsArch) => keyedNeighbours(codec, a),
    crossover: (a: DartsArch, b: DartsArch, rng: Rng) => crossoverChoices(codec, a, b, rng),
    encode,
    /** Decisions that differ between the canonical representatives: 0 iff the keys are equal. */
    distance: (a: DartsArch, b: DartsArch) => hamming(toChoices(canonical(a)), toChoices(canonical(b))),
    decisions,
    fromChoices,
    toChoices,
  };
}
