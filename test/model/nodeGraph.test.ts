import { beforeAll, describe, expect, it } from "vitest";
import { chainModel } from "../../src/model/chain.js";
import { nodeGraphModel } from "../../src/model/nodeGraph.js";
import { chainSpace } from "../../src/space/chain.js";
import type { ArchGraph } from "../../src/space/types.js";
import { leakedTensors, useCpu } from "./leak.js";

beforeAll(useCpu);

describe("node-graph (functional API) models", () => {
  it("builds the Keras chain: conv-pool blocks, dense layers, classifier, with the hand-counted params", () => {
    const space = chainSpace();
    const b = chainModel(space.parse("conv(32,3x3) > conv(64,5x5) > dense(128)"), { inputShape: [28, 28, 1], numClasses: 10, seed: 0, zeroInit: true });
    // conv 3*3*1*32+32, conv 5*5*32*64+64, dense (7*7*64)*128+128, classifier 128*10+10
    expect(b.params).toBe(320 + 51264 + 401536 + 1290);
    expect(b.flops).toBe(28 * 28 * 9 * 32 + 14 * 14 * 25 * 32 * 64 + 3136 * 128 + 1280);
    b.model.dispose();
  });

  it("builds skip connections: a summed skip of another size is pooled and projected to match", async () => {
    const g: ArchGraph = {
      space: "skips",
      opsOn: "nodes",
      combine: "sum",
      nodes: [
        { id: "in", role: "input" },
        { id: "c0", role: "hidden", op: "conv2d", attrs: { filters: 2, kernel: 3, activation: "relu" } },
        { id: "p0", role: "hidden", op: "max_pool", attrs: { size: 2, stride: 2 } },
        { id: "c1", role: "hidden", op: "conv2d", attrs: { filters: 4, kernel: 3, activation: "relu" } },
        { id: "out", role: "output", op: "classifier" },
      ],
      edges: [
        { from: "in", to: "c0" },
        { from: "c0", to: "p0" },
        { from: "p0", to: "c1" },
        { from: "c0", to: "c1" }, // skip: 8x8x2 into a node whose other input is 4x4x2 -> pooled to 4x4
        { from: "c1", to: "out" },
      ],
    };
    const leaked = await leakedTensors(() => {
      const b = nodeGraphModel(g, { inputShape: [8, 8, 1], numClasses: 3, seed: 0 });
      // c0 3*3*1*2+2, c1 3*3*2*4+4, classifier 4*4*4*3+3 (same channel counts: no projection)
      expect(b.params).toBe(20 + 76 + 195);
      expect(b.model.outputs[0]!.shape).toEqual([null, 3]);
      b.model.dispose();
    });
    expect(leaked).toBe(0);
    const cyclic: ArchGraph = { ...g, edges: [...g.edges, { from: "c1", to: "c0" }] };
    expect(() => nodeGraphModel(cyclic, { inputShape: [8, 8, 1], numClasses: 3, seed: 0 })).toThrow(/cycle/);
  });
});
