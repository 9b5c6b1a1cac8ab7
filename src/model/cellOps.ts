/**
 * The operations cell-based spaces put on edges, as tfjs layers. Names follow the papers' code: DARTS
 * (Liu et al. 2019), PNAS (Liu et al. 2018) and hierarchical (Liu et al. 2018). Every op maps C channels to
 * C channels; with stride 2 it halves the spatial size (a strided identity becomes a factorized reduction).
 */
import * as tf from "@tensorflow/tfjs";
import { UnknownOpError } from "../errors.js";
import { LayerFactory } from "./layerFactory.js";

type Sym = tf.SymbolicTensor;

export const CELL_OPS = [
  "none",
  "identity",
  "skip_connect",
  "max_pool_3x3",
  "avg_pool_3x3",
  "conv_1x1",
  "dw_conv_3x3",
  "conv_1x7_7x1",
  "sep_conv_3x3",
  "sep_conv_5x5",
  "sep_conv_7x7",
  "dil_conv_3x3",
  "dil_conv_5x5",
] as const;

export interface CellOpOptions {
  /** How many ReLU-sepconv-BN units a sep_conv op stacks: 2 in DARTS/PNAS/NASNet, 1 in the hierarchical space. */
  sepRepeats?: number;
}

/** ReLU -> separable k x k conv -> BN, `repeats` times (the first strided). */
function sepConvOp(f: LayerFactory, x: Sym, k: number, C: number, stride: number, repeats: number): Sym {
  let y = x;
  for (let r = 0; r < repeats; r++) y = f.bn(f.sepConv(f.relu(y), { filters: C, kernel: k, stride: r === 0 ? stride : 1 }));
  return y;
}

/** Applies the cell op `op` to `x` (C channels in, C out). `none` returns undefined: the edge contributes nothing. */
export function cellOp(f: LayerFactory, x: Sym, op: string, C: number, stride: number, opts: CellOpOptions = {}): Sym | undefined {
  const repeats = opts.sepRepeats ?? 2;
  switch (op) {
    case "none":
      return undefined;
    case "identity":
    case "skip_connect":
      return stride === 1 ? x : f.factorizedReduce(x, C);
    case "max_pool_3x3":
      return f.maxPool(x, 3, stride);
    case "avg_pool_3x3":
      return f.avgPool(x, 3, stride);
    case "conv_1x1":
      return f.bn(f.conv(f.relu(x), { filters: C, kernel: 1, stride }));
    case "dw_conv_3x3":
      return f.bn(f.dwConv(f.relu(x), 3, stride));
    case "conv_1x7_7x1": {
      const a = f.conv(f.relu(x), { filters: C, kernel: [1, 7], stride: [1, stride] });
      return f.bn(f.conv(a, { filters: C, kernel: [7, 1], stride: [stride, 1] }));
    }
    case "sep_conv_3x3":
      return sepConvOp(f, x, 3, C, stride, repeats);
    case "sep_conv_5x5":
      return sepConvOp(f, x, 5, C, stride, repeats);
    case "sep_conv_7x7":
      return sepConvOp(f, x, 7, C, stride, repeats);
    case "dil_conv_3x3":
      return f.bn(f.sepConv(f.relu(x), { filters: C, kernel: 3, stride, dilation: 2 }));
    case "dil_conv_5x5":
      return f.bn(f.sepConv(f.relu(x), { filters: C, kernel: 5, stride, dilation: 2 }));
    default:
      throw new UnknownOpError(op, "the cell model builder", CELL_OPS);
  }
}
