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

describe("spaceContractViolations on a first space of one's own", () => {
  // A space with only the core SearchSpace methods: what a newcomer writes first.
  const core = () => {
    const { name, sample, key, format, parse, validate, size, toGraph } = chainSpace();
    return { name, sample, key, format, parse, validate, size, toGraph };
  };

  it("lists each missing capability with its methods and who needs it, instead of crashing", () => {
    const v = spaceContractViolations(core(), new Rng(1), 5);
    expect(v).toEqual([
      "missing capability Mutable: mutate, neighbours (needed by regularizedEvolution, localSearch, predictorEvolution, deltaNas, oneShotSearch)",
      "missing capability Crossable: crossover (needed by regularizedEvolution with crossover > 0)",
      "missing capability Encodable: encode, distance (needed by pnas, predictorEvolution, deltaNas and the encoded predictors)",
      "missing capability Sequential: decisions, fromChoices, toChoices (needed by reinforce, enasSearch)",
    ]);
  });

  it("still checks the capabilities a partial space has", () => {
    const good = chainSpace();
    const partial = { ...core(), mutate: (a: Parameters<typeof good.mutate>[0]) => a };
    const v = spaceContractViolations(partial, new Rng(1), 5);
    expect(v.some((x) => x.includes("mutate returned a key-equal arch"))).toBe(true);
    expect(v.some((x) => x.startsWith("missing capability Mutable: neighbours"))).toBe(true);
  });

  it("names missing core methods", () => {
    const { toGraph: _, size: __, ...noGraph } = core();
    expect(spaceContractViolations(noGraph as never, new Rng(1), 5)).toEqual([
      "the space lacks size, toGraph: every space needs sample, key, format, parse, validate, size, toGraph (the SearchSpace contract)",
    ]);
  });
});
