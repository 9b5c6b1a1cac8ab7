import { describe, expect, it } from "vitest";
import { JSDOM } from "jsdom";
import { supernetGraph, strandStyle } from "../../src/viz/supernetGraph.js";
import type { ArchGraph } from "../../src/space/types.js";
import { textWidth } from "../../src/viz/svg.js";
import { NB201_EDGES, NB201_OPS, dartsPolicy, multiBranchGraph, nb201Graph, nb201Policy, softmaxProbs } from "./fixtures.js";

/** Parses the figure's SVG with a real XML parser, which also proves it is well-formed. */
const { DOMParser } = new JSDOM("").window;
function parse(svg: string): Document {
  const parsed = new DOMParser().parseFromString(svg, "image/svg+xml");
  expect(parsed.getElementsByTagName("parsererror")).toHaveLength(0);
  return parsed;
}

/** Edge labels' boxes (the label's estimated text width by its font height, centred where it is drawn). */
function labelBoxes(doc: Document): { label: string; x0: number; x1: number; y0: number; y1: number }[] {
  return [...doc.querySelectorAll("text.nb-edge-label")].map((t) => {
    const x = Number(t.getAttribute("x"));
    const y = Number(t.getAttribute("y")) - 3.5; // the baseline sits 3.5 px below the label's centre
    const w = textWidth(t.textContent!, Number(t.getAttribute("font-size")));
    return { label: t.textContent!, x0: x - w / 2, x1: x + w / 2, y0: y - 6.5, y1: y + 6.5 };
  });
}

describe("supernetGraph", () => {
  it("sets each strand's width and opacity from the softmax of its edge's alphas", () => {
    const alphas = nb201Policy(1);
    const doc = parse(supernetGraph({ policy: alphas }).svg);
    const strands = [...doc.querySelectorAll("path.nb-strand")];
    expect(strands).toHaveLength(6 * NB201_OPS.length);
    alphas.forEach((a) => {
      const probs = a.probs;
      const [to, from] = a.decision.split("<-");
      NB201_OPS.forEach((op, k) => {
        const s = strands.find((p) => p.getAttribute("data-edge") === `${from}->${to}` && p.getAttribute("data-op") === op)!;
        expect(Number(s.getAttribute("data-weight"))).toBeCloseTo(probs[k]!, 4);
        const derived = s.classList.contains("nb-derived");
        expect(Number(s.getAttribute("stroke-width"))).toBeCloseTo(strandStyle(probs[k]!, derived).width, 2);
      });
    });
  });

  it("draws a strategy's snapshot as it is: a DARTS snapshot's policy as its two cells, concatenated, titled by strategy and step", () => {
    const snapshot = { strategy: "darts", step: 8, policy: dartsPolicy(2) };
    const fig = supernetGraph(snapshot);
    expect(fig.svg).toBe(supernetGraph({ policy: dartsPolicy(2) }, { combine: "concat", title: "Supernet (darts, step 8)" }).svg);
    // A controller's NB201 policy names its decisions "edge to<-from": the same cell.
    const controller = { strategy: "reinforce", step: 3, policy: nb201Policy(1).map((r) => ({ ...r, decision: `edge ${r.decision}` })) };
    const strands = (svg: string) => [...parse(svg).querySelectorAll("path.nb-strand")].map((p) => `${p.getAttribute("data-edge")}:${p.getAttribute("data-op")}:${p.getAttribute("data-weight")}`);
    expect(strands(supernetGraph(controller).svg)).toEqual(strands(supernetGraph({ policy: nb201Policy(1) }).svg));
  });

  it("makes stronger ops wider and more opaque", () => {
    for (const w of [0, 0.1, 0.5, 0.9]) {
      expect(strandStyle(w + 0.1, false).width).toBeGreaterThan(strandStyle(w, false).width);
      expect(strandStyle(w + 0.1, false).opacity).toBeGreaterThan(strandStyle(w, false).opacity);
    }
  });

  it("draws the derived architecture solid, arrowed and labelled", () => {
    const fig = supernetGraph({ policy: nb201Policy(1) });
    const doc = parse(fig.svg);
    const derived = [...doc.querySelectorAll("path.nb-derived")];
    expect(derived).toHaveLength(6);
    for (const p of derived) {
      expect(p.getAttribute("stroke-opacity")).toBe("1");
      if (p.getAttribute("data-op") !== "none") expect(p.getAttribute("marker-end")).toBe(`url(#${fig.id}-arrow)`);
    }
    expect(doc.getElementById(`${fig.id}-arrow`)).not.toBeNull();
    const labels = [...doc.querySelectorAll("text")].map((t) => t.textContent);
    for (const p of derived) expect(labels.some((l) => l!.startsWith(p.getAttribute("data-op")!))).toBe(true);
  });

  it("draws DARTS normal and reduction cells as two panels with 14 weighted edges and a concat output each", () => {
    const doc = parse(supernetGraph({ policy: dartsPolicy(2) }, { combine: "concat" }).svg);
    const panels = [...doc.querySelectorAll("g.nb-panel")];
    expect(panels.map((p) => p.getAttribute("data-panel"))).toEqual(["normal", "reduce"]);
    for (const p of panels) {
      expect(new Set([...p.querySelectorAll("path.nb-strand")].map((s) => s.getAttribute("data-edge"))).size).toBe(14);
      expect(p.querySelectorAll("path.nb-derived")).toHaveLength(8);
      expect(p.querySelectorAll("path.nb-link")).toHaveLength(4);
    }
  });

  it("draws op-on-node chains and multi-branch graphs with one box per node and one link per edge", () => {
    const g = multiBranchGraph();
    const doc = parse(supernetGraph(g).svg);
    expect(doc.querySelectorAll("g.nb-node")).toHaveLength(g.nodes.length);
    expect(doc.querySelectorAll("g.nb-node rect")).toHaveLength(g.nodes.length);
    expect(doc.querySelectorAll("path.nb-link")).toHaveLength(g.edges.length);
    const texts = [...doc.querySelectorAll("g.nb-node text")].map((t) => t.textContent);
    expect(texts).toContain("conv7x7-48");
  });

  it("draws each subgraph of a multi-cell architecture as its own panel", () => {
    const cell = nb201Graph(["nor_conv_3x3", "skip_connect", "nor_conv_1x1", "none", "nor_conv_3x3", "avg_pool_3x3"]);
    const g: ArchGraph = { space: "macro", opsOn: "nodes", combine: "sum", nodes: [], edges: [], subgraphs: { normal: cell, reduce: cell } };
    const doc = parse(supernetGraph(g).svg);
    expect([...doc.querySelectorAll("g.nb-panel")].map((p) => p.getAttribute("data-panel"))).toEqual(["normal", "reduce"]);
  });

  it("escapes op names and node ids", () => {
    const g: ArchGraph = { space: "x", opsOn: "edges", combine: "sum", nodes: [{ id: "a<b", role: "input" }, { id: "c&d", role: "output" }], edges: [{ from: "a<b", to: "c&d", op: "</svg><script>" }] };
    const fig = supernetGraph(g);
    expect(fig.svg).not.toContain("<script>");
    parse(fig.svg);
  });

  it("is deterministic and its id follows the content", () => {
    const a = supernetGraph({ policy: nb201Policy(1) });
    const b = supernetGraph({ policy: nb201Policy(1) });
    const c = supernetGraph({ policy: nb201Policy(2) });
    expect(a.toMimeBundle()).toEqual(b.toMimeBundle());
    expect(a.id).toMatch(/^nb-supernet-[0-9a-f]{16}$/);
    expect(c.id).not.toBe(a.id);
    expect(supernetGraph({ policy: nb201Policy(1) }, { id: "cell-7" }).svg).toContain("url(#cell-7-arrow)");
  });

  it("lays out edge labels so no two labels of a figure overlap, inside the drawing (NB201 and DARTS)", () => {
    const figures = [
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((seed) => supernetGraph({ policy: nb201Policy(seed) })),
      ...[1, 2, 3, 4, 5, 6].map((seed) => supernetGraph({ policy: dartsPolicy(seed) }, { combine: "concat" })),
      supernetGraph(nb201Graph(["nor_conv_3x3", "skip_connect", "nor_conv_1x1", "avg_pool_3x3", "nor_conv_3x3", "skip_connect"])),
      supernetGraph({ graph: nb201Graph(["avg_pool_3x3", "nor_conv_1x1", "nor_conv_3x3", "nor_conv_3x3", "skip_connect", "nor_conv_1x1"]), policy: nb201Policy(9) }),
    ];
    for (const fig of figures) {
      const doc = parse(fig.svg);
      const svg = doc.documentElement;
      const [width, height] = [Number(svg.getAttribute("width")), Number(svg.getAttribute("height"))];
      const boxes = labelBoxes(doc);
      expect(boxes.length).toBeGreaterThanOrEqual(6);
      for (let i = 0; i < boxes.length; i++) {
        const a = boxes[i]!;
        expect(a.x0 >= 0 && a.x1 <= width && a.y0 >= 0 && a.y1 <= height, `${a.label} inside ${width}x${height}`).toBe(true);
        for (let j = i + 1; j < boxes.length; j++) {
          const b = boxes[j]!;
          const overlap = a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
          expect(overlap, `${fig.summary.split("\n")[0]}: "${a.label}" overlaps "${b.label}"`).toBe(false);
        }
      }
    }
  });

  it("draws no edge for a derived none op (a none op means no edge)", () => {
    // An architecture given as a graph: its none edges are not drawn at all.
    const ops = ["nor_conv_3x3", "none", "skip_connect", "none", "nor_conv_1x1", "avg_pool_3x3"];
    const graphDoc = parse(supernetGraph(nb201Graph(ops)).svg);
    const drawn = [...graphDoc.querySelectorAll("path.nb-strand")];
    expect(drawn.map((p) => p.getAttribute("data-op")).sort()).toEqual(ops.filter((o) => o !== "none").sort());
    expect(labelBoxes(graphDoc).map((b) => b.label)).not.toContain("none");
    expect([...graphDoc.querySelectorAll("g.nb-legend text")].map((t) => t.textContent)).not.toContain("none");
    // A supernet whose argmax on edge 3<-1 is none: the none strand stays a faded candidate, not a derived edge.
    const alphas = nb201Policy(1);
    alphas[4]!.probs = softmaxProbs([9, 0, 0, 0, 0]);
    const fig = supernetGraph({ policy: alphas });
    const doc = parse(fig.svg);
    const [to, from] = NB201_EDGES[4]!.split("<-");
    const edge = [...doc.querySelectorAll("path.nb-strand")].filter((p) => p.getAttribute("data-edge") === `${from}->${to}`);
    expect(edge).toHaveLength(NB201_OPS.length);
    expect(edge.filter((p) => p.classList.contains("nb-derived"))).toHaveLength(0);
    expect(doc.querySelectorAll("path.nb-derived")).toHaveLength(5);
    expect(labelBoxes(doc).some((b) => b.label.startsWith("none"))).toBe(false);
    expect(fig.summary).not.toMatch(/3<-1:none/);
  });
});
