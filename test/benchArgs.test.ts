// bench/args.ts: the benchmarks' flags through node:util parseArgs.
import { describe, expect, it } from "vitest";
import { booleanFlag, numberFlags, stringFlag } from "../bench/args.js";

describe("bench flags", () => {
  it("reads --name VALUE and --name=VALUE, ignoring other flags", () => {
    expect(stringFlag("seeds", ["--lstm", "--seeds", "5", "--data", "d"])).toBe("5");
    expect(stringFlag("data", ["--seeds=5", "--data=../shared/data"])).toBe("../shared/data");
    expect(stringFlag("queries", ["--seeds", "5"])).toBeUndefined();
  });

  it("booleans are present or not", () => {
    expect(booleanFlag("lstm", ["--seeds", "5", "--lstm"])).toBe(true);
    expect(booleanFlag("lstm", ["--seeds", "5"])).toBe(false);
  });

  it("number flags take kebab or camel names, keep defaults, and reject unknown flags and non-numbers", () => {
    const defaults = { steps: 200, kendallExamples: 4000 };
    expect(numberFlags(["--kendall-examples", "10"], defaults)).toEqual({ steps: 200, kendallExamples: 10 });
    expect(numberFlags(["--kendallExamples=7", "--steps", "3"], defaults)).toEqual({ steps: 3, kendallExamples: 7 });
    expect(() => numberFlags(["--step", "3"], defaults)).toThrow(/--step.*\(flags: --steps, --kendall-examples, --kendallExamples\)/);
    expect(() => numberFlags(["--steps", "many"], defaults)).toThrow(/--steps needs a number, got "many"/);
  });
});
