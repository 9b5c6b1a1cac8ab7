/**
 * Search curves: best-so-far against queries (and, if asked, against seconds), mean ± one standard deviation over
 * seeds, one colour per strategy (the anytime plots of NAS benchmarks, e.g. Dong & Yang 2020, "NAS-Bench-201", Fig. 6).
 */
import { NasbookError } from "../errors.js";
import type { SearchResult, Trial } from "../search.js";
import { PlotlyFigure, type PlotlyTrace } from "./figure.js";
import { figureId } from "./ids.js";
import { metricLabel } from "./metricLabels.js";
import { seriesColour, withAlpha } from "./palette.js";
import { PLOTLY_CONFIG, axis, baseLayout, integerTicks, legendBelow } from "./plotlyTheme.js";

/** One point of a search's history: after `queries` evaluations and `seconds` of search, the best value so far. */
export interface SearchCurvePoint {
  queries: number;
  seconds: number;
  best: number;
}

/** One search run as points (one strategy, one seed): for curves of something other than a search's best-so-far. */
export interface CurveRun {
  strategy: string;
  seed: number;
  points: readonly SearchCurvePoint[];
}

/** What a curve needs of a `SearchResult`: its best-so-far, trial times, seed and strategy. */
export type CurveResult = Pick<SearchResult<unknown>, "bestSoFar" | "seed" | "snapshot"> & { history: readonly Pick<Trial<unknown>, "elapsed">[] };

/**
 * What `searchCurves` draws: search results as `search()` returns them (one curve per strategy, named by the
 * strategy), the same keyed by the name to show (`{ "random search": [...], "evolution": [...] }`), or runs as points.
 */
export type SearchCurvesInput = readonly CurveResult[] | Readonly<Record<string, readonly CurveResult[]>> | readonly CurveRun[];

/**
 * One curve per result: best-so-far after each query, at the time that trial finished. Trials before the first
 * success have no best yet (-Infinity): the curve starts at the first success.
 */
export function curveRuns(input: SearchCurvesInput): CurveRun[] {
  const fromResult = (r: CurveResult, strategy: string): CurveRun => ({
    strategy,
    seed: r.seed,
    points: r.bestSoFar.flatMap((best, i) => (Number.isFinite(best) ? [{ queries: i + 1, seconds: r.history[i]?.elapsed ?? 0, best }] : [])),
  });
  if (!Array.isArray(input)) {
    return Object.entries(input as Readonly<Record<string, readonly CurveResult[]>>).flatMap(([name, results]) => results.map((r) => fromResult(r, name)));
  }
  return (input as readonly (CurveResult | CurveRun)[]).map((r) => ("bestSoFar" in r ? fromResult(r, r.snapshot.strategy) : r));
}

/** Mean and spread of several seeds' best-so-far step functions on a common grid. */
export interface SeedBand {
  x: number[];
  mean: number[];
  std: number[];
  lower: number[];
  upper: number[];
  /** Seeds covering each x (a run covers [its first x, its last x]). */
  n: number[];
}

/** Value at `x` of a run's best-so-far step function (the last point at or before `x`), or undefined outside it. */
export function stepValueAt(xs: readonly number[], ys: readonly number[], x: number): number | undefined {
  if (xs.length === 0 || x < xs[0]! || x > xs[xs.length - 1]!) return undefined;
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (xs[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return ys[lo]!;
}

/**
 * Mean ± sample standard deviation (n - 1 in the denominator; 0 for one seed) across runs on `axis`. The grid is
 * the union of the runs' x values, thinned to at most `maxPoints` evenly spaced values (log-spaced when `log`).
 * `coverage: "all"` (default) keeps only x where every run has started and not yet ended, so the mean never jumps
 * because a seed joins or leaves; "any" keeps every x some run covers (n varies; see `n`).
 */
export function seedBand(
  runs: readonly CurveRun[],
  axisKey: "queries" | "seconds",
  opts: { maxPoints?: number; log?: boolean; coverage?: "all" | "any" } = {},
): SeedBand {
  const series = runs.map((r) => {
    const pts = [...r.points].sort((a, b) => a[axisKey] - b[axisKey]);
    for (const p of pts) {
      if (!Number.isFinite(p[axisKey]) || !Number.isFinite(p.best)) {
        throw new NasbookError(`search run ${r.strategy}/seed ${r.seed} has a non-finite point (${axisKey}=${p[axisKey]}, best=${p.best}); drop failed points before plotting`);
      }
    }
    return { xs: pts.map((p) => p[axisKey]), ys: pts.map((p) => p.best) };
  });
  let grid = [...new Set(series.flatMap((s) => s.xs))].sort((a, b) => a - b);
  const maxPoints = opts.maxPoints ?? 400;
  if (grid.length > maxPoints) {
    const lo = grid[0]!;
    const hi = grid[grid.length - 1]!;
    const useLog = opts.log === true && lo > 0;
    grid = Array.from({ length: maxPoints }, (_, i) => {
      const t = i / (maxPoints - 1);
      return useLog ? Math.exp(Math.log(lo) + t * (Math.log(hi) - Math.log(lo))) : lo + t * (hi - lo);
    });
    // Keep each run's last point so a band ends where its runs end.
    grid = [...new Set([...grid, ...series.map((s) => s.xs[s.xs.length - 1]!)])].sort((a, b) => a - b);
  }
  const coverage = opts.coverage ?? "all";
  const band: SeedBand = { x: [], mean: [], std: [], lower: [], upper: [], n: [] };
  for (const x of grid) {
    const vs = series.map((s) => stepValueAt(s.xs, s.ys, x)).filter((v): v is number => v !== undefined);
    if (vs.length === 0 || (coverage === "all" && vs.length < series.length)) continue;
    const mean = vs.reduce((a, b) => a + b, 0) / vs.length;
    const std = vs.length > 1 ? Math.sqrt(vs.reduce((a, v) => a + (v - mean) ** 2, 0) / (vs.length - 1)) : 0;
    band.x.push(x);
    band.mean.push(mean);
    band.std.push(std);
    band.lower.push(mean - std);
    band.upper.push(mean + std);
    band.n.push(vs.length);
  }
  return band;
}

export interface SearchCurvesOptions {
  id?: string;
  title?: string;
  /** The metric searched, as a key ("val_acc", shown by its readable label) or an axis title (default "best so far"). */
  metric?: string;
  /** If given, plot regret = optimum - best on a log axis instead of best. */
  optimum?: number;
  /**
   * Also draw best-so-far against wall-clock seconds, in a second panel (default false: wall time differs on every
   * run, so a figure with it makes saved notebooks differ between identical executions).
   */
  timePanel?: boolean;
  /** Log-scale the seconds axis (default true; only with `timePanel`). */
  logSeconds?: boolean;
  /** A dotted reference line on the best-so-far axis, e.g. the best value in a benchmark table. */
  target?: { value: number; label: string };
}

/**
 * The search-curve figure (vs queries; a second panel vs seconds with `timePanel`) of search results (or runs as
 * points); strategies in first-seen order.
 */
export function searchCurves(input: SearchCurvesInput, options: SearchCurvesOptions = {}): PlotlyFigure {
  const runs = curveRuns(input);
  if (runs.length === 0) throw new NasbookError("search curves need at least one search result (what search().result() returns)");
  const empty = runs.find((r) => r.points.length === 0);
  if (empty) throw new NasbookError(`search ${empty.strategy}/seed ${empty.seed} has no successful trial: there is no best-so-far to draw`);
  const strategies: string[] = [];
  for (const r of runs) if (!strategies.includes(r.strategy)) strategies.push(r.strategy);
  const timePanel = options.timePanel ?? false;
  const logSeconds = options.logSeconds ?? true;
  const panels = timePanel ? ([["queries", "x", "y"], ["seconds", "x2", "y2"]] as const) : ([["queries", "x", "y"]] as const);
  const regret = options.optimum !== undefined;
  // On the log axis of regret, 0 (the optimum found) and a band edge below it are drawn at a floor a decade under
  // the smallest positive regret of any point, so the axis does not stretch down to 1e-9.
  const positive = runs.flatMap((r) => r.points.map((p) => (options.optimum ?? 0) - p.best)).filter((x) => x > 0);
  const floor = positive.length > 0 ? Math.min(...positive) / 10 : 1e-3;
  const toY = (v: number): number => (regret ? Math.max(options.optimum! - v, floor) : v);
  const data: PlotlyTrace[] = [];
  const finals: string[] = [];
  strategies.forEach((strategy, si) => {
    const mine = runs.filter((r) => r.strategy === strategy);
    const colour = seriesColour(si);
    for (const [axisKey, xa, ya] of panels) {
      const b = seedBand(mine, axisKey, { log: axisKey === "seconds" && logSeconds });
      const common = { xaxis: xa, yaxis: ya, legendgroup: strategy, x: b.x, type: "scatter", mode: "lines" };
      data.push({ ...common, y: b.upper.map(toY), line: { width: 0, shape: "hv" }, hoverinfo: "skip", showlegend: false, name: `${strategy} +1σ` });
      data.push({ ...common, y: b.lower.map(toY), line: { width: 0, shape: "hv" }, fill: "tonexty", fillcolor: withAlpha(colour, 0.18), hoverinfo: "skip", showlegend: false, name: `${strategy} -1σ` });
      data.push({
        ...common,
        y: b.mean.map(toY),
        name: `${strategy} (${mine.length} seed${mine.length === 1 ? "" : "s"})`,
        line: { color: colour, width: 2.2, shape: "hv" },
        customdata: b.x.map((_, i) => [b.std[i], b.n[i]]),
        hovertemplate: `${strategy}<br>${axisKey}: %{x:.4g}<br>mean %{y:.4g} ± %{customdata[0]:.3g} (n=%{customdata[1]})<extra></extra>`,
        showlegend: axisKey === "queries",
      });
      if (axisKey === "queries" && b.mean.length > 0) {
        finals.push(`${strategy} ${b.mean[b.mean.length - 1]!.toFixed(3)} ± ${b.std[b.std.length - 1]!.toFixed(3)} at ${b.x[b.x.length - 1]} queries (n=${b.n[b.n.length - 1]})`);
      }
    }
  });
  if (options.target !== undefined) {
    const lastQuery = Math.max(...runs.flatMap((r) => r.points.map((p) => p.queries)));
    const y = toY(options.target.value);
    data.push({ x: [1, lastQuery], y: [y, y], type: "scatter", mode: "lines", name: options.target.label, line: { color: "#555", dash: "dot", width: 1 }, hoverinfo: "name+y" });
  }
  const metric = options.metric !== undefined ? metricLabel(options.metric) : "best so far";
  const yTitle = regret ? `regret (${options.optimum} − ${metric})` : metric;
  const yExtra = regret ? { type: "log" } : {};
  const title = options.title ?? "Search progress (mean ± 1 s.d. over seeds)";
  const below = legendBelow(data.filter((t) => t.showlegend === true).map((t) => String(t.name)));
  const margin = { l: 64, r: 24, t: 56, b: 50 + below.height };
  const height = margin.t + 296 + margin.b;
  const queryTicks = integerTicks(data.filter((t) => t.xaxis === "x").flatMap((t) => t.x as number[]));
  const axes = timePanel
    ? {
        grid: { rows: 1, columns: 2, pattern: "independent" },
        xaxis: axis(metricLabel("queries"), { domain: [0, 0.47], ...queryTicks }),
        yaxis: axis(yTitle, yExtra),
        xaxis2: axis(`seconds${logSeconds ? " (log)" : ""}`, { domain: [0.53, 1], ...(logSeconds ? { type: "log" } : {}) }),
        yaxis2: axis("", { ...yExtra, anchor: "x2", matches: "y" }),
      }
    : { xaxis: axis(metricLabel("queries"), queryTicks), yaxis: axis(yTitle, yExtra) };
  const layout = baseLayout(title, height, {
    ...axes,
    showlegend: true,
    margin,
    legend: below.legend,
    hovermode: "closest",
  });
  const spec = { data, layout, config: { ...PLOTLY_CONFIG } };
  const id = figureId("curves", JSON.stringify(spec), options.id);
  const seeds = new Set(runs.map((r) => r.seed)).size;
  const summary = `${title}: ${strategies.length} strateg${strategies.length === 1 ? "y" : "ies"}, ${seeds} seed(s)\nfinal ${metric}: ${finals.join("; ")}`;
  return new PlotlyFigure("curves", id, spec, summary, height);
}
