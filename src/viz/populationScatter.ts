/**
 * Population: each evaluated architecture as a point of accuracy vs cost (params, FLOPs or seconds), coloured by
 * age (trial index) or generation, with the Pareto front of accuracy vs cost drawn as a step line (as in
 * multi-objective NAS, e.g. Elsken, Metzen & Hutter 2019, "Efficient Multi-objective NAS via Lamarckian Evolution").
 * Hover shows the architecture string.
 */
import type { PopulationMember, StrategySnapshot } from "../strategy/types.js";
import { NasbookError } from "../errors.js";
import { PlotlyFigure, type PlotlyTrace } from "./figure.js";
import { figureId } from "./ids.js";
import { metricLabel } from "./metricLabels.js";
import { paretoFront } from "./pareto.js";
import { PLOTLY_CONFIG, axis, baseLayout, integerTicks, legendBelow } from "./plotlyTheme.js";

export type { PopulationMember } from "../strategy/types.js";

export interface PopulationOptions {
  id?: string;
  title?: string;
  /** Metric on the x axis (lower is better): "params", "flops", "seconds", ... */
  cost: string;
  /** Metric on the y axis (higher is better); default "accuracy" if members have it, else the fitness. */
  quality?: string;
  /** Colour: "trial" (age, default) or a metric such as "generation". */
  colour?: string;
  /** Log-scale cost axis (default: on when costs span more than two decades). */
  logCost?: boolean;
  /** Axis titles (default: the metrics' readable labels, see `metricLabel`). */
  costLabel?: string;
  qualityLabel?: string;
}

export interface PopulationPoint {
  arch: string;
  trial: number;
  cost: number;
  quality: number;
  colour: number;
}

/** The plotted points (members with finite cost and quality) and their Pareto front (indices into `points`). */
export function populationPoints(
  members: readonly PopulationMember[],
  options: Pick<PopulationOptions, "cost" | "quality" | "colour">,
): { points: PopulationPoint[]; front: number[]; dropped: number; qualityKey: string } {
  if (members.length === 0) throw new NasbookError("population figure needs at least one member; the snapshot's population is empty");
  const qualityKey = options.quality ?? (members.some((m) => m.metrics.accuracy !== undefined) ? "accuracy" : "fitness");
  const colourKey = options.colour ?? "trial";
  const metric = (m: PopulationMember, k: string): number => (k === "fitness" ? m.fitness : k === "trial" ? m.trial : (m.metrics[k] ?? NaN));
  for (const [what, k] of [["cost", options.cost], ["quality", qualityKey], ["colour", colourKey]] as const) {
    if (k !== "fitness" && k !== "trial" && !members.some((m) => m.metrics[k] !== undefined)) {
      const keys = [...new Set(members.flatMap((m) => Object.keys(m.metrics)))].sort();
      throw new NasbookError(`population ${what} metric "${k}" is in no member's metrics (available: ${keys.join(", ") || "none"}, plus "fitness" and "trial")`);
    }
  }
  const points: PopulationPoint[] = [];
  for (const m of members) {
    const p = { arch: m.arch, trial: m.trial, cost: metric(m, options.cost), quality: metric(m, qualityKey), colour: metric(m, colourKey) };
    if (Number.isFinite(p.cost) && Number.isFinite(p.quality)) points.push(p);
  }
  return { points, front: paretoFront(points), dropped: members.length - points.length, qualityKey };
}

const fmt = (x: number): string => (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-2 && x !== 0) ? x.toExponential(2) : String(Math.round(x * 1000) / 1000));

/** What a search result gives the population figure: every trial, as the strategy's members are given. */
export interface TrialsSource {
  history: readonly { archString: string; fitness: number; index: number; result: { metrics: Readonly<Record<string, number>> } }[];
  snapshot: Pick<StrategySnapshot, "strategy">;
}

/** Every trial of a search as a member (its index as its age); failed ones have no metrics and are left out later. */
function trialMembers(r: TrialsSource): PopulationMember[] {
  return r.history.map((t) => ({ arch: t.archString, fitness: t.fitness, trial: t.index, metrics: { ...t.result.metrics } }));
}

/**
 * The population scatter with its Pareto front: of a strategy's snapshot (its current population), of a search
 * result (every trial the search evaluated), or of members.
 */
export function populationScatter(
  source: Pick<StrategySnapshot, "population" | "strategy" | "step"> | TrialsSource | readonly PopulationMember[],
  options: PopulationOptions,
): PlotlyFigure {
  const list = Array.isArray(source) ? (source as readonly PopulationMember[]) : undefined;
  const trials = list === undefined && "history" in source ? (source as TrialsSource) : undefined;
  const snapshot = list === undefined && trials === undefined ? (source as Pick<StrategySnapshot, "population" | "strategy" | "step">) : undefined;
  const members = list ?? (trials ? trialMembers(trials) : (snapshot?.population ?? []));
  const { points, front, dropped, qualityKey } = populationPoints(members, options);
  const colourKey = options.colour ?? "trial";
  const costs = points.map((p) => p.cost).filter((c) => c > 0);
  const logCost = options.logCost ?? (costs.length > 1 && Math.max(...costs) / Math.min(...costs) > 100);
  const costLabel = options.costLabel ?? metricLabel(options.cost);
  const qualityLabel = options.qualityLabel ?? metricLabel(qualityKey);
  const hover = `%{customdata[0]}<br>${costLabel}: %{x}<br>${qualityLabel}: %{y}<br>trial %{customdata[1]}<extra></extra>`;
  const frontPoints = front.map((i) => points[i]!);
  const scatter: PlotlyTrace = {
    type: "scatter",
    mode: "markers",
    name: "population",
    x: points.map((p) => p.cost),
    y: points.map((p) => p.quality),
    customdata: points.map((p) => [p.arch, p.trial]),
    hovertemplate: hover,
    marker: {
      size: 8,
      color: points.map((p) => p.colour),
      colorscale: "Viridis",
      showscale: true,
      // Ages and generations are counts: no tick at 2.5.
      colorbar: {
        title: { text: colourKey === "trial" ? "age (trial)" : metricLabel(colourKey) }, thickness: 12, len: 0.85,
        ...(points.every((p) => Number.isInteger(p.colour)) ? integerTicks(points.map((p) => p.colour)) : {}),
      },
      line: { width: 0.5, color: "#ffffff" },
      opacity: 0.85,
    },
  };
  const frontTrace: PlotlyTrace = {
    type: "scatter",
    mode: "lines+markers",
    name: `Pareto front (${front.length})`,
    x: frontPoints.map((p) => p.cost),
    y: frontPoints.map((p) => p.quality),
    customdata: frontPoints.map((p) => [p.arch, p.trial]),
    hovertemplate: hover,
    line: { shape: "hv", color: "#d62728", width: 2 },
    marker: { size: 11, color: "rgba(0,0,0,0)", line: { color: "#d62728", width: 2 } },
  };
  const where = trials ? ` (${trials.snapshot.strategy}, all ${trials.history.length} trials)` : snapshot ? ` (${snapshot.strategy}, step ${snapshot.step})` : "";
  const title = options.title ?? `Population${where}`;
  // The legend goes below the plot: at the top right it runs into a long title in a narrow output.
  const below = legendBelow([String(scatter.name), String(frontTrace.name)]);
  const margin = { l: 60, r: 24, t: 56, b: 50 + below.height };
  const height = 440 + below.height;
  const layout = baseLayout(title, height, {
    xaxis: axis(costLabel, logCost ? { type: "log" } : {}),
    yaxis: axis(qualityLabel),
    showlegend: true,
    margin,
    legend: below.legend,
  });
  const spec = { data: [scatter, frontTrace], layout, config: { ...PLOTLY_CONFIG } };
  const id = figureId("population", JSON.stringify(spec), options.id);
  const best = points.reduce((b, p) => (p.quality > b.quality ? p : b), points[0] ?? { arch: "-", trial: 0, cost: NaN, quality: NaN, colour: 0 });
  const summary =
    `${title}: ${points.length} members${dropped ? ` (${dropped} failed/unmeasured not shown)` : ""}, Pareto front ${front.length}\n` +
    `best ${qualityLabel} ${fmt(best.quality)} at ${costLabel} ${fmt(best.cost)}: ${best.arch}`;
  return new PlotlyFigure("population", id, spec, summary, height);
}
