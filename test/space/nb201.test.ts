import { describe, expect, it } from "vitest";
import { ArchParseError, InvalidArchError, UnknownOpError } from "../../src/errors.js";
import { Rng } from "../../src/rng.js";
import { formatNb201, natsUniqueString, nb201Key, nb201Space, parseNb201, type Nb201Arch } from "../../src/space/nb201.js";

const space = nb201Space();
const BEST_C10 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|";

describe("nb201 space", () => {
  it("formats exactly as NAS-Bench-201 and round-trips every architecture", () => {
    expect(formatNb201(parseNb201(BEST_C10))).toBe(BEST_C10);
    const all = space.all();
    expect(all.length).toBe(15625);
    expect(space.size()).toBe(15625n);
    const strings = new Set(all.map(space.format));
    expect(strings.size).toBe(15625);
    for (const a of all.slice(0, 2000)) expect(space.parse(space.format(a))).toEqual(a);
    expect(all.map((a) => space.toIndex(a))).toEqual(all.map((_, i) => i));
  });

  it.each([
    ["two groups", "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|", ArchParseError, /2 node group\(s\), nb201 needs 3/],
    ["wrong arity", "|nor_conv_3x3~0|+|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", ArchParseError, /node 2 must have 2 input/],
    ["out-of-order input", "|nor_conv_3x3~0|+|nor_conv_3x3~1|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", ArchParseError, /inputs must be 0..1 in order/],
    ["missing tilde", "|nor_conv_3x3|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", ArchParseError, /not of the form op~input/],
    ["unknown op", "|conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", UnknownOpError, /"conv_3x3" is not an op of nb201 \(ops: none, skip_connect/],
    ["no bars", "nor_conv_3x3~0+a+b", ArchParseError, /must start and end with '\|'/],
  ])("rejects %s with a clear error", (_, s, cls, msg) => {
    expect(() => space.parse(s)).toThrow(cls);
    expect(() => space.parse(s)).toThrow(msg);
  });

  it("validate rejects wrong length and unknown ops, and shows the expected form", () => {
    expect(() => space.validate(["none"] as unknown as Nb201Arch)).toThrow(InvalidArchError);
    expect(() => space.validate(["none", "none", "none", "none", "none", "conv"] as unknown as Nb201Arch)).toThrow(UnknownOpError);
    expect(() => space.fromIndex(15625)).toThrow(/0..15624/);
    expect(() => space.fromChoices([0, 1, 2])).toThrow(/6 choices/);
  });

  it("key is equal for isomorphic cells (swapped intermediate nodes) and prunes dead paths", () => {
    // node1 = conv3(x), node2 = conv1(x); swapping what nodes 1 and 2 compute gives the same function.
    const a = parseNb201("|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|none~0|avg_pool_3x3~1|skip_connect~2|");
    const b = parseNb201("|nor_conv_1x1~0|+|nor_conv_3x3~0|none~1|+|none~0|skip_connect~1|avg_pool_3x3~2|");
    expect(nb201Key(a)).toBe(nb201Key(b));
    // node 1 feeds nothing alive: whatever op sits on 1<-0 does not matter.
    const dead1 = parseNb201("|nor_conv_3x3~0|+|skip_connect~0|none~1|+|none~0|none~1|nor_conv_1x1~2|");
    const dead2 = parseNb201("|avg_pool_3x3~0|+|skip_connect~0|none~1|+|none~0|none~1|nor_conv_1x1~2|");
    expect(nb201Key(dead1)).toBe(nb201Key(dead2));
    // all paths cut => the zero cell
    expect(nb201Key(parseNb201("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|"))).toBe("#");
    // different functions differ
    expect(nb201Key(parseNb201(BEST_C10))).not.toBe(nb201Key(parseNb201(BEST_C10.replace("skip_connect~0", "nor_conv_1x1~0"))));
  });

  it("reproduces NATS-Bench unique strings (the iso_key column) on rows copied from nb201_all.csv", () => {
    const rows: [string, string][] = [
      ["|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|",
        "(0)@avg_pool_3x3+(0)@avg_pool_3x3+(0)@nor_conv_1x1+(0)@nor_conv_1x1"],
      ["|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
        "((0)@nor_conv_3x3)@avg_pool_3x3+(0)@nor_conv_3x3+((0)@nor_conv_3x3)@nor_conv_3x3+0"],
    ];
    for (const [arch, iso] of rows) expect(natsUniqueString(parseNb201(arch))).toBe(iso);
  });

  it("our key partition coarsens the NATS one: every NATS class lies inside one of ours (all 15,625)", () => {
    const ours = new Map<string, string>();
    const natsToOurs = new Map<string, string>();
    for (const a of space.all()) {
      const k = nb201Key(a), n = natsUniqueString(a);
      if (natsToOurs.has(n)) expect(natsToOurs.get(n)).toBe(k);
      natsToOurs.set(n, k);
      ours.set(k, n);
    }
    expect(natsToOurs.size).toBe(6466);
    expect(ours.size).toBe(4930);
  });

  it("mutate returns one of the 24 neighbours, never the parent", () => {
    const rng = new Rng(5);
    for (let t = 0; t < 200; t++) {
      const a = space.sample(rng);
      const ns = space.neighbours(a).map(space.format);
      expect(ns.length).toBe(24);
      expect(new Set(ns).size).toBe(24);
      const m = space.mutate(a, rng);
      expect(ns).toContain(space.format(m));
      expect(space.distance(a, m)).toBe(1);
    }
  });

  it("crossover takes every edge from a parent; choices round-trip", () => {
    const rng = new Rng(9);
    for (let t = 0; t < 100; t++) {
      const a = space.sample(rng), b = space.sample(rng), c = space.crossover(a, b, rng);
      c.forEach((op, e) => expect([a[e], b[e]]).toContain(op));
      expect(space.fromChoices(space.toChoices(a))).toEqual(a);
    }
    expect(space.decisions().map((d) => d.name)).toEqual(["edge 1<-0", "edge 2<-0", "edge 2<-1", "edge 3<-0", "edge 3<-1", "edge 3<-2"]);
  });

  it("sample is uniform over ops per edge", () => {
    const rng = new Rng(11), counts = new Array(5).fill(0), n = 20000;
    for (let i = 0; i < n; i++) counts[space.toChoices(space.sample(rng))[3]!]++;
    for (const c of counts) expect(Math.abs(c - n / 5)).toBeLessThan(0.05 * n / 5);
  });

  it("encodings have fixed lengths and the path encoding counts live input-output paths", () => {
    const a = parseNb201(BEST_C10);
    expect(space.encode(a, "onehot").length).toBe(30);
    expect(space.encode(a, "adjacency").length).toBe(58);
    const p = space.encode(a, "path");
    expect(p.length).toBe(4 + 16 + 16 + 64);
    expect(p.reduce((s, x) => s + x, 0)).toBe(4); // no none edge: all 4 paths alive
    const cut = parseNb201("|none~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|");
    expect(space.encode(cut, "path").reduce((s, x) => s + x, 0)).toBe(2); // 0->1 cut kills 0->1->3 and 0->1->2->3
    expect(() => space.encode(a, "bogus" as never)).toThrow(/onehot, adjacency, path/);
  });

  it("toGraph is the 4-node DAG with 6 op edges", () => {
    const g = space.toGraph(parseNb201(BEST_C10));
    expect(g.nodes.map((n) => n.role)).toEqual(["input", "hidden", "hidden", "output"]);
    expect(g.edges.length).toBe(6);
    for (const e of g.edges) expect(Number(e.from)).toBeLessThan(Number(e.to));
  });
});
