/**
 * A figure of your own from a plotly spec (`{ data, layout }`), displayed like the built-in ones: interactive in
 * notebooks and HTML exports, plotly JSON for renderers that have it, a one-line text for the rest.
 */
import { PlotlyFigure, type PlotlySpec } from "./figure.js";
import { figureId } from "./ids.js";
import { PLOTLY_CONFIG } from "./plotlyTheme.js";

export interface CustomFigureOptions {
  /** The text/plain line (default: the layout's title). */
  summary?: string;
  /** DOM id (default: a hash of the content, so a re-run that draws the same figure gives the same output). */
  id?: string;
  /** Pixels (default: the layout's height, else 420). */
  height?: number;
}

function titleOf(layout: Record<string, unknown>): string | undefined {
  const t = layout["title"];
  if (typeof t === "string") return t;
  if (t !== null && typeof t === "object" && typeof (t as { text?: unknown }).text === "string") return (t as { text: string }).text;
  return undefined;
}

/** Wraps a plotly spec as a figure; nasbook's plotly config is used unless the spec has its own. */
export function customFigure(spec: PlotlySpec, options: CustomFigureOptions = {}): PlotlyFigure {
  const layoutHeight = spec.layout["height"];
  const height = options.height ?? (typeof layoutHeight === "number" ? layoutHeight : 420);
  const full: PlotlySpec = { ...spec, layout: { height, ...spec.layout }, config: spec.config ?? { ...PLOTLY_CONFIG } };
  const summary = options.summary ?? titleOf(spec.layout) ?? `plotly figure, ${spec.data.length} trace(s)`;
  return new PlotlyFigure("custom", figureId("custom", JSON.stringify(full), options.id), full, summary, height);
}
