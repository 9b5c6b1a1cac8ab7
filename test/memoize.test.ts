import { describe, expect, it } from "vitest";
import { memoize } from "../src/memoize.js";

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
