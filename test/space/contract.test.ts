import { describe, expect, it } from "vitest";
import { Rng } from "../../src/rng.js";
import { chainSpace } from "../../src/space/chain.js";
import { spaceContractViolations } from "../../src/space/contract.js";

describe("spaceContractViolations", () => {
  it("reports a space that breaks the contract, and passes a conforming one", () => {
    const good = chainSpace();
    expect(spaceContractViolations(good, new Rng(1), 10)).toEqual([]);
    const broken = {
      ...good,
      mutate: (a: Parameters<typeof good.mutate>[0]) => a,
      format: (a: Parameters<typeof good.format>[0]) => good.format({ conv: a.conv, dense: a.dense.slice(0, 1) }),
      encode: (a: Parameters<typeof good.encode>[0], kind: Parameters<typeof good.encode>[1]) =>
        kind === "path" ? new Float32Array(a.conv.length) : good.encode(a, kind),
    };
    const v = spaceContractViolations(broken, new Rng(1), 10);
    expect(v.some((x) => x.includes("mutate returned a key-equal arch"))).toBe(true);
    expect(v.some((x) => x.includes("parse(format(a)) differs from a"))).toBe(true);
    expect(v.some((x) => /encode\(path\) length \d+ != \d+/.test(x))).toBe(true);
  });
});
