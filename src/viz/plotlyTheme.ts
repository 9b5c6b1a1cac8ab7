/** One look for every plotly figure: white background (readable in dark notebook themes too), light grids. */
import { FONT_FAMILY } from "./palette.js";
import { textWidth } from "./svg.js";

export const PLOTLY_CONFIG: Readonly<Record<string, unknown>> = {
  responsive: true,
  displaylogo: false,
  modeBarButtonsToRemove: ["lasso2d", "select2d"],
};

/** An axis with the shared style. */
export function axis(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { text: title, font: { size: 12 } },
    gridcolor: "#e8e8ee",
    zerolinecolor: "#d0d0d8",
    linecolor: "#9a9aa6",
    ticks: "outside",
    tickcolor: "#9a9aa6",
    automargin: true,
    ...extra,
  };
}

/**
 * Tick settings for an axis of counts (epochs, queries): never a fractional tick such as 1.5. Small spans get one
 * tick per integer; larger ones keep plotly's automatic spacing, which is at least 1 once the span exceeds its
 * maximum of 10 ticks, and integer labels.
 */
export function integerTicks(values: readonly number[]): Record<string, unknown> {
  const finite = values.filter(Number.isFinite);
  const lo = finite.length > 0 ? Math.floor(Math.min(...finite)) : 0;
  const hi = finite.length > 0 ? Math.max(...finite) : 0;
  return hi - lo <= 10 ? { tickmode: "linear", tick0: lo, dtick: 1, tickformat: "d" } : { tickformat: "d" };
}

/** Plot width assumed when estimating how a horizontal legend wraps (notebook outputs are usually wider). */
const LEGEND_WRAP_WIDTH = 600;
const LEGEND_ROW_HEIGHT = 20;

/**
 * A horizontal legend anchored to the bottom edge of the figure, below the x-axis titles, so however many entries
 * it wraps into it can never reach the title. Returns the legend and the px it takes, which the caller adds to the
 * bottom margin and to the figure height (so the plot area keeps its size).
 */
export function legendBelow(names: readonly string[]): { legend: Record<string, unknown>; height: number } {
  let rows = 0;
  let x = 0;
  for (const name of names) {
    const w = 50 + textWidth(name, 12); // symbol, gap and text, as plotly lays out a horizontal legend item
    if (rows === 0 || (x > 0 && x + w > LEGEND_WRAP_WIDTH)) {
      rows++;
      x = 0;
    }
    x += w;
  }
  const legend = { orientation: "h", x: 0, xanchor: "left", xref: "container", y: 0, yref: "container", yanchor: "bottom", bgcolor: "rgba(255,255,255,0.8)" };
  return { legend, height: rows * LEGEND_ROW_HEIGHT + 8 };
}

/** The base layout: title, font, margins, legend on top. */
export function baseLayout(title: string, height: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { text: title, x: 0.01, xanchor: "left", font: { size: 15 } },
    font: { family: FONT_FAMILY, size: 12, color: "#2a2a33" },
    paper_bgcolor: "#ffffff",
    plot_bgcolor: "#ffffff",
    height,
    autosize: true,
    margin: { l: 60, r: 24, t: 56, b: 50 },
    hoverlabel: { font: { family: FONT_FAMILY } },
    legend: { orientation: "h", x: 0, xanchor: "left", y: 1.02, yanchor: "bottom", bgcolor: "rgba(255,255,255,0.8)" },
    ...extra,
  };
}
