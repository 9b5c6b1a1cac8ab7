import { describe, expect, it } from "vitest";
import { Rng } from "../../src/rng.js";
import { DeltaPredictor, pairEncoding } from "../../src/predict/delta.js";
import { mlpEnsemble } from "../../src/predict/ensemble.js";
import { kendallTau } from "../../src/predict/rank.js";
import { bitSpace, type Bits } from "../fixtures/bitSpace.js";

/** Additive fitness with one interaction: the difference of two close strings depends only on the flipped bits. */
const weights = [3, -1, 2, 0.5, -2, 1, 1.5, -0.5];
const fitness = (a: Bits) => 50 + a.reduce((s, b, i) => s + b * weights[i]!, 0) + (a[0] && a[1] ? 1 : 0);

describe("pairEncoding", () => {
  it("is the difference of the two encodings", () => {
    expect(Array.from(pairEncoding(Float32Array.from([1, 0, 1]), Float32Array.from([0, 0, 1])))).toEqual([-1, 0, 0]);
    expect(() => pairEncoding(new Float32Array(2), new Float32Array(3))).toThrow(/same space and kind/);
  });
});

describe("DeltaPredictor", () => {
  const space = bitSpace(8);
  const rng = new Rng(1);
  const archs = Array.from({ length: 60 }, () => space.sample(rng));
  const y = archs.map(fitness);
  const p = new DeltaPredictor(space, mlpEnsemble({ members: 3, hidden: [16], epochs: 80 }), { encoding: "onehot", maxDistance: 3 });
  p.fit(archs, y, new Rng(2));

  it("ranks the one-step mutations of a parent by their true improvement", () => {
    const parent = [0, 0, 0, 0, 0, 0, 0, 0];
    const children = space.neighbours(parent);
    const pred = p.predict(parent, children).mean;
    const truth = children.map((c) => fitness(c) - fitness(parent));
    expect(kendallTau(pred, truth)).toBeGreaterThan(0.8);
  });

  it("is antisymmetric: a step and its reverse get opposite predictions, a null step predicts 0", () => {
    const a = [1, 0, 1, 0, 1, 0, 1, 0];
    const b = [1, 1, 1, 0, 1, 0, 1, 1];
    expect(p.predict(a, [b]).mean[0]!).toBeCloseTo(-p.predict(b, [a]).mean[0]!, 10);
    expect(p.predict(a, [a]).mean[0]).toBe(0);
  });

  it("trains on close pairs in both orders and reports how many", () => {
    expect(p.trainSize).toBeGreaterThan(60);
    expect(p.name).toMatch(/^delta:onehot:mlp-ensemble/);
  });

  it("needs two architectures and a fit before predicting", () => {
    const q = new DeltaPredictor(space, mlpEnsemble());
    expect(() => q.predict(archs[0]!, [archs[1]!])).toThrow(/predict before fit/);
    expect(() => q.fit([archs[0]!], [1], new Rng(1))).toThrow(/at least 2/);
  });
});

describe("DeltaPredictor close pairs", () => {
  const space = bitSpace(8);
  const rng = new Rng(11);
  const archs = Array.from({ length: 80 }, () => space.sample(rng));
  const y = archs.map(fitness);
  /** Ordered pairs (i != j) within `d`, by brute force over all pairs, duplicates of an architecture counted once. */
  const bruteForce = (xs: typeof archs, d: number) => {
    const firsts = xs.filter((a, i) => xs.findIndex((b) => space.format(b) === space.format(a)) === i);
    let n = 0;
    for (const a of firsts) for (const b of firsts) if (a !== b && space.distance(a, b) <= d) n++;
    return n;
  };

  it.each([1, 2, 3])("finds exactly the brute-force close pairs through neighbourhoods (maxDistance %i), and trains only on them", (d) => {
    const p = new DeltaPredictor(space, mlpEnsemble({ members: 1, hidden: [4], epochs: 2 }), { maxDistance: d, minPairs: 1, maxPairs: 10_000 });
    expect(p.fit(archs, y, new Rng(1))).toBe(true);
    expect(p.lastFit!.closePairs).toBe(bruteForce(archs, d));
    expect(p.lastFit!.pairs).toBe(p.lastFit!.closePairs);
    expect(p.lastFit!.withinDistance).toBe(1);
  });

  it("finds the same pairs without neighbourhoods (a space with only a distance) and when the history grows by appending", () => {
    const { neighbours: _, mutate: __, ...plain } = space;
    const p = new DeltaPredictor(plain, mlpEnsemble({ members: 1, hidden: [4], epochs: 2 }), { maxDistance: 2, minPairs: 1, maxPairs: 10_000 });
    p.fit(archs, y, new Rng(1));
    expect(p.lastFit!.closePairs).toBe(bruteForce(archs, 2));
    const q = new DeltaPredictor(space, mlpEnsemble({ members: 1, hidden: [4], epochs: 2 }), { maxDistance: 2, minPairs: 1, maxPairs: 10_000 });
    q.fit(archs.slice(0, 30), y.slice(0, 30), new Rng(1));
    q.fit(archs, y, new Rng(1));
    expect(q.lastFit!.closePairs).toBe(bruteForce(archs, 2));
  });

  it("does not fit, and never falls back to far pairs, until minPairs close pairs exist", () => {
    const far = [[0, 0, 0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1, 1]];
    const p = new DeltaPredictor(space, mlpEnsemble(), { maxDistance: 2, minPairs: 2 });
    expect(p.fit(far, far.map(fitness), new Rng(1))).toBe(false);
    expect(p.fitted).toBe(false);
    expect(() => p.predict(far[0]!, [far[1]!])).toThrow(/predict before fit/);
    const withClose = [...far, [0, 0, 0, 0, 0, 0, 0, 1]];
    expect(p.fit(withClose, withClose.map(fitness), new Rng(1))).toBe(true);
    expect(p.lastFit).toEqual({ pairs: 2, withinDistance: 1, closePairs: 2 });
  });
});

describe("DeltaPredictor with proxy features in its encoding", () => {
  // The fitness is a function of a per-architecture number the bits do not reveal (a hash): only a predictor that
  // sees that number (as a proxy feature) can rank a parent's children.
  const space = bitSpace(8);
  const hash = (a: Bits) => {
    let h = 2166136261;
    for (const b of a) h = Math.imul(h ^ (b + 1), 16777619);
    return ((h >>> 0) % 1000) / 1000;
  };
  const rng = new Rng(3);
  const archs = Array.from({ length: 80 }, () => space.sample(rng));
  const y = archs.map((a) => 10 * hash(a));
  const opts = { encoding: "onehot" as const, maxDistance: 3 };
  const plain = new DeltaPredictor(space, mlpEnsemble({ members: 3, hidden: [16], epochs: 80 }), opts);
  const withProxy = new DeltaPredictor(space, mlpEnsemble({ members: 3, hidden: [16], epochs: 80 }), { ...opts, features: (a: Bits) => Float32Array.of(hash(a)) });
  plain.fit(archs, y, new Rng(4));
  withProxy.fit(archs, y, new Rng(4));

  it("encodes a pair by the structural difference followed by the features' difference", () => {
    expect(withProxy.name).toMatch(/^delta:onehot\+features:/);
    // Through predict: a step whose features do not change and whose bits do not change predicts exactly 0.
    expect(withProxy.predict(archs[0]!, [archs[0]!]).mean[0]).toBe(0);
  });

  it("ranks a parent's children by the proxy when the bits alone cannot (Kendall tau, 5 parents)", () => {
    let tauPlain = 0;
    let tauProxy = 0;
    for (const parent of archs.slice(0, 5)) {
      const children = space.neighbours(parent);
      const truth = children.map((c) => 10 * (hash(c) - hash(parent)));
      tauPlain += kendallTau(plain.predict(parent, children).mean, truth) / 5;
      tauProxy += kendallTau(withProxy.predict(parent, children).mean, truth) / 5;
    }
    expect(tauProxy).toBeGreaterThan(0.8);
    expect(tauPlain).toBeLessThan(0.5);
  });
});
