import { describe, expect, it } from "vitest";
import { InvalidArchError } from "../../src/errors.js";
import { liveNodes, topologicalOrder } from "../../src/space/dag.js";

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
});
