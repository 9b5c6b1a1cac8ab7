import { describe, expect, it } from "vitest";
import { bruteForceNeighbourKeys } from "./bruteForceNeighbours.js";
import { ArchParseError, InvalidArchError, UnknownOpError } from "../../src/errors.js";
import { Rng } from "../../src/rng.js";
import { allChoices, decisionArity, tryFromChoices } from "../../src/space/choices.js";
import { spaceContractViolations } from "../../src/space/contract.js";
import { hamming } from "../../src/space/encoding.js";
import { hierarchicalSpace, type HierarchicalArch, type HierarchicalPrimitive } from "../../src/space/hierarchical.js";

const space = hierarchicalSpace();
// Edge order of a 4-node motif: 0->1, 0->2, 1->2, 0->3, 1->3, 2->3; of the 5-node top: ..., 0->4, 1->4, 2->4, 3->4.
const M0: HierarchicalPrimitive[] = ["conv_1x1", "sep_conv_3x3", "none", "identity", "max_pool_3x3", "none"]; // 0->1->3, 0->2 dead end, 0->3
const M1: HierarchicalPrimitive[] = ["dw_conv_3x3", "none", "avg_pool_3x3", "none", "none", "sep_conv_3x3"]; // chain 0->1->2->3
const M2: HierarchicalPrimitive[] = ["identity", "identity", "none", "none", "conv_1x1", "conv_1x1"];
const M3: HierarchicalPrimitive[] = ["max_pool_3x3", "none", "none", "none", "avg_pool_3x3", "none"];
const TOP = ["motif0", "motif1", "none", "none", "motif2", "none", "none", "none", "none", "motif3"]; // 0->1, 0->2, 1->3, 3->4; node 2 dead
const base: HierarchicalArch = { motifs: [M0, M1, M2, M3], top: TOP };

const setEdge = <T>(xs: readonly T[], e: number, v: T): T[] => xs.map((x, i) => (i === e ? v : x));

describe("hierarchicalSpace", () => {
  it("meets the FullSpace contract on seeded samples", () => {
    expect(spaceContractViolations(space, new Rng(1), 30)).toEqual([]);
  });

  it("formats motifs in NAS-Bench-201 style and parses them back", () => {
    const s = space.format(base);
    expect(s.startsWith("motif0=|conv_1x1~0|+|sep_conv_3x3~0|none~1|+|identity~0|max_pool_3x3~1|none~2| motif1=")).toBe(true);
    expect(s).toContain(" top=|motif0~0|+|motif1~0|none~1|+|none~0|motif2~1|none~2|+|none~0|none~1|none~2|motif3~3|");
    expect(space.parse(s)).toEqual(base);
  });

  it("size() counts connected motifs as written and matches brute-force enumeration on small configurations", () => {
    for (const opts of [
      { motifs: 1, motifNodes: 3, topNodes: 3, primitives: ["none", "conv_1x1", "identity"] as HierarchicalPrimitive[] },
      { motifs: 2, motifNodes: 3, topNodes: 3, primitives: ["none", "identity"] as HierarchicalPrimitive[] },
    ]) {
      const s = hierarchicalSpace(opts);
      let valid = 0n;
      for (const c of allChoices(s.decisions())) if (tryFromChoices(s, c)) valid++;
      expect(valid).toBe(s.size());
    }
    // 3-node motif, 2 non-none ops: connected edge sets {0->2}:2, {0->1,1->2}:4, {0->1,0->2}:4, {0->2,1->2}:4, all three:8 -> 22
    expect(hierarchicalSpace({ motifs: 1, motifNodes: 3, topNodes: 2, primitives: ["none", "conv_1x1", "identity"] }).size()).toBe(22n * 1n);
  });

  it("key ignores dead edges, node relabelling, motif renumbering, duplicate and unused motifs", () => {
    const k = space.key(base);
    const variants: [string, HierarchicalArch][] = [
      // motif0's dead edge 0->2 changed
      ["dead edge in a motif", { ...base, motifs: [setEdge(M0, 1, "avg_pool_3x3"), M1, M2, M3] }],
      // top node 2 is dead: give its edge another motif
      ["dead edge in the top", { ...base, top: setEdge(TOP, 1, "motif3") }],
      // motif2 = two parallel 2-hop paths through nodes 1 and 2 with the same ops: swap nodes 1 and 2 of motif1? use motif0: swap 1<->2
      ["nodes 1 and 2 of motif0 swapped", { ...base, motifs: [["sep_conv_3x3", "conv_1x1", "none", "identity", "none", "max_pool_3x3"], M1, M2, M3] }],
      ["motifs 0 and 3 renumbered", { motifs: [M3, M1, M2, M0], top: TOP.map((x) => (x === "motif0" ? "motif3" : x === "motif3" ? "motif0" : x)) }],
    ];
    for (const [what, v] of variants) expect(space.key(v), what).toBe(k);
    for (const [what, v] of variants) expect(space.distance(v, base), what).toBe(0);
    // unused motif: make motif1 unused by routing 0->1 through motif0, then change motif1 freely
    const unused = { ...base, top: setEdge(TOP, 0, "motif1"), motifs: [M0, M1, M2, M3] };
    const unusedChanged = { ...unused, motifs: [M3, M1, M2, M3], top: setEdge(TOP, 0, "motif1") };
    expect(space.key({ ...unused, motifs: [M0, M1, M2, M3] })).not.toBe(k);
    expect(space.key(unusedChanged)).toBe(space.key({ ...unusedChanged, motifs: [M1, M1, M2, M3] }));
    // identical motifs merge: using motif3 or an identical copy in slot 0 is the same network
    const copy = { motifs: [M3, M1, M2, M3], top: TOP.map((x) => (x === "motif0" ? "motif1" : x)) };
    const copyUsed = { ...copy, top: setEdge(copy.top, 9, "motif0") };
    expect(space.key(copyUsed)).toBe(space.key(copy));
    // a live change is a different architecture
    expect(space.key({ ...base, motifs: [setEdge(M0, 3, "conv_1x1"), M1, M2, M3] })).not.toBe(k);
    expect(space.key({ ...base, top: setEdge(TOP, 9, "motif2") })).not.toBe(k);
  });

  it.each([
    ["", ArchParseError, /empty string/],
    ["top=|motif0~0|", ArchParseError, /expected "motif0=" \(this space has 4 motifs/],
    [space.format(base).replace("conv_1x1~0|+", "conv_7x7~0|+"), UnknownOpError, /"conv_7x7" is not an op of hierarchical \(ops: none, conv_1x1/],
    [space.format(base).replace("|+|sep_conv_3x3~0|none~1|", "|+|sep_conv_3x3~0|none~2|"), ArchParseError, /edge into node 2 says ~2, expected ~1/],
    [space.format(base).replace("|motif3~3|", "|motif9~3|"), UnknownOpError, /"motif9" is not an op of hierarchical level 3 \(ops: none, motif0, motif1, motif2, motif3\)/],
    [space.format(base).replace(" top=", " "), ArchParseError, /expected "top=" after 4 motifs/],
  ])("parse(%j) throws %o naming the problem", (s, type, msg) => {
    expect(() => space.parse(s)).toThrow(type);
    expect(() => space.parse(s)).toThrow(msg);
  });

  it("validate rejects motifs that do not connect input to output", () => {
    const broken = { ...base, motifs: [M0, M1, M2, ["max_pool_3x3", "none", "none", "none", "none", "none"] as HierarchicalPrimitive[]] };
    expect(() => space.validate(broken)).toThrow(InvalidArchError);
    expect(() => space.validate(broken)).toThrow(/motif3 does not connect its input \(node 0\) to its output \(node 3\)/);
    expect(() => space.validate({ ...base, top: Array(10).fill("none") })).toThrow(/top motif does not connect/);
    expect(() => space.validate({ ...base, motifs: [M0] })).toThrow(/1 motifs, this space has 4/);
  });

  it("samples each edge op uniformly up to the rare rejection of disconnected motifs", () => {
    const rng = new Rng(3);
    const n = 2000;
    const ds = space.decisions();
    const counts = ds.map((d) => new Array<number>(decisionArity(d)).fill(0));
    for (let i = 0; i < n; i++) space.toChoices(space.sample(rng)).forEach((c, j) => counts[j]![c]!++);
    counts.forEach((cs, j) => {
      const chi2 = cs.reduce((s, c) => s + (c - n / cs.length) ** 2 / (n / cs.length), 0);
      expect(chi2, ds[j]!.name).toBeLessThan(30);
    });
  });

  it("neighbours are key-distinct, valid, and each changes exactly one edge op", () => {
    const ns = space.neighbours(base);
    // 4 motifs x 6 edges x 6 other ops + 10 top edges x 4 other ops = 184 one-edge changes, fewer after dropping
    // those that disconnect a motif or only touch dead edges (key-equal to base)
    // Exactly the brute-force set of one-decision changes (was: a count between 50 and 184).
    expect(new Set(ns.map((b) => space.key(b)))).toEqual(bruteForceNeighbourKeys(space, base));
    const c = space.toChoices(base);
    for (const b of ns) {
      space.validate(b);
      expect(hamming(space.toChoices(b), c)).toBe(1);
    }
    expect(new Set(ns.map((b) => space.key(b))).size).toBe(ns.length);
  });

  it("mutation follows the paper: one edge of one motif at level 2 or 3 changes", () => {
    const rng = new Rng(5);
    let level2 = 0;
    let level3 = 0;
    for (let t = 0; t < 200; t++) {
      const m = space.mutate(base, rng);
      const changedMotifs = m.motifs.filter((ops, i) => ops.some((op, e) => op !== base.motifs[i]![e])).length;
      const changedTop = m.top.filter((op, e) => op !== base.top[e]).length;
      expect(changedMotifs + changedTop).toBe(1);
      if (changedTop) level3++;
      else level2++;
      expect(space.key(m)).not.toBe(space.key(base));
    }
    expect(level2).toBeGreaterThan(60);
    expect(level3).toBeGreaterThan(60);
  });

  it("encodings: one-hot 4x6x7 + 10x5; adjacency and two-level path encodings of fixed length", () => {
    expect(space.encode(base, "onehot").length).toBe(4 * 6 * 7 + 10 * 5);
    expect(space.encode(base, "adjacency").length).toBe(4 * (6 + 6 * 6) + (10 + 10 * 4));
    const path = space.encode(base, "path");
    expect(path.length).toBe(4 * (1 + 6 + 36 + 216) + (1 + 4 + 16 + 64 + 256));
    // motif0 has 2 live paths (conv_1x1 then max_pool_3x3; identity), the top has 1 (motif0, motif2, motif3)
    expect(path.slice(0, 259).reduce((s, x) => s + x, 0)).toBe(2);
    expect(path.slice(4 * 259).reduce((s, x) => s + x, 0)).toBe(1);
    // dead edges do not show in the adjacency encoding
    expect(space.encode({ ...base, motifs: [setEdge(M0, 1, "avg_pool_3x3"), M1, M2, M3] }, "adjacency")).toEqual(space.encode(base, "adjacency"));
  });

  it("toGraph: the live top motif with subgraph ops, one subgraph per used motif", () => {
    const g = space.toGraph(base);
    expect(g.nodes.map((n) => n.id)).toEqual(["0", "1", "3", "4"]);
    expect(g.edges.map((e) => e.op)).toEqual(["subgraph:motif0", "subgraph:motif2", "subgraph:motif3"]);
    expect(Object.keys(g.subgraphs!).sort()).toEqual(["motif0", "motif2", "motif3"]);
    const m0 = g.subgraphs!.motif0!;
    expect(m0.nodes.map((n) => n.id)).toEqual(["0", "1", "3"]);
    expect(m0.edges).toHaveLength(3);
    expect(m0.combine).toBe("concat");
  });
});
