import { describe, expect, it } from "vitest";
import { ArchParseError, InvalidArchError, UnknownOpError } from "../../src/errors.js";
import { Rng } from "../../src/rng.js";
import { allChoices, decisionArity } from "../../src/space/choices.js";
import { spaceContractViolations } from "../../src/space/contract.js";
import { hamming } from "../../src/space/encoding.js";
import { pnasSpace, type PnasArch } from "../../src/space/pnas.js";

const space = pnasSpace();

describe("pnasSpace", () => {
  it("meets the FullSpace contract on seeded samples (1..5 blocks, and fixed 2-block cells)", () => {
    expect(spaceContractViolations(pnasSpace({ maxBlocks: 3 }), new Rng(1), 30)).toEqual([]);
    expect(spaceContractViolations(pnasSpace({ minBlocks: 2, maxBlocks: 2 }), new Rng(2), 20)).toEqual([]);
  });

  it("size(5) is the paper's (2*3*4*5*6)^2 * 8^10 ~ 5.6e14 five-block cells; size() sums 1..5", () => {
    expect(space.size(5)).toBe(720n ** 2n * 8n ** 10n);
    expect(Number(space.size(5))).toBeCloseTo(5.57e14, -12);
    expect(space.size(1)).toBe(256n);
    expect(space.size()).toBe([1, 2, 3, 4, 5].reduce((s, b) => s + space.size(b), 0n));
  });

  it("size() matches brute-force enumeration of the decisions on a small configuration", () => {
    const small = pnasSpace({ maxBlocks: 2, ops: ["identity", "max_pool_3x3"] });
    const written = new Set<string>();
    for (const c of allChoices(small.decisions())) written.add(small.format(small.fromChoices(c)));
    expect(BigInt(written.size)).toBe(small.size());
  });

  it("the 256 one-block cells fall into 136 key classes, as the paper counts after removing symmetric blocks", () => {
    const ones = space.expand(space.empty());
    expect(ones).toHaveLength(136);
    expect(new Set(ones.map((a) => space.key(a))).size).toBe(136);
    const written = new Set<string>();
    for (const c of allChoices(pnasSpace({ maxBlocks: 1 }).decisions())) written.add(space.key(pnasSpace({ maxBlocks: 1 }).fromChoices(c)));
    expect(written.size).toBe(136);
  });

  it("expand appends one block in every key-distinct way and keeps the prefix", () => {
    const a = space.parse("(sep_conv_3x3,1)+(max_pool_3x3,0)");
    const next = space.expand(a);
    // 3 inputs x 8 ops per pair = 24 pairs; unordered pairs with repetition: 24*25/2 = 300
    expect(next).toHaveLength(300);
    for (const b of next) {
      expect(b.blocks).toHaveLength(2);
      expect(b.blocks[0]).toEqual(a.blocks[0]);
    }
    expect(space.expand(space.sample(new Rng(4)) && space.parse("(identity,0)+(identity,1); (identity,2)+(identity,0); (identity,3)+(identity,0); (identity,4)+(identity,0); (identity,5)+(identity,0)"))).toEqual([]);
  });

  it("key ignores the order of the two pairs and relabellings of parallel blocks", () => {
    const a = space.parse("(sep_conv_3x3,1)+(max_pool_3x3,0); (identity,0)+(sep_conv_5x5,1); (avg_pool_3x3,2)+(sep_conv_7x7,3)");
    const swappedPairs = space.parse("(max_pool_3x3,0)+(sep_conv_3x3,1); (sep_conv_5x5,1)+(identity,0); (sep_conv_7x7,3)+(avg_pool_3x3,2)");
    const swappedBlocks = space.parse("(identity,0)+(sep_conv_5x5,1); (sep_conv_3x3,1)+(max_pool_3x3,0); (avg_pool_3x3,3)+(sep_conv_7x7,2)");
    const different = space.parse("(identity,0)+(sep_conv_5x5,1); (sep_conv_3x3,1)+(max_pool_3x3,0); (avg_pool_3x3,2)+(sep_conv_7x7,3)");
    expect(space.key(swappedPairs)).toBe(space.key(a));
    expect(space.key(swappedBlocks)).toBe(space.key(a));
    expect(space.distance(swappedBlocks, a)).toBe(0);
    expect(space.key(different)).not.toBe(space.key(a));
    expect(space.distance(different, a)).toBeGreaterThan(0);
    // H_{c-2} and H_{c-1} are not interchangeable, and canonical keeps them in place
    const one = space.parse("(sep_conv_3x3,0)+(sep_conv_3x3,0)");
    expect(space.key(space.parse("(sep_conv_3x3,1)+(sep_conv_3x3,1)"))).not.toBe(space.key(one));
    expect(space.canonical(one)).toEqual(one);
  });

  it.each([
    ["", ArchParseError, /empty string/],
    ["(sep_conv_3x3,1)", ArchParseError, /expected "\+" \(a block adds two/],
    ["(sep_conv_3x3,1)+(max_pool_3x3 0)", ArchParseError, /expected ","/],
    ["(sep_conv_3x3,1)+(conv_3x3,0)", UnknownOpError, /"conv_3x3" is not an op of pnas \(ops: identity, avg_pool_3x3/],
    ["(sep_conv_3x3,2)+(identity,0)", InvalidArchError, /block 0 input1 is 2; block 0 can take 0 \(H_\{c-2\}\), 1 \(H_\{c-1\}\)/],
    [Array(6).fill("(identity,0)+(identity,1)").join(";"), InvalidArchError, /6 blocks, the space allows 1..5/],
  ])("parse(%j) throws %o naming the problem", (s, type, msg) => {
    expect(() => space.parse(s)).toThrow(type);
    expect(() => space.parse(s)).toThrow(msg);
  });

  it("validate rejects an empty cell and malformed objects", () => {
    expect(() => space.validate(space.empty())).toThrow(/0 blocks, the space allows 1..5/);
    expect(() => space.validate({ cells: [] } as unknown as PnasArch)).toThrow(/an arch is \{blocks/);
  });

  it("samples the number of blocks and every active field uniformly", () => {
    const rng = new Rng(3);
    const n = 3000;
    const ds = space.decisions();
    const counts = ds.map((d) => new Array<number>(decisionArity(d)).fill(0));
    for (let i = 0; i < n; i++) space.toChoices(space.sample(rng)).forEach((c, j) => counts[j]![c]!++);
    // "blocks" and block 0 (always present) are always active
    for (let j = 0; j < 5; j++) {
      const cs = counts[j]!;
      const chi2 = cs.reduce((s, c) => s + (c - n / cs.length) ** 2 / (n / cs.length), 0);
      expect(chi2, ds[j]!.name).toBeLessThan(24.3); // 0.999 quantile, 7 degrees of freedom
    }
  });

  it("neighbours: one field changed, the last block removed, or a block appended", () => {
    const a = space.parse("(sep_conv_3x3,1)+(max_pool_3x3,0); (identity,2)+(sep_conv_5x5,0)");
    const ns = space.neighbours(a);
    for (const b of ns) {
      const dn = b.blocks.length - a.blocks.length;
      if (dn === 0) expect(hamming(space.toChoices(a), space.toChoices(b))).toBe(1);
      else if (dn === -1) expect(b.blocks).toEqual(a.blocks.slice(0, 1));
      else expect(b.blocks.slice(0, 2)).toEqual(a.blocks);
    }
    expect(ns.filter((b) => b.blocks.length === 3).length).toBe(space.expand(a).length);
  });

  it("encodings have fixed lengths; adjacency counts edges per (block, input, op)", () => {
    const a = space.parse("(sep_conv_3x3,1)+(sep_conv_3x3,1)");
    expect(space.encode(a, "onehot").length).toBe(5 + (2 + 3 + 4 + 5 + 6) * 2 + 5 * 2 * 8);
    const adj = space.encode(a, "adjacency");
    expect(adj.length).toBe((2 + 3 + 4 + 5 + 6) * 8);
    expect(adj[1 * 8 + 4]).toBe(2);
    const path = space.encode(a, "path");
    expect(path.length).toBe(2 * (1 + 8 + 64 + 512));
    expect(path.reduce((s, x) => s + x, 0)).toBe(1);
  });

  it("toGraph: two inputs, one node per block with two op edges, output concatenating unused blocks", () => {
    const g = space.toGraph(space.parse("(sep_conv_3x3,1)+(max_pool_3x3,0); (identity,2)+(sep_conv_5x5,0); (identity,0)+(identity,1)"));
    expect(g.nodes).toHaveLength(2 + 3 + 1);
    expect(g.edges.filter((e) => e.op)).toHaveLength(6);
    expect(g.edges.filter((e) => e.to === "output").map((e) => e.from)).toEqual(["block1", "block2"]);
  });
});
