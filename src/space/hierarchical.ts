/**
 * The hierarchical space of Liu et al., "Hierarchical Representations for Efficient Architecture Search" (ICLR
 * 2018). Level 1: primitives (1x1 conv, 3x3 depthwise conv, 3x3 separable conv, 3x3 max pool, 3x3 avg pool,
 * identity) plus `none` = no edge. Level 2: M motifs (default 4), each a DAG of `motifNodes` nodes (default 4)
 * whose every edge i -> j (i < j) carries a primitive or none. Level 3: one motif of `topNodes` nodes (default 5)
 * whose edges carry a level-2 motif or none. Node 0 is a motif's input and its last node the output; a node
 * merges its inputs by depthwise concatenation, as in the paper.
 *
 * An architecture is valid when every motif it defines, and the top motif, connects input to output. Edges off
 * every input-to-output path are dead: they change nothing and are ignored by `key`, `distance` and `toGraph`.
 *
 * Arch string, each motif in NAS-Bench-201 style (groups per target node j listing `op~i` for i < j):
 * `motif0=|conv_1x1~0|+|none~0|sep_conv_3x3~1|+|identity~0|none~1|max_pool_3x3~2| motif1=... top=|motif0~0|+|...|`.
 *
 * `key` is canonical under dead-edge pruning, isomorphic relabelling of the nodes of every motif, renumbering of the
 * motifs (and merging of motifs that are identical), and unused motifs.
 */
import { InvalidArchError } from "../errors.js";
import type { Rng } from "../rng.js";
import { memoize } from "../memoize.js";
import { canonicalForm } from "./canonical.js";
import { checkChoices, crossoverChoices, keyedNeighbours, sampleValid, type ChoiceCodec } from "./choices.js";
import { liveNodes, type IndexEdge } from "./dag.js";
import { hamming, oneHotChoices, triIndex, writeOneHot } from "./encoding.js";
import { ParseCursor, requireString } from "./parse.js";
import { edgeOpPaths, encodePaths } from "./pathEncoding.js";
import { opIndexOf } from "./validate.js";
import type { ArchGraph, BuiltinSpace, Decision, EncodingKind, GraphEdge, GraphNode } from "./types.js";

/** Level-1 primitives of the paper, with `none` first (no edge). */
export const HIERARCHICAL_PRIMITIVES = ["none", "conv_1x1", "dw_conv_3x3", "sep_conv_3x3", "max_pool_3x3", "avg_pool_3x3", "identity"] as const;
export type HierarchicalPrimitive = (typeof HIERARCHICAL_PRIMITIVES)[number];

/**
 * `motifs[m][e]` is the primitive on edge e of level-2 motif m; `top[e]` is `"motif<k>"` or `"none"` on edge e
 * of the level-3 motif. Edges are listed target by target: 0->1, 0->2, 1->2, 0->3, 1->3, 2->3, ...
 */
export interface HierarchicalArch {
  motifs: HierarchicalPrimitive[][];
  top: string[];
}

export interface HierarchicalOptions {
  /** Number of level-2 motifs (paper: 6; default 4). */
  motifs?: number;
  /** Nodes per level-2 motif (paper: 4). */
  motifNodes?: number;
  /** Nodes of the level-3 motif (paper: 5). */
  topNodes?: number;
  /** Level-1 ops; must include "none" first and at least one other primitive. */
  primitives?: readonly HierarchicalPrimitive[];
}

export interface HierarchicalSpace extends BuiltinSpace<HierarchicalArch, HierarchicalOptions> {
  /** The (from, to) node pair of every edge of an n-node motif, in arch order. */
  edgesOf(nodes: number): (readonly [number, number])[];
}

const FORM =
  "motif0=|op~0|+|op~0|op~1|+|op~0|op~1|op~2| motif1=... top=|motif0~0|+|none~0|motif1~1|+...|, each motif listing, for target node j = 1, 2, ..., the op on every edge i -> j";

/** The hierarchical motif space (Liu et al. 2018). */
export function hierarchicalSpace(opts: HierarchicalOptions = {}): HierarchicalSpace {
  const o: Required<HierarchicalOptions> = {
    motifs: opts.motifs ?? 4,
    motifNodes: opts.motifNodes ?? 4,
    topNodes: opts.topNodes ?? 5,
    primitives: opts.primitives ?? HIERARCHICAL_PRIMITIVES,
  };
  const name = "hierarchical";
  for (const [v, what] of [
    [o.motifs, "motifs"],
    [o.motifNodes, "motifNodes"],
    [o.topNodes, "topNodes"],
  ] as const) {
    if (!Number.isInteger(v) || v < (what === "motifs" ? 1 : 2)) throw new InvalidArchError(`hierarchical: option ${what} is ${v}; use an integer >= ${what === "motifs" ? 1 : 2}`);
  }
  if (o.primitives[0] !== "none" || o.primitives.length < 2 || new Set(o.primitives).size !== o.primitives.length) {
    throw new InvalidArchError(`hierarchical: primitives must start with "none" and list at least one other distinct primitive, got ${o.primitives.join(", ")}`);
  }
  for (const p of o.primitives) opIndexOf(p, HIERARCHICAL_PRIMITIVES, name);
  const M = o.motifs;
  const motifNames = Array.from({ length: M }, (_, m) => `motif${m}`);
  const topOps = ["none", ...motifNames];
  const motifEdges = edgesOf(o.motifNodes);
  const topEdges = edgesOf(o.topNodes);

  const decisions = (): Decision[] => [
    ...motifNames.flatMap((mn) => motifEdges.map(([i, j]): Decision => ({ kind: "categorical", name: `${mn}_${i}to${j}`, choices: o.primitives }))),
    ...topEdges.map(([i, j]): Decision => ({ kind: "categorical", name: `top_${i}to${j}`, choices: topOps })),
  ];

  /** Live edges (on an input-to-output path) of a motif whose ops are given as indices, 0 = none. */
  const liveEdges = (nodes: number, edges: readonly (readonly [number, number])[], ops: readonly number[]): IndexEdge[] => {
    const present: IndexEdge[] = [];
    edges.forEach(([i, j], e) => {
      if (ops[e] !== 0) present.push([i, j, String(ops[e])]);
    });
    const live = liveNodes(nodes, present, [0], [nodes - 1]);
    return present.filter(([i, j]) => live[i] && live[j]);
  };

  const connectedMemo = memoize((k: string) => {
    const [nodes, ...ops] = k.split(",").map(Number);
    return liveEdges(nodes!, edgesOf(nodes!), ops).length > 0;
  });
  const connected = (nodes: number, _edges: readonly (readonly [number, number])[], ops: readonly number[]): boolean =>
    connectedMemo(`${nodes},${ops.join(",")}`);

  const validate = (a: HierarchicalArch): void => {
    if (a === null || typeof a !== "object" || !Array.isArray(a.motifs) || !Array.isArray(a.top)) {
      throw new InvalidArchError(`hierarchical: an arch is {motifs: [[primitive per edge]], top: [motif name or "none" per edge]}, got ${JSON.stringify(a)}`);
    }
    if (a.motifs.length !== M) throw new InvalidArchError(`hierarchical: ${a.motifs.length} motifs, this space has ${M} (option motifs)`);
    a.motifs.forEach((ops, m) => {
      if (!Array.isArray(ops) || ops.length !== motifEdges.length) {
        throw new InvalidArchError(`hierarchical: motif${m} needs ${motifEdges.length} edge ops (a ${o.motifNodes}-node DAG), got ${Array.isArray(ops) ? ops.length : typeof ops}`);
      }
      const idx = ops.map((op) => opIndexOf(op, o.primitives, name));
      if (!connected(o.motifNodes, motifEdges, idx)) {
        throw new InvalidArchError(`hierarchical: motif${m} does not connect its input (node 0) to its output (node ${o.motifNodes - 1}); give some path non-none ops`);
      }
    });
    if (a.top.length !== topEdges.length) {
      throw new InvalidArchError(`hierarchical: top needs ${topEdges.length} edge ops (a ${o.topNodes}-node DAG), got ${a.top.length}`);
    }
    const idx = a.top.map((op) => opIndexOf(op, topOps, `${name} level 3`));
    if (!connected(o.topNodes, topEdges, idx)) {
      throw new InvalidArchError(`hierarchical: the top motif does not connect its input (node 0) to its output (node ${o.topNodes - 1}); give some path motif ops`);
    }
  };

  const toChoices = (a: HierarchicalArch): number[] => {
    validate(a);
    return [...a.motifs.flatMap((ops) => ops.map((op) => o.primitives.indexOf(op))), ...a.top.map((op) => topOps.indexOf(op))];
  };

  const fromChoices = (c: readonly number[]): HierarchicalArch => {
    checkChoices(name, decisions(), c);
    const E = motifEdges.length;
    const a = {
      motifs: motifNames.map((_, m) => c.slice(m * E, (m + 1) * E).map((x) => o.primitives[x]!)),
      top: c.slice(M * E).map((x) => topOps[x]!),
    };
    validate(a);
    return a;
  };

  const formatMotif = (nodes: number, ops: readonly string[]): string => {
    const groups: string[] = [];
    let e = 0;
    for (let j = 1; j < nodes; j++) {
      const items: string[] = [];
      for (let i = 0; i < j; i++) items.push(`${ops[e++]}~${i}`);
      groups.push(`|${items.join("|")}|`);
    }
    return groups.join("+");
  };
  const format = (a: HierarchicalArch): string => {
    validate(a);
    return [...a.motifs.map((ops, m) => `${motifNames[m]}=${formatMotif(o.motifNodes, ops)}`), `top=${formatMotif(o.topNodes, a.top)}`].join(" ");
  };

  const parse = (s: string): HierarchicalArch => {
    const cur = new ParseCursor(requireString(name, s, FORM), name, FORM);
    if (cur.atEnd()) cur.fail("empty string");
    const parseMotif = (nodes: number, ops: readonly string[], what: string): string[] => {
      const out: string[] = [];
      for (let j = 1; j < nodes; j++) {
        if (j > 1 && !cur.eat("+")) cur.fail(`${what} needs ${nodes - 1} groups separated by "+" (one per target node 1..${nodes - 1}); expected "+"`);
        cur.expect("|");
        for (let i = 0; i < j; i++) {
          const op = cur.word("an op name");
          opIndexOf(op, ops, what === "top" ? `${name} level 3` : name);
          cur.expect("~");
          const from = cur.int("a source node");
          if (from !== i) cur.fail(`${what} edge into node ${j} says ~${from}, expected ~${i} (edges are listed by source 0..${j - 1})`);
          cur.expect("|");
          out.push(op);
        }
      }
      return out;
    };
    const motifs: HierarchicalPrimitive[][] = [];
    for (const mn of motifNames) {
      if (!cur.eat(`${mn}=`)) cur.fail(`expected "${mn}=" (this space has ${M} motifs, motif0..motif${M - 1}, then top)`);
      motifs.push(parseMotif(o.motifNodes, o.primitives, mn) as HierarchicalPrimitive[]);
    }
    if (!cur.eat("top=")) cur.fail(`expected "top=" after ${M} motifs`);
    const top = parseMotif(o.topNodes, topOps, "top");
    cur.end();
    const a = { motifs, top };
    validate(a);
    return a;
  };

  /** Canonical op-index list of a motif: dead edges dropped, nodes relabelled canonically. */
  const canonicalMotifMemo = memoize((k: string): number[] => {
    const [nodes, ...ops] = k.split(",").map(Number);
    return canonicalMotifOf(nodes!, edgesOf(nodes!), ops);
  });
  const canonicalMotif = (nodes: number, _edges: readonly (readonly [number, number])[], ops: readonly number[]): number[] =>
    canonicalMotifMemo(`${nodes},${ops.join(",")}`);
  const canonicalMotifOf = (nodes: number, edges: readonly (readonly [number, number])[], ops: readonly number[]): number[] => {
    const live = liveEdges(nodes, edges, ops);
    const labels = Array.from({ length: nodes }, (_, v) => (v === 0 ? "in" : v === nodes - 1 ? "out" : "node"));
    const { order } = canonicalForm({ labels, edges: live });
    const position = new Map(order.map((v, p) => [v, p]));
    const out = new Array<number>(edges.length).fill(0);
    for (const [i, j, l] of live) {
      const [pi, pj] = [position.get(i)!, position.get(j)!];
      out[edgeIndex(pi, pj)] = Number(l);
    }
    return out;
  };
  /** Index of edge i -> j (i < j) in arch order: target j's edges start after 0+1+...+(j-1) earlier ones. */
  const edgeIndex = (i: number, j: number): number => (j * (j - 1)) / 2 + i;

  // A valid filler for unused motif slots of a canonical arch: a chain of the first non-none primitive.
  const filler = canonicalMotif(o.motifNodes, motifEdges, motifEdges.map(([i, j]) => (j === i + 1 ? 1 : 0)));

  const canonical = (a: HierarchicalArch): HierarchicalArch => {
    validate(a);
    const canonMotifs = a.motifs.map((ops) => canonicalMotif(o.motifNodes, motifEdges, ops.map((op) => o.primitives.indexOf(op))));
    const motifKey = canonMotifs.map((c) => c.join(","));
    const topIdx = a.top.map((op) => topOps.indexOf(op));
    const liveTop = liveEdges(o.topNodes, topEdges, topIdx);
    // Used motifs, merged when identical, numbered by their canonical key so renumbering the motifs changes nothing.
    const usedKeys = [...new Set(liveTop.map(([, , l]) => motifKey[Number(l) - 1]!))].sort();
    const renumber = (l: number): number => usedKeys.indexOf(motifKey[l - 1]!) + 1;
    const relabelled: number[] = new Array<number>(topEdges.length).fill(0);
    for (const [i, j, l] of liveTop) relabelled[edgeIndex(i, j)] = renumber(Number(l));
    const top = canonicalMotif(o.topNodes, topEdges, relabelled);
    const motifs = motifNames.map((_, m) => {
      const k = usedKeys[m];
      const ops = k === undefined ? filler : k.split(",").map(Number);
      return ops.map((x) => o.primitives[x]!);
    });
    return { motifs, top: top.map((x) => topOps[x]!) };
  };
  const key = (a: HierarchicalArch): string => format(canonical(a));
  const codec: ChoiceCodec<HierarchicalArch> = { decisions, toChoices, fromChoices, key };

  /**
   * Mutation as in the paper (Section 3.1): pick a level (2 or 3) uniformly, a motif of that level, a successor
   * node j and a predecessor i < j, and replace the op on i -> j by a different one; redrawn while the result is
   * invalid or key-equal to `a`.
   */
  const mutate = (a: HierarchicalArch, rng: Rng): HierarchicalArch => {
    const k = key(a);
    for (let attempt = 0; attempt < 1000; attempt++) {
      const level3 = rng.bool();
      const nodes = level3 ? o.topNodes : o.motifNodes;
      const j = 1 + rng.int(nodes - 1);
      const i = rng.int(j);
      const e = edgeIndex(i, j);
      let b: HierarchicalArch;
      if (level3) {
        const ops = topOps.filter((op) => op !== a.top[e]);
        b = { motifs: a.motifs, top: a.top.map((x, f) => (f === e ? rng.choice(ops) : x)) };
      } else {
        const m = rng.int(M);
        const ops = o.primitives.filter((op) => op !== a.motifs[m]![e]);
        b = { motifs: a.motifs.map((mo, n) => (n === m ? mo.map((x, f) => (f === e ? rng.choice(ops) : x)) : mo)), top: a.top };
      }
      try {
        if (key(b) !== k) return b;
      } catch (err) {
        if (!(err instanceof InvalidArchError)) throw err;
      }
    }
    const ns = keyedNeighbours(codec, a);
    if (ns.length === 0) throw new InvalidArchError("hierarchical: this architecture has no neighbour with a different key; enlarge the space");
    return rng.choice(ns);
  };

  const motifGraph = (nodes: number, edges: readonly (readonly [number, number])[], ops: readonly number[], opName: (x: number) => string): ArchGraph => {
    const live = liveEdges(nodes, edges, ops);
    const used = new Set(live.flatMap(([i, j]) => [i, j]));
    const gNodes: GraphNode[] = Array.from({ length: nodes }, (_, v) => v)
      .filter((v) => v === 0 || v === nodes - 1 || used.has(v))
      .map((v): GraphNode => ({ id: String(v), role: v === 0 ? "input" : v === nodes - 1 ? "output" : "hidden" }));
    const gEdges: GraphEdge[] = live.map(([i, j, l]) => ({ from: String(i), to: String(j), op: opName(Number(l)) }));
    return { space: name, opsOn: "edges", combine: "concat", nodes: gNodes, edges: gEdges };
  };

  /** The level-3 motif with `subgraph:motif<k>` ops, each used motif a subgraph over primitives; dead edges dropped. */
  const toGraph = (a: HierarchicalArch): ArchGraph => {
    validate(a);
    const top = motifGraph(o.topNodes, topEdges, a.top.map((op) => topOps.indexOf(op)), (x) => `subgraph:${topOps[x]}`);
    const used = new Set(top.edges.map((e) => e.op!.slice("subgraph:".length)));
    top.subgraphs = Object.fromEntries(
      motifNames
        .map((mn, m) => [mn, m] as const)
        .filter(([mn]) => used.has(mn))
        .map(([mn, m]) => [mn, motifGraph(o.motifNodes, motifEdges, a.motifs[m]!.map((op) => o.primitives.indexOf(op)), (x) => o.primitives[x]!)]),
    );
    return top;
  };

  const K = o.primitives.length;
  const encode = (a: HierarchicalArch, kind: EncodingKind): Float32Array => {
    validate(a);
    if (kind === "onehot") return oneHotChoices(decisions(), toChoices(a));
    const levels: { nodes: number; edges: readonly (readonly [number, number])[]; ops: number[]; vocab: number }[] = [
      ...a.motifs.map((ops) => ({ nodes: o.motifNodes, edges: motifEdges, ops: ops.map((op) => o.primitives.indexOf(op)), vocab: K - 1 })),
      { nodes: o.topNodes, edges: topEdges, ops: a.top.map((op) => topOps.indexOf(op)), vocab: M },
    ];
    if (kind === "adjacency") {
      // Per motif: the upper triangle of its live adjacency, then a one-hot op (none excluded) per live edge.
      const parts = levels.map(({ nodes, edges, ops, vocab }) => {
        const tri = (nodes * (nodes - 1)) / 2;
        const out = new Float32Array(tri + edges.length * vocab);
        for (const [i, j, l] of liveEdges(nodes, edges, ops)) {
          out[triIndex(i, j, nodes)] = 1;
          writeOneHot(out, tri + edgeIndex(i, j) * vocab, Number(l) - 1, vocab);
        }
        return out;
      });
      return concat(parts);
    }
    if (kind === "path") {
      // Two-level path encoding: exact BANANAS paths of each motif over primitives, and of the top motif over motifs.
      const parts = levels.map(({ nodes, edges, ops, vocab }) => {
        const paths = edgeOpPaths(nodes, liveEdges(nodes, edges, ops), [0], nodes - 1, (e) => Number(e[2]) - 1);
        return encodePaths(paths, 1, vocab, nodes - 1);
      });
      return concat(parts);
    }
    throw new InvalidArchError(`hierarchical: unknown encoding "${String(kind)}"; use "onehot", "adjacency" or "path"`);
  };

  /** Valid op assignments of an n-node motif with `choices` non-none ops per edge: sum over connecting edge sets. */
  const validAssignments = (nodes: number, choices: number): bigint => {
    const edges = edgesOf(nodes);
    let total = 0n;
    for (let mask = 0; mask < 2 ** edges.length; mask++) {
      const ops = edges.map((_, e) => ((mask >> e) & 1 ? 1 : 0));
      if (connected(nodes, edges, ops)) total += BigInt(choices) ** BigInt(ops.filter((x) => x).length);
    }
    return total;
  };

  return {
    recipe: { kind: "builtin" as const, name: "hierarchical", options: { ...opts } },
    name,
    options: o,
    canonical,
    edgesOf,
    sample: (rng: Rng) => sampleValid(codec, rng, name),
    key,
    format,
    parse,
    validate,
    /** Valid archs as written: (valid level-2 motifs)^M x (valid level-3 motifs). */
    size: () => validAssignments(o.motifNodes, K - 1) ** BigInt(M) * validAssignments(o.topNodes, M),
    toGraph,
    mutate,
    neighbours: (a: HierarchicalArch) => keyedNeighbours(codec, a),
    crossover: (a: HierarchicalArch, b: HierarchicalArch, rng: Rng) => crossoverChoices(codec, a, b, rng),
    encode,
    /** Edge ops that differ between canonical representatives: 0 iff the keys are equal. */
    distance: (a: HierarchicalArch, b: HierarchicalArch) => hamming(toChoices(canonical(a)), toChoices(canonical(b))),
    decisions,
    fromChoices,
    toChoices,
  };
}

/** The (from, to) pairs of an n-node motif's edges in arch order: 0->1, 0->2, 1->2, 0->3, ... */
function edgesOf(nodes: number): (readonly [number, number])[] {
  const out: (readonly [number, number])[] = [];
  for (let j = 1; j < nodes; j++) for (let i = 0; i < j; i++) out.push([i, j]);
  return out;
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
