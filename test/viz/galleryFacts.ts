/**
 * What each gallery figure must say and draw, computed here from the fixtures (not from the figure code): the facts
 * its `text/plain` states, and its plotly traces as `name:size`. A figure that summarises or plots the wrong data
 * fails against these.
 */
import * as fx from "./fixtures.js";

const argmax = (xs: readonly number[]): number => xs.reduce((b, x, i) => (x > xs[b]! ? i : b), 0);
const round3 = (x: number): string => String(Math.round(x * 1000) / 1000);

/** NB201 (Dong & Yang 2020) derives by argmax over all ops of every edge. */
function nb201Derived(): string {
  return fx.nb201Policy(1).map((a) => `${a.decision}:${a.choices[argmax(a.probs)]}`).join(" ");
}

/** DARTS (Liu et al. 2019): per node, the 2 incoming edges with the strongest non-none op (softmax), in input order. */
function dartsDerived(): string {
  const alphas = fx.dartsPolicy(2);
  return ["normal", "reduce"]
    .map((cell) => {
      const kept: string[] = [];
      for (let j = 0; j < 4; j++) {
        const inputs = alphas
          .filter((a) => a.decision.startsWith(`${cell}:${j}<-`))
          .map((a, order) => {
            const p = a.probs;
            const k = argmax(p.map((x, i) => (a.choices[i] === "none" ? -1 : x)));
            return { order, label: `${a.decision.slice(cell.length + 1)}:${a.choices[k]}`, strength: p[k]! };
          });
        const top = [...inputs].sort((a, b) => b.strength - a.strength).slice(0, 2).sort((a, b) => a.order - b.order);
        kept.push(...top.map((t) => t.label));
      }
      return `${cell}: ${kept.join(" ")}`;
    })
    .join("; ");
}

function policyFacts(): string[] {
  const snaps = fx.policySnapshots(3);
  const last = snaps.at(-1)!;
  const top = last.policy!.map((p) => `${p.decision}=${p.choices[argmax(p.probs)]}(${Math.max(...p.probs).toFixed(2)})`).join(" ");
  return [`${last.policy!.length} decisions, ${snaps.length} snapshot(s), step ${snaps[0]!.step}..${last.step}`, `most likely at step ${last.step}: ${top}`];
}

/** Pareto front of (max accuracy, min params) by brute force: members no other member dominates. */
function paretoSize(members: ReturnType<typeof fx.population>): number {
  const pts = members.map((m) => ({ q: m.metrics.accuracy as number, c: m.metrics.params as number }));
  return pts.filter((p) => !pts.some((o) => o.c <= p.c && o.q >= p.q && (o.c < p.c || o.q > p.q))).length;
}

function populationFacts(): string[] {
  const members = fx.population(4);
  const best = members.reduce((b, m) => ((m.metrics.accuracy as number) > (b.metrics.accuracy as number) ? m : b));
  return [
    `${members.length} members, Pareto front ${paretoSize(members)}`,
    `best accuracy (%) ${round3(best.metrics.accuracy as number)} at params (M) ${round3(best.metrics.params as number)}: ${best.arch}`,
  ];
}

/** Mean ± sample s.d. over seeds of each strategy's final best-so-far. */
function curvesFacts(): string[] {
  const runs = fx.searchRuns(5);
  const strategies = [...new Set(runs.map((r) => r.strategy))];
  const finals = strategies.map((s) => {
    const xs = runs.filter((r) => r.strategy === s).map((r) => r.points.at(-1)!.best);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
    return `${s} ${mean.toFixed(3)} ± ${sd.toFixed(3)} at ${runs[0]!.points.length} queries (n=${xs.length})`;
  });
  return [`${strategies.length} strategies, 3 seed(s)`, `final test accuracy (%): ${finals.join("; ")}`];
}

function trainingFacts(): string[] {
  const epochs = fx.trainingEpochs(6);
  const e = epochs.at(-1)!;
  return [`1 run(s)`, `epoch ${e.epoch}: train loss ${e.trainLoss!.toFixed(4)}, val loss ${e.valLoss!.toFixed(4)}, train acc ${e.trainAcc!.toFixed(4)}, val acc ${e.valAcc!.toFixed(4)}`];
}

function notebookFacts(): string[] {
  const nb = fx.notebook();
  const states = ["fresh", "stale", "running", "error"].map((s) => `${nb.cells.filter((c) => c.state === s).length} ${s}`);
  return [`${nb.cells.length} cells, ${nb.edges.length} edges`, states.join(", ")];
}

/** Substrings the figure's text/plain must contain. */
export function plainFacts(name: string): string[] {
  const multi = fx.multiBranchGraph();
  const archOps = ["nor_conv_3x3", "skip_connect", "nor_conv_1x1", "none", "nor_conv_3x3", "avg_pool_3x3"];
  const archDerived = fx.NB201_EDGES.flatMap((e, i) => (archOps[i] === "none" ? [] : [`${e}:${archOps[i]}`])).join(" ");
  const facts: Record<string, string[]> = {
    "supernet-nb201": ["1 cell(s), 4 nodes, 6 edges", `derived: cell: ${nb201Derived()}`],
    "supernet-darts": ["2 cell(s), 14 nodes, 36 edges", `derived: ${dartsDerived()}`],
    "arch-nb201": ["1 cell(s), 4 nodes, 6 edges", `derived: nb201: ${archDerived}`],
    "arch-multibranch": [`1 cell(s), ${multi.nodes.length} nodes, ${multi.edges.length} edges`],
    policy: policyFacts(),
    population: populationFacts(),
    "search-curves": curvesFacts(),
    training: trainingFacts(),
    notebook: notebookFacts(),
  };
  const f = facts[name];
  if (f === undefined) throw new Error(`no expected text/plain facts for gallery figure "${name}": add them to test/viz/galleryFacts.ts`);
  return f;
}

/** The plotly traces as `name:points` (unnamed traces by type; a heatmap's size as rows x columns), in drawing order. */
export function plotlyTraces(name: string): string[] {
  const pop = fx.population(4);
  const runs = fx.searchRuns(5);
  const epochs = fx.trainingEpochs(6).length;
  const strategies = [...new Set(runs.map((r) => r.strategy))];
  const traces: Record<string, string[]> = {
    policy: [`heatmap:${fx.policySnapshots(3).at(-1)!.policy!.length}x${fx.NB201_OPS.length}`],
    population: [`population:${pop.length}`, `Pareto front (${paretoSize(pop)}):${paretoSize(pop)}`],
    // Per strategy and panel (queries, then seconds): the +1σ and −1σ band edges and the mean. On the seconds panel
    // the band's x is every seed's timestamp while all seeds run (from the latest first point to the earliest last).
    "search-curves": strategies.flatMap((s) => {
      const seeds = runs.filter((r) => r.strategy === s);
      const q = seeds[0]!.points.length;
      const start = Math.max(...seeds.map((r) => r.points[0]!.seconds));
      const end = Math.min(...seeds.map((r) => r.points.at(-1)!.seconds));
      const secondsX = new Set(seeds.flatMap((r) => r.points.map((p) => p.seconds)).filter((t) => t >= start && t <= end)).size;
      return [`${s} +1σ:${q}`, `${s} -1σ:${q}`, `${s} (${seeds.length} seeds):${q}`, `${s} +1σ:${secondsX}`, `${s} -1σ:${secondsX}`, `${s} (${seeds.length} seeds):${secondsX}`];
    }),
    training: ["train loss", "val loss", "train acc", "val acc"].map((t) => `${t}:${epochs}`),
  };
  const t = traces[name];
  if (t === undefined) throw new Error(`no expected plotly traces for gallery figure "${name}": add them to test/viz/galleryFacts.ts`);
  return t;
}
