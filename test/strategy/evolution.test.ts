import { describe, expect, it } from "vitest";
import { CapabilityError } from "../../src/errors.js";
import { Rng } from "../../src/rng.js";
import { search } from "../../src/search.js";
import { regularizedEvolution } from "../../src/strategy/evolution.js";
import { bitSpace, onesEvaluator } from "../fixtures/bitSpace.js";

const ok = (v: number) => ({ metrics: { val_acc: v }, cost: { seconds: 0 }, status: "ok" as const });

describe("regularized evolution", () => {
  it("finds the optimum of a 16-bit space (65,536 archs) in far fewer queries than random search needs", async () => {
    const target = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 0, 1];
    const found = [];
    for (let seed = 0; seed < 5; seed++) {
      const r = await search({ space: bitSpace(16), strategy: regularizedEvolution({ population: 20, sample: 5 }), evaluator: onesEvaluator(target), budget: { queries: 600 }, seed }).result();
      found.push(r.best!.fitness);
    }
    expect(found).toEqual([16, 16, 16, 16, 16]);
  });

  it("fills the population with P random samples, then mutates tournament winners", () => {
    const space = bitSpace(8);
    const s = regularizedEvolution({ population: 4, sample: 4 }).create(space, new Rng(3));
    const init = s.ask(4);
    init.forEach((a, i) => s.tell(a, ok(i), i)); // the last one is the fittest
    const children = s.ask(10);
    // sample = population, so the parent is always the fittest: every child is one bit from it
    for (const c of children) expect(space.distance(c, init[3]!)).toBe(1);
  });

  it("removes the oldest member, not the worst (aging)", () => {
    const space = bitSpace(8);
    const s = regularizedEvolution({ population: 3, sample: 1 }).create(space, new Rng(1));
    const first = s.ask(3);
    s.tell(first[0]!, ok(100), 100); // best, but oldest
    s.tell(first[1]!, ok(1), 1);
    s.tell(first[2]!, ok(2), 2);
    const [child] = s.ask(1);
    s.tell(child!, ok(0), 0);
    const pop = s.snapshot().population!;
    expect(pop.length).toBe(3);
    expect(pop.map((m) => m.fitness)).toEqual([1, 2, 0]);
  });

  it("a zero-cost warmup makes the first population the proxy's top P of the whole space, then evolves as usual", () => {
    const n = 6;
    const space = { ...bitSpace(n), all: () => Array.from({ length: 2 ** n }, (_, i) => Array.from({ length: n }, (_, b) => (i >> b) & 1)) };
    const proxy = (a: readonly number[]) => a.reduce((s, b, i) => s + b * 2 ** (n - i), 0); // binary value, left bit highest
    const s = regularizedEvolution<readonly number[]>({ population: 4, sample: 2, warmup: { name: "binary", score: proxy, pool: "all" } }).create(space, new Rng(3));
    const first = s.ask(4);
    expect(first.map((a) => a.join(""))).toEqual(["111111", "111110", "111101", "111100"]);
    first.forEach((a, i) => s.tell(a, ok(i), i));
    const [child] = s.ask(1);
    expect(first.some((p) => space.distance(p, child!) === 1)).toBe(true); // a mutation of a tournament winner
    expect(s.snapshot()).toMatchObject({ warmup: { proxy: "binary", pool: "all" } });
    expect(() => regularizedEvolution<readonly number[]>({ population: 4, sample: 2, warmup: { name: "x", score: proxy, pool: 3 } })).toThrow(/warmup.pool must be "all" or an integer >= 4/);
  });

  it("crossover needs the capability and is checked when the strategy is created", () => {
    expect(() => regularizedEvolution({ crossover: 0.5 }).create(bitSpace(4, { crossover: false }), new Rng(1))).toThrow(CapabilityError);
    expect(() => regularizedEvolution({ crossover: 0.5 }).create(bitSpace(4, { crossover: false }), new Rng(1))).toThrow(/needs the space to provide crossover/);
    expect(() => regularizedEvolution({ crossover: 0.5 }).create(bitSpace(4), new Rng(1))).not.toThrow();
  });

  it.each([
    [{ population: 0 }, /population must be an integer >= 1/],
    [{ population: 5, sample: 6 }, /sample must be an integer in 1..population/],
    [{ crossover: 2 }, /probability/],
  ])("rejects bad options %j", (opts, msg) => {
    expect(() => regularizedEvolution(opts)).toThrow(msg);
  });
});
