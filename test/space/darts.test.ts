import { describe, expect, it } from "vitest";
import { bruteForceNeighbourKeys } from "./bruteForceNeighbours.js";
import { ArchParseError, InvalidArchError, UnknownOpError } from "../../src/errors.js";
import { Rng } from "../../src/rng.js";
import { allChoices, decisionArity, tryFromChoices } from "../../src/space/choices.js";
import { spaceContractViolations } from "../../src/space/contract.js";
import { hamming } from "../../src/space/encoding.js";
import { dartsSpace, type DartsArch, type DartsEdge } from "../../src/space/darts.js";

const space = dartsSpace();
// DARTS_V2 as published in the DARTS repository (genotypes.py), the cell of the paper's Figure 4/5.
const DARTS_V2 =
  "normal=[(sep_conv_3x3,0),(sep_conv_3x3,1),(sep_conv_3x3,0),(sep_conv_3x3,1),(sep_conv_3x3,1),(skip_connect,0),(skip_connect,0),(dil_conv_3x3,2)] " +
  "reduce=[(max_pool_3x3,0),(max_pool_3x3,1),(skip_connect,2),(max_pool_3x3,1),(max_pool_3x3,0),(skip_connect,2),(skip_connect,2),(max_pool_3x3,1)]";
const DARTS_V2_PYTHON =
  "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), " +
  "('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), " +
  "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), " +
  "('max_pool_3x3', 1)], reduce_concat=range(2, 6))";

const withNormal = (a: DartsArch, normal: DartsEdge[]): DartsArch => ({ normal, reduce: a.reduce });

describe("dartsSpace", () => {
  it("meets the FullSpace contract on seeded samples", () => {
    expect(spaceContractViolations(space, new Rng(1), 25)).toEqual([]);
    expect(spaceContractViolations(dartsSpace({ nodes: 2, ops: ["skip_connect", "sep_conv_3x3"] }), new Rng(2), 40)).toEqual([]);
  });

  it("reads DARTS_V2 in its own format and as the Python Genotype repr", () => {
    const a = space.parse(DARTS_V2);
    expect(space.format(a)).toBe(DARTS_V2);
    expect(space.parse(DARTS_V2_PYTHON)).toEqual(a);
    expect(a.normal[7]).toEqual({ op: "dil_conv_3x3", from: 2 });
  });

  it("size() counts genotypes as written, (2*6*12*20 * 7^8)^2, and matches brute force on small configurations", () => {
    expect(space.size()).toBe((2n * 6n * 12n * 20n * 7n ** 8n) ** 2n);
    for (const opts of [{ nodes: 1, ops: ["skip_connect", "sep_conv_3x3"] as const }, { nodes: 2, ops: ["max_pool_3x3"] as const }]) {
      const s = dartsSpace({ ...opts, ops: [...opts.ops] });
      let valid = 0n;
      for (const c of allChoices(s.decisions())) if (tryFromChoices(s, c)) valid++;
      expect(valid).toBe(s.size());
    }
  });

  it("key classes on a small cell match a hand count: unordered edge pairs and swappable parallel nodes", () => {
    // 2 nodes, 2 ops. Node 2: 1 input pair x 4 op pairs = 4. Node 3 using node 2: 2 pairs x 4 = 8 -> 32 cells.
    // Node 3 on {0,1} too: nodes 2 and 3 are interchangeable -> multisets of 2 of 4 configurations = 10.
    const s = dartsSpace({ nodes: 2, ops: ["skip_connect", "sep_conv_3x3"] });
    const base = s.sample(new Rng(0));
    const keys = new Set<string>();
    let written = 0;
    const ops = ["skip_connect", "sep_conv_3x3"] as const;
    for (const [f0, f1, f2, f3] of [[0, 1, 0, 1], [0, 1, 1, 0], [1, 0, 0, 1], [1, 0, 1, 0], [0, 1, 0, 2], [0, 1, 2, 0], [0, 1, 1, 2], [0, 1, 2, 1], [1, 0, 0, 2], [1, 0, 2, 0], [1, 0, 1, 2], [1, 0, 2, 1]]) {
      for (const o0 of ops) for (const o1 of ops) for (const o2 of ops) for (const o3 of ops) {
        const normal = [{ op: o0, from: f0! }, { op: o1, from: f1! }, { op: o2, from: f2! }, { op: o3, from: f3! }];
        keys.add(s.key(withNormal(base, normal)));
        written++;
      }
    }
    expect(written).toBe(192);
    expect(keys.size).toBe(42);
  });

  it("key ignores edge order within a node and relabellings of parallel nodes (DARTS_V2 nodes 2 and 3 are twins)", () => {
    const a = space.parse(DARTS_V2);
    const swappedPair = withNormal(a, [a.normal[1]!, a.normal[0]!, ...a.normal.slice(2)]);
    const otherTwin = withNormal(a, [...a.normal.slice(0, 7), { op: "dil_conv_3x3", from: 3 }]);
    const different = withNormal(a, [...a.normal.slice(0, 7), { op: "dil_conv_3x3", from: 4 }]);
    expect(space.key(swappedPair)).toBe(space.key(a));
    expect(space.key(otherTwin)).toBe(space.key(a));
    expect(space.distance(otherTwin, a)).toBe(0);
    expect(space.key(different)).not.toBe(space.key(a));
    // relabel nodes 4 and 5 of a cell where they do not feed each other
    const p = space.parse(
      "normal=[(sep_conv_3x3,0),(sep_conv_5x5,1),(skip_connect,2),(max_pool_3x3,0),(avg_pool_3x3,3),(dil_conv_3x3,1),(dil_conv_5x5,2),(sep_conv_3x3,3)] " +
        "reduce=[(max_pool_3x3,0),(max_pool_3x3,1),(skip_connect,2),(max_pool_3x3,1),(max_pool_3x3,0),(skip_connect,2),(skip_connect,2),(max_pool_3x3,1)]",
    );
    const q = withNormal(p, [...p.normal.slice(0, 4), p.normal[7]!, p.normal[6]!, p.normal[5]!, p.normal[4]!]);
    expect(space.key(q)).toBe(space.key(p));
  });

  it("c_{k-2} and c_{k-1} are different inputs: swapping them changes the key, and canonical keeps them in place", () => {
    const a = space.parse(DARTS_V2);
    const swap = (e: DartsEdge): DartsEdge => ({ op: e.op, from: e.from < 2 ? 1 - e.from : e.from });
    const swapped = { normal: a.normal.map(swap), reduce: a.reduce.map(swap) };
    expect(space.key(swapped)).not.toBe(space.key(a));
    expect(space.distance(swapped, a)).toBeGreaterThan(0);
    const c = space.canonical(a);
    expect(c.normal.slice(0, 2)).toEqual([{ op: "sep_conv_3x3", from: 0 }, { op: "sep_conv_3x3", from: 1 }]);
    expect(space.canonical(c)).toEqual(c);
  });

  it.each([
    ["", ArchParseError, /empty string/],
    ["normal=[(sep_conv_3x3,0)] reduce=[]", ArchParseError, /lists 1 edges, it needs 8/],
    [DARTS_V2.replace("reduce", "reduction"), ArchParseError, /expected "reduce"/],
    [DARTS_V2.replace("(dil_conv_3x3,2)", "(conv_3x3,2)"), UnknownOpError, /"conv_3x3" is not an op of darts \(ops: max_pool_3x3/],
    [DARTS_V2.replace("(dil_conv_3x3,2)", "(none,2)"), InvalidArchError, /"none" is the supernet's zero op and never appears in a derived genotype/],
    [DARTS_V2.replace("(dil_conv_3x3,2)", "(dil_conv_3x3,5)"), InvalidArchError, /node 5 can only take nodes 0..4/],
    [DARTS_V2.replace("(skip_connect,0),(dil_conv_3x3,2)", "(skip_connect,2),(dil_conv_3x3,2)"), InvalidArchError, /takes node 2 twice/],
    [DARTS_V2_PYTHON.replace("reduce_concat=range(2, 6)", "reduce_concat=range(2, 5)"), ArchParseError, /reduce_concat must be range\(2, 6\)/],
  ])("parse(%j) throws %o naming the problem", (s, type, msg) => {
    expect(() => space.parse(s)).toThrow(type);
    expect(() => space.parse(s)).toThrow(msg);
  });

  it("validate rejects wrong edge counts and options rejects none", () => {
    const a = space.parse(DARTS_V2);
    expect(() => space.validate({ normal: a.normal.slice(0, 6), reduce: a.reduce })).toThrow(/normal cell needs 8 edges/);
    expect(() => dartsSpace({ ops: ["none", "skip_connect"] })).toThrow(/never appears in a derived genotype/);
  });

  it("samples inputs and ops uniformly (chi-square per decision)", () => {
    const rng = new Rng(3);
    const ds = space.decisions();
    const n = 3000;
    const counts = ds.map((d) => new Array<number>(decisionArity(d)).fill(0));
    for (let i = 0; i < n; i++) space.toChoices(space.sample(rng)).forEach((c, j) => counts[j]![c]!++);
    counts.forEach((cs, j) => {
      const chi2 = cs.reduce((s, c) => s + (c - n / cs.length) ** 2 / (n / cs.length), 0);
      expect(chi2, ds[j]!.name).toBeLessThan(22.5); // 0.999 quantile, 6 degrees of freedom
    });
  });

  it("neighbours change exactly one input or op; mutate picks one of them", () => {
    const a = space.parse(DARTS_V2);
    const ns = space.neighbours(a);
    expect(new Set(ns.map((b) => space.key(b)))).toEqual(bruteForceNeighbourKeys(space, a)); // was: > 100 of them
    for (const b of ns) expect(hamming(space.toChoices(a), space.toChoices(b))).toBe(1);
    const keys = new Set(ns.map((b) => space.key(b)));
    const rng = new Rng(9);
    for (let i = 0; i < 50; i++) expect(keys.has(space.key(space.mutate(a, rng)))).toBe(true);
  });

  it("encodings: one-hot 168, adjacency = alpha layout 2 x 14 edges x 7 ops, exact path encoding 2 x 2 x (1+7+...+7^4)", () => {
    const a = space.parse(DARTS_V2);
    expect(space.encode(a, "onehot").length).toBe(2 * (2 * (2 + 3 + 4 + 5) + 8 * 7));
    const adj = space.encode(a, "adjacency");
    expect(adj.length).toBe(2 * 14 * 7);
    expect(adj.reduce((s, x) => s + x, 0)).toBe(16);
    const path = space.encode(a, "path");
    expect(path.length).toBe(2 * 2 * (1 + 7 + 49 + 343 + 2401));
    // normal cell of DARTS_V2: paths 0-sep3, 1-sep3 (node 2, 3), 1-sep3, 0-skip (node 4), 0-skip, 0-sep3-dil3, 1-sep3-dil3 (node 5)
    expect(path.slice(0, path.length / 2).reduce((s, x) => s + x, 0)).toBe(5);
  });

  it("toGraph: stem, 8 cells fed by the two previous cells (reductions at 2 and 5), classifier; cells as subgraphs", () => {
    const g = space.toGraph(space.parse(DARTS_V2));
    expect(g.nodes).toHaveLength(10);
    expect(g.edges).toHaveLength(17);
    expect(g.nodes.filter((x) => x.op === "subgraph:reduce").map((x) => x.id)).toEqual(["cell2", "cell5"]);
    const normal = g.subgraphs!.normal!;
    expect(normal.nodes).toHaveLength(7);
    expect(normal.edges.filter((e) => e.op)).toHaveLength(8);
    expect(normal.edges.filter((e) => e.to === "output")).toHaveLength(4);
  });
});
