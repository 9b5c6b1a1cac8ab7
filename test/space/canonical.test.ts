import { describe, expect, it } from "vitest";
import { Rng } from "../../src/rng.js";
import { canonicalForm, type LabelledDag } from "../../src/space/canonical.js";
import type { IndexEdge } from "../../src/space/dag.js";


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

  it("prunes by automorphisms: 9 parallel 2-node chains (9! labellings) take a search tree quadratic in the nodes, relabel-invariantly", () => {
    const labels = ["in", ...Array<string>(18).fill("h"), "out"];
    const edges: IndexEdge[] = [];
    for (let k = 0; k < 9; k++) edges.push([0, 1 + 2 * k, "x"], [1 + 2 * k, 2 + 2 * k, "x"], [2 + 2 * k, 19, "x"]);
    const g: LabelledDag = { labels, edges };
    // The work is counted, not timed: 129 nodes with orbit pruning, more than 200 000 without (it explores the 9!
    // orders of the chains), on any machine. The limit makes a lost pruning fail at once.
    const limit = { maxSearchNodes: labels.length ** 2 };
    const { key, searchNodes } = canonicalForm(g, limit);
    console.log(`canonicalForm of 9 parallel chains: ${searchNodes} search-tree nodes`);
    const rng = new Rng(2);
    const perm = [0, ...rng.shuffle(Array.from({ length: 18 }, (_, i) => i + 1)), 19];
    expect(canonicalForm(relabel(g, perm), limit).key).toBe(key);
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

  it("handles symmetric graphs: 12 twins with one branch per level, and two copies of a path that need individualisation", () => {
    const twins: LabelledDag = {
      labels: ["in", ...Array<string>(12).fill("h"), "out"],
      edges: Array.from({ length: 12 }, (_, i) => [[0, i + 1, "x"] as const, [i + 1, 13, "y"] as const]).flat(),
    };
    // Branching on one twin per level: 12 search-tree nodes; about 300 without twin pruning (orbits only), 12! without both.
    const { key, searchNodes } = canonicalForm(twins, { maxSearchNodes: 2 * twins.labels.length });
    expect(key).toBeTypeOf("string");
    console.log(`canonicalForm of 12 twins: ${searchNodes} search-tree nodes`);
    const twoPaths: LabelledDag = { labels: ["a", "a", "b", "b"], edges: [[0, 2, "x"], [1, 3, "x"]] };
    const crossed: LabelledDag = { labels: ["a", "a", "b", "b"], edges: [[0, 3, "x"], [1, 2, "x"]] };
    const joined: LabelledDag = { labels: ["a", "a", "b", "b"], edges: [[0, 2, "x"], [0, 3, "x"]] };
    expect(canonicalForm(twoPaths).key).toBe(canonicalForm(crossed).key);
    expect(canonicalForm(twoPaths).key).not.toBe(canonicalForm(joined).key);
  });
});
