/** Fixed-length encodings of choice vectors and graphs (one-hot, adjacency) and the Hamming distance between them. */
import { decisionArity } from "./choices.js";
import type { IndexEdge } from "./dag.js";
import type { Decision } from "./types.js";

/** Length of the one-hot encoding of a choice vector: sum of arities, anchors taking one slot (0/1). */
export function oneHotLength(decisions: readonly Decision[]): number {
  return decisions.reduce((s, d) => s + (d.kind === "anchor" ? 1 : decisionArity(d)), 0);
}

/**
 * One-hot encoding of a choice vector: a block per categorical decision, one 0/1 slot per anchor.
 * A choice of -1 marks an inactive decision (e.g. a layer slot beyond the chosen depth) and leaves its block zero.
 */
export function oneHotChoices(decisions: readonly Decision[], c: readonly number[]): Float32Array {
  const out = new Float32Array(oneHotLength(decisions));
  let off = 0;
  decisions.forEach((d, i) => {
    const v = c[i]!;
    if (d.kind === "anchor") {
      out[off] = v === 1 ? 1 : 0;
      off += 1;
    } else {
      if (v >= 0) out[off + v] = 1;
      off += d.choices.length;
    }
  });
  return out;
}

/** Number of positions where two equal-length sequences differ. */
export function hamming(a: ArrayLike<unknown>, b: ArrayLike<unknown>): number {
  if (a.length !== b.length) throw new RangeError(`hamming: lengths differ (${a.length} vs ${b.length})`);
  let d = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) d++;
  return d;
}

/** Writes a one-hot block of length `n` with a 1 at `index` into `out` at `offset`. */
export function writeOneHot(out: Float32Array, offset: number, index: number, n: number): void {
  if (index < 0 || index >= n) throw new RangeError(`writeOneHot: index ${index} outside 0..${n - 1}`);
  out[offset + index] = 1;
}

/**
 * Adjacency encoding for graphs with ops on nodes (White et al. 2020, "A Study on Encodings for NAS"): the
 * upper triangle of a `maxNodes` x `maxNodes` adjacency matrix (nodes in topological order, padded), then a
 * one-hot op block per node (`nodeOps[v]` = op index, or -1 for input/output nodes that carry no op).
 */
export function nodeOpAdjacency(
  maxNodes: number,
  edges: readonly IndexEdge[],
  nodeOps: readonly number[],
  vocab: number,
): Float32Array {
  if (nodeOps.length > maxNodes) throw new RangeError(`nodeOpAdjacency: ${nodeOps.length} nodes > maxNodes ${maxNodes}`);
  const tri = (maxNodes * (maxNodes - 1)) / 2;
  const out = new Float32Array(tri + maxNodes * vocab);
  for (const [f, t] of edges) {
    if (f >= t) throw new RangeError(`nodeOpAdjacency: edge ${f}->${t} is not in topological order`);
    out[triIndex(f, t, maxNodes)] = 1;
  }
  nodeOps.forEach((op, v) => {
    if (op >= 0) writeOneHot(out, tri + v * vocab, op, vocab);
  });
  return out;
}

/** Index of entry (i, j), i < j, in the row-major upper triangle of an n x n matrix. */
export function triIndex(i: number, j: number, n: number): number {
  return i * n - (i * (i + 1)) / 2 + (j - i - 1);
}
