// Reading and writing .ipynb: clear errors for what is not a notebook, deterministic cell ids, and output that
// matches what Jupyter's own nbformat writes (checked against Python's nbformat when it is installed).
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  codeCell, markdownCell, notebookOf, outputs, parseIpynb, serializeIpynb, splitLines, NotebookFormatError,
} from "../../src/notebook/ipynb.js";

const python = "/usr/bin/python3";
const hasNbformat = spawnSync(python, ["-c", "import nbformat"], { stdio: "ignore" }).status === 0;

function sample() {
  const code = codeCell("run", "const a = 1;\na + 1");
  code.execution_count = 1;
  code.outputs = [
    outputs.stream("stdout", "line one\nline two\n"),
    outputs.result(1, { "text/plain": "2", "text/html": "<b>2</b>\n<i>two</i>" }),
    outputs.display({ "application/vnd.plotly.v1+json": { data: [{ x: [1, 2], y: [3, 4] }], layout: {} }, "text/plain": "fig" }),
    outputs.error({ ename: "Error", evalue: "boom", traceback: ["Error: boom", "    at cell[run]:2:1"] }),
  ];
  return notebookOf([markdownCell("intro", "# Title\n\nSome *prose*."), code, codeCell("empty", "")]);
}

describe("ipynb", () => {
  it.each([
    ["not JSON", "{cells: [", /is not JSON/],
    ["no cells", JSON.stringify({ nbformat: 4, metadata: {} }), /no "cells" list/],
    ["nbformat 3", JSON.stringify({ nbformat: 3, cells: [] }), /nbformat 3; nasbook reads nbformat 4/],
    ["bad cell type", JSON.stringify({ nbformat: 4, cells: [{ cell_type: "heading", source: "" }] }), /cell 1 has cell_type "heading"/],
  ])("rejects %s with a message naming the problem", (_name, text, message) => {
    expect(() => parseIpynb(text, "x.ipynb")).toThrow(NotebookFormatError);
    expect(() => parseIpynb(text, "x.ipynb")).toThrow(message);
  });

  it("gives cells without an id (nbformat 4.4) deterministic, unique ids and upgrades to 4.5", () => {
    const text = JSON.stringify({
      nbformat: 4, nbformat_minor: 4, metadata: {},
      cells: [
        { cell_type: "code", source: ["a\n", "b"], metadata: {}, outputs: [], execution_count: null },
        { cell_type: "markdown", source: "x", metadata: {} },
        { cell_type: "code", id: "cell-1", source: "c", metadata: {}, outputs: [], execution_count: 3 },
      ],
    });
    const a = parseIpynb(text);
    const b = parseIpynb(text);
    expect(a.cells.map((c) => c.id)).toEqual(b.cells.map((c) => c.id));
    expect(new Set(a.cells.map((c) => c.id)).size).toBe(3);
    expect(a.nbformat_minor).toBe(5);
    expect(a.cells[0]!.source).toBe("a\nb");
  });

  it.each([
    ["", []],
    ["a", ["a"]],
    ["a\n", ["a\n"]],
    ["a\nb", ["a\n", "b"]],
    ["a\n\nb\n", ["a\n", "\n", "b\n"]],
  ])("splits %j into lines as nbformat does", (s, lines) => {
    expect(splitLines(s)).toEqual(lines);
    expect(splitLines(s).join("")).toBe(s);
  });

  it("round-trips through serialize and parse, and serialising twice gives the same bytes", () => {
    const nb = sample();
    const text = serializeIpynb(nb);
    expect(text.endsWith("}\n")).toBe(true);
    expect(serializeIpynb(parseIpynb(text))).toBe(text);
    const back = parseIpynb(text);
    expect(back.cells.map((c) => c.id)).toEqual(["intro", "run", "empty"]);
  });

  it.skipIf(!hasNbformat && !process.env.CI)("writes exactly what Python's nbformat writes, and nbformat validates it", () => {
    const text = serializeIpynb(sample());
    const r = spawnSync(python, ["-c", [
      "import sys, nbformat",
      "text = sys.stdin.read()",
      "nb = nbformat.reads(text, as_version=4)",
      "nbformat.validate(nb)",
      "sys.stdout.write(nbformat.writes(nb) + '\\n')",
    ].join("\n")], { input: text, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(text);
  });
});
