/**
 * The Keras random-search example's network for a chain architecture: conv(filters, k, ReLU, same) -> 2x2
 * max-pool per conv layer, flatten, dense ReLU layers, linear classifier. Built from the space's graph by the
 * functional-API node-graph builder, so chain graphs with skip edges build too.
 */
import type { ChainArch, ChainSpace } from "../space/chain.js";
import { chainSpace } from "../space/chain.js";
import { nodeGraphModel } from "./nodeGraph.js";
import type { BuiltModel, ModelOptions } from "./types.js";

/** Builds the chain network (validated against `space`, default the standard chain space). */
export function chainModel(arch: ChainArch, opts: ModelOptions, space: ChainSpace = chainSpace()): BuiltModel {
  return nodeGraphModel(space.toGraph(arch), opts);
}
