import { describe, expect, it } from "vitest";
import { allChoices, choiceNeighbours } from "../../src/space/choices.js";
import { hamming } from "../../src/space/encoding.js";
import type { Decision } from "../../src/space/types.js";

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
});
