import { describe, expect, it } from "vitest";
import { parseCsv } from "../../src/data/csv.js";
import { DataFileError } from "../../src/errors.js";

describe("parseCsv", () => {
  it("reads quoted fields with commas, escaped quotes and newlines, CRLF line ends, and numbers rows by file line", () => {
    const t = parseCsv('a,b,c\r\n1,"x, y",3\r\n\r\n4,"say ""hi""","two\nlines"\n5,,6', "t.csv");
    expect(t.header).toEqual(["a", "b", "c"]);
    expect(t.rows.map((r) => r.fields)).toEqual([["1", "x, y", "3"], ["4", 'say "hi"', "two\nlines"], ["5", "", "6"]]);
    expect(t.rows.map((r) => r.line)).toEqual([2, 4, 6]);
    expect(t.number(t.rows[2]!, "c")).toBe(6);
    expect(t.optionalNumber(t.rows[2]!, "b")).toBeUndefined();
  });

  it.each([
    ["an empty file", "", /t.csv is empty/],
    ["a short row", "a,b,c\n1,2,3\n1,2\n", /t.csv line 3 has 2 fields, the header has 3/],
    ["a long row", "a,b\n1,2,3\n", /t.csv line 2 has 3 fields, the header has 2/],
    ["an unclosed quote", 'a,b\n1,"2\n', /t.csv line 2: a quoted field is not closed/],
    ["text after a closing quote", 'a,b\n1,"2"x\n', /t.csv line 2: text after a closing quote/],
    ["a quote inside a field", 'a,b\n1,2"x"\n', /t.csv line 2: a quote inside an unquoted field/],
  ])("rejects %s with the file and line", (_, text, msg) => {
    expect(() => parseCsv(text, "t.csv")).toThrow(DataFileError);
    expect(() => parseCsv(text, "t.csv")).toThrow(msg);
  });

  it("typed accessors name file, line and column", () => {
    const t = parseCsv("name,v\nx,abc\ny,\nz,Infinity\nw,1e3\n", "t.csv");
    expect(() => t.number(t.rows[0]!, "v")).toThrow(/t.csv line 2: column v is "abc", expected a finite number/);
    expect(() => t.number(t.rows[1]!, "v")).toThrow(/t.csv line 3: column v is "", expected a finite number/);
    expect(() => t.number(t.rows[2]!, "v")).toThrow(/t.csv line 4: column v is "Infinity"/);
    expect(t.number(t.rows[3]!, "v")).toBe(1000);
    expect(t.number(t.rows[2]!, "v", { allowInfinite: true })).toBe(Infinity);
    expect(() => t.number(t.rows[0]!, "v", { allowInfinite: true })).toThrow(/"abc", expected a number or ±inf/);
    expect(() => t.oneOf(t.rows[0]!, "name", ["y", "z"] as const)).toThrow(/t.csv line 2: unknown name "x" \(expected one of: y, z\)/);
    expect(() => t.text(t.rows[0]!, "nope")).toThrow(/has no "nope" column \(columns: name, v\)/);
    expect(() => t.requireColumns(["name", "w", "q"])).toThrow(/lacks column\(s\) w, q/);
  });
});
