/**
 * The PNAS network for a cell (Liu et al., ECCV 2018): the same cell is used as normal cell and, with stride 2
 * on the ops that read the cell inputs, as reduction cell, stacked N per stage in the NASNet macro-architecture.
 * Block b = op1(in1) + op2(in2); the cell output concatenates the blocks no other block consumes.
 */
import * as tf from "@tensorflow/tfjs";
import { pnasSpace, type PnasArch, type PnasSpace } from "../space/pnas.js";
import { cellOp } from "./cellOps.js";
import { cellNetwork, stagedPlan } from "./cellNetwork.js";
import type { LayerFactory } from "./layerFactory.js";
import type { BuiltModel, ModelOptions } from "./types.js";

type Sym = tf.SymbolicTensor;

export interface PnasModelOptions extends ModelOptions {
  /** C of the first stage (small default for CPU). */
  channels?: number;
  /** Normal cells per stage (PNAS on CIFAR: 3). */
  cellsPerStage?: number;
  stemMultiplier?: number;
}

/** One PNAS cell. */
export function pnasCell(f: LayerFactory, s0: Sym, s1: Sym, C: number, arch: PnasArch, reduce: boolean): Sym {
  const states: Sym[] = [s0, s1];
  const consumed = new Set<number>();
  for (const b of arch.blocks) {
    const terms = [
      [b.in1, b.op1],
      [b.in2, b.op2],
    ].map(([input, op]) => {
      consumed.add(input as number);
      const stride = reduce && (input as number) < 2 ? 2 : 1;
      return cellOp(f, states[input as number]!, op as string, C, stride)!;
    });
    states.push(f.sum(terms));
  }
  const outputs = states.slice(2).filter((_, j) => !consumed.has(j + 2));
  return f.concat(outputs);
}

/** Builds the PNAS network for a cell (defaults: C=4, 1 cell per stage), validated against `space`. */
export function pnasModel(arch: PnasArch, opts: PnasModelOptions, space: PnasSpace = pnasSpace()): BuiltModel {
  space.validate(arch);
  return cellNetwork(
    { ...opts, channels: opts.channels ?? 4, stemMultiplier: opts.stemMultiplier ?? 3, plan: stagedPlan(opts.cellsPerStage ?? 1), name: "pnas" },
    (f, s0, s1, C, kind) => pnasCell(f, s0, s1, C, arch, kind === "reduce"),
  );
}
