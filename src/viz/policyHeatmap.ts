/**
 * Policy: the probability of each choice of each decision, as a heatmap (decisions x choices), with a slider and
 * play button over the strategy's snapshots: a controller's policy (REINFORCE: Zoph & Le 2017, "Neural Architecture
 * Search with Reinforcement Learning"; ENAS: Pham et al. 2018) or softmax(alpha) per edge (DARTS, GDAS), the same
 * `policy` rows of a snapshot.
 */
import type { StrategySnapshot } from "../strategy/types.js";
import { NasbookError } from "../errors.js";
import { PlotlyFigure, type PlotlyFrame, type PlotlyTrace } from "./figure.js";
import { figureId } from "./ids.js";
import { PLOTLY_CONFIG, axis, baseLayout } from "./plotlyTheme.js";


/** The heatmap of one snapshot: rows = decisions, columns = choice slots; `null` where a decision has fewer choices. */
export interface PolicyMatrix {
  step: number;
  decisions: string[];
  /** Column labels: the shared choice names when every decision has the same choices, else "choice 1..k". */
  columns: string[];
  z: (number | null)[][];
  names: (string | null)[][];
}

/** Builds one matrix per snapshot, with the decisions (rows) in first-seen order across all snapshots. */
export function policyMatrices(snapshots: readonly Pick<StrategySnapshot, "step" | "policy">[]): PolicyMatrix[] {
  const withPolicy = snapshots.filter((s) => s.policy !== undefined && s.policy.length > 0);
  if (withPolicy.length === 0) {
    throw new NasbookError("policy figure needs snapshots with a `policy` (controllers and DARTS/GDAS fill it); none of the given snapshots has one");
  }
  const decisions: string[] = [];
  const choicesOf = new Map<string, string[]>();
  for (const s of withPolicy) {
    for (const p of s.policy!) {
      if (p.probs.length !== p.choices.length) {
        throw new NasbookError(`policy at step ${s.step}, decision ${p.decision}: ${p.probs.length} probabilities for ${p.choices.length} choices; give one per choice`);
      }
      const bad = p.probs.find((x) => !(x >= 0 && x <= 1));
      if (bad !== undefined) throw new NasbookError(`policy at step ${s.step}, decision ${p.decision}: probability ${bad} is outside [0, 1]`);
      if (!choicesOf.has(p.decision)) {
        decisions.push(p.decision);
        choicesOf.set(p.decision, p.choices);
      }
    }
  }
  const first = choicesOf.get(decisions[0]!)!;
  const shared = decisions.every((d) => {
    const c = choicesOf.get(d)!;
    return c.length === first.length && c.every((x, i) => x === first[i]);
  });
  const width = Math.max(...decisions.map((d) => choicesOf.get(d)!.length));
  const columns = shared ? [...first] : Array.from({ length: width }, (_, i) => `choice ${i + 1}`);
  return withPolicy.map((s) => {
    const byName = new Map(s.policy!.map((p) => [p.decision, p]));
    const z: (number | null)[][] = [];
    const names: (string | null)[][] = [];
    for (const d of decisions) {
      const p = byName.get(d);
      z.push(Array.from({ length: width }, (_, i) => p?.probs[i] ?? null));
      names.push(Array.from({ length: width }, (_, i) => p?.choices[i] ?? null));
    }
    return { step: s.step, decisions, columns, z, names };
  });
}

export interface PolicyHeatmapOptions {
  id?: string;
  title?: string;
  /** Plotly colour scale name. */
  colorscale?: string;
}

function heatmapTrace(m: PolicyMatrix, showText: boolean): PlotlyTrace {
  return {
    type: "heatmap",
    x: m.columns,
    y: m.decisions,
    z: m.z,
    customdata: m.names,
    zmin: 0,
    zmax: 1,
    colorscale: "YlGnBu",
    reversescale: true,
    xgap: 2,
    ygap: 2,
    colorbar: { title: { text: "p" }, thickness: 12, len: 0.9 },
    hovertemplate: "%{y}<br>%{customdata}: %{z:.3f}<extra></extra>",
    ...(showText ? { text: m.z.map((r) => r.map((v) => (v === null ? "" : v.toFixed(2)))), texttemplate: "%{text}", textfont: { size: 11 } } : {}),
  };
}

/** The policy heatmap with a step slider (one frame per snapshot; starts at the latest). */
export function policyHeatmap(
  snapshots: readonly Pick<StrategySnapshot, "step" | "policy" | "strategy">[] | Pick<StrategySnapshot, "step" | "policy" | "strategy">,
  options: PolicyHeatmapOptions = {},
): PlotlyFigure {
  const list = Array.isArray(snapshots) ? snapshots : [snapshots as Pick<StrategySnapshot, "step" | "policy" | "strategy">];
  const mats = policyMatrices(list);
  const last = mats[mats.length - 1]!;
  const showText = last.decisions.length * last.columns.length <= 240;
  const strategy = list.find((s) => s.policy !== undefined)?.strategy ?? "controller";
  const title = options.title ?? `Policy (${strategy})`;
  const colour = options.colorscale ?? "YlGnBu";
  const trace = (m: PolicyMatrix): PlotlyTrace => ({ ...heatmapTrace(m, showText), colorscale: colour });
  const frameName = (m: PolicyMatrix, i: number): string => `${i}:step ${m.step}`;
  const frames: PlotlyFrame[] = mats.map((m, i) => ({ name: frameName(m, i), data: [trace(m)], traces: [0] }));
  const height = Math.max(300, Math.min(900, 150 + 26 * last.decisions.length)) + (mats.length > 1 ? 90 : 0);
  const layout = baseLayout(title, height, {
    xaxis: axis("choice", { side: "bottom", type: "category", ticks: "", showgrid: false }),
    yaxis: axis("decision", { autorange: "reversed", type: "category", ticks: "", showgrid: false }),
    margin: { l: 110, r: 30, t: 56, b: mats.length > 1 ? 120 : 50 },
  });
  if (mats.length > 1) {
    const anim = { mode: "immediate", frame: { duration: 0, redraw: true }, transition: { duration: 0 } };
    layout.sliders = [
      {
        active: mats.length - 1,
        x: 0.16,
        len: 0.84,
        y: 0,
        yanchor: "top",
        pad: { t: 50 },
        currentvalue: { prefix: "step ", font: { size: 12 } },
        steps: mats.map((m, i) => ({ label: String(m.step), method: "animate", args: [[frameName(m, i)], anim] })),
      },
    ];
    layout.updatemenus = [
      {
        type: "buttons",
        direction: "left",
        showactive: false,
        x: 0,
        y: 0,
        xanchor: "left",
        yanchor: "top",
        pad: { t: 58, r: 10 },
        buttons: [
          { label: "▶", method: "animate", args: [null, { ...anim, frame: { duration: 400, redraw: true }, fromcurrent: true }] },
          { label: "❚❚", method: "animate", args: [[null], { ...anim, mode: "immediate" }] },
        ],
      },
    ];
  }
  const spec = { data: [trace(last)], layout, frames: mats.length > 1 ? frames : undefined, config: { ...PLOTLY_CONFIG } };
  if (spec.frames === undefined) delete spec.frames;
  const json = JSON.stringify(spec);
  const id = figureId("policy", json, options.id);
  const top = last.decisions
    .map((d, r) => {
      let bi = 0;
      last.z[r]!.forEach((v, i) => { if ((v ?? -1) > (last.z[r]![bi] ?? -1)) bi = i; });
      return `${d}=${last.names[r]![bi]}(${(last.z[r]![bi] ?? 0).toFixed(2)})`;
    })
    .join(" ");
  const summary = `${title}: ${last.decisions.length} decisions, ${mats.length} snapshot(s), step ${mats[0]!.step}..${last.step}\nmost likely at step ${last.step}: ${top}`;
  return new PlotlyFigure("policy", id, spec, summary, height);
}
