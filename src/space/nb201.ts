/**
 * The NAS-Bench-201 cell (Dong & Yang, ICLR 2020): a DAG of 4 nodes where each of the 6 edges j -> i (j < i)
 * carries one of 5 ops. Node 0 is the cell input, node 3 its output; a node sums its incoming edges.
 * Architectures are written exactly as NAS-Bench-201 writes them:
 * `|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|`.
 */
import { ArchParseError, InvalidArchError } from "../errors.js";
import type { Rng } from "../rng.js";
import { choiceNeighbours, uniformCrossover } from "./choices.js";
import { hamming } from "./encoding.js";
import { opIndexOf } from "./validate.js";
import type { ArchGraph, Decision, EncodingKind, FullSpace } from "./types.js";

export const NB201_OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"] as const;
export type Nb201Op = (typeof NB201_OPS)[number];

/** Six ops, one per edge, in NAS-Bench-201 order: 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2. */
export type Nb201Arch = readonly Nb201Op[];

/** The (to, from) node pair of each edge, in arch order. */
export const NB201_EDGES: readonly (readonly [number, number])[] = [
  [1, 0],
  [2, 0],
  [2, 1],
  [3, 0],
  [3, 1],
  [3, 2],
];

const N_EDGES = NB201_EDGES.length;
const N_OPS = NB201_OPS.length;
const FORMAT_HELP =
  "expected 3 groups separated by '+', node i listing its inputs 0..i-1 as |op~j|, e.g. " +
  "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";

function opIndex(op: string): number {
  return opIndexOf(op, NB201_OPS, "nb201");
}

/** Formats as NAS-Bench-201 does. */
export function formatNb201(a: Nb201Arch): string {
  return `|${a[0]}~0|+|${a[1]}~0|${a[2]}~1|+|${a[3]}~0|${a[4]}~1|${a[5]}~2|`;
}

/** Parses a NAS-Bench-201 arch string; errors say which node or edge is wrong and show the expected form. */
export function parseNb201(s: string): Nb201Arch {
  if (typeof s !== "string") throw new ArchParseError(`nb201 arch must be a string; ${FORMAT_HELP}`);
  const text = s.trim();
  const groups = text.split("+");
  if (groups.length !== 3) {
    throw new ArchParseError(`"${s}" has ${groups.length} node group(s), nb201 needs 3; ${FORMAT_HELP}`);
  }
  const ops: Nb201Op[] = [];
  groups.forEach((g, gi) => {
    const node = gi + 1;
    if (!g.startsWith("|") || !g.endsWith("|") || g.length < 2) {
      throw new ArchParseError(`node ${node} group "${g}" must start and end with '|'; ${FORMAT_HELP}`);
    }
    const items = g.slice(1, -1).split("|");
    if (items.length !== node) {
      throw new ArchParseError(`node ${node} must have ${node} input(s) (from nodes 0..${node - 1}), got ${items.length} in "${g}"; ${FORMAT_HELP}`);
    }
    items.forEach((item, j) => {
      const m = /^([A-Za-z0-9_]+)~(\d+)$/.exec(item);
      if (!m) throw new ArchParseError(`"${item}" in node ${node} is not of the form op~input; ${FORMAT_HELP}`);
      const from = Number(m[2]);
      if (from !== j) {
        throw new ArchParseError(`node ${node} lists input ${from} at position ${j}; inputs must be 0..${node - 1} in order; ${FORMAT_HELP}`);
      }
      ops.push(NB201_OPS[opIndex(m[1]!)]!);
    });
  });
  return ops;
}

export function validateNb201(a: Nb201Arch): void {
  if (!Array.isArray(a) || a.length !== N_EDGES) {
    throw new InvalidArchError(`an nb201 arch is an array of ${N_EDGES} ops (edges 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2), got ${JSON.stringify(a)}`);
  }
  for (const op of a) opIndex(op);
}

// ---- canonical key -------------------------------------------------------------------------------------------
// Each node's value is a sum of terms; a term is the input "0" or op(value). Sums flatten, keep multiplicity and are
// sorted, so isomorphic cells (same function up to relabelling of the intermediate nodes) get the same string.
// `none` contributes zero, and an op applied to zero is zero (dead paths are pruned).

type Terms = string[];

function applyOp(op: Nb201Op, value: Terms): Terms {
  if (op === "none" || value.length === 0) return [];
  if (op === "skip_connect") return value;
  return [`(${value.join("+")})@${op}`];
}

/** The canonical function key of an nb201 cell: equal for isomorphic cells and under dead-path pruning. */
export function nb201Key(a: Nb201Arch): string {
  const nodes: Terms[] = [["0"]];
  let e = 0;
  for (let i = 1; i < 4; i++) {
    const terms: string[] = [];
    for (let j = 0; j < i; j++) terms.push(...applyOp(a[e++]!, nodes[j]!));
    terms.sort();
    nodes.push(terms);
  }
  const out = nodes[3]!;
  return out.length === 0 ? "#" : out.join("+");
}

/**
 * The NATS-Bench "unique string" of a cell (the `iso_key` column of nb201_all.csv), reproduced to compare
 * partitions. Unlike `nb201Key` it keeps every zero term as `#`, so cells differing only in how many zero edges
 * reach the output get different strings.
 */
export function natsUniqueString(a: Nb201Arch): string {
  const nodes: string[] = ["0"];
  let e = 0;
  for (let i = 1; i < 4; i++) {
    const terms: string[] = [];
    for (let j = 0; j < i; j++) {
      const op = a[e++]!;
      const x = nodes[j]!;
      if (op === "none" || x === "#") terms.push("#");
      else if (op === "skip_connect") terms.push(x);
      else terms.push(`(${x})@${op}`);
    }
    nodes.push(terms.sort().join("+"));
  }
  return nodes[3]!;
}

// ---- encodings -----------------------------------------------------------------------------------------------

/** Input-to-output paths as lists of edge indices: 0->3, 0->1->3, 0->2->3, 0->1->2->3. */
const PATHS: readonly (readonly number[])[] = [[3], [0, 4], [1, 5], [0, 2, 5]];
const REAL_OPS = NB201_OPS.filter((o) => o !== "none");
const PATH_OFFSETS = (() => {
  const offsets: number[] = [];
  let off = 0;
  for (const p of PATHS) {
    offsets.push(off);
    off += REAL_OPS.length ** p.length;
  }
  return { offsets, total: off };
})();

function encodeOneHot(a: Nb201Arch): Float32Array {
  const v = new Float32Array(N_EDGES * N_OPS);
  a.forEach((op, e) => (v[e * N_OPS + opIndex(op)] = 1));
  return v;
}

/**
 * Ops-on-nodes view (as NAS-Bench-101 writes cells): nodes are input, the 6 edge ops, output. Features are the
 * strict upper triangle of that 8x8 adjacency (28) followed by each op node's one-hot (30).
 */
function encodeAdjacency(a: Nb201Arch): Float32Array {
  const n = 8; // 0 = input, 1..6 = edges, 7 = output
  const adj: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  NB201_EDGES.forEach(([to, from], e) => {
    if (a[e] === "none") return;
    const opNode = e + 1;
    if (from === 0) adj[0]![opNode] = 1;
    else NB201_EDGES.forEach(([to2], e2) => to2 === from && a[e2] !== "none" && (adj[e2 + 1]![opNode] = 1));
    if (to === 3) adj[opNode]![7] = 1;
  });
  const v = new Float32Array((n * (n - 1)) / 2 + N_EDGES * N_OPS);
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) v[k++] = adj[i]![j]!;
  v.set(encodeOneHot(a), k);
  return v;
}

/** Path encoding (White et al., BANANAS 2021): one feature per (input-to-output path, op sequence without `none`). */
function encodePath(a: Nb201Arch): Float32Array {
  const v = new Float32Array(PATH_OFFSETS.total);
  PATHS.forEach((path, p) => {
    let idx = 0;
    for (const e of path) {
      const r = REAL_OPS.indexOf(a[e] as (typeof REAL_OPS)[number]);
      if (r < 0) return; // a `none` edge cuts the path
      idx = idx * REAL_OPS.length + r;
    }
    v[PATH_OFFSETS.offsets[p]! + idx] = 1;
  });
  return v;
}

// ---- the space -----------------------------------------------------------------------------------------------

export type Nb201Space = FullSpace<Nb201Arch> & {
  readonly ops: readonly Nb201Op[];
  /** Every architecture, in the order of `fromIndex` (op index base 5, edge 0 least significant). */
  all(): Nb201Arch[];
  toIndex(a: Nb201Arch): number;
  fromIndex(i: number): Nb201Arch;
};

/** The NAS-Bench-201 cell search space: 5^6 = 15,625 architectures. */
export function nb201Space(): Nb201Space {
  const decisions: Decision[] = NB201_EDGES.map(([to, from]) => ({
    kind: "categorical",
    name: `edge ${to}<-${from}`,
    choices: NB201_OPS,
  }));
  const toIndex = (a: Nb201Arch) => a.reduce((acc, op, e) => acc + opIndex(op) * N_OPS ** e, 0);
  const fromIndex = (i: number): Nb201Arch => {
    if (!Number.isInteger(i) || i < 0 || i >= N_OPS ** N_EDGES) {
      throw new InvalidArchError(`nb201 index must be an integer 0..${N_OPS ** N_EDGES - 1}, got ${i}`);
    }
    return Array.from({ length: N_EDGES }, (_, e) => NB201_OPS[Math.floor(i / N_OPS ** e) % N_OPS]!);
  };
  return {
    recipe: { kind: "builtin" as const, name: "nb201", options: {} },
    name: "nb201",
    ops: NB201_OPS,
    sample: (rng: Rng) => Array.from({ length: N_EDGES }, () => rng.choice(NB201_OPS)),
    key: nb201Key,
    format: formatNb201,
    parse: parseNb201,
    validate: validateNb201,
    size: () => BigInt(N_OPS ** N_EDGES),
    toGraph(a: Nb201Arch): ArchGraph {
      return {
        space: "nb201",
        opsOn: "edges",
        combine: "sum",
        nodes: [0, 1, 2, 3].map((i) => ({ id: String(i), role: i === 0 ? "input" : i === 3 ? "output" : "hidden" })),
        edges: NB201_EDGES.map(([to, from], e) => ({ from: String(from), to: String(to), op: a[e]! })),
      };
    },
    mutate(a: Nb201Arch, rng: Rng): Nb201Arch {
      const e = rng.int(N_EDGES);
      const others = NB201_OPS.filter((op) => op !== a[e]);
      const child = a.slice();
      child[e] = rng.choice(others);
      return child;
    },
    neighbours: (a: Nb201Arch): Nb201Arch[] => choiceNeighbours(decisions, a.map(opIndex)).map((c) => c.map((i) => NB201_OPS[i]!)),
    crossover: (a: Nb201Arch, b: Nb201Arch, rng: Rng) => uniformCrossover(a, b, rng),
    encode(a: Nb201Arch, kind: EncodingKind): Float32Array {
      if (kind === "onehot") return encodeOneHot(a);
      if (kind === "adjacency") return encodeAdjacency(a);
      if (kind === "path") return encodePath(a);
      throw new InvalidArchError(`unknown encoding "${String(kind)}" (encodings: onehot, adjacency, path)`);
    },
    /** Number of edges whose op differs (edit distance in the space's own moves). */
    distance: (a: Nb201Arch, b: Nb201Arch) => hamming(a, b),
    decisions: () => decisions,
    fromChoices(choices: readonly number[]): Nb201Arch {
      if (choices.length !== N_EDGES || choices.some((c) => !Number.isInteger(c) || c < 0 || c >= N_OPS)) {
        throw new InvalidArchError(`nb201 needs ${N_EDGES} choices, each 0..${N_OPS - 1}; got [${choices.join(", ")}]`);
      }
      return choices.map((c) => NB201_OPS[c]!);
    },
    toChoices: (a: Nb201Arch) => a.map(opIndex),
    all: () => Array.from({ length: N_OPS ** N_EDGES }, (_, i) => fromIndex(i)),
    toIndex,
    fromIndex,
  };
}
