import { describe, expect, it } from "vitest";
import { ArchParseError } from "../../src/errors.js";
import { ParseCursor } from "../../src/space/parse.js";

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
