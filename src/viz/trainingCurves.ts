/** Training curves: loss and accuracy per epoch, train solid and validation dashed, one colour per run. */
import { NasbookError } from "../errors.js";
import { PlotlyFigure, type PlotlyTrace } from "./figure.js";
import { figureId } from "./ids.js";
import { metricLabel } from "./metricLabels.js";
import { seriesColour } from "./palette.js";
import { PLOTLY_CONFIG, axis, baseLayout, integerTicks, legendBelow } from "./plotlyTheme.js";

/** One epoch's metrics as the figure reads them; any may be missing (e.g. no validation every epoch). */
export interface TrainingEpoch {
  epoch: number;
  trainLoss?: number;
  valLoss?: number;
  trainAcc?: number;
  valAcc?: number;
}

export interface TrainingRun {
  name: string;
  epochs: readonly TrainingEpoch[];
}

/** A search's trial whose result may carry training curves (a `trainEvaluator`'s trials do; failed ones may not). */
export interface TrialWithCurves {
  archString: string;
  result: { status: "ok" | "failed"; curves?: readonly TrainingEpoch[] };
}

/** Trials as named runs: one run per trial with curves, named by its architecture; the others are counted. */
function trialRuns(trials: readonly TrialWithCurves[]): { runs: TrainingRun[]; without: number } {
  const runs: TrainingRun[] = [];
  for (const t of trials) if (t.result.curves !== undefined && t.result.curves.length > 0) runs.push({ name: t.archString, epochs: t.result.curves });
  return { runs, without: trials.length - runs.length };
}

export interface TrainingCurvesOptions {
  id?: string;
  title?: string;
}

type SeriesKey = "trainLoss" | "valLoss" | "trainAcc" | "valAcc";
const SERIES: readonly { key: SeriesKey; label: string; panel: 1 | 2; dash: string }[] = [
  { key: "trainLoss", label: "train loss", panel: 1, dash: "solid" },
  { key: "valLoss", label: "val loss", panel: 1, dash: "dash" },
  { key: "trainAcc", label: "train acc", panel: 2, dash: "solid" },
  { key: "valAcc", label: "val acc", panel: 2, dash: "dash" },
];

/** The (epoch, value) series of one metric of one run, skipping epochs without a finite value; sorted by epoch. */
export function epochSeries(epochs: readonly TrainingEpoch[], key: SeriesKey): { x: number[]; y: number[] } {
  const rows = epochs.filter((e) => e[key] !== undefined && Number.isFinite(e[key])).sort((a, b) => a.epoch - b.epoch);
  return { x: rows.map((e) => e.epoch), y: rows.map((e) => e[key]!) };
}

/**
 * Loss (left) and accuracy (right) per epoch: of a search's trials (`result.history`, or a few of them; trials
 * without curves, e.g. failed before their first epoch, are left out and counted), of one run (a list of epochs) or
 * of several named runs.
 */
export function trainingCurves(source: readonly TrialWithCurves[] | readonly TrainingEpoch[] | readonly TrainingRun[], options: TrainingCurvesOptions = {}): PlotlyFigure {
  const first = source[0];
  let without = 0;
  let runs: readonly TrainingRun[];
  if (first !== undefined && "archString" in first) ({ runs, without } = trialRuns(source as readonly TrialWithCurves[]));
  else runs = first !== undefined && "epochs" in first ? (source as readonly TrainingRun[]) : [{ name: "run", epochs: source as readonly TrainingEpoch[] }];
  if (runs.every((r) => r.epochs.length === 0)) {
    throw new NasbookError(
      without > 0
        ? `none of the ${without} trials has training curves (a trainEvaluator's successful trials have them in result.curves)`
        : "training curves need at least one epoch record ({ epoch, trainLoss?, valLoss?, trainAcc?, valAcc? })",
    );
  }
  const data: PlotlyTrace[] = [];
  const lines: string[] = [];
  runs.forEach((run, ri) => {
    const colour = seriesColour(ri);
    for (const s of SERIES) {
      const { x, y } = epochSeries(run.epochs, s.key);
      if (x.length === 0) continue;
      // Several runs: one legend entry per run (its first series; clicking it toggles all four), the legend's title
      // says which line style is which. Twelve entries of long architecture strings would bury the plot.
      const first = runs.length > 1 && !data.some((t) => t.legendgroup === run.name);
      data.push({
        type: "scatter",
        mode: x.length > 40 ? "lines" : "lines+markers",
        name: runs.length > 1 ? run.name : s.label,
        legendgroup: runs.length > 1 ? run.name : s.label,
        ...(runs.length > 1 ? { showlegend: first } : {}),
        x,
        y,
        xaxis: s.panel === 1 ? "x" : "x2",
        yaxis: s.panel === 1 ? "y" : "y2",
        line: { color: runs.length > 1 ? colour : seriesColour(s.key.startsWith("train") ? 0 : 1), dash: s.dash, width: 2 },
        marker: { size: 5 },
        hovertemplate: `${run.name} ${s.label}<br>epoch %{x}: %{y:.4g}<extra></extra>`,
      });
    }
    const last = run.epochs.reduce<TrainingEpoch | undefined>((b, e) => (b === undefined || e.epoch > b.epoch ? e : b), undefined);
    if (last) {
      const parts = SERIES.filter((s) => last[s.key] !== undefined).map((s) => `${s.label} ${last[s.key]!.toFixed(4)}`);
      lines.push(`${run.name} epoch ${last.epoch}: ${parts.join(", ")}`);
    }
  });
  const panelEpochs = (axisId: 1 | 2): number[] => data.filter((t) => t.xaxis === (axisId === 1 ? "x" : "x2")).flatMap((t) => t.x as number[]);
  const title = options.title ?? "Training curves";
  // The legend goes below the plot, where however many runs it lists it cannot reach the title.
  const styleKey = runs.length > 1 ? "solid: train, dashed: validation" : undefined;
  const shown = data.filter((t) => t.showlegend !== false).map((t) => String(t.name));
  const below = legendBelow(shown);
  const plotHeight = 246;
  const margin = { l: 60, r: 24, t: styleKey ? 72 : 56, b: 50 + below.height };
  const height = margin.t + plotHeight + margin.b;
  const layout = baseLayout(title, height, {
    grid: { rows: 1, columns: 2, pattern: "independent" },
    xaxis: axis(metricLabel("epoch"), { domain: [0, 0.46], ...integerTicks(panelEpochs(1)) }),
    yaxis: axis(metricLabel("loss")),
    xaxis2: axis(metricLabel("epoch"), { domain: [0.56, 1], ...integerTicks(panelEpochs(2)) }),
    yaxis2: axis(metricLabel("accuracy"), { anchor: "x2" }),
    margin,
    legend: below.legend,
  });
  // The line-style key goes under the title (plotly's subtitle), where it cannot collide with the legend.
  if (styleKey) layout["title"] = { ...(layout["title"] as Record<string, unknown>), subtitle: { text: styleKey, font: { size: 12, color: "#55556a" } } };
  const spec = { data, layout, config: { ...PLOTLY_CONFIG } };
  const id = figureId("training", JSON.stringify(spec), options.id);
  const left = without > 0 ? ` (${without} trial(s) without curves left out)` : "";
  return new PlotlyFigure("training", id, spec, `${title}: ${runs.length} run(s)${left}\n${lines.join("\n")}`, height);
}
