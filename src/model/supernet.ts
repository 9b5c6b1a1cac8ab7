/**
 * The weight-sharing supernet contract shared by the NB201 and DARTS supernets: a network with every candidate op
 * on every edge of its cells, one set of shared weights, and architecture parameters alpha (one [edges, ops] matrix
 * per kind of cell) held as tf.Variables. It runs in two modes:
 *  - "mixture": each edge outputs sum_k w[e][k] * op_k(x) with the caller's weights (DARTS: w = softmax(alpha));
 *  - "path": each edge runs the one op of a discrete architecture (one-shot / SPOS, ENAS, and evaluating a
 *    sub-network with the shared weights);
 *  - "hard": GDAS' sampled one-hot weights (value one-hot, gradient straight-through to alpha).
 */
import * as tf from "@tensorflow/tfjs";
import type { ImageShape } from "../data/types.js";
import type { PolicyRow } from "../space/types.js";
import type { WeightStore } from "./supernetOps.js";

/** One kind of cell (NB201: the only cell; DARTS: normal and reduce) and the rows of its alpha matrix. */
export interface SupernetCell {
  name: string;
  /** One entry per mixed edge, as "to<-from" (the supernet figure's edge syntax). */
  edges: string[];
  ops: readonly string[];
}

export type SupernetMode<A> =
  /**
   * Softmax-weighted mixture: one [edges, ops] weight matrix per cell kind, in `cells` order. `auxSkip` adds
   * beta * x to every stride-1 edge (the auxiliary skip connection of DARTS-, Chu et al. ICLR 2021).
   */
  | { kind: "mixture"; weights: readonly tf.Tensor2D[]; auxSkip?: number }
  /** One op per edge: the sub-network of a discrete architecture. */
  | { kind: "path"; arch: A }
  /**
   * GDAS (Dong & Yang, CVPR 2019): `weights` are one-hot in value, `index[c][e]` the op each edge of cell kind c
   * selected. The NB201 supernet runs only the selected op, as the reference `forward_gdas`: edge output =
   * h_k op_k(x) + sum_{j != k} h_j (the other terms are 0 in value and pass dL/d(output) summed to h_j). A
   * supernet without that shortcut may compute the full mixture with `weights` (same value, the exact
   * straight-through gradient).
   */
  | { kind: "hard"; weights: readonly tf.Tensor2D[]; index: readonly (readonly number[])[] };

export interface SupernetOptions {
  inputShape: ImageShape;
  numClasses: number;
  /** Seeds the shared weights and the initial alphas. */
  seed: number;
  /** Channels of the first stage. */
  channels?: number;
  /**
   * Std of the initial alphas around 0 (DARTS: 1e-3, so every op starts with the same weight); 0 for exactly
   * uniform mixtures.
   */
  alphaInitStd?: number;
}

export interface Supernet<A> {
  readonly space: "nb201" | "darts";
  readonly cells: readonly SupernetCell[];
  /** Architecture parameters: one [edges, ops] variable per cell kind, in `cells` order. */
  readonly alphas: readonly tf.Variable[];
  /** The shared weights (every op's). */
  readonly store: WeightStore;
  /** Logits [batch, classes] for images [batch, h, w, c]. */
  logits(x: tf.Tensor4D, mode: SupernetMode<A>): tf.Tensor2D;
  /** The discrete architecture the given alphas (default: the current ones) stand for. */
  derive(alphas?: readonly number[][][]): A;
  /** An architecture of this supernet's space as written (`formatNb201`, a DARTS genotype string). */
  format(a: A): string;
  dispose(): void;
}

/** Current alpha values as nested arrays [cell][edge][op]. */
export function alphaValues(net: Supernet<unknown>): number[][][] {
  return net.alphas.map((a) => a.arraySync() as number[][]);
}

/** softmax(alpha) per edge, per cell kind: DARTS' mixing weights. */
export function softmaxWeights(net: Supernet<unknown>): tf.Tensor2D[] {
  return net.alphas.map((a) => tf.softmax(a as tf.Tensor2D) as tf.Tensor2D);
}

/** Row-wise softmax of plain numbers. */
export function softmaxRow(row: readonly number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/**
 * The alphas as a snapshot's `policy` lists them: one row per edge (its decision "cell:to<-from" when the supernet
 * has several kinds of cell, else "to<-from"), with the softmax probabilities of its ops.
 */
export function supernetPolicy(net: Supernet<unknown>, values: readonly number[][][] = alphaValues(net)): PolicyRow[] {
  const prefix = net.cells.length > 1;
  return net.cells.flatMap((cell, c) =>
    cell.edges.map((edge, e) => ({
      decision: prefix ? `${cell.name}:${edge}` : edge,
      choices: [...cell.ops],
      probs: softmaxRow(values[c]![e]!),
    })),
  );
}

/** Initial alpha matrix [edges, ops]: N(0, std) from a seeded stream (DARTS initialises 1e-3 * randn). */
export function initialAlpha(edges: number, ops: number, std: number, normal: () => number): tf.Variable {
  const v = new Float32Array(edges * ops);
  for (let i = 0; i < v.length; i++) v[i] = std * normal();
  const init = tf.tensor2d(v, [edges, ops]);
  const alpha = tf.variable(init, true);
  init.dispose();
  return alpha;
}
