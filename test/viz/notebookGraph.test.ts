import { describe, expect, it } from "vitest";
import { JSDOM } from "jsdom";
import { formatDuration, notebookGraph, STATE_STYLE } from "../../src/viz/notebookGraph.js";
import { notebook } from "./fixtures.js";

const { DOMParser } = new JSDOM("").window;
const parse = (svg: string): Document => new DOMParser().parseFromString(svg, "image/svg+xml");

describe("notebookGraph", () => {
  it("draws one box per cell coloured by its state, with label, defined names and last run time", () => {
    const nb = notebook();
    const doc = parse(notebookGraph(nb).svg);
    expect(doc.getElementsByTagName("parsererror")).toHaveLength(0);
    const cells = [...doc.querySelectorAll("g.nb-cell")];
    expect(cells.map((c) => c.getAttribute("data-cell"))).toEqual(nb.cells.map((c) => c.id));
    for (const c of nb.cells) {
      const g = cells.find((x) => x.getAttribute("data-cell") === c.id)!;
      expect(g.getAttribute("data-state")).toBe(c.state);
      expect(g.querySelector("rect")!.getAttribute("stroke")).toBe(STATE_STYLE[c.state].stroke);
      const texts = [...g.querySelectorAll("text")].map((t) => t.textContent!);
      expect(texts[0]).toBe(c.label);
      if (c.defines.length > 0) expect(texts[1]).toBe(c.defines.join(", "));
      if (c.lastRunMs !== undefined) expect(texts[2]).toContain(formatDuration(c.lastRunMs));
    }
    expect(doc.querySelectorAll("path[data-edge]")).toHaveLength(nb.edges.length);
  });

  it("draws edges left to right and marks edges that close a cycle in red", () => {
    const nb = { cells: ["a", "b", "c"].map((id) => ({ id, label: id, state: "error" as const, defines: [id] })), edges: [{ from: "a", to: "b" }, { from: "b", to: "c" }, { from: "c", to: "a" }] };
    const fig = notebookGraph(nb);
    const doc = parse(fig.svg);
    const red = [...doc.querySelectorAll("path[data-edge]")].filter((p) => p.getAttribute("stroke") === "#d23a3a");
    expect(red.map((p) => p.getAttribute("data-edge"))).toEqual(["c->a"]);
    expect(fig.summary).toMatch(/1 edge\(s\) closing a cycle/);
  });

  it.each([
    [0.5, "0.50 ms"],
    [12.4, "12 ms"],
    [1234, "1.23 s"],
    [45_600, "45.6 s"],
    [125_000, "2 min 5 s"],
  ])("formats %s ms as %s", (ms, s) => {
    expect(formatDuration(ms)).toBe(s);
  });

  it("rejects duplicate cell ids and unknown states with the fix", () => {
    expect(() => notebookGraph({ cells: [{ id: "x", label: "", state: "fresh", defines: [] }, { id: "x", label: "", state: "fresh", defines: [] }], edges: [] })).toThrow(/appears twice/);
    expect(() => notebookGraph({ cells: [{ id: "x", label: "", state: "done" as never, defines: [] }], edges: [] })).toThrow(/use one of fresh, stale, running, error/);
  });
});
