/**
 * The figures a strategy's snapshots support, so a notebook cell can show whatever a strategy exposes: a policy
 * over a cell's edges -> supernet graph, any policy -> policy heatmap (slider over all snapshots), population ->
 * population scatter.
 */
import type { StrategySnapshot } from "../strategy/types.js";
import type { Figure } from "./figure.js";
import { policyHeatmap } from "./policyHeatmap.js";
import { populationScatter } from "./populationScatter.js";
import { supernetGraph } from "./supernetGraph.js";
import { parseEdgeDecision, type SupernetModelOptions } from "./supernetModel.js";

export interface SnapshotFiguresOptions {
  /** Population cost metric; default the first of params, flops, seconds, latency that members have, else "trial". */
  cost?: string;
  /** Passed to the supernet figure (default: "concat" for DARTS cells, "sum" otherwise). */
  combine?: SupernetModelOptions["combine"];
}

const COSTS = ["params", "flops", "seconds", "latency"];

const isEdge = (decision: string): boolean => {
  try {
    parseEdgeDecision(decision);
    return true;
  } catch {
    return false;
  }
};

/** Figures for the latest snapshot (and the policy history of all of them), in the order supernet, policy, population. */
export function snapshotFigures(snapshots: StrategySnapshot | readonly StrategySnapshot[], options: SnapshotFiguresOptions = {}): Figure[] {
  const list: readonly StrategySnapshot[] = Array.isArray(snapshots) ? snapshots : [snapshots as StrategySnapshot];
  const latest = list[list.length - 1];
  if (latest === undefined) return [];
  const figures: Figure[] = [];
  const policy = latest.policy ?? [];
  if (policy.length > 0 && policy.every((row) => isEdge(row.decision))) figures.push(supernetGraph(latest, { combine: options.combine }));
  if (list.some((s) => s.policy !== undefined && s.policy.length > 0)) figures.push(policyHeatmap(list));
  const members = latest.population ?? [];
  if (members.length > 0) {
    const cost = options.cost ?? COSTS.find((c) => members.some((m) => m.metrics[c] !== undefined)) ?? "trial";
    figures.push(populationScatter(latest, { cost }));
  }
  return figures;
}
