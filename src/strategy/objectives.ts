/**
 * Objectives of a multi-objective search: which metrics of a trial's result to maximise or minimise. Internally a
 * result becomes a vector to *minimise* (a maximised metric is negated), so dominance, sorting and hypervolume
 * have one direction.
 */
import { NasbookError } from "../errors.js";

export interface Objective {
  metric: string;
  goal: "max" | "min";
}

/** An objective spec: `{ metric, goal }`, or the shorthand "max:val_acc" / "min:latency_ms". */
export type ObjectiveSpec = Objective | `max:${string}` | `min:${string}`;

/** A bad objectives list (fewer than two, an unknown goal, a metric twice). */
export class ObjectiveError extends NasbookError {}

export function parseObjectives(specs: readonly ObjectiveSpec[], who: string): Objective[] {
  if (!Array.isArray(specs) || specs.length < 2) {
    throw new ObjectiveError(`${who} needs at least two objectives, e.g. objectives: ["max:val_acc", "min:latency_ms"]`);
  }
  const out = specs.map((s): Objective => {
    if (typeof s === "string") {
      const m = /^(max|min):(.+)$/.exec(s);
      if (!m) throw new ObjectiveError(`${who}: objective "${s}" must be "max:<metric>" or "min:<metric>"`);
      return { metric: m[2]!, goal: m[1] as "max" | "min" };
    }
    if (!s || typeof s.metric !== "string" || (s.goal !== "max" && s.goal !== "min")) {
      throw new ObjectiveError(`${who}: objective ${JSON.stringify(s)} must be { metric: string, goal: "max" | "min" }`);
    }
    return { metric: s.metric, goal: s.goal };
  });
  const seen = new Set<string>();
  for (const o of out) {
    if (seen.has(o.metric)) throw new ObjectiveError(`${who}: metric "${o.metric}" appears twice among the objectives`);
    seen.add(o.metric);
  }
  return out;
}

/** The result's objectives as a vector to minimise, or undefined if a metric is missing or not finite (a failed trial). */
export function minimisedVector(metrics: Record<string, number>, objectives: readonly Objective[]): number[] | undefined {
  const v: number[] = [];
  for (const o of objectives) {
    const x = metrics[o.metric];
    if (typeof x !== "number" || !Number.isFinite(x)) return undefined;
    v.push(o.goal === "max" ? -x : x);
  }
  return v;
}
