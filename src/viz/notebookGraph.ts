/**
 * The notebook's own dependency graph: one box per cell (label, names it defines, state, last run time), an arrow
 * from each cell to the cells that use its names. Cycles are drawn (the edges closing them curve back, in red)
 * because a cyclic notebook is exactly when a user needs to see the graph.
 */
import { NasbookError } from "../errors.js";
import { SvgFigure } from "./figure.js";
import { figureId } from "./ids.js";
import { layeredLayout } from "./layeredLayout.js";
import { FONT_FAMILY } from "./palette.js";
import { el, escapeXml, num, text, textWidth, truncate } from "./svg.js";
import { pathRound } from "d3-path";

export type CellState = "fresh" | "stale" | "running" | "error";

export interface NotebookGraphCell {
  id: string;
  label: string;
  state: CellState;
  /** Duration of the cell's last run in milliseconds. */
  lastRunMs?: number;
  defines: readonly string[];
}

/** The input: cells and "from defines a name that to uses" edges. */
export interface NotebookGraphInput {
  cells: readonly NotebookGraphCell[];
  edges: readonly { from: string; to: string }[];
}

export interface NotebookGraphOptions {
  id?: string;
  title?: string;
}

export const STATE_STYLE: Readonly<Record<CellState, { fill: string; stroke: string; text: string }>> = {
  fresh: { fill: "#e3f4e1", stroke: "#3a9a43", text: "fresh" },
  stale: { fill: "#f1f1f4", stroke: "#9a9aa6", text: "stale" },
  running: { fill: "#fff1d6", stroke: "#e08a00", text: "running" },
  error: { fill: "#fde4e4", stroke: "#d23a3a", text: "error" },
};

/** "12 ms", "1.3 s", "2 min 5 s": short, for a box label. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms - m * 60_000) / 1000)} s`;
}

const ID = "\u0000ID\u0000";
const BOX_H = 54;
const ROW_GAP = 74;
const PAD = 20;

/** Draws the notebook dependency graph (see module comment). */
export function notebookGraph(input: NotebookGraphInput, options: NotebookGraphOptions = {}): SvgFigure {
  const ids = input.cells.map((c) => c.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup !== undefined) throw new NasbookError(`notebook graph: cell id ${dup} appears twice; cell ids must be unique`);
  for (const c of input.cells) {
    if (!(c.state in STATE_STYLE)) throw new NasbookError(`notebook graph: cell ${c.id} has state ${JSON.stringify(c.state)}; use one of ${Object.keys(STATE_STYLE).join(", ")}`);
  }
  const layout = layeredLayout(ids, input.edges);
  const lines = new Map(
    input.cells.map((c) => {
      const l1 = truncate(c.label, 30);
      const l2 = c.defines.length === 0 ? "(defines nothing)" : truncate(c.defines.join(", "), 34);
      const time = c.lastRunMs === undefined ? "" : ` · ${formatDuration(c.lastRunMs)}`;
      const l3 = `${STATE_STYLE[c.state].text}${time}`;
      return [c.id, [l1, l2, l3] as const];
    }),
  );
  const boxW = Math.max(150, ...[...lines.values()].map(([a, b, c]) => Math.max(textWidth(a, 12.5), b.length * 11 * 0.61, textWidth(c, 11)) + 24));
  const gap = boxW + 70;
  const rows = Math.max(...layout.layers.map((l) => l.length));
  const hasBack = layout.reversed.size > 0;
  const top = 34 + (hasBack ? 40 : 0);
  const width = PAD * 2 + (layout.layers.length - 1) * gap + boxW;
  const height = top + rows * ROW_GAP - (ROW_GAP - BOX_H) + PAD + (hasBack ? 40 : 0);
  const pos = new Map<string, { x: number; y: number }>();
  for (const c of input.cells) {
    const li = layout.layer.get(c.id)!;
    const size = layout.layers[li]!.length;
    const y = top + (rows - size) * ROW_GAP * 0.5 + layout.order.get(c.id)! * ROW_GAP + BOX_H / 2;
    pos.set(c.id, { x: PAD + li * gap + boxW / 2, y });
  }

  const edgeSvg = input.edges.map((e, i) => {
    const a = pos.get(e.from)!;
    const b = pos.get(e.to)!;
    const d = pathRound(2);
    const back = layout.reversed.has(i);
    if (e.from === e.to) {
      // A self-loop: a small arc over the box.
      d.moveTo(a.x - 18, a.y - BOX_H / 2);
      d.bezierCurveTo(a.x - 30, a.y - BOX_H / 2 - 40, a.x + 30, a.y - BOX_H / 2 - 40, a.x + 18, a.y - BOX_H / 2 - 2);
    } else if (back) {
      // Cycle-closing edge: leaves the top of `from` and arcs back over the layers to the top of `to`.
      const lift = 34 + 8 * Math.abs(layout.layer.get(e.from)! - layout.layer.get(e.to)!);
      d.moveTo(a.x, a.y - BOX_H / 2);
      d.bezierCurveTo(a.x, a.y - BOX_H / 2 - lift, b.x, b.y - BOX_H / 2 - lift, b.x + 6, b.y - BOX_H / 2 - 2);
    } else {
      const x0 = a.x + boxW / 2;
      const x1 = b.x - boxW / 2 - 2;
      const mx = (x0 + x1) / 2;
      d.moveTo(x0, a.y);
      d.bezierCurveTo(mx, a.y, mx, b.y, x1, b.y);
    }
    const cyclic = back || e.from === e.to;
    return el("path", {
      d: d.toString(),
      fill: "none",
      stroke: cyclic ? "#d23a3a" : "#7a7a86",
      "stroke-width": 1.5,
      "stroke-dasharray": cyclic ? "5 3" : undefined,
      "marker-end": `url(#${ID}-${cyclic ? "arrow-red" : "arrow"})`,
      "data-edge": `${e.from}->${e.to}`,
    }, el("title", {}, escapeXml(`${e.from} → ${e.to}${cyclic ? " (closes a cycle)" : ""}`)));
  });

  const boxes = input.cells.map((c) => {
    const p = pos.get(c.id)!;
    const st = STATE_STYLE[c.state];
    const [l1, l2, l3] = lines.get(c.id)!;
    const x = p.x - boxW / 2;
    const y = p.y - BOX_H / 2;
    return el("g", { class: `nb-cell nb-${c.state}`, "data-cell": c.id, "data-state": c.state }, [
      el("title", {}, escapeXml(`${c.label}\ndefines: ${c.defines.join(", ") || "-"}\nstate: ${c.state}${c.lastRunMs !== undefined ? `\nlast run: ${formatDuration(c.lastRunMs)}` : ""}`)),
      el("rect", { x: num(x), y: num(y), width: num(boxW), height: BOX_H, rx: 7, fill: st.fill, stroke: st.stroke, "stroke-width": c.state === "running" ? 2.5 : 1.5, "stroke-dasharray": c.state === "stale" ? "4 3" : undefined }),
      el("rect", { x: num(x), y: num(y), width: 6, height: BOX_H, rx: 3, fill: st.stroke }),
      text(l1, { x: num(x + 14), y: num(y + 18), "font-size": 12.5, "font-weight": 600, fill: "#1f1f29" }),
      text(l2, { x: num(x + 14), y: num(y + 33), "font-size": 11, fill: "#44444e", "font-family": "ui-monospace, Menlo, Consolas, monospace" }),
      text(l3, { x: num(x + 14), y: num(y + 47), "font-size": 11, fill: st.stroke }),
    ]);
  });

  const title = options.title ?? "Notebook dependency graph";
  const counts = (Object.keys(STATE_STYLE) as CellState[]).map((s) => [s, input.cells.filter((c) => c.state === s).length] as const).filter(([, n]) => n > 0);
  const legendItems: string[] = [];
  let lx = width - PAD;
  for (const [s, n] of [...counts].reverse()) {
    const label = `${STATE_STYLE[s].text} ${n}`;
    const w = textWidth(label, 11) + 22;
    lx -= w;
    legendItems.push(el("rect", { x: num(lx), y: 10, width: 11, height: 11, rx: 2, fill: STATE_STYLE[s].fill, stroke: STATE_STYLE[s].stroke }));
    legendItems.push(text(label, { x: num(lx + 15), y: 20, "font-size": 11, fill: "#44444e" }));
  }
  const arrow = (name: string, colour: string): string =>
    el("marker", { id: `${ID}-${name}`, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, markerUnits: "userSpaceOnUse", orient: "auto" }, [el("path", { d: "M0,1L10,5L0,9z", fill: colour })]);
  const fullWidth = Math.max(width, 340);
  const svg = el(
    "svg",
    {
      xmlns: "http://www.w3.org/2000/svg",
      viewBox: `0 0 ${num(fullWidth)} ${num(height)}`,
      width: num(fullWidth),
      height: num(height),
      style: `max-width:100%;height:auto;background:#ffffff;font-family:${FONT_FAMILY}`,
      role: "img",
      "aria-label": title,
    },
    [
      el("defs", {}, [arrow("arrow", "#7a7a86"), arrow("arrow-red", "#d23a3a")]),
      el("rect", { width: "100%", height: "100%", fill: "#ffffff" }),
      text(title, { x: PAD - 6, y: 21, "font-size": 15, "font-weight": 600, fill: "#1f1f29" }),
      ...legendItems,
      ...edgeSvg,
      ...boxes,
    ],
  );
  const id = figureId("notebook", svg, options.id);
  const cyc = layout.reversed.size;
  const summary =
    `${title}: ${input.cells.length} cells, ${input.edges.length} edges${cyc ? `, ${cyc} edge(s) closing a cycle` : ""}\n` +
    counts.map(([s, n]) => `${n} ${s}`).join(", ");
  return new SvgFigure("notebook", id, svg.split(ID).join(id), summary);
}
