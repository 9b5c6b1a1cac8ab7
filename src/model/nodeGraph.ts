/**
 * Networks from ops-on-nodes architecture graphs (chain, Zoph & Le): each node applies its op to the
 * combination (sum or concat) of its inputs, in topological order, via the tfjs functional API, so skip
 * connections are just extra edges. Inputs of different spatial size are max-pooled down to the smallest;
 * summed inputs with different channel counts are projected by a 1x1 convolution to the first one's.
 */
import * as tf from "@tensorflow/tfjs";
import { InvalidArchError, UnknownOpError } from "../errors.js";
import type { ArchGraph, GraphNode } from "../space/types.js";
import { countFlops, countParams } from "./count.js";
import { channelsOf, LayerFactory, spatialOf } from "./layerFactory.js";
import type { BuiltModel, ModelOptions } from "./types.js";

type Sym = tf.SymbolicTensor;

/** Node ops this builder knows. Attributes come from `GraphNode.attrs`. */
export const NODE_OPS = ["conv2d", "sep_conv", "max_pool", "avg_pool", "flatten", "dense", "classifier", "identity"] as const;

function num(node: GraphNode, key: string, fallback?: number): number {
  const v = node.attrs?.[key];
  if (typeof v === "number") return v;
  if (fallback !== undefined) return fallback;
  throw new InvalidArchError(`node ${node.id} (${node.op}) needs a numeric "${key}" attribute`);
}

/** Nodes in an order where every edge goes forward; throws on cycles. */
export function topologicalOrder(g: ArchGraph): GraphNode[] {
  const indeg = new Map(g.nodes.map((n) => [n.id, 0]));
  for (const e of g.edges) {
    if (!indeg.has(e.from) || !indeg.has(e.to)) throw new InvalidArchError(`edge ${e.from} -> ${e.to} names a node the graph does not have`);
    indeg.set(e.to, indeg.get(e.to)! + 1);
  }
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const ready = g.nodes.filter((n) => indeg.get(n.id) === 0).map((n) => n.id);
  const order: GraphNode[] = [];
  while (ready.length > 0) {
    const id = ready.shift()!;
    order.push(byId.get(id)!);
    for (const e of g.edges) {
      if (e.from !== id) continue;
      indeg.set(e.to, indeg.get(e.to)! - 1);
      if (indeg.get(e.to) === 0) ready.push(e.to);
    }
  }
  if (order.length !== g.nodes.length) throw new InvalidArchError(`the ${g.space} graph has a cycle; an architecture graph must be a DAG`);
  return order;
}

/** Brings image tensors to a common spatial size (the smallest) by max-pooling. */
function matchSpatial(f: LayerFactory, xs: Sym[]): Sym[] {
  if (xs.some((x) => x.shape.length !== 4)) {
    if (xs.every((x) => x.shape.length === 2)) return xs;
    throw new InvalidArchError("cannot combine image and flat tensors at one node; flatten before dense layers");
  }
  const minH = Math.min(...xs.map((x) => spatialOf(x)[0]));
  return xs.map((x) => {
    const h = spatialOf(x)[0];
    return h === minH ? x : f.maxPool(x, Math.ceil(h / minH), Math.ceil(h / minH));
  });
}

function combine(f: LayerFactory, how: "sum" | "concat", xs: Sym[]): Sym {
  const same = matchSpatial(f, xs);
  if (how === "concat") return f.concat(same);
  const c0 = channelsOf(same[0]!);
  const projected = same.map((x) => (channelsOf(x) === c0 ? x : x.shape.length === 4 ? f.conv(x, { filters: c0, kernel: 1 }) : f.dense(x, c0)));
  return f.sum(projected);
}

function applyNodeOp(f: LayerFactory, node: GraphNode, x: Sym, numClasses: number): Sym {
  const act = node.attrs?.activation === "relu";
  switch (node.op) {
    case "conv2d": {
      const y = f.conv(x, { filters: num(node, "filters"), kernel: num(node, "kernel"), stride: num(node, "stride", 1), bias: !node.attrs?.batchNorm });
      const z = node.attrs?.batchNorm ? f.bn(y) : y;
      return act ? f.relu(z) : z;
    }
    case "sep_conv": {
      const y = f.sepConv(x, { filters: num(node, "filters"), kernel: num(node, "kernel"), stride: num(node, "stride", 1) });
      return act ? f.relu(y) : y;
    }
    case "max_pool":
      return f.maxPool(x, num(node, "size", 2), num(node, "stride", 2));
    case "avg_pool":
      return f.avgPool(x, num(node, "size", 2), num(node, "stride", 2));
    case "flatten":
      return tf.layers.flatten().apply(x) as Sym;
    case "dense":
      return f.dense(x.shape.length === 4 ? (tf.layers.flatten().apply(x) as Sym) : x, num(node, "units"), act ? "relu" : undefined);
    case "classifier": {
      const flat = x.shape.length === 4 ? (tf.layers.flatten().apply(x) as Sym) : x;
      return f.dense(flat, numClasses);
    }
    case "identity":
    case undefined:
      return x;
    default:
      throw new UnknownOpError(node.op, "node-graph model builder", NODE_OPS);
  }
}

/** Builds a network from an ops-on-nodes graph whose output node yields the logits (or is followed by a classifier). */
export function nodeGraphModel(g: ArchGraph, opts: ModelOptions): BuiltModel {
  if (g.opsOn !== "nodes") throw new InvalidArchError(`nodeGraphModel needs an ops-on-nodes graph; ${g.space} puts ops on edges`);
  const f = new LayerFactory(opts.seed, opts.zeroInit);
  const input = tf.input({ shape: opts.inputShape.slice() });
  const values = new Map<string, Sym>();
  let output: Sym | undefined;
  for (const node of topologicalOrder(g)) {
    const preds = g.edges.filter((e) => e.to === node.id).map((e) => values.get(e.from)!);
    if (node.role === "input") {
      values.set(node.id, node.op ? applyNodeOp(f, node, input, opts.numClasses) : input);
      continue;
    }
    if (preds.length === 0) throw new InvalidArchError(`node ${node.id} of the ${g.space} graph has no inputs`);
    const y = applyNodeOp(f, node, combine(f, g.combine, preds), opts.numClasses);
    values.set(node.id, y);
    if (node.role === "output") output = y;
  }
  if (!output) throw new InvalidArchError(`the ${g.space} graph has no output node`);
  if (output.shape.length !== 2 || output.shape[1] !== opts.numClasses) output = f.dense(output.shape.length === 4 ? f.globalAvgPool(output) : output, opts.numClasses);
  const model = tf.model({ inputs: input, outputs: output, name: g.space });
  return { model, params: countParams(model), flops: countFlops(model), inputShape: opts.inputShape, numClasses: opts.numClasses };
}
