/**
 * The macro-architecture DARTS and PNAS share (after NASNet, Zoph et al. 2018): a 3x3 conv stem, then a
 * sequence of normal and reduction cells, each fed by the outputs of the two previous cells (c_{k-2}, c_{k-1}),
 * each input first brought to the cell's C channels by ReLU-conv1x1-BN (or a factorized reduction when c_{k-2}
 * is twice c_{k-1}'s size); channels double at every reduction cell; global pooling and a linear classifier.
 */
import * as tf from "@tensorflow/tfjs";
import { countFlops, countParams } from "./count.js";
import { LayerFactory, spatialOf } from "./layerFactory.js";
import type { BuiltModel, ModelOptions } from "./types.js";

type Sym = tf.SymbolicTensor;

export type CellKind = "normal" | "reduce";

/** Builds one cell from its two preprocessed inputs (both C channels, same size); returns its output. */
export type CellBuilder = (f: LayerFactory, s0: Sym, s1: Sym, C: number, kind: CellKind) => Sym;

export interface CellNetworkOptions extends ModelOptions {
  /** Channels of the first cells (C). */
  channels: number;
  /** Stem channels = stemMultiplier * C (DARTS: 3). */
  stemMultiplier?: number;
  plan: readonly CellKind[];
  name: string;
}

/** Reduction cells at 1/3 and 2/3 of `layers` cells, as DARTS places them. */
export function dartsPlan(layers: number): CellKind[] {
  const r = new Set([Math.floor(layers / 3), Math.floor((2 * layers) / 3)]);
  return Array.from({ length: layers }, (_, k) => (layers >= 3 && r.has(k) ? "reduce" : "normal"));
}

/** N normal cells per stage with a reduction cell between stages, as PNAS/NASNet stack them. */
export function stagedPlan(cellsPerStage: number, stages = 3): CellKind[] {
  const out: CellKind[] = [];
  for (let s = 0; s < stages; s++) {
    if (s > 0) out.push("reduce");
    for (let n = 0; n < cellsPerStage; n++) out.push("normal");
  }
  return out;
}

/** Builds the network; `cell` builds each cell. */
export function cellNetwork(opts: CellNetworkOptions, cell: CellBuilder): BuiltModel {
  const f = new LayerFactory(opts.seed, opts.zeroInit);
  const input = tf.input({ shape: opts.inputShape.slice() });
  const stem = f.bn(f.conv(input, { filters: (opts.stemMultiplier ?? 3) * opts.channels, kernel: 3 }));
  let prevPrev = stem;
  let prev = stem;
  let C = opts.channels;
  for (const kind of opts.plan) {
    if (kind === "reduce") C *= 2;
    const s0 = spatialOf(prevPrev)[0] !== spatialOf(prev)[0] ? f.factorizedReduce(prevPrev, C) : f.reluConvBn(prevPrev, { filters: C, kernel: 1 });
    const s1 = f.reluConvBn(prev, { filters: C, kernel: 1 });
    const out = cell(f, s0, s1, C, kind);
    prevPrev = prev;
    prev = out;
  }
  const logits = f.dense(f.globalAvgPool(f.relu(prev)), opts.numClasses);
  const model = tf.model({ inputs: input, outputs: logits, name: opts.name });
  return { model, params: countParams(model), flops: countFlops(model), inputShape: opts.inputShape, numClasses: opts.numClasses };
}
