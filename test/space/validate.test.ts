import { describe, expect, it } from "vitest";
import { InvalidArchError, UnknownOpError } from "../../src/errors.js";
import { chainSpace } from "../../src/space/chain.js";
import { opIndexOf, requireDistinctPositiveInts, requireOneOf } from "../../src/space/validate.js";
import { zophLeSpace } from "../../src/space/zophLe.js";

describe("space option and arch checks", () => {
  it("requireDistinctPositiveInts names the space and the option, for every bad list", () => {
    expect(() => requireDistinctPositiveInts("demo", "widths", [1, 3])).not.toThrow();
    for (const bad of [[], [3, 3], [0, 1], [1.5], [-2]]) {
      expect(() => requireDistinctPositiveInts("demo", "widths", bad)).toThrow(InvalidArchError);
      expect(() => requireDistinctPositiveInts("demo", "widths", bad)).toThrow(/^demo: option widths must be a non-empty list of distinct positive integers$/);
    }
  });

  it("chain and zophLe reject a repeated option value with that message", () => {
    expect(() => chainSpace({ filters: [8, 8] })).toThrow(/chain: option filters must be a non-empty list of distinct positive integers/);
    expect(() => zophLeSpace({ strides: [] })).toThrow(/zophLe: option strides must be a non-empty list of distinct positive integers/);
  });

  it("opIndexOf and requireOneOf name the bad value and what is allowed", () => {
    expect(opIndexOf("b", ["a", "b"], "demo")).toBe(1);
    expect(() => opIndexOf("c", ["a", "b"], "demo")).toThrow(UnknownOpError);
    expect(() => requireOneOf("demo", "layer 0 units", 7, [8, 16])).toThrow(/demo: layer 0 units is 7, must be one of 8, 16/);
  });
});
