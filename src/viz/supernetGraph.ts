/**
 * The supernet figure: a cell (or several) drawn left to right, every candidate op of every edge as its own strand
 * whose width and opacity grow with the op's weight, and the derived architecture drawn solid, arrowed and
 * labelled. Works for op-on-edge cells (NB201, DARTS) and op-on-node graphs (chains, multi-branch networks).
 * A derived `none` op means the architecture has no edge there: it is never drawn as derived (a weighted edge keeps
 * its faded candidates; an edge whose only op is `none` is not drawn at all).
 */
import { pathRound } from "d3-path";
import { SvgFigure } from "./figure.js";
import { figureId } from "./ids.js";
import { layeredLayout } from "./layeredLayout.js";
import { FONT_FAMILY, isZeroOp, opColours, withAlpha } from "./palette.js";
import { el, escapeXml, num, text, textWidth, truncate } from "./svg.js";
import { supernetModel, type EdgeModel, type PanelModel, type SupernetModelOptions, type SupernetSource } from "./supernetModel.js";
import type { GraphNode } from "../space/types.js";
import type { StrategySnapshot } from "../strategy/types.js";

/** A strategy's snapshot (it names its strategy and step), as opposed to a graph or a { graph, policy } pair. */
function isSnapshot(source: SupernetSource | StrategySnapshot): source is StrategySnapshot {
  return typeof (source as Partial<StrategySnapshot>).strategy === "string" && typeof (source as Partial<StrategySnapshot>).step === "number";
}

export interface SupernetGraphOptions extends SupernetModelOptions {
  /** DOM id (default: hash of the content). */
  id?: string;
  title?: string;
}

/** Strand style for an op of weight `w` in [0,1]: width and opacity both grow linearly with the weight. */
export function strandStyle(w: number, derived: boolean): { width: number; opacity: number } {
  const width = 1 + 5 * w;
  return { width: derived ? Math.max(width, 2.5) : width, opacity: derived ? 1 : 0.12 + 0.68 * w };
}

const ID = "\u0000ID\u0000"; // replaced by the figure id once the content hash is known
const LAYER_GAP = 170;
const ROW_GAP = 92;
const PAD = 36;
const STRAND_SPREAD = 9;

interface Point {
  x: number;
  y: number;
}
interface PlacedNode {
  node: GraphNode;
  x: number;
  y: number;
  /** Half extents of the node's shape, for trimming edges at its border. */
  rx: number;
  ry: number;
}

/** Whether an edge carries nothing but zero ops (e.g. a `none` edge of an architecture graph): no edge to draw. */
function onlyZeroOps(edge: EdgeModel): boolean {
  return edge.strands.length > 0 && edge.strands.every((s) => isZeroOp(s.op));
}

function nodeLabel(n: GraphNode, opsOn: "edges" | "nodes"): string {
  if (opsOn === "nodes" && n.op !== undefined) return n.op.startsWith("subgraph:") ? n.op.slice(9) : n.op;
  return n.id;
}

/** Point where the segment from the centre of `n` toward `toward` leaves the node's ellipse/box. */
function border(n: PlacedNode, toward: Point): Point {
  const dx = toward.x - n.x;
  const dy = toward.y - n.y;
  const len = Math.hypot(dx, dy) || 1;
  const ux = dx / len;
  const uy = dy / len;
  // Distance to the border of an axis-aligned ellipse with half axes rx, ry along (ux, uy).
  const t = 1 / Math.sqrt((ux * ux) / (n.rx * n.rx) + (uy * uy) / (n.ry * n.ry));
  return { x: n.x + ux * (t + 2), y: n.y + uy * (t + 2) };
}

function drawPanel(panel: PanelModel, colours: Map<string, string>, top: number, showTitle: boolean): { svg: string; width: number; height: number } {
  const ids = panel.nodes.map((n) => n.id);
  const layout = layeredLayout(ids, panel.edges);
  const placed = new Map<string, PlacedNode>();
  let maxRx = 0;
  for (const n of panel.nodes) {
    const label = nodeLabel(n, panel.opsOn);
    const w = textWidth(label, 12);
    const box = panel.opsOn === "nodes";
    const rx = box ? w / 2 + 12 : Math.max(17, w / 2 + 8);
    const ry = box ? 15 : 17;
    maxRx = Math.max(maxRx, rx);
    const li = layout.layer.get(n.id)!;
    const size = layout.layers[li]!.length;
    placed.set(n.id, { node: n, x: 0, y: (layout.order.get(n.id)! - (size - 1) / 2) * ROW_GAP, rx, ry });
  }
  // Op-on-edge cells need room for edge labels; op-on-node graphs only for arrows.
  const gap = panel.opsOn === "edges" ? Math.max(LAYER_GAP, 2 * maxRx + 90) : 2 * maxRx + 56;
  for (const p of placed.values()) p.x = layout.layer.get(p.node.id)! * gap;

  // Each edge is a quadratic curve bent just enough to pass the nodes it would otherwise cross, on the side that
  // needs the smaller bend (a quadratic with control offset h deviates 2t(1-t)h from its chord at parameter t).
  const arcs: { edge: EdgeModel; c: Point; a: PlacedNode; b: PlacedNode; normal: Point; bulge: number }[] = [];
  let toggle = 1;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const p of placed.values()) {
    minY = Math.min(minY, p.y - p.ry);
    maxY = Math.max(maxY, p.y + p.ry);
  }
  for (const edge of panel.edges) {
    const a = placed.get(edge.from)!;
    const b = placed.get(edge.to)!;
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const len2 = dx * dx + dy * dy || 1;
    const len = Math.sqrt(len2);
    const normal = { x: -dy / len, y: dx / len };
    const fanHalf = (Math.max(0, edge.strands.length - 1) / 2) * (STRAND_SPREAD / 2);
    const need = (s: number): number => {
      let h = 0;
      for (const n of placed.values()) {
        if (n === a || n === b) continue;
        const t = ((n.x - a.x) * dx + (n.y - a.y) * dy) / len2;
        if (t <= 0.02 || t >= 0.98) continue;
        const d = s * ((n.x - a.x) * normal.x + (n.y - a.y) * normal.y);
        const clear = Math.max(n.rx * Math.abs(normal.x), n.ry * Math.abs(normal.y)) + 12 + fanHalf;
        if (d > -clear) h = Math.max(h, (d + clear) / (2 * t * (1 - t)));
      }
      return h;
    };
    const up = need(1);
    const down = need(-1);
    let bulge = 0;
    if (up > 0 || down > 0) {
      const s = up < down - 1 ? 1 : down < up - 1 ? -1 : toggle;
      if (s === toggle) toggle = -toggle;
      bulge = s * (s === 1 ? up : down);
    }
    const c = { x: (a.x + b.x) / 2 + normal.x * bulge, y: (a.y + b.y) / 2 + normal.y * bulge };
    minY = Math.min(minY, (a.y + 2 * c.y + b.y) / 4 - fanHalf - 8);
    maxY = Math.max(maxY, (a.y + 2 * c.y + b.y) / 4 + fanHalf + 8);
    arcs.push({ edge, a, b, normal, c, bulge });
  }

  const back: string[] = [];
  const front: string[] = [];
  const labels: string[] = [];
  // Label boxes already placed (and node boxes), to keep labels from covering each other and the nodes.
  const taken: { x0: number; y0: number; x1: number; y1: number }[] = [...placed.values()].map((n) => ({ x0: n.x - n.rx, y0: n.y - n.ry, x1: n.x + n.rx, y1: n.y + n.ry }));
  const placeLabel = (label: string, a: Point, ci: Point, b: Point, normal: Point, bulge: number): Point => {
    const w = textWidth(label, 10.5) + 6;
    const h = 14;
    const outward = bulge !== 0 ? Math.sign(bulge) : normal.y > 0 ? -1 : 1;
    let first: Point | undefined;
    // Positions along the curve near its middle, beside it on either side, then further out: the first free one
    // wins, so a crowded cell pushes labels outward instead of stacking them.
    for (let reach = 10; reach <= 130; reach += 15) {
      for (const t of [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74]) {
        for (const side of [outward, -outward]) {
          const m = { x: (1 - t) ** 2 * a.x + 2 * t * (1 - t) * ci.x + t * t * b.x, y: (1 - t) ** 2 * a.y + 2 * t * (1 - t) * ci.y + t * t * b.y };
          const p = { x: m.x + normal.x * reach * side, y: m.y + normal.y * reach * side };
          const box = { x0: p.x - w / 2, y0: p.y - h / 2, x1: p.x + w / 2, y1: p.y + h / 2 };
          first ??= p;
          if (!taken.some((o) => box.x0 < o.x1 && o.x0 < box.x1 && box.y0 < o.y1 && o.y0 < box.y1)) {
            taken.push(box);
            return p;
          }
        }
      }
    }
    return first!;
  };
  const strandLabel = (edge: EdgeModel, s: EdgeModel["strands"][number]): string => (edge.strands.length > 1 ? `${s.op} ${(s.weight * 100).toFixed(0)}%` : s.op);
  // Labels are placed before the panel is sized, so a label pushed outward by crowding still fits in the drawing.
  const labelAt = new Map<string, Point>();
  let minX = Infinity;
  let maxX = -Infinity;
  for (const p of placed.values()) {
    minX = Math.min(minX, p.x - p.rx);
    maxX = Math.max(maxX, p.x + p.rx);
  }
  arcs.forEach(({ edge, a, b, c, normal, bulge }, ei) => {
    if (onlyZeroOps(edge)) return;
    const k = edge.strands.length;
    edge.strands.forEach((s, i) => {
      if (!s.derived || isZeroOp(s.op)) return;
      const off = k === 1 ? 0 : (i - (k - 1) / 2) * STRAND_SPREAD;
      const label = strandLabel(edge, s);
      const p = placeLabel(label, a, { x: c.x + normal.x * off, y: c.y + normal.y * off }, b, normal, bulge);
      labelAt.set(`${ei}:${i}`, p);
      const half = (textWidth(label, 10.5) + 6) / 2;
      minX = Math.min(minX, p.x - half);
      maxX = Math.max(maxX, p.x + half);
      minY = Math.min(minY, p.y - 7);
      maxY = Math.max(maxY, p.y + 7);
    });
  });

  const head = showTitle ? 26 : 4;
  const ox = PAD - minX;
  const oy = top + head + 14 - minY;
  const width = ox + maxX + PAD;
  const height = head + 14 + (maxY - minY) + 14;
  const tx = (p: Point): Point => ({ x: p.x + ox, y: p.y + oy });

  const curve = (p0: Point, c: Point, p2: Point): string => {
    const d = pathRound(2);
    d.moveTo(p0.x, p0.y);
    d.quadraticCurveTo(c.x, c.y, p2.x, p2.y);
    return d.toString();
  };
  arcs.forEach(({ edge, a, b, c, normal }, ei) => {
    const derivedEdge = edge.derivedOp !== undefined && !isZeroOp(edge.derivedOp);
    if (onlyZeroOps(edge)) return;
    if (edge.strands.length === 0) {
      // A connection without an op: solid in op-on-node graphs; dashed in cells, where it is the output concat.
      const cell = panel.opsOn === "edges";
      back.push(
        el("path", {
          d: curve(tx(border(a, c)), tx(c), tx(border(b, c))),
          fill: "none",
          stroke: cell ? "#8a8a96" : "#5a5a66",
          "stroke-width": cell ? 1.4 : 1.6,
          "stroke-dasharray": cell ? "4 3" : undefined,
          "marker-end": `url(#${ID}-arrow)`,
          class: "nb-link",
          "data-edge": `${edge.from}->${edge.to}`,
        }),
      );
      return;
    }
    const k = edge.strands.length;
    edge.strands.forEach((s, i) => {
      const off = k === 1 ? 0 : (i - (k - 1) / 2) * STRAND_SPREAD;
      const ci = { x: c.x + normal.x * off, y: c.y + normal.y * off };
      const zero = isZeroOp(s.op);
      const derived = s.derived && !zero;
      const st = strandStyle(s.weight, derived);
      const attrs = {
        d: curve(tx(border(a, ci)), tx(ci), tx(border(b, ci))),
        fill: "none",
        stroke: colours.get(s.op)!,
        "stroke-width": num(st.width),
        // Edges the derived architecture drops are faded further, so the kept cell stands out.
        "stroke-opacity": num(derivedEdge || derived ? st.opacity : st.opacity * 0.6, 3),
        "stroke-linecap": "round",
        "stroke-dasharray": zero ? "3 3" : undefined,
        "marker-end": derived ? `url(#${ID}-arrow)` : undefined,
        class: derived ? "nb-strand nb-derived" : "nb-strand",
        "data-edge": `${edge.from}->${edge.to}`,
        "data-op": s.op,
        "data-weight": num(s.weight, 4),
      };
      const title = el("title", {}, escapeXml(`${edge.from} → ${edge.to}: ${s.op} ${(s.weight * 100).toFixed(1)}%${derived ? " (derived)" : ""}`));
      (derived ? front : back).push(el("path", attrs, title));
      if (derived) {
        const label = strandLabel(edge, s);
        const lp = tx(labelAt.get(`${ei}:${i}`)!);
        labels.push(
          text(label, {
            class: "nb-edge-label",
            x: num(lp.x),
            y: num(lp.y + 3.5),
            "text-anchor": "middle",
            "font-size": 10.5,
            fill: "#1f1f29",
            stroke: "#ffffff",
            "stroke-width": 3.5,
            "stroke-linejoin": "round",
            "paint-order": "stroke",
          }),
        );
      }
    });
  });

  const nodeSvg: string[] = [];
  for (const p of placed.values()) {
    const c = tx(p);
    const n = p.node;
    const label = nodeLabel(n, panel.opsOn);
    const fill = n.role === "input" ? "#dbe9f6" : n.role === "output" ? "#fde8c4" : "#ffffff";
    const opColour = panel.opsOn === "nodes" && n.op !== undefined ? colours.get(n.op) : undefined;
    const shape =
      panel.opsOn === "nodes"
        ? el("rect", {
            x: num(c.x - p.rx),
            y: num(c.y - p.ry),
            width: num(2 * p.rx),
            height: num(2 * p.ry),
            rx: 6,
            fill: opColour !== undefined && n.role === "hidden" ? withAlpha(opColour, 0.18) : fill,
            stroke: opColour ?? "#4a4a55",
            "stroke-width": 1.6,
          })
        : el("ellipse", { cx: num(c.x), cy: num(c.y), rx: num(p.rx), ry: num(p.ry), fill, stroke: "#4a4a55", "stroke-width": 1.6 });
    nodeSvg.push(
      el("g", { class: "nb-node", "data-node": n.id, "data-role": n.role }, [
        el("title", {}, escapeXml(`${n.id} (${n.role})${n.op ? `: ${n.op}` : ""}`)),
        shape,
        text(truncate(label, 24), { x: num(c.x), y: num(c.y + 4), "text-anchor": "middle", "font-size": 12, fill: "#1f1f29" }),
      ]),
    );
  }
  const title = showTitle ? text(panel.name, { x: PAD - 10, y: top + 16, "font-size": 13, "font-weight": 600, fill: "#2a2a33" }) : "";
  return { svg: el("g", { class: "nb-panel", "data-panel": panel.name }, [title, ...back, ...front, ...nodeSvg, ...labels]), width, height };
}

function legend(ops: string[], colours: Map<string, string>, top: number, maxWidth: number, note: string | undefined): { svg: string; height: number } {
  const items: string[] = [];
  let x = PAD - 10;
  let y = top + 14;
  for (const op of ops) {
    const w = 30 + textWidth(op, 11) + 16;
    if (x + w > maxWidth && x > PAD) {
      x = PAD - 10;
      y += 18;
    }
    items.push(el("line", { x1: x, y1: y - 4, x2: x + 22, y2: y - 4, stroke: colours.get(op)!, "stroke-width": 4, "stroke-linecap": "round", "stroke-dasharray": isZeroOp(op) ? "3 3" : undefined }));
    items.push(text(op, { x: x + 28, y, "font-size": 11, fill: "#2a2a33" }));
    x += w;
  }
  if (note !== undefined) {
    y += 18;
    items.push(text(note, { x: PAD - 10, y, "font-size": 10.5, fill: "#6a6a76" }));
  }
  return { svg: el("g", { class: "nb-legend" }, items), height: y - top + 8 };
}

/** Draws a cell/supernet (see module comment) from a strategy snapshot (its policy over edges), an ArchGraph, or { graph, policy }. */
export function supernetGraph(source: SupernetSource | StrategySnapshot, options: SupernetGraphOptions = {}): SvgFigure {
  const snapshot = isSnapshot(source) ? source : undefined;
  const model = supernetModel(snapshot ? { policy: snapshot.policy } : (source as SupernetSource), options);
  const colours = opColours(model.ops);
  const parts: string[] = [];
  let top = 0;
  let width = 360;
  const title = options.title ?? (snapshot ? `Supernet (${snapshot.strategy}, step ${snapshot.step})` : "Supernet");
  top += 30;
  for (const panel of model.panels) {
    const p = drawPanel(panel, colours, top, model.panels.length > 1);
    parts.push(p.svg);
    top += p.height + 6;
    width = Math.max(width, p.width);
  }
  const edgeOps = model.ops.filter((op) => model.panels.some((p) => p.edges.some((e) => !onlyZeroOps(e) && e.strands.some((s) => s.op === op))));
  if (edgeOps.length > 0) {
    const weighted = model.panels.some((p) => p.edges.some((e) => e.strands.length > 1));
    const note = weighted ? "strand width and opacity = op weight; solid arrowed strands = derived architecture" : undefined;
    const lg = legend(edgeOps, colours, top, width, note);
    parts.push(lg.svg);
    top += lg.height;
  }
  const height = top + 4;
  const defs = el("defs", {}, [
    el("marker", { id: `${ID}-arrow`, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" }, [
      el("path", { d: "M0,1L10,5L0,9z", fill: "#3a3a44" }),
    ]),
  ]);
  const svg = el(
    "svg",
    {
      xmlns: "http://www.w3.org/2000/svg",
      viewBox: `0 0 ${num(width)} ${num(height)}`,
      width: num(width),
      height: num(height),
      style: `max-width:100%;height:auto;background:#ffffff;font-family:${FONT_FAMILY}`,
      role: "img",
      "aria-label": title,
    },
    [defs, el("rect", { width: "100%", height: "100%", fill: "#ffffff" }), text(title, { x: PAD - 10, y: 20, "font-size": 15, "font-weight": 600, fill: "#1f1f29" }), ...parts],
  );
  const id = figureId("supernet", svg, options.id);
  const finalSvg = svg.split(ID).join(id);
  const derived = model.panels
    .map((p) => {
      const kept = p.edges.filter((e) => e.derivedOp !== undefined && !isZeroOp(e.derivedOp) && e.strands.length > 0);
      return kept.length === 0 ? "" : `${p.name}: ${kept.map((e) => `${e.to}<-${e.from}:${e.derivedOp}`).join(" ")}`;
    })
    .filter((d) => d !== "");
  const summary =
    `${title}: ${model.panels.length} cell(s), ${model.panels.reduce((s, p) => s + p.nodes.length, 0)} nodes, ` +
    `${model.panels.reduce((s, p) => s + p.edges.length, 0)} edges, ops ${model.ops.join("/")}` +
    (derived.length > 0 ? `\nderived: ${derived.join("; ")}` : "");
  return new SvgFigure("supernet", id, finalSvg, summary);
}
