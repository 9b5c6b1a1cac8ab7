import { describe, expect, it } from "vitest";
import { Rng } from "../../src/rng.js";
import { search } from "../../src/search.js";
import { localSearch } from "../../src/strategy/localSearch.js";
import { bitSpace, hashEvaluator, onesEvaluator, type Bits } from "../fixtures/bitSpace.js";
import type { Evaluator } from "../../src/estimate/types.js";

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
    // Replay: after each init phase of 3, every trial is a neighbour of the centre (the best of the phase, then each
    // first improving neighbour), until every neighbour of the centre is evaluated; then a new init phase starts.
    const space = bitSpace(10);
    let initLeft = 3, center: { arch: Bits; fitness: number } | undefined, initBest: typeof center, moves = 0, restarts = 0;
    const done = new Set<string>();
    for (const t of r.history) {
      if (initLeft === 0 && !center) center = initBest;
      if (center && space.neighbours(center.arch).every((n) => done.has(n.join("")))) {
        restarts++;
        center = undefined;
        initBest = undefined;
        initLeft = 3;
      }
      if (initLeft > 0) {
        initLeft--;
        if (!initBest || t.fitness > initBest.fitness) initBest = { arch: t.arch, fitness: t.fitness };
      } else {
        expect(space.distance(t.arch, center!.arch)).toBe(1);
        if (t.fitness > center!.fitness) {
          center = { arch: t.arch, fitness: t.fitness };
          moves++;
        }
      }
      done.add(t.archString);
    }
    expect(moves).toBeGreaterThan(5);
    expect(restarts).toBeGreaterThan(2);
  });

  it("restarts from random samples at a local optimum and finds the global one of a two-basin landscape", async () => {
    // 8 bits, fitness max(zeros, ones + 0.5): a climb from fewer than 4 ones ends at 00000000 (fitness 8, a local
    // optimum); the global optimum 11111111 (8.5) needs a restart that lands in its basin. Without restarts, the
    // seeds that start in the first basin never leave it; random search finds 11111111 within 100 of the 256
    // strings with probability 0.39 per seed.
    const twoBasins: Evaluator<Bits> = {
      name: "two-basins",
      objective: "val_acc",
      async evaluate(a) {
        const ones = a.reduce((s, b) => s + b, 0);
        return { metrics: { val_acc: Math.max(8 - ones, ones + 0.5) }, cost: { seconds: 0 }, status: "ok" };
      },
    };
    const found: string[] = [];
    const restarted: boolean[] = [];
    for (let seed = 0; seed < 10; seed++) {
      const r = await search({ space: bitSpace(8), strategy: localSearch({ init: 1 }), evaluator: twoBasins, budget: { queries: 100 }, seed }).result();
      found.push(r.best!.archString);
      restarted.push(r.history.some((t) => t.archString === "00000000"));
    }
    expect(found).toEqual(Array(10).fill("11111111"));
    expect(restarted.filter(Boolean).length).toBeGreaterThanOrEqual(2); // some seeds had to climb out of the trap
  });

  it("after init, the next proposals are neighbours of the best initial architecture", () => {
    const space = bitSpace(6);
    const s = localSearch({ init: 3 }).create(space, new Rng(5));
    const init = s.ask(3);
    init.forEach((a, i) => s.tell(a, { metrics: { val_acc: i }, cost: { seconds: 0 }, status: "ok" }, i === 1 ? 10 : 0));
    for (const n of s.ask(4)) expect(space.distance(n, init[1]!)).toBe(1);
  });
});
