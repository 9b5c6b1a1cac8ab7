/**
 * PNAS on the NAS-Bench-201 cell. An NB201 cell has no blocks to add, so it grows by NODES: the edges into and out
 * of a node are decided together, and an edge not decided yet is `none` (absent), which keeps every partial cell a
 * valid NB201 cell that the table can score. Level 1 decides the direct edge 0 -> 3 (5 cells); level 2 adds node 1
 * (edges 0 -> 1 and 1 -> 3: 25 children per cell); level 3 adds node 2 (edges 0 -> 2, 1 -> 2, 2 -> 3: 125 children
 * per cell). This mirrors PNAS's "a b-block cell is a smaller cell of the same family".
 */
import { NB201_OPS, type Nb201Arch, type Nb201Op } from "../space/nb201.js";
import type { SpaceStrategyFactory } from "./types.js";
import { pnas, type PnasStrategyOptions, type ProgressiveSpace } from "./pnas.js";

/** Edge indices (NB201 order 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2) decided at each level. */
export const NB201_GROWTH: readonly (readonly number[])[] = [[3], [0, 4], [1, 2, 5]];
const ORDER = NB201_GROWTH.flat();

function assignments(edges: number): Nb201Op[][] {
  let out: Nb201Op[][] = [[]];
  for (let e = 0; e < edges; e++) out = out.flatMap((prefix) => NB201_OPS.map((op) => [...prefix, op]));
  return out;
}

/** NB201 cells growing one node per level. Tokens: one per edge in growth order, position * 5 + op. */
export function nb201Progressive(): ProgressiveSpace<Nb201Arch> {
  return {
    name: "nb201",
    levels: NB201_GROWTH.length,
    root: () => Array.from({ length: 6 }, () => "none" as Nb201Op),
    grow(a, level) {
      const edges = NB201_GROWTH[level];
      if (!edges) return [];
      return assignments(edges.length).map((ops) => {
        const child = a.slice();
        edges.forEach((e, i) => (child[e] = ops[i]!));
        return child;
      });
    },
    tokens: (a) => ORDER.map((e, pos) => pos * NB201_OPS.length + NB201_OPS.indexOf(a[e]!)),
    vocabulary: ORDER.length * NB201_OPS.length,
  };
}

/** PNAS adapted to NAS-Bench-201 (see the file comment), for the nb201Space. */
export function pnasNb201(opts: PnasStrategyOptions = {}): SpaceStrategyFactory<Nb201Arch> {
  return pnas(nb201Progressive(), opts);
}
