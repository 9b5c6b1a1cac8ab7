import { describe, expect, it } from "vitest";
import { logRankAggregate, proxyRanks } from "../../src/estimate/rankEnsemble.js";

describe("AZ-NAS log-rank aggregation", () => {
  it("ranks 1 = worst .. n = best, ties averaged, NaN and -Infinity lowest, +Infinity highest", () => {
    expect(Array.from(proxyRanks([3, 1, 2]))).toEqual([3, 1, 2]);
    expect(Array.from(proxyRanks([5, 5, 1]))).toEqual([2.5, 2.5, 1]);
    expect(Array.from(proxyRanks([-Infinity, NaN, 0, Infinity]))).toEqual([1.5, 1.5, 3, 4]);
  });

  it("sums log(rank / n) over the proxies, by hand", () => {
    // Candidates a, b, c; proxy 1 ranks them 3, 2, 1 and proxy 2 ranks them 1, 3, 2.
    const s = logRankAggregate([[30, 20, 10], [0, 9, 5]]);
    expect(s[0]).toBeCloseTo(Math.log(3 / 3) + Math.log(1 / 3), 12);
    expect(s[1]).toBeCloseTo(Math.log(2 / 3) + Math.log(3 / 3), 12);
    expect(s[2]).toBeCloseTo(Math.log(1 / 3) + Math.log(2 / 3), 12);
    // b beats a although both have rank sum 4: a's last place in proxy 2 costs more than its first place earns.
    expect(s[1]!).toBeGreaterThan(s[0]!);
  });

  it("rejects columns of different lengths and an empty ensemble", () => {
    expect(() => logRankAggregate([[1, 2], [1]])).toThrow(/a value per candidate/);
    expect(() => logRankAggregate([])).toThrow(/at least one proxy/);
  });
});
