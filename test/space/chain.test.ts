import { describe, expect, it } from "vitest";
import { ArchParseError, InvalidArchError } from "../../src/errors.js";
import { Rng } from "../../src/rng.js";
import { chainSpace, type ChainArch } from "../../src/space/chain.js";
import { allChoices, decisionArity, tryFromChoices } from "../../src/space/choices.js";
import { spaceContractViolations } from "../../src/space/contract.js";
import { hamming } from "../../src/space/encoding.js";

const space = chainSpace();

describe("chainSpace", () => {
  it("meets the FullSpace contract on seeded samples", () => {
    expect(spaceContractViolations(space, new Rng(1), 60)).toEqual([]);
  });

  it("size() is (6 + 6^2 + 6^3) x (3 + 3^2) = 3096 and matches brute-force enumeration of the decisions", () => {
    expect(space.size()).toBe(3096n);
    for (const s of [space, chainSpace({ maxConv: 2, filters: [8, 16], kernels: [3], units: [10, 20], minDense: 0 })]) {
      const keys = new Set<string>();
      for (const c of allChoices(s.decisions())) {
        const a = tryFromChoices(s, c);
        if (a) keys.add(s.key(a));
      }
      expect(BigInt(keys.size)).toBe(s.size());
    }
  });

  it("formats like the Keras example reads and round-trips", () => {
    const a: ChainArch = { conv: [{ filters: 32, kernel: 3 }, { filters: 64, kernel: 5 }], dense: [{ units: 128 }] };
    expect(space.format(a)).toBe("conv(32,3x3) > conv(64,5x5) > dense(128)");
    expect(space.parse(" conv(32, 3x3)>conv(64,5x5) >dense(128) ")).toEqual(a);
  });

  it.each([
    ["", /empty string/],
    ["conv(32,3x3)", /0 dense layers, the space allows 1..2/],
    ["conv(32,3x5) > dense(64)", /not square/],
    ["dense(64) > conv(32,3x3)", /conv layer after a dense layer/],
    ["pool(2) > dense(64)", /unknown layer "pool"/],
    ["conv(32 3x3) > dense(64)", /expected ","/],
    ["conv(32,3x3) > dense(64) extra", /trailing text/],
  ])("parse(%j) fails with a message naming the problem", (s, msg) => {
    expect(() => space.parse(s)).toThrow(msg);
  });

  it("parse errors are ArchParseError with the expected form; out-of-range values are InvalidArchError", () => {
    expect(() => space.parse("conv(32,3x3) >")).toThrow(ArchParseError);
    expect(() => space.parse("conv(32,3x3) >")).toThrow(/expected form: conv\(FILTERS,KxK\)/);
    expect(() => space.parse("conv(48,3x3) > dense(64)")).toThrow(InvalidArchError);
    expect(() => space.parse("conv(48,3x3) > dense(64)")).toThrow(/filters is 48, must be one of 32, 64, 128/);
  });

  it.each([
    [{ conv: [], dense: [{ units: 64 }] }, /0 conv layers/],
    [{ conv: [{ filters: 32, kernel: 3 }], dense: [{ units: 64 }, { units: 64 }, { units: 64 }] }, /3 dense layers/],
    [{ conv: [{ filters: 32, kernel: 7 }], dense: [{ units: 64 }] }, /kernel is 7/],
    [{ layers: [] }, /an arch is \{conv/],
  ])("validate rejects %j", (a, msg) => {
    expect(() => space.validate(a as unknown as ChainArch)).toThrow(InvalidArchError);
    expect(() => space.validate(a as unknown as ChainArch)).toThrow(msg);
  });

  it("samples each decision uniformly (chi-square, 3,000 draws)", () => {
    const rng = new Rng(2);
    const n = 3000;
    const ds = space.decisions();
    const counts = ds.map((d) => new Array<number>(decisionArity(d)).fill(0));
    for (let i = 0; i < n; i++) space.toChoices(space.sample(rng)).forEach((c, j) => counts[j]![c]++);
    // conv_layers (3 choices) and dense_layers (2 choices) are always active: check them exactly.
    for (const j of [0, 7]) {
      const k = counts[j]!.length;
      const chi2 = counts[j]!.reduce((s: number, c: number) => s + (c - n / k) ** 2 / (n / k), 0);
      expect(chi2).toBeLessThan(13.8); // 0.999 quantile for 2 degrees of freedom
    }
    // first-layer filters are always active too
    const chi2 = counts[1]!.reduce((s: number, c: number) => s + (c - n / 3) ** 2 / (n / 3), 0);
    expect(chi2).toBeLessThan(13.8);
  });

  it("neighbours change one layer setting or add/remove the last layer", () => {
    const a = space.parse("conv(64,3x3) > dense(128)");
    const ns = space.neighbours(a);
    // 2 other filters + 1 other kernel + 6 ways to add a conv + 2 other units + 3 ways to add a dense
    expect(ns).toHaveLength(14);
    for (const b of ns) expect(space.distance(a, b)).toBeLessThanOrEqual(3);
    const changed = ns.filter((b) => b.conv.length === a.conv.length && b.dense.length === a.dense.length);
    for (const b of changed) expect(hamming(space.toChoices(a), space.toChoices(b))).toBe(1);
  });

  it("crossover takes each layer setting from a parent that has that layer", () => {
    const a = space.parse("conv(32,3x3) > conv(64,5x5) > conv(128,5x5) > dense(64) > dense(64)");
    const b = space.parse("conv(128,3x3) > dense(256)");
    const rng = new Rng(4);
    for (let i = 0; i < 50; i++) {
      const c = space.crossover(a, b, rng);
      space.validate(c);
      c.conv.forEach((l, j) => {
        expect([a.conv[j]?.filters, b.conv[j]?.filters]).toContain(l.filters);
        expect([a.conv[j]?.kernel, b.conv[j]?.kernel]).toContain(l.kernel);
      });
      if (c.conv.length === 3) expect(c.conv[2]).toEqual(a.conv[2]);
    }
  });

  it("encodings have fixed lengths; the path encoding is a one-hot over the 3096 architectures", () => {
    const rng = new Rng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const a = space.sample(rng);
      expect(space.encode(a, "onehot").length).toBe(3 + 3 * 5 + 2 + 2 * 3);
      expect(space.encode(a, "adjacency").length).toBe(21 + 7 * 9);
      const p = space.encode(a, "path");
      expect(p.length).toBe(3096);
      expect(p.reduce((s, x) => s + x, 0)).toBe(1);
      const idx = p.indexOf(1);
      seen.add(idx);
    }
    // distinct architectures get distinct path features
    const keys = new Set<string>();
    const rng2 = new Rng(3);
    for (let i = 0; i < 200; i++) keys.add(space.key(space.sample(rng2)));
    expect(seen.size).toBe(keys.size);
  });

  it("toGraph is the conv-pool chain then flatten and dense layers", () => {
    const g = space.toGraph(space.parse("conv(32,3x3) > conv(64,5x5) > dense(128) > dense(64)"));
    expect(g.nodes.map((n) => n.op ?? n.role)).toEqual(["input", "conv2d", "max_pool", "conv2d", "max_pool", "flatten", "dense", "dense", "classifier"]);
    expect(g.edges).toHaveLength(g.nodes.length - 1);
    expect(g.nodes[3]!.attrs).toMatchObject({ filters: 64, kernel: 5 });
  });

  it("rejects impossible options with a clear message", () => {
    expect(() => chainSpace({ minConv: 3, maxConv: 2 })).toThrow(/conv layer range 3..2/);
    expect(() => chainSpace({ filters: [] })).toThrow(/filters must be a non-empty list/);
  });
});
