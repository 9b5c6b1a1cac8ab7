import { describe, expect, it } from "vitest";
import { Rng } from "../src/rng.js";

describe("Rng", () => {
  it("gives the same stream for the same seed and different streams for different seeds", () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const xs = Array.from({ length: 20 }, () => a.nextUint32());
    expect(Array.from({ length: 20 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 20 }, () => c.nextUint32())).not.toEqual(xs);
  });

  it("restores from a saved state", () => {
    const a = new Rng("x");
    a.float();
    const b = Rng.fromState(a.state());
    expect(b.float()).toBe(a.float());
  });

  it("int(n) is uniform: chi-square over 10 bins stays below the 0.999 quantile", () => {
    const r = new Rng(7), counts = new Array(10).fill(0), n = 100_000;
    for (let i = 0; i < n; i++) counts[r.int(10)]++;
    const chi2 = counts.reduce((s, c) => s + (c - n / 10) ** 2 / (n / 10), 0);
    expect(chi2).toBeLessThan(27.88);
  });

  it("forks are independent of the parent's position", () => {
    const a = new Rng(1), b = new Rng(1);
    a.float();
    expect(a.fork("eval").float()).toBe(b.fork("eval").float());
    expect(a.fork("eval").float()).not.toBe(a.fork("other").float());
  });

  it("sample draws distinct items and weighted respects zero weights", () => {
    const r = new Rng(3);
    const s = r.sample([1, 2, 3, 4, 5], 5);
    expect(new Set(s).size).toBe(5);
    for (let i = 0; i < 100; i++) expect(r.weighted([0, 1, 0])).toBe(1);
    expect(() => r.int(0)).toThrow(/integer/);
  });
});
