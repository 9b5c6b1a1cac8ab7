/**
 * The block-cell space of Progressive NAS (Liu et al., "Progressive Neural Architecture Search", ECCV 2018).
 * A cell is 1..B blocks (B = 5); block b computes op1(input1) + op2(input2), where each input is one of the two
 * previous cells' outputs (0 = H_{c-2}, 1 = H_{c-1}) or an earlier block of this cell (2 + index). The cell output
 * concatenates the blocks no other block consumes (the NASNet/PNAS convention). Ops: the 8 of the paper.
 *
 * PNAS grows cells: `expand(a)` lists every cell with one more block whose first blocks are `a`'s, and
 * `size(b)` counts cells of exactly b blocks. Arch string, blocks separated by ";":
 * `(sep_conv_3x3,1)+(max_pool_3x3,0); (identity,2)+(sep_conv_5x5,0)`.
 *
 * `key` is canonical under the order of the two (input, op) pairs of a block and under relabelling blocks by any
 * isomorphism of the cell DAG, so the 256 one-block cells fall into the paper's 136 classes.
 */
import { InvalidArchError } from "../errors.js";
import type { Rng } from "../rng.js";
import { memoize } from "../memoize.js";
import { canonicalForm } from "./canonical.js";
import { checkChoices } from "./choices.js";
import type { IndexEdge } from "./dag.js";
import { hamming, oneHotChoices } from "./encoding.js";
import { ParseCursor, requireString } from "./parse.js";
import { edgeOpPaths, encodePaths } from "./pathEncoding.js";
import { opIndexOf } from "./validate.js";
import type { ArchGraph, BuiltinSpace, Decision, EncodingKind, GraphEdge, GraphNode } from "./types.js";

/** The PNAS op set (Section 3.1 of the paper). */
export const PNAS_OPS = [
  "identity",
  "avg_pool_3x3",
  "max_pool_3x3",
  "conv_1x7_7x1",
  "sep_conv_3x3",
  "sep_conv_5x5",
  "sep_conv_7x7",
  "dil_conv_3x3",
] as const;
export type PnasOp = (typeof PNAS_OPS)[number];

/** One block: op1(in1) + op2(in2); inputs 0 = H_{c-2}, 1 = H_{c-1}, 2 + j = block j of this cell. */
export interface PnasBlock {
  in1: number;
  op1: PnasOp;
  in2: number;
  op2: PnasOp;
}
export interface PnasArch {
  blocks: PnasBlock[];
}

export interface PnasOptions {
  /** B: the most blocks a cell may have (PNAS: 5). */
  maxBlocks?: number;
  /** The fewest blocks of a sampled or valid cell (1; set to maxBlocks for fixed-size cells). */
  minBlocks?: number;
  ops?: readonly PnasOp[];
  /** Longest path prefix kept by the path encoding (see `encodePaths`); paths can have up to B ops. */
  pathLength?: number;
}

export interface PnasSpace extends BuiltinSpace<PnasArch, PnasOptions> {
  /** Cells with exactly `blocks` blocks when given, else all cells of minBlocks..maxBlocks blocks (as written). */
  size(blocks?: number): bigint;
  /** The cell with no blocks: the root of progressive growth (`expand(empty())` lists the 1-block cells). */
  empty(): PnasArch;
  /** Every key-distinct cell with one more block appended to `a` (none when `a` has maxBlocks blocks). */
  expand(a: PnasArch): PnasArch[];
}

const FORM = "blocks separated by ';', each (OP,INPUT)+(OP,INPUT), e.g. (sep_conv_3x3,1)+(max_pool_3x3,0); (identity,2)+(sep_conv_5x5,0)";

/** The Progressive NAS block-cell space (Liu et al. 2018). */
export function pnasSpace(opts: PnasOptions = {}): PnasSpace {
  const o: Required<PnasOptions> = {
    maxBlocks: opts.maxBlocks ?? 5,
    minBlocks: opts.minBlocks ?? 1,
    ops: opts.ops ?? PNAS_OPS,
    pathLength: opts.pathLength ?? 3,
  };
  const name = "pnas";
  if (!Number.isInteger(o.maxBlocks) || !Number.isInteger(o.minBlocks) || o.minBlocks < 1 || o.maxBlocks < o.minBlocks) {
    throw new InvalidArchError(`pnas: blocks ${o.minBlocks}..${o.maxBlocks} is not a range; use 1 <= minBlocks <= maxBlocks`);
  }
  if (o.ops.length === 0 || new Set(o.ops).size !== o.ops.length) throw new InvalidArchError("pnas: ops must be a non-empty list of distinct ops");
  for (const op of o.ops) opIndexOf(op, PNAS_OPS, name);
  const B = o.maxBlocks;
  const K = o.ops.length;
  const counts = Array.from({ length: B - o.minBlocks + 1 }, (_, i) => o.minBlocks + i);
  const hasCountDecision = counts.length > 1;

  const decisions = (): Decision[] => {
    const ds: Decision[] = hasCountDecision ? [{ kind: "categorical", name: "blocks", choices: counts.map(String) }] : [];
    for (let b = 0; b < B; b++) {
      const inputs = Array.from({ length: b + 2 }, (_, j) => String(j));
      ds.push({ kind: "categorical", name: `block${b}_in1`, choices: inputs });
      ds.push({ kind: "categorical", name: `block${b}_op1`, choices: o.ops });
      ds.push({ kind: "categorical", name: `block${b}_in2`, choices: inputs });
      ds.push({ kind: "categorical", name: `block${b}_op2`, choices: o.ops });
    }
    return ds;
  };

  const validateBlocks = (blocks: readonly PnasBlock[]): void => {
    blocks.forEach((bl, b) => {
      for (const [input, op, which] of [
        [bl?.in1, bl?.op1, 1],
        [bl?.in2, bl?.op2, 2],
      ] as const) {
        opIndexOf(op, o.ops, name);
        if (!Number.isInteger(input) || input < 0 || input > b + 1) {
          throw new InvalidArchError(`pnas: block ${b} input${which} is ${input}; block ${b} can take 0 (H_{c-2}), 1 (H_{c-1}) or earlier blocks 2..${b + 1}`);
        }
      }
    });
  };

  const validate = (a: PnasArch): void => {
    if (a === null || typeof a !== "object" || !Array.isArray(a.blocks)) {
      throw new InvalidArchError(`pnas: an arch is {blocks: [{in1, op1, in2, op2}]}, got ${JSON.stringify(a)}`);
    }
    if (a.blocks.length < o.minBlocks || a.blocks.length > B) {
      throw new InvalidArchError(`pnas: ${a.blocks.length} blocks, the space allows ${o.minBlocks}..${B} (options minBlocks, maxBlocks)`);
    }
    validateBlocks(a.blocks);
  };

  /** Choice vector with -1 for the fields of block slots beyond the cell's blocks. */
  const slotChoices = (a: PnasArch): number[] => {
    const c = hasCountDecision ? [counts.indexOf(a.blocks.length)] : [];
    for (let b = 0; b < B; b++) {
      const bl = a.blocks[b];
      c.push(...(bl ? [bl.in1, o.ops.indexOf(bl.op1), bl.in2, o.ops.indexOf(bl.op2)] : [-1, -1, -1, -1]));
    }
    return c;
  };

  const toChoices = (a: PnasArch): number[] => {
    validate(a);
    return slotChoices(a).map((x) => Math.max(x, 0));
  };

  const fromChoices = (c: readonly number[]): PnasArch => {
    checkChoices(name, decisions(), c);
    const off = hasCountDecision ? 1 : 0;
    const nBlocks = hasCountDecision ? counts[c[0]!]! : B;
    const blocks = Array.from({ length: nBlocks }, (_, b) => ({
      in1: c[off + 4 * b]!,
      op1: o.ops[c[off + 4 * b + 1]!]!,
      in2: c[off + 4 * b + 2]!,
      op2: o.ops[c[off + 4 * b + 3]!]!,
    }));
    return { blocks };
  };

  const format = (a: PnasArch): string => {
    validate(a);
    return formatBlocks(a.blocks);
  };

  const parse = (s: string): PnasArch => {
    const cur = new ParseCursor(requireString(name, s, FORM), name, FORM);
    if (cur.atEnd()) cur.fail("empty string");
    const blocks: PnasBlock[] = [];
    const pair = (): [PnasOp, number] => {
      cur.expect("(");
      const op = cur.word("an op name");
      opIndexOf(op, o.ops, name);
      cur.expect(",");
      const input = cur.int("an input index");
      cur.expect(")");
      return [op as PnasOp, input];
    };
    do {
      const [op1, in1] = pair();
      if (!cur.eat("+")) cur.fail("expected \"+\" (a block adds two (op,input) pairs)");
      const [op2, in2] = pair();
      blocks.push({ in1, op1, in2, op2 });
    } while (cur.eat(";"));
    cur.end();
    const a = { blocks };
    validate(a);
    return a;
  };

  /** Nodes: 0, 1 previous cells; 2 + b blocks; n + 2 output (concat of unconsumed blocks). */
  const cellEdges = (blocks: readonly PnasBlock[]): IndexEdge[] => {
    const n = blocks.length;
    const used = new Array<boolean>(n).fill(false);
    const edges: IndexEdge[] = [];
    blocks.forEach((bl, b) => {
      edges.push([bl.in1, b + 2, bl.op1], [bl.in2, b + 2, bl.op2]);
      for (const i of [bl.in1, bl.in2]) if (i >= 2) used[i - 2] = true;
    });
    used.forEach((u, b) => {
      if (!u) edges.push([b + 2, n + 2, "concat"]);
    });
    return edges;
  };

  const canonicalBlocks = (blocks: readonly PnasBlock[]): PnasBlock[] => {
    const n = blocks.length;
    // Labels sort in position order, so canonical positions keep H_{c-2} at 0 and H_{c-1} at 1.
    const labels = ["in0", "in1", ...Array<string>(n).fill("block"), "output"];
    const { order } = canonicalForm({ labels, edges: cellEdges(blocks) });
    const position = new Map(order.map((v, p) => [v, p]));
    return order.slice(2, n + 2).map((v) => {
      const bl = blocks[v - 2]!;
      const [x, y] = [
        { input: position.get(bl.in1)!, op: bl.op1 },
        { input: position.get(bl.in2)!, op: bl.op2 },
      ].sort((p, q) => p.input - q.input || o.ops.indexOf(p.op) - o.ops.indexOf(q.op));
      return { in1: x!.input, op1: x!.op, in2: y!.input, op2: y!.op };
    });
  };

  const canonical = (a: PnasArch): PnasArch => {
    validate(a);
    return { blocks: canonicalBlocks(a.blocks) };
  };
  const formatBlocks = (blocks: readonly PnasBlock[]): string => blocks.map((b) => `(${b.op1},${b.in1})+(${b.op2},${b.in2})`).join("; ");
  const keyOfBlocks = (blocks: readonly PnasBlock[]): string => (blocks.length === 0 ? "" : keyMemo(JSON.stringify(blocks.map((b) => [b.in1, b.op1, b.in2, b.op2]))));
  const keyMemo = memoize((k: string): string =>
    formatBlocks(canonicalBlocks((JSON.parse(k) as [number, PnasOp, number, PnasOp][]).map(([in1, op1, in2, op2]) => ({ in1, op1, in2, op2 })))),
  );
  const key = (a: PnasArch): string => {
    validate(a);
    return keyOfBlocks(a.blocks);
  };

  const allBlocks = (b: number): PnasBlock[] => {
    const out: PnasBlock[] = [];
    for (let in1 = 0; in1 < b + 2; in1++)
      for (const op1 of o.ops) for (let in2 = 0; in2 < b + 2; in2++) for (const op2 of o.ops) out.push({ in1, op1, in2, op2 });
    return out;
  };

  const expand = (a: PnasArch): PnasArch[] => {
    if (a === null || typeof a !== "object" || !Array.isArray(a.blocks) || a.blocks.length > B) validate(a);
    validateBlocks(a.blocks);
    if (a.blocks.length >= B) return [];
    const seen = new Set<string>();
    const out: PnasArch[] = [];
    for (const bl of allBlocks(a.blocks.length)) {
      const blocks = [...a.blocks, bl];
      const k = keyOfBlocks(blocks);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ blocks });
    }
    return out;
  };

  /** One field of one block changed, the last block removed, or a block appended (the PNAS growth step). */
  const neighbours = (a: PnasArch): PnasArch[] => {
    validate(a);
    const seen = new Set([key(a)]);
    const out: PnasArch[] = [];
    const push = (blocks: PnasBlock[]): void => {
      const k = keyOfBlocks(blocks);
      if (!seen.has(k)) {
        seen.add(k);
        out.push({ blocks });
      }
    };
    a.blocks.forEach((bl, b) => {
      for (const field of FIELDS) for (const v of fieldValues(field, b)) if (v !== bl[field]) push(withField(a.blocks, b, field, v));
    });
    if (a.blocks.length > o.minBlocks) push(a.blocks.slice(0, -1));
    if (a.blocks.length < B) for (const bl of allBlocks(a.blocks.length)) push([...a.blocks, bl]);
    return out;
  };

  const fieldValues = (field: (typeof FIELDS)[number], b: number): (number | PnasOp)[] =>
    field === "in1" || field === "in2" ? Array.from({ length: b + 2 }, (_, j) => j) : [...o.ops];
  const withField = (blocks: readonly PnasBlock[], b: number, field: (typeof FIELDS)[number], v: number | PnasOp): PnasBlock[] =>
    blocks.map((x, j) => (j === b ? { ...x, [field]: v } : x));

  /** A uniformly chosen move (field change, removal, growth) with a random value, redrawn until the key changes. */
  const mutate = (a: PnasArch, rng: Rng): PnasArch => {
    validate(a);
    const k = key(a);
    const moves = a.blocks.length * FIELDS.length + (a.blocks.length > o.minBlocks ? 1 : 0) + (a.blocks.length < B ? 1 : 0);
    for (let attempt = 0; attempt < 1000; attempt++) {
      let m = rng.int(moves);
      let blocks: PnasBlock[];
      if (m < a.blocks.length * FIELDS.length) {
        const b = Math.floor(m / FIELDS.length);
        const field = FIELDS[m % FIELDS.length]!;
        const values = fieldValues(field, b).filter((v) => v !== a.blocks[b]![field]);
        if (values.length === 0) continue;
        blocks = withField(a.blocks, b, field, rng.choice(values));
      } else {
        m -= a.blocks.length * FIELDS.length;
        if (m === 0 && a.blocks.length > o.minBlocks) blocks = a.blocks.slice(0, -1);
        else blocks = [...a.blocks, rng.choice(allBlocks(a.blocks.length))];
      }
      if (keyOfBlocks(blocks) !== k) return { blocks };
    }
    const ns = neighbours(a);
    if (ns.length === 0) throw new InvalidArchError("pnas: this cell has no neighbour with a different key; enlarge the space");
    return rng.choice(ns);
  };

  /** Block count from either parent; each block field from a parent that has that block. */
  const crossover = (a: PnasArch, b: PnasArch, rng: Rng): PnasArch => {
    validate(a);
    validate(b);
    const n = rng.bool() ? a.blocks.length : b.blocks.length;
    const blocks = Array.from({ length: n }, (_, j) => {
      const having = [a.blocks[j], b.blocks[j]].filter((x): x is PnasBlock => x !== undefined);
      return { in1: rng.choice(having).in1, op1: rng.choice(having).op1, in2: rng.choice(having).in2, op2: rng.choice(having).op2 };
    });
    return { blocks };
  };

  const sample = (rng: Rng): PnasArch => {
    const n = rng.choice(counts);
    return { blocks: Array.from({ length: n }, (_, b) => ({ in1: rng.int(b + 2), op1: rng.choice(o.ops), in2: rng.int(b + 2), op2: rng.choice(o.ops) })) };
  };

  const toGraph = (a: PnasArch): ArchGraph => {
    validate(a);
    const n = a.blocks.length;
    const id = (v: number): string => (v === 0 ? "H_{c-2}" : v === 1 ? "H_{c-1}" : v === n + 2 ? "output" : `block${v - 2}`);
    const nodes: GraphNode[] = [
      { id: "H_{c-2}", role: "input" },
      { id: "H_{c-1}", role: "input" },
      ...a.blocks.map((_, b): GraphNode => ({ id: `block${b}`, role: "hidden" })),
      { id: "output", role: "output", op: "concat", attrs: { combine: "concat" } },
    ];
    const edges: GraphEdge[] = cellEdges(a.blocks).map(([f, t, op]): GraphEdge => (t === n + 2 ? { from: id(f), to: id(t) } : { from: id(f), to: id(t), op: op! }));
    return { space: name, opsOn: "edges", combine: "sum", nodes, edges };
  };

  // Adjacency: per block slot b, per input j in 0..b+1, per op, the number of edges j -(op)-> b (0, 1 or 2).
  const slotOffsets: number[] = [];
  let adjacencyLength = 0;
  for (let b = 0; b < B; b++) {
    slotOffsets.push(adjacencyLength);
    adjacencyLength += (b + 2) * K;
  }

  const encode = (a: PnasArch, kind: EncodingKind): Float32Array => {
    validate(a);
    if (kind === "onehot") return oneHotChoices(decisions(), slotChoices(a));
    if (kind === "adjacency") {
      const out = new Float32Array(adjacencyLength);
      a.blocks.forEach((bl, b) => {
        out[slotOffsets[b]! + bl.in1 * K + o.ops.indexOf(bl.op1)]! += 1;
        out[slotOffsets[b]! + bl.in2 * K + o.ops.indexOf(bl.op2)]! += 1;
      });
      return out;
    }
    if (kind === "path") {
      const n = a.blocks.length;
      const paths = edgeOpPaths(n + 3, cellEdges(a.blocks), [0, 1], n + 2, (e) => (e[2] === "concat" ? -1 : o.ops.indexOf(e[2] as PnasOp)));
      return encodePaths(paths, 2, K, o.pathLength);
    }
    throw new InvalidArchError(`pnas: unknown encoding "${String(kind)}"; use "onehot", "adjacency" or "path"`);
  };

  const size = (blocks?: number): bigint => {
    const exactly = (n: number): bigint => {
      let s = 1n;
      for (let b = 0; b < n; b++) s *= BigInt((b + 2) * (b + 2) * K * K);
      return s;
    };
    if (blocks !== undefined) {
      if (!Number.isInteger(blocks) || blocks < 0 || blocks > B) throw new InvalidArchError(`pnas: size(${blocks}) needs 0..${B} blocks`);
      return exactly(blocks);
    }
    return counts.reduce((s, n) => s + exactly(n), 0n);
  };

  return {
    recipe: { kind: "builtin" as const, name: "pnas", options: { ...opts } },
    name,
    options: o,
    sample,
    key,
    format,
    parse,
    validate,
    size,
    toGraph,
    mutate,
    neighbours,
    crossover,
    encode,
    /** Decisions that differ between canonical representatives (a block present in one only differs): 0 iff keys equal. */
    distance: (a: PnasArch, b: PnasArch) => hamming(slotChoices(canonical(a)), slotChoices(canonical(b))),
    decisions,
    fromChoices,
    toChoices,
    empty: () => ({ blocks: [] }),
    expand,
    canonical,
  };
}

const FIELDS = ["in1", "op1", "in2", "op2"] as const;
