import { describe, expect, it } from "vitest";
import { bruteForceNeighbourKeys } from "./bruteForceNeighbours.js";
import { ArchParseError, InvalidArchError } from "../../src/errors.js";
import { Rng } from "../../src/rng.js";
import { allChoices, decisionArity } from "../../src/space/choices.js";
import { spaceContractViolations } from "../../src/space/contract.js";
import { hamming } from "../../src/space/encoding.js";
import { zophLeSpace, type ZophLeArch } from "../../src/space/zophLe.js";

const space = zophLeSpace();

describe("zophLeSpace", () => {
  it("meets the FullSpace contract on seeded samples (default 6 layers, and 4 layers with strides)", () => {
    expect(spaceContractViolations(space, new Rng(1), 40)).toEqual([]);
    expect(spaceContractViolations(zophLeSpace({ layers: 4, strides: [1, 2, 3] }), new Rng(2), 30)).toEqual([]);
  });

  it("size() = 64^6 * 2^15 by default and matches brute-force enumeration on a small configuration", () => {
    expect(space.size()).toBe(64n ** 6n * 2n ** 15n);
    const small = zophLeSpace({ layers: 3, heights: [1, 3], widths: [1], filters: [24], strides: [1, 2] });
    let count = 0n;
    const written = new Set<string>();
    for (const c of allChoices(small.decisions())) {
      written.add(small.format(small.fromChoices(c)));
      count++;
    }
    expect(count).toBe(small.size());
    expect(BigInt(written.size)).toBe(small.size());
  });

  it("decisions are anchors (layer, from) for every earlier layer plus per-layer settings", () => {
    const ds = space.decisions();
    const anchors = ds.filter((d) => d.kind === "anchor");
    expect(anchors).toHaveLength(15);
    expect(anchors.filter((d) => d.kind === "anchor" && d.layer === 3).map((d) => (d.kind === "anchor" ? d.from : -1))).toEqual([0, 1, 2]);
    expect(ds.filter((d) => d.name.endsWith("_stride"))).toHaveLength(0); // one stride: not a decision
    expect(zophLeSpace({ strides: [1, 2] }).decisions().filter((d) => d.name.endsWith("_stride"))).toHaveLength(6);
  });

  it("formats layer strings and parses them back", () => {
    const s = "3x3:s1:f24; 5x7:s1:f36 <- 0; 1x3:s1:f48 <- 0,1; 7x7:s1:f64; 1x1:s1:f24 <- 3; 3x5:s1:f36 <- 2,4";
    const a = space.parse(s);
    expect(a.layers[2]).toEqual({ height: 1, width: 3, stride: 1, filters: 48, inputs: [0, 1] });
    expect(space.format(a)).toBe(s);
  });

  it.each([
    ["", ArchParseError, /empty string/],
    ["3x3:s1:f24; 3x3:s1", ArchParseError, /expected ":"/],
    ["3x3:1:f24", ArchParseError, /expected "s"/],
    ["3x3:s1:f24 <- ", ArchParseError, /expected an input layer index/],
    ["3x3:s1:f24; 3x3:s1:f24", InvalidArchError, /2 layers, this space has exactly 6/],
    ["3x3:s1:f24; 3x3:s1:f24 <- 1; 3x3:s1:f24; 3x3:s1:f24; 3x3:s1:f24; 3x3:s1:f24", InvalidArchError, /layer 1 takes input 1; a layer can only take earlier layers 0..0/],
    ["3x3:s1:f24; 3x3:s1:f24 <- 0; 3x3:s1:f24 <- 1,0; 3x3:s1:f24; 3x3:s1:f24; 3x3:s1:f24", InvalidArchError, /ascending and distinct/],
    ["3x3:s2:f24; 3x3:s1:f24; 3x3:s1:f24; 3x3:s1:f24; 3x3:s1:f24; 3x3:s1:f24", InvalidArchError, /stride is 2, must be one of 1/],
    ["9x3:s1:f24; 3x3:s1:f24; 3x3:s1:f24; 3x3:s1:f24; 3x3:s1:f24; 3x3:s1:f24", InvalidArchError, /height is 9, must be one of 1, 3, 5, 7/],
  ])("parse(%j) throws %o naming the problem", (s, type, msg) => {
    expect(() => space.parse(s)).toThrow(type);
    expect(() => space.parse(s)).toThrow(msg);
  });

  it("key is equal for isomorphic layer orderings and differs otherwise", () => {
    // two parallel layers on the image, swapped, both feeding a third
    const small = zophLeSpace({ layers: 3 });
    const a = small.parse("3x3:s1:f24; 5x5:s1:f36; 1x1:s1:f48 <- 0,1");
    const b = small.parse("5x5:s1:f36; 3x3:s1:f24; 1x1:s1:f48 <- 0,1");
    const c = small.parse("5x5:s1:f36; 3x3:s1:f24 <- 0; 1x1:s1:f48 <- 1");
    expect(small.key(a)).toBe(small.key(b));
    expect(small.distance(a, b)).toBe(0);
    expect(small.key(a)).not.toBe(small.key(c));
    expect(small.distance(a, c)).toBeGreaterThan(0);
    // relabel every sample by a random order of its independent layers: same key
    const rng = new Rng(8);
    for (let t = 0; t < 30; t++) {
      const x = space.sample(rng);
      const canon = space.canonical(x);
      expect(space.key(canon)).toBe(space.key(x));
      expect(space.canonical(canon)).toEqual(canon);
    }
  });

  it("samples anchors with probability 1/2 and settings uniformly", () => {
    const rng = new Rng(3);
    const ds = space.decisions();
    const n = 2000;
    const counts = ds.map((d) => new Array<number>(decisionArity(d)).fill(0));
    for (let i = 0; i < n; i++) space.toChoices(space.sample(rng)).forEach((c, j) => counts[j]![c]!++);
    counts.forEach((cs, j) => {
      const k = cs.length;
      const chi2 = cs.reduce((s, c) => s + (c - n / k) ** 2 / (n / k), 0);
      expect(chi2, ds[j]!.name).toBeLessThan(16.3); // 0.999 quantile, 3 degrees of freedom
    });
  });

  it("neighbours flip one anchor or change one setting", () => {
    const a = space.sample(new Rng(5));
    const ns = space.neighbours(a);
    expect(new Set(ns.map((b) => space.key(b)))).toEqual(bruteForceNeighbourKeys(space, a)); // was: > 50 of them
    for (const b of ns) expect(hamming(space.toChoices(a), space.toChoices(b))).toBe(1);
  });

  it("encodings: one-hot 15 anchors + 6 x 12 settings; adjacency 8x8 triangle + 8 x 64; path over 1 + 64 + 64^2", () => {
    const a = space.sample(new Rng(6));
    expect(space.encode(a, "onehot").length).toBe(15 + 6 * 12);
    expect(space.encode(a, "adjacency").length).toBe(28 + 8 * 64);
    expect(space.encode(a, "path").length).toBe(1 + 64 + 4096);
    // a pure chain has a single path
    const chain = space.parse("3x3:s1:f24; 3x3:s1:f24 <- 0; 3x3:s1:f24 <- 1; 3x3:s1:f24 <- 2; 3x3:s1:f24 <- 3; 3x3:s1:f24 <- 4");
    expect(space.encode(chain, "path").reduce((s, x) => s + x, 0)).toBe(1);
    expect(() => space.encode(a, "bogus" as "path")).toThrow(/unknown encoding/);
  });

  it("toGraph: image, one node per layer, output concat of the unconsumed layers", () => {
    const a: ZophLeArch = space.parse("3x3:s1:f24; 3x3:s1:f24 <- 0; 3x3:s1:f24; 3x3:s1:f24 <- 1,2; 3x3:s1:f24; 3x3:s1:f24 <- 0");
    const g = space.toGraph(a);
    expect(g.nodes).toHaveLength(8);
    // image -> layer0, layer2, layer4; 0->1, 1->3, 2->3, 0->5; output <- layer3, layer4, layer5
    expect(g.edges).toHaveLength(3 + 4 + 3);
    expect(g.edges.filter((e) => e.to === "output").map((e) => e.from)).toEqual(["layer3", "layer4", "layer5"]);
    expect(g.nodes[1]!.attrs!.merge).toMatch(/zero-padded/);
  });
});
