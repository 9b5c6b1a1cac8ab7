import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { dartsCell } from "../../src/model/darts.js";
import { LayerFactory } from "../../src/model/layerFactory.js";
import { pnasCell } from "../../src/model/pnas.js";
import { zophLeModel } from "../../src/model/zophLe.js";
import { zophLeSpace } from "../../src/space/zophLe.js";
import { useCpu } from "./leak.js";

beforeAll(useCpu);

const sym = (c: number, side = 4) => tf.input({ shape: [side, side, c] });

describe("cell wiring", () => {
  it.each([
    // block 1 consumes block 0: only block 1 is an output
    [[{ in1: 0, op1: "identity", in2: 1, op2: "identity" }, { in1: 2, op1: "identity", in2: 1, op2: "max_pool_3x3" }], 3],
    // nothing consumes either block: both are concatenated
    [[{ in1: 0, op1: "identity", in2: 1, op2: "identity" }, { in1: 0, op1: "avg_pool_3x3", in2: 1, op2: "identity" }], 6],
  ])("a PNAS cell concatenates exactly the blocks no other block consumes (%#)", (blocks, channels) => {
    const out = pnasCell(new LayerFactory(0), sym(3), sym(3), 3, { blocks } as never, false);
    expect(out.shape).toEqual([null, 4, 4, channels]);
  });

  it("a PNAS reduction cell halves the size on ops that read the cell inputs", () => {
    const out = pnasCell(new LayerFactory(0), sym(4), sym(4), 4, { blocks: [{ in1: 0, op1: "identity", in2: 1, op2: "sep_conv_3x3" }] } as never, true);
    expect(out.shape).toEqual([null, 2, 2, 4]);
  });

  it("a DARTS cell concatenates its intermediate nodes (4C channels), halving the size in a reduction cell", () => {
    const e = (op: string, from: number) => ({ op, from }) as never;
    const edges = [e("sep_conv_3x3", 0), e("skip_connect", 1), e("max_pool_3x3", 0), e("avg_pool_3x3", 2), e("skip_connect", 2), e("sep_conv_5x5", 3), e("skip_connect", 0), e("max_pool_3x3", 4)];
    expect(dartsCell(new LayerFactory(0), sym(2), sym(2), 2, edges, false).shape).toEqual([null, 4, 4, 8]);
    expect(dartsCell(new LayerFactory(0), sym(2), sym(2), 2, edges, true).shape).toEqual([null, 2, 2, 8]);
  });

  it("a Zoph & Le network zero-pads smaller inputs and concatenates the unconsumed layers", () => {
    const space = zophLeSpace({ layers: 3, filters: [2, 3], strides: [1, 2] });
    const arch = space.parse("3x3:s2:f2; 1x1:s1:f3 <- 0; 3x3:s1:f2");
    const b = zophLeModel(arch, { inputShape: [8, 8, 1], numClasses: 2, seed: 0 }, space);
    const concat = b.model.layers.filter((l) => l.getClassName() === "Concatenate").map((l) => l.outputShape);
    expect(concat).toEqual([[null, 8, 8, 5]]); // layer 1 (4x4x3, padded to 8x8) + layer 2 (8x8x2)
    // conv params: 3*3*1*2 + 1*1*2*3 + 3*3*1*2 (no biases), BN 2*(2+3+2), classifier 5*2+2
    expect(b.params).toBe(18 + 6 + 18 + 14 + 12);
    b.model.dispose();
  });
});
