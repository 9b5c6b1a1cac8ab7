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

  it("move \"best\" evaluates the whole neighbourhood, then moves to its best member (steepest ascent replayed)", async () => {
    const space = bitSpace(10);
    const r = await search({ space, strategy: localSearch({ init: 3, move: "best" }), evaluator: hashEvaluator(), budget: { queries: 300 }, seed: 4 }).result();
    const strings = r.history.map((t) => t.archString);
    expect(new Set(strings).size).toBe(strings.length);
    // Replay with a reference steepest ascent: each block after an init phase is exactly the unevaluated
    // neighbourhood of the centre (in any order); the next centre is the block's best if it beats the centre.
    const fitness = new Map(r.history.map((t) => [t.archString, t.fitness]));
    const done = new Set<string>();
    let i = 0, climbs = 0, moves = 0;
    while (i + 3 <= r.history.length) {
      const init = r.history.slice(i, i + 3);
      init.forEach((t) => done.add(t.archString));
      i += 3;
      let center = init.reduce((a, b) => (b.fitness > a.fitness ? b : a)).arch;
      climbs++;
      for (;;) {
        const block = space.neighbours(center).map((n) => n.join("")).filter((k) => !done.has(k));
        const got = strings.slice(i, i + block.length);
        if (got.length < block.length) { i = r.history.length; break; } // budget ran out mid-block
        expect(new Set(got)).toEqual(new Set(block));
        block.forEach((k) => done.add(k));
        i += block.length;
        const best = block.reduce<string | undefined>((a, k) => (a === undefined || fitness.get(k)! > fitness.get(a)! ? k : a), undefined);
        if (best === undefined || fitness.get(best)! <= fitness.get(center.join(""))!) break; // local optimum: restart
        center = best.split("").map(Number) as Bits;
        moves++;
      }
    }
    expect(climbs).toBeGreaterThan(2);
    expect(moves).toBeGreaterThan(3);
  });

  it("a zero-cost warmup starts the first climb at the proxy's top cells of its random pool, without spending queries", () => {
    const space = bitSpace(12);
    const popcount = (a: Bits) => a.reduce((s, b) => s + b, 0);
    const s = localSearch<Bits>({ init: 2, warmup: { name: "ones", score: popcount, pool: 50 } }).create(space, new Rng(7));
    // The same RNG stream drawn by hand: the pool is the first 50 samples, ranked by the proxy, ties in pool order.
    const rng = new Rng(7);
    const pool = Array.from({ length: 50 }, () => space.sample(rng));
    const unique = pool.filter((a, i) => pool.findIndex((b) => b.join("") === a.join("")) === i);
    const expected = unique.map((a, i) => ({ a, i })).sort((p, q) => popcount(q.a) - popcount(p.a) || p.i - q.i).slice(0, 2).map((x) => x.a.join(""));
    const first = s.ask(2).map((a) => a.join(""));
    expect(first).toEqual(expected);
    expect(s.snapshot()).toMatchObject({ warmup: { proxy: "ones", pool: 50, scores: expected.map((k) => popcount(k.split("").map(Number) as Bits)) } });
  });

  it("a whole-space warmup starts at the proxy's best architecture, and order \"proxy\" evaluates neighbours by the proxy", async () => {
    const n = 8;
    const space = { ...bitSpace(n), all: () => Array.from({ length: 2 ** n }, (_, i) => Array.from({ length: n }, (_, b) => (i >> b) & 1)) };
    // The proxy prefers many ones, and ones on the left: a total order on the 256 strings with a unique maximum.
    const proxy = (a: Bits) => a.reduce((s, b, i) => s + b * (100 + n - i), 0);
    const target = [1, 0, 1, 1, 0, 1, 0, 0];
    const warmup = { name: "weighted-ones", score: proxy, pool: "all" as const };
    for (const seed of [0, 1, 2]) {
      const r = await search({ space, strategy: localSearch<Bits>({ init: 1, move: "best", order: "proxy", warmup }), evaluator: onesEvaluator(target), budget: { queries: 9 }, seed }).result();
      const archs = r.history.map((t) => t.arch);
      expect(archs[0]).toEqual([1, 1, 1, 1, 1, 1, 1, 1]); // the proxy's maximum over all 256
      // Its 8 neighbours, highest proxy first: the single zero moves from the right (cheapest to lose) to the left.
      expect(archs.slice(1).map((a) => a.indexOf(0))).toEqual([7, 6, 5, 4, 3, 2, 1, 0]);
    }
    // The same warmup with random order visits the same neighbours in other orders.
    const orders = new Set<string>();
    for (const seed of [0, 1, 2, 3]) {
      const r = await search({ space, strategy: localSearch<Bits>({ init: 1, move: "best", warmup }), evaluator: onesEvaluator(target), budget: { queries: 9 }, seed }).result();
      expect(r.history[0]!.arch).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
      orders.add(r.history.slice(1).map((t) => t.arch.indexOf(0)).join(","));
    }
    expect(orders.size).toBeGreaterThan(1);
  });

  it("an informative zero-cost proxy reaches the optimum in fewer queries than random starts (20 seeds)", async () => {
    const target = Array.from({ length: 14 }, (_, i) => (i * 5) % 3 === 0 ? 1 : 0);
    const agree = (a: Bits) => a.reduce((s, b, i) => s + (b === target[i] ? 1 : 0), 0);
    const queriesToOptimum = async (warm: boolean, seed: number) => {
      const strategy = warm ? localSearch<Bits>({ init: 1, move: "best", warmup: { name: "agreement", score: agree, pool: 200 } }) : localSearch({ init: 1, move: "best" });
      const r = await search({ space: bitSpace(14), strategy, evaluator: onesEvaluator(target), budget: { queries: 400 }, seed }).result();
      return r.history.findIndex((t) => t.fitness === 14) + 1;
    };
    let warmTotal = 0, coldTotal = 0;
    for (let seed = 0; seed < 20; seed++) {
      const [w, c] = [await queriesToOptimum(true, seed), await queriesToOptimum(false, seed)];
      expect(w).toBeGreaterThan(0);
      expect(c).toBeGreaterThan(0);
      warmTotal += w;
      coldTotal += c;
    }
    // A random start is ~7 edits from the optimum, the best of 200 ~3: each edit is one neighbourhood (<= 14 queries).
    expect(warmTotal).toBeLessThan(0.6 * coldTotal);
  });

  it("rejects bad options and a non-finite proxy score with errors that name them", () => {
    expect(() => localSearch({ move: "steepest" as "best" })).toThrow(/move must be "first" or "best"/);
    expect(() => localSearch<Bits>({ init: 5, warmup: { name: "x", score: () => 0, pool: 3 } })).toThrow(/warmup.pool must be "all" or an integer >= 5/);
    expect(() => localSearch<Bits>({ init: 1, warmup: { name: "x", score: () => 0, pool: "all" } }).create(bitSpace(4), new Rng(0)).ask(1)).toThrow(/pool "all" needs a space that lists its architectures/);
    expect(() => localSearch({ order: "proxy" })).toThrow(/order "proxy" ranks neighbours by the warmup's proxy/);
    const s = localSearch<Bits>({ init: 1, warmup: { name: "synflow", score: () => Infinity, pool: 4 } }).create(bitSpace(4), new Rng(0));
    expect(() => s.ask(1)).toThrow(/zero-cost proxy "synflow" returned Infinity/);
  });
});
