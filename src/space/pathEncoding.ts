/** Path encoding (White et al. 2021, BANANAS): one feature per input-to-output sequence of ops. */
import type { IndexEdge } from "./dag.js";

/** A path from input `start` through a sequence of op indices. */
export interface OpPath {
  start: number;
  ops: readonly number[];
}

/** Number of features of a path encoding with `starts` inputs, `vocab` ops and paths of 1..maxLen ops. */
export function pathEncodingLength(starts: number, vocab: number, maxLen: number): number {
  let perStart = 0;
  for (let l = 0, p = 1; l <= maxLen; l++, p *= vocab) perStart += p;
  return starts * perStart;
}

/**
 * Path encoding: one feature per (input, op sequence of length 0..maxLen); a feature is 1 iff the architecture has
 * such an input-to-output path. A length-0 path is an input wired straight to the output. Paths longer than
 * `maxLen` are truncated to their first `maxLen` ops (the documented equivalent when enumerating every length
 * would give too many features); with `maxLen` >= the longest possible path the encoding is exactly BANANAS'.
 */
export function encodePaths(paths: readonly OpPath[], starts: number, vocab: number, maxLen: number): Float32Array {
  const perStart = pathEncodingLength(1, vocab, maxLen);
  const out = new Float32Array(starts * perStart);
  for (const p of paths) {
    const len = Math.min(p.ops.length, maxLen);
    let offset = 0;
    for (let l = 0, q = 1; l < len; l++, q *= vocab) offset += q;
    let index = 0;
    for (let i = 0; i < len; i++) index = index * vocab + p.ops[i]!;
    out[p.start * perStart + offset + index] = 1;
  }
  return out;
}

/**
 * Every path from a source to `sink` in a DAG whose ops sit on edges: `opOf(edge)` gives the op index, or -1 for
 * an edge that carries no op (e.g. a concat into the output). Returns paths as (source index in `sources`, ops).
 */
export function edgeOpPaths(
  n: number,
  edges: readonly IndexEdge[],
  sources: readonly number[],
  sink: number,
  opOf: (e: IndexEdge) => number,
): OpPath[] {
  const out: IndexEdge[][] = Array.from({ length: n }, () => []);
  for (const e of edges) out[e[0]]!.push(e);
  const paths: OpPath[] = [];
  const walk = (start: number, v: number, ops: number[]): void => {
    if (v === sink) {
      paths.push({ start, ops: ops.slice() });
      return;
    }
    for (const e of out[v]!) {
      const op = opOf(e);
      if (op >= 0) ops.push(op);
      walk(start, e[1], ops);
      if (op >= 0) ops.pop();
    }
  };
  sources.forEach((s, i) => walk(i, s, []));
  return paths;
}
