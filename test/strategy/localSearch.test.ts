import { describe, expect, it } from "vitest";
import { Rng } from "../../src/rng.js";
import { search } from "../../src/search.js";
import { localSearch } from "../../src/strategy/localSearch.js";
import { bitSpace, hashEvaluator, onesEvaluator } from "../fixtures/bitSpace.js";

describe("local search", () => {
  it("climbs a unimodal 16-bit landscape to its optimum within init + 16 * 16 queries", async () => {
    const target = [0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 0, 0, 1, 0];
    for (let seed = 0; seed < 5; seed++) {
      const r = await search({ space: bitSpace(16), strategy: localSearch({ init: 5 }), evaluator: onesEvaluator(target), budget: { queries: 5 + 16 * 16 }, seed }).result();
      expect(r.best!.fitness).toBe(16);
    }
  });

  it("moves to the first improving neighbour and never re-evaluates an architecture", async () => {
    const r = await search({ space: bitSpace(10), strategy: localSearch({ init: 3 }), evaluator: hashEvaluator(), budget: { queries: 300 }, seed: 2 }).result();
    const strings = r.history.map((t) => t.archString);
    expect(new Set(strings).size).toBe(strings.length);
  });

  it("restarts from random samples at a local optimum and finds the global one of a rugged landscape", async () => {
    // hash fitness on 8 bits: many local optima; 256 archs. Brute-force the optimum.
    const space = bitSpace(8), ev = hashEvaluator();
    let best = -1;
    for (let i = 0; i < 256; i++) best = Math.max(best, (await ev.evaluate([...i.toString(2).padStart(8, "0")].map(Number), { seed: 0 })).metrics.val_acc!);
    const r = await search({ space, strategy: localSearch({ init: 2 }), evaluator: ev, budget: { queries: 256 }, seed: 1 }).result();
    expect(r.best!.fitness).toBe(best);
  });

  it("after init, the next proposals are neighbours of the best initial architecture", () => {
    const space = bitSpace(6);
    const s = localSearch({ init: 3 }).create(space, new Rng(5));
    const init = s.ask(3);
    init.forEach((a, i) => s.tell(a, { metrics: { val_acc: i }, cost: { seconds: 0 }, status: "ok" }, i === 1 ? 10 : 0));
    for (const n of s.ask(4)) expect(space.distance(n, init[1]!)).toBe(1);
  });
});
