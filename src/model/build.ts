/** One entry point from (space, architecture) to a network, for every built-in space. */
import { InvalidArchError } from "../errors.js";
import type { ChainArch, ChainSpace } from "../space/chain.js";
import type { DartsArch, DartsSpace } from "../space/darts.js";
import type { HierarchicalArch, HierarchicalSpace } from "../space/hierarchical.js";
import type { Nb201Arch } from "../space/nb201.js";
import type { PnasArch, PnasSpace } from "../space/pnas.js";
import type { SearchSpace } from "../space/types.js";
import type { ZophLeArch, ZophLeSpace } from "../space/zophLe.js";
import { chainModel } from "./chain.js";
import { dartsModel } from "./darts.js";
import { hierarchicalModel } from "./hierarchical.js";
import { nb201Model } from "./nb201.js";
import { nodeGraphModel } from "./nodeGraph.js";
import { pnasModel } from "./pnas.js";
import type { BuilderIdentity, BuiltModel, ModelOptions } from "./types.js";
import { zophLeModel } from "./zophLe.js";

/** Size knobs shared by the cell networks (each builder has small CPU defaults). */
export interface NetworkSize {
  /** Channels of the first stage. */
  channels?: number;
  /** Cells per stage (NB201, PNAS) */
  cellsPerStage?: number;
  /** Number of cells (DARTS). */
  layers?: number;
}

/**
 * A model builder for `space`'s architectures: the space's own network for the built-in spaces, and the
 * generic ops-on-nodes graph builder for any other space whose `toGraph` puts ops on nodes.
 */
export function modelBuilder<A>(space: SearchSpace<A>, size: NetworkSize = {}): ((arch: A, opts: ModelOptions) => BuiltModel) & { builderIdentity: BuilderIdentity } {
  // The identity lets a train evaluator fingerprint (and rebuild) what this builder builds.
  const builderIdentity: BuilderIdentity = { builder: "modelBuilder", space: space.name, options: { space: space.recipe ?? null, size } };
  return Object.assign((arch: A, opts: ModelOptions) => build(space, size, arch, opts), { builderIdentity });
}

function build<A>(space: SearchSpace<A>, size: NetworkSize, arch: A, opts: ModelOptions): BuiltModel {
    const o = { ...opts, ...size };
    switch (space.name) {
      case "nb201":
        return nb201Model(arch as Nb201Arch, o);
      case "chain":
        return chainModel(arch as ChainArch, opts, space as unknown as ChainSpace);
      case "darts":
        return dartsModel(arch as DartsArch, o, space as unknown as DartsSpace);
      case "pnas":
        return pnasModel(arch as PnasArch, o, space as unknown as PnasSpace);
      case "zophLe":
        return zophLeModel(arch as ZophLeArch, opts, space as unknown as ZophLeSpace);
      case "hierarchical":
        return hierarchicalModel(arch as HierarchicalArch, o, space as unknown as HierarchicalSpace);
      default: {
        const g = space.toGraph(arch);
        if (g.opsOn !== "nodes") throw new InvalidArchError(`no model builder for space "${space.name}" (ops on edges); write one like nb201Model and pass it as build`);
        return nodeGraphModel(g, opts);
      }
    }
}
