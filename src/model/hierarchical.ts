/**
 * The network of a hierarchical architecture (Liu et al., ICLR 2018): the level-3 motif is the cell; each of
 * its edges runs a level-2 motif, whose edges run primitives. Dead edges are dropped (as the space's graph
 * does). A node with several inputs concatenates them along depth, then a 1x1 conv + BN maps them back to C
 * channels so every motif keeps width C (our reading of the paper's "depthwise concatenation" merge).
 * Macro-architecture as in the paper's small CIFAR model: stem, cell, strided sep conv (2C), cell,
 * strided sep conv (4C), cell, global pooling, linear classifier.
 */
import * as tf from "@tensorflow/tfjs";
import { InvalidArchError } from "../errors.js";
import { hierarchicalSpace, type HierarchicalArch, type HierarchicalSpace } from "../space/hierarchical.js";
import type { ArchGraph } from "../space/types.js";
import { cellOp } from "./cellOps.js";
import { countFlops, countParams } from "./count.js";
import { LayerFactory } from "./layerFactory.js";
import { topologicalOrder } from "./nodeGraph.js";
import type { BuiltModel, ModelOptions } from "./types.js";

type Sym = tf.SymbolicTensor;

/** Evaluates an edge-op motif graph (ops = primitives or `subgraph:<motif>`) on `x`, keeping C channels. */
export function motifValue(f: LayerFactory, g: ArchGraph, x: Sym, C: number, root: ArchGraph = g): Sym {
  const values = new Map<string, Sym>();
  let output: Sym | undefined;
  for (const node of topologicalOrder(g)) {
    if (node.role === "input") {
      values.set(node.id, x);
      continue;
    }
    const terms: Sym[] = [];
    for (const e of g.edges) {
      if (e.to !== node.id || !values.has(e.from) || !e.op) continue;
      const src = values.get(e.from)!;
      if (e.op.startsWith("subgraph:")) {
        const sub = root.subgraphs?.[e.op.slice("subgraph:".length)];
        if (!sub) throw new InvalidArchError(`edge ${e.from} -> ${e.to} uses ${e.op}, which the graph does not define`);
        terms.push(motifValue(f, sub, src, C, root));
      } else {
        const y = cellOp(f, src, e.op, C, 1, { sepRepeats: 1 });
        if (y) terms.push(y);
      }
    }
    if (terms.length === 0) continue; // unreachable node: contributes nothing
    const merged = terms.length === 1 ? terms[0]! : f.bn(f.conv(f.concat(terms), { filters: C, kernel: 1 }));
    values.set(node.id, merged);
    if (node.role === "output") output = merged;
  }
  if (!output) throw new InvalidArchError(`the ${g.space} motif does not connect its input to its output`);
  return output;
}

export interface HierarchicalModelOptions extends ModelOptions {
  /** C of the first cell (small default for CPU). */
  channels?: number;
}

/** Builds the hierarchical network (defaults: C=4) from `space`'s graph of the architecture. */
export function hierarchicalModel(arch: HierarchicalArch, opts: HierarchicalModelOptions, space: HierarchicalSpace = hierarchicalSpace()): BuiltModel {
  const graph = space.toGraph(arch);
  const f = new LayerFactory(opts.seed, opts.zeroInit);
  const C0 = opts.channels ?? 4;
  const input = tf.input({ shape: opts.inputShape.slice() });
  let x = f.bn(f.conv(input, { filters: C0, kernel: 3 }));
  for (let stage = 0; stage < 3; stage++) {
    const C = C0 * 2 ** stage;
    if (stage > 0) x = f.bn(f.sepConv(f.relu(x), { filters: C, kernel: 3, stride: 2 }));
    x = motifValue(f, graph, x, C);
  }
  const logits = f.dense(f.globalAvgPool(f.relu(x)), opts.numClasses);
  const model = tf.model({ inputs: input, outputs: logits, name: "hierarchical" });
  return { model, params: countParams(model), flops: countFlops(model), inputShape: opts.inputShape, numClasses: opts.numClasses };
}
