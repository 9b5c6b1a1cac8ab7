import { describe, expect, it } from "vitest";
import { ArchParseError, InvalidArchError } from "../../src/errors.js";
import { Rng } from "../../src/rng.js";
import {
  allChoices,
  canonicalForm,
  choiceNeighbours,
  edgeOpPaths,
  encodePaths,
  hamming,
  liveNodes,
  memoize,
  nodeOpAdjacency,
  oneHotChoices,
  ParseCursor,
  pathEncodingLength,
  topologicalOrder,
  triIndex,
  type IndexEdge,
  type LabelledDag,
} from "../../src/space/common.js";
import type { Decision } from "../../src/space/types.js";

function randomDag(rng: Rng, n: number, nodeLabels: string[], edgeLabels: string[], p: number): LabelledDag {
  const edges: IndexEdge[] = [];
  for (let j = 1; j < n; j++) for (let i = 0; i < j; i++) if (rng.bool(p)) edges.push([i, j, rng.choice(edgeLabels)]);
  return { labels: Array.from({ length: n }, () => rng.choice(nodeLabels)), edges };
}

function relabel(g: LabelledDag, perm: number[]): LabelledDag {
  const labels = new Array<string>(g.labels.length);
  g.labels.forEach((l, v) => (labels[perm[v]!] = l));
  return { labels, edges: g.edges.map(([f, t, l]) => [perm[f]!, perm[t]!, l] as const) };
}

function* permutations(n: number): Generator<number[]> {
  const p = Array.from({ length: n }, (_, i) => i);
  const rec = function* (k: number): Generator<number[]> {
    if (k === n) yield p.slice();
    for (let i = k; i < n; i++) {
      [p[k], p[i]] = [p[i]!, p[k]!];
      yield* rec(k + 1);
      [p[k], p[i]] = [p[i]!, p[k]!];
    }
  };
  yield* rec(0);
}

const edgeBag = (g: LabelledDag): string => g.edges.map(([f, t, l]) => `${f}>${t}:${l}`).sort().join(",");

function bruteIsomorphic(a: LabelledDag, b: LabelledDag): boolean {
  if (a.labels.length !== b.labels.length || a.edges.length !== b.edges.length) return false;
  const target = edgeBag(b);
  for (const p of permutations(a.labels.length)) {
    const r = relabel(a, p);
    if (r.labels.every((l, i) => l === b.labels[i]) && edgeBag(r) === target) return true;
  }
  return false;
}

describe("canonicalForm", () => {
  it("gives equal keys exactly for isomorphic DAGs (checked against brute force over all permutations)", () => {
    const rng = new Rng(11);
    const graphs = Array.from({ length: 160 }, () => randomDag(rng, 5, ["a", "b"], ["x", "y"], 0.35));
    const keys = graphs.map((g) => canonicalForm(g).key);
    let isoPairs = 0;
    for (let i = 0; i < graphs.length; i += 2) {
      for (let j = i + 1; j < graphs.length; j += 3) {
        const iso = bruteIsomorphic(graphs[i]!, graphs[j]!);
        if (iso) isoPairs++;
        expect(keys[i] === keys[j]).toBe(iso);
      }
    }
    expect(isoPairs).toBeGreaterThan(0); // the sample must exercise the positive case too
  });

  it("stays exact on highly symmetric single-label DAGs (brute force, 6 nodes)", () => {
    const rng = new Rng(21);
    const graphs = Array.from({ length: 60 }, () => randomDag(rng, 6, ["a"], ["x"], 0.3));
    const keys = graphs.map((g) => canonicalForm(g).key);
    let isoPairs = 0;
    for (let i = 0; i < graphs.length; i++) {
      for (let j = i + 1; j < graphs.length; j += 4) {
        const iso = bruteIsomorphic(graphs[i]!, graphs[j]!);
        if (iso) isoPairs++;
        expect(keys[i] === keys[j]).toBe(iso);
      }
    }
    expect(isoPairs).toBeGreaterThan(0);
  });

  it("prunes by automorphisms: 9 parallel 2-node chains (9! labellings) canonicalise fast and relabel-invariantly", () => {
    const labels = ["in", ...Array<string>(18).fill("h"), "out"];
    const edges: IndexEdge[] = [];
    for (let k = 0; k < 9; k++) edges.push([0, 1 + 2 * k, "x"], [1 + 2 * k, 2 + 2 * k, "x"], [2 + 2 * k, 19, "x"]);
    const g: LabelledDag = { labels, edges };
    const t0 = performance.now();
    const key = canonicalForm(g).key;
    expect(performance.now() - t0).toBeLessThan(3000);
    const rng = new Rng(2);
    const perm = [0, ...rng.shuffle(Array.from({ length: 18 }, (_, i) => i + 1)), 19];
    expect(canonicalForm(relabel(g, perm)).key).toBe(key);
  });

  it("is invariant under random relabelling, including parallel edges", () => {
    const rng = new Rng(5);
    for (let t = 0; t < 100; t++) {
      const g = randomDag(rng, 7, ["a", "b", "c"], ["x", "y"], 0.4);
      const withParallel: LabelledDag = { labels: g.labels, edges: [...g.edges, ...g.edges.slice(0, 2)] };
      const perm = rng.shuffle(Array.from({ length: 7 }, (_, i) => i));
      expect(canonicalForm(relabel(withParallel, perm)).key).toBe(canonicalForm(withParallel).key);
    }
  });

  it("returns a topological order", () => {
    const rng = new Rng(9);
    for (let t = 0; t < 50; t++) {
      const g = randomDag(rng, 8, ["a"], ["x"], 0.3);
      const { order } = canonicalForm(g);
      const pos = new Map(order.map((v, p) => [v, p]));
      for (const [f, to] of g.edges) expect(pos.get(f)!).toBeLessThan(pos.get(to)!);
      expect([...order].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    }
  });

  it("handles symmetric graphs: 12 twins quickly, and two copies of a path that need individualisation", () => {
    const twins: LabelledDag = {
      labels: ["in", ...Array<string>(12).fill("h"), "out"],
      edges: Array.from({ length: 12 }, (_, i) => [[0, i + 1, "x"] as const, [i + 1, 13, "y"] as const]).flat(),
    };
    const t0 = performance.now();
    expect(canonicalForm(twins).key).toBeTypeOf("string");
    expect(performance.now() - t0).toBeLessThan(2000);
    const twoPaths: LabelledDag = { labels: ["a", "a", "b", "b"], edges: [[0, 2, "x"], [1, 3, "x"]] };
    const crossed: LabelledDag = { labels: ["a", "a", "b", "b"], edges: [[0, 3, "x"], [1, 2, "x"]] };
    const joined: LabelledDag = { labels: ["a", "a", "b", "b"], edges: [[0, 2, "x"], [0, 3, "x"]] };
    expect(canonicalForm(twoPaths).key).toBe(canonicalForm(crossed).key);
    expect(canonicalForm(twoPaths).key).not.toBe(canonicalForm(joined).key);
  });
});

describe("DAG helpers", () => {
  it("topologicalOrder orders edges and names a node on a cycle", () => {
    expect(topologicalOrder(3, [[2, 1], [1, 0]])).toEqual([2, 1, 0]);
    expect(() => topologicalOrder(3, [[0, 1], [1, 2], [2, 1]])).toThrow(InvalidArchError);
    expect(() => topologicalOrder(3, [[0, 1], [1, 2], [2, 1]])).toThrow(/cycle through node 1/);
  });

  it("liveNodes keeps only nodes on an input-to-output path", () => {
    // 0 -> 1 -> 3 (output), 0 -> 2 (dead end), 4 -> 3 (unreachable from the input)
    expect(liveNodes(5, [[0, 1], [1, 3], [0, 2], [4, 3]], [0], [3])).toEqual([true, true, false, true, false]);
  });

  it("triIndex enumerates the upper triangle row by row", () => {
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) for (let j = i + 1; j < 5; j++) seen.push(triIndex(i, j, 5));
    expect(seen).toEqual(Array.from({ length: 10 }, (_, k) => k));
  });

  it("nodeOpAdjacency writes edges and op one-hots at fixed positions", () => {
    const e = nodeOpAdjacency(4, [[0, 1], [1, 2]], [-1, 1, -1], 3);
    expect(e.length).toBe(6 + 12);
    expect(Array.from(e.slice(0, 6))).toEqual([1, 0, 0, 1, 0, 0]);
    expect(Array.from(e.slice(6))).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe("path encoding", () => {
  it("has one feature per (input, op sequence) and marks exactly the paths present", () => {
    // inputs 0 and 1; node 2 = op0(0) + op1(1); output 3 = concat(2) with an op-less edge
    const edges: IndexEdge[] = [[0, 2, "0"], [1, 2, "1"], [2, 3, ""]];
    const paths = edgeOpPaths(4, edges, [0, 1], 3, (e) => (e[2] === "" ? -1 : Number(e[2])));
    expect(paths).toEqual([{ start: 0, ops: [0] }, { start: 1, ops: [1] }]);
    expect(pathEncodingLength(2, 2, 2)).toBe(2 * (1 + 2 + 4));
    const enc = encodePaths(paths, 2, 2, 2);
    expect(Array.from(enc)).toEqual([0, 1, 0, 0, 0, 0, 0, /* input 1 */ 0, 0, 1, 0, 0, 0, 0]);
  });

  it("truncates paths longer than maxLen to their first maxLen ops", () => {
    const long = encodePaths([{ start: 0, ops: [1, 0, 1] }], 1, 2, 2);
    const prefix = encodePaths([{ start: 0, ops: [1, 0] }], 1, 2, 2);
    expect(Array.from(long)).toEqual(Array.from(prefix));
  });
});

describe("choice vectors", () => {
  const ds: Decision[] = [
    { kind: "categorical", name: "a", choices: ["x", "y", "z"] },
    { kind: "anchor", name: "skip", layer: 1, from: 0 },
  ];

  it("allChoices enumerates the product of arities", () => {
    expect([...allChoices(ds)]).toHaveLength(6);
  });

  it("choiceNeighbours changes exactly one decision", () => {
    const ns = choiceNeighbours(ds, [1, 0]);
    expect(ns).toEqual([[0, 0], [2, 0], [1, 1]]);
    for (const n of ns) expect(hamming(n, [1, 0])).toBe(1);
  });

  it("oneHotChoices uses one slot per anchor and leaves inactive (-1) blocks empty", () => {
    expect(Array.from(oneHotChoices(ds, [2, 1]))).toEqual([0, 0, 1, 1]);
    expect(Array.from(oneHotChoices(ds, [-1, 0]))).toEqual([0, 0, 0, 0]);
  });
});

describe("memoize", () => {
  it("computes each key once until the cache limit, then starts afresh", () => {
    let calls = 0;
    const f = memoize((k: string) => {
      calls++;
      return k.length;
    }, 2);
    expect([f("a"), f("bb"), f("a"), f("bb")]).toEqual([1, 2, 1, 2]);
    expect(calls).toBe(2);
    f("ccc"); // cache full: dropped, then "ccc" stored
    f("a");
    expect(calls).toBe(4);
  });
});

describe("ParseCursor", () => {
  it("errors quote the text, the position and the expected form", () => {
    const c = new ParseCursor("conv(32;3)", "demo", "conv(F,K)");
    c.word();
    c.expect("(");
    c.int();
    expect(() => c.expect(",")).toThrow(ArchParseError);
    try {
      c.expect(",");
    } catch (e) {
      expect((e as Error).message).toMatch(/expected ","/);
      expect((e as Error).message).toMatch(/position 7/);
      expect((e as Error).message).toMatch(/expected form: conv\(F,K\)/);
    }
  });
});

describe("spaceContractViolations", () => {
  it("reports a space that breaks the contract, and passes a conforming one", async () => {
    const { chainSpace } = await import("../../src/space/chain.js");
    const { spaceContractViolations } = await import("../../src/space/common.js");
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
