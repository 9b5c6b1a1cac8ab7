import { describe, expect, it } from "vitest";
import type { IndexEdge } from "../../src/space/dag.js";
import { edgeOpPaths, encodePaths, pathEncodingLength } from "../../src/space/pathEncoding.js";

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
