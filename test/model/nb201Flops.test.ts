import { beforeAll, describe, expect, it } from "vitest";
import { nb201Model } from "../../src/model/nb201.js";
import { nb201Flops } from "../../src/model/nb201Flops.js";
import { Rng } from "../../src/rng.js";
import { nb201Space } from "../../src/space/nb201.js";
import { useCpu } from "./leak.js";

beforeAll(useCpu);

describe("nb201Flops", () => {
  it("equals countFlops of the built network for sampled cells, sizes and odd input sizes", () => {
    const rng = new Rng(3);
    const space = nb201Space();
    const cases = [
      { channels: 16, cellsPerStage: 5, inputShape: [32, 32, 3] as const, numClasses: 10 },
      { channels: 4, cellsPerStage: 2, inputShape: [15, 9, 1] as const, numClasses: 7 },
    ];
    for (const o of cases) {
      for (let i = 0; i < 6; i++) {
        const arch = space.sample(rng);
        const b = nb201Model(arch, { ...o, seed: 0, zeroInit: true });
        expect(nb201Flops(arch, o)).toBe(b.flops);
        b.model.dispose();
      }
    }
  });
});
