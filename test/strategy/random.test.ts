import { describe, expect, it } from "vitest";
import { Rng } from "../../src/rng.js";
import { search } from "../../src/search.js";
import { randomSearch } from "../../src/strategy/random.js";
import { bitSpace, onesEvaluator } from "../fixtures/bitSpace.js";

describe("random search", () => {
  it("proposes every architecture of a tiny space exactly once, then stops, and finds the optimum", async () => {
    const space = bitSpace(5);
    const r = await search({ space, strategy: randomSearch(), evaluator: onesEvaluator([1, 1, 0, 1, 0]), budget: { queries: 1000 }, seed: 4 }).result();
    expect(r.history.length).toBe(32);
    expect(new Set(r.history.map((t) => t.archString)).size).toBe(32);
    expect(r.stopped).toBe("exhausted");
    expect(r.best!.archString).toBe("11010");
  });

  it("with unique: false samples with replacement", () => {
    const s = randomSearch({ unique: false }).create(bitSpace(2), new Rng(1));
    const xs = s.ask(50).map((a) => a.join(""));
    expect(xs.length).toBe(50);
    expect(new Set(xs).size).toBe(4);
  });
});
