import { describe, expect, it } from "vitest";
import { nodeOpAdjacency, oneHotChoices, triIndex } from "../../src/space/encoding.js";
import type { Decision } from "../../src/space/types.js";

describe("adjacency encoding", () => {
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

describe("one-hot encoding", () => {
  const ds: Decision[] = [
    { kind: "categorical", name: "a", choices: ["x", "y", "z"] },
    { kind: "anchor", name: "skip", layer: 1, from: 0 },
  ];

  it("oneHotChoices uses one slot per anchor and leaves inactive (-1) blocks empty", () => {
    expect(Array.from(oneHotChoices(ds, [2, 1]))).toEqual([0, 0, 1, 1]);
    expect(Array.from(oneHotChoices(ds, [-1, 0]))).toEqual([0, 0, 0, 0]);
  });
});
