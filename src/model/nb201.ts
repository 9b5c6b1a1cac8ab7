/**
 * The NAS-Bench-201 network (Dong & Yang, ICLR 2020) for a cell: a 3x3 conv stem, three stages of N cells
 * joined by residual reduction blocks (ResNet basic blocks with stride 2 and an avg-pool + 1x1-conv
 * shortcut), then batch norm, ReLU, global average pooling and a linear classifier. Channels double at each
 * reduction. With C=16, N=5 and 10 classes the parameter counts equal NAS-Bench-201's published ones.
 */
import * as tf from "@tensorflow/tfjs";
import { InvalidArchError } from "../errors.js";
import { NB201_EDGES, validateNb201, type Nb201Arch } from "../space/nb201.js";
import { countFlops, countParams } from "./count.js";
import { LayerFactory } from "./layerFactory.js";
import type { BuiltModel, ModelOptions } from "./types.js";

export { NB201_PAPER, nb201Params } from "./nb201Params.js";

type Sym = tf.SymbolicTensor;

export interface Nb201ModelOptions extends ModelOptions {
  /** Channels of the first stage (NAS-Bench-201: 16). Small default for CPU training. */
  channels?: number;
  /** Cells per stage (NAS-Bench-201: 5). */
  cellsPerStage?: number;
}


/** One NB201 cell: node i sums op(node j) over its incoming edges j -> i; node 3 is the output. */
export function nb201Cell(f: LayerFactory, x: Sym, arch: Nb201Arch, channels: number): Sym {
  const nodes: Sym[] = [x];
  for (let i = 1; i < 4; i++) {
    const terms: Sym[] = [];
    NB201_EDGES.forEach(([to, from], e) => {
      if (to !== i) return;
      const input = nodes[from]!;
      switch (arch[e]) {
        case "none":
          return;
        case "skip_connect":
          terms.push(input);
          return;
        case "nor_conv_1x1":
          terms.push(f.reluConvBn(input, { filters: channels, kernel: 1 }));
          return;
        case "nor_conv_3x3":
          terms.push(f.reluConvBn(input, { filters: channels, kernel: 3 }));
          return;
        case "avg_pool_3x3":
          terms.push(f.avgPool(input, 3));
          return;
      }
    });
    if (i === 3) {
      // An intermediate node whose every outgoing edge is `none` still owns the weights of its incoming ops in
      // the benchmark's networks. Adding zero(node) to the output keeps those layers in the model (so the
      // parameter count matches the table and model.dispose() frees them) without changing the function.
      for (const j of [1, 2]) {
        const used = NB201_EDGES.some(([, from], e) => from === j && arch[e] !== "none");
        if (!used) terms.push(f.zero(nodes[j]!));
      }
    }
    // A node no edge reaches is zero; it stays in the graph so ops downstream of it still own their weights.
    nodes.push(terms.length === 0 ? f.zero(x) : f.sum(terms));
  }
  return nodes[3]!;
}

/** ResNet basic block with stride 2: ReLU-conv3x3/2-BN, ReLU-conv3x3-BN, plus avgpool2 -> conv1x1 shortcut. */
export function resnetReduction(f: LayerFactory, x: Sym, channels: number): Sym {
  const a = f.reluConvBn(x, { filters: channels, kernel: 3, stride: 2 });
  const b = f.reluConvBn(a, { filters: channels, kernel: 3 });
  const shortcut = f.conv(f.avgPool(x, 2, 2), { filters: channels, kernel: 1 });
  return f.sum([shortcut, b]);
}

/** Builds the NAS-Bench-201 network for `arch` (defaults C=8, N=1: small enough to train on a CPU). */
export function nb201Model(arch: Nb201Arch, opts: Nb201ModelOptions): BuiltModel {
  return nb201Network(arch, opts).built;
}

/**
 * The NAS-Bench-201 network and its block outputs in order: the stem, then every cell and reduction block (what
 * AZ-NAS calls the network's layer features, and the points between which it measures trainability).
 */
export function nb201Network(arch: Nb201Arch, opts: Nb201ModelOptions): { built: BuiltModel; blocks: Sym[] } {
  validateNb201(arch);
  const C = opts.channels ?? 8;
  const N = opts.cellsPerStage ?? 1;
  if (!Number.isInteger(C) || C < 1 || !Number.isInteger(N) || N < 1) {
    throw new InvalidArchError(`nb201 network needs integer channels >= 1 and cellsPerStage >= 1, got channels=${C}, cellsPerStage=${N}`);
  }
  const f = new LayerFactory(opts.seed, opts.zeroInit);
  const input = tf.input({ shape: opts.inputShape.slice() });
  let x = f.bn(f.conv(input, { filters: C, kernel: 3 }));
  const blocks = [x];
  for (let stage = 0; stage < 3; stage++) {
    const channels = C * 2 ** stage;
    if (stage > 0) blocks.push((x = resnetReduction(f, x, channels)));
    for (let n = 0; n < N; n++) blocks.push((x = nb201Cell(f, x, arch, channels)));
  }
  x = f.globalAvgPool(f.relu(f.bn(x)));
  const logits = f.dense(x, opts.numClasses);
  const model = tf.model({ inputs: input, outputs: logits, name: "nb201" });
  return { built: { model, params: countParams(model), flops: countFlops(model), inputShape: opts.inputShape, numClasses: opts.numClasses }, blocks };
}

