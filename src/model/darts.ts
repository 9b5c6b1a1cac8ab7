/**
 * The DARTS evaluation network for a genotype (Liu et al., ICLR 2019): normal and reduction cells in the NASNet
 * macro-architecture (see cellNetwork.ts). In a cell, intermediate node i sums its two edges' ops applied to
 * earlier nodes (edges from the cell inputs have stride 2 in a reduction cell); the cell output concatenates
 * the intermediate nodes. No auxiliary head or drop-path: this is for ranking architectures, not for SOTA.
 */
import * as tf from "@tensorflow/tfjs";
import { dartsSpace, type DartsArch, type DartsEdge, type DartsSpace } from "../space/darts.js";
import { cellOp } from "./cellOps.js";
import { cellNetwork, dartsPlan, type CellKind } from "./cellNetwork.js";
import type { LayerFactory } from "./layerFactory.js";
import type { BuiltModel, ModelOptions } from "./types.js";

type Sym = tf.SymbolicTensor;

export interface DartsModelOptions extends ModelOptions {
  /** C of the first cells (DARTS: 16 searching, 36 evaluating). Small default for CPU. */
  channels?: number;
  /** Number of cells (DARTS: 8 searching, 20 evaluating); reductions at 1/3 and 2/3. */
  layers?: number;
  stemMultiplier?: number;
}

/** One DARTS cell: nodes 2.. sum two edges each; output = concat of the intermediate nodes. */
export function dartsCell(f: LayerFactory, s0: Sym, s1: Sym, C: number, edges: readonly DartsEdge[], reduce: boolean): Sym {
  const states: Sym[] = [s0, s1];
  for (let i = 0; i < edges.length / 2; i++) {
    const terms = [edges[2 * i]!, edges[2 * i + 1]!].map((e) => {
      const stride = reduce && e.from < 2 ? 2 : 1;
      return cellOp(f, states[e.from]!, e.op, C, stride) ?? f.zero(f.subsample(states[e.from]!, stride));
    });
    states.push(f.sum(terms));
  }
  return f.concat(states.slice(2));
}

/** Builds the DARTS network for a genotype (defaults: C=4, 5 cells), validated against `space`. */
export function dartsModel(arch: DartsArch, opts: DartsModelOptions, space: DartsSpace = dartsSpace()): BuiltModel {
  space.validate(arch);
  const layers = opts.layers ?? 5;
  return cellNetwork(
    { ...opts, channels: opts.channels ?? 4, stemMultiplier: opts.stemMultiplier ?? 3, plan: dartsPlan(layers), name: "darts" },
    (f, s0, s1, C, kind: CellKind) => dartsCell(f, s0, s1, C, kind === "reduce" ? arch.reduce : arch.normal, kind === "reduce"),
  );
}
